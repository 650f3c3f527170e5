"""Secrets: kept in the keyring only, audited by name, never by value."""
