"""`make release`: the provider's release artifacts, built here as on every release runner."""
