"""Implementations of the application's ports, named for the need and the technology."""
