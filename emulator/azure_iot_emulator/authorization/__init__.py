"""Microsoft.Authorization's role API: custom role definitions and role assignments at a scope."""
