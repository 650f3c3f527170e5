"""Settings and secrets: layered resolution (database > keyring > environment > default)."""
