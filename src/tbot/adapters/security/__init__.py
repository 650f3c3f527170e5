"""Password hashing (bcrypt) and access tokens (pyjwt)."""
