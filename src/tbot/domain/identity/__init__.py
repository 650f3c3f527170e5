"""Identity and access: users, roles, permissions, credentials."""
