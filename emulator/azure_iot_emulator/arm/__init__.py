"""Azure Resource Manager itself: authentication, RBAC, subscriptions, resource groups,
api-versions."""
