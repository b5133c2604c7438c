"""Generators of demo data with known effects (the truth is returned beside the data)."""
