"""Test doubles for what TBot cannot reach from a test: shipped so developers can run them too.

Nothing here imports the rest of `tbot`, and no layer imports this package (import-linter).
"""
