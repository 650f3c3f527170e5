"""PostgreSQL repositories of identity and access: users, roles, tokens, verifications."""
