"""Cluster: node heartbeats (leader election and locks come with the cluster issue)."""
