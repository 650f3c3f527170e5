"""The arq worker: runs background jobs on every node."""
