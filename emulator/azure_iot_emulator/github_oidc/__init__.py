"""GitHub Actions' OIDC token service, played by the emulator: the issuer
``https://token.actions.githubusercontent.com`` whose tokens federated credentials trust."""
