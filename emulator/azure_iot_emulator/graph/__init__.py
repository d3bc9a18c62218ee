"""Microsoft Graph, the few directory reads the az CLI makes to resolve a role assignee."""
