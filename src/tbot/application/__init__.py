"""Use cases (one package per capability) and the ports they need. Imports the domain only."""
