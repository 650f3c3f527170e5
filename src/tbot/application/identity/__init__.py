"""Identity and access use cases."""
