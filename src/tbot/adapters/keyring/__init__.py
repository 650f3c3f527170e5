"""Secrets in the OS keyring (Windows Credential Manager, macOS Keychain, Secret Service)."""
