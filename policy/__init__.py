"""pop-guardrails, the policy pack: Pulumi runs this folder (PulumiPolicy.yaml, __main__.py)."""
