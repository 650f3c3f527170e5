"""Health: per-dependency status of this node."""
