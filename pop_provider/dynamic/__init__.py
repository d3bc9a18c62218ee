"""The dynamic face: `VerifiedCaCertificate` and `TrustedCa` for Python programs, served by
Pulumi's dynamic-provider host (the API released in 0.2, unchanged)."""
