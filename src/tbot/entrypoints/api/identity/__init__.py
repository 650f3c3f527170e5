"""Identity endpoints: auth, users, roles, API tokens, audit."""
