"""The token service: the slice of Microsoft Entra ID that azure-identity's
ClientSecretCredential uses."""
