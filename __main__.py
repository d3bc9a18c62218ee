"""Trust the CA certificates the stack config lists, each Verified (README: Stack configuration)."""

from pop_provider import trust_from_stack_config

trust_from_stack_config()
