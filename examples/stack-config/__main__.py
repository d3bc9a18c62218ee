"""Trust the CA certificates listed under `stack-config:certificates` in the stack config, each
Verified; rotate by editing the list. README.md here has the config and the commands."""

from pop_provider import trust_from_stack_config

trust_from_stack_config()
