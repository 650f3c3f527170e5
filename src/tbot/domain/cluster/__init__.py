"""Cluster: leases held by a node, fencing tokens, and the errors of coordination."""
