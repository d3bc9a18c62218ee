"""The Azure Key Vault keys data plane: get a key, sign a digest, import or create keys."""
