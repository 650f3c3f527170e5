"""The `tbot` command (Typer + Rich)."""
