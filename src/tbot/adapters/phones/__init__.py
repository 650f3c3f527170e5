"""Phone numbers (Google's libphonenumber port)."""
