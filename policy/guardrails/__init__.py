"""The rules of pop-guardrails and what they read: which resources, their certificates, the stack.

Only `pack` knows Pulumi's policy SDK; the rest is plain Python over plain values, so each rule
can be read, and tested, on its own.
"""
