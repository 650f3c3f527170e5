"""Adapters to the host: clock, environment."""
