"""The token service: the slice of Microsoft Entra ID that azure-identity's
ClientSecretCredential and ClientAssertionCredential (workload identity federation) use."""
