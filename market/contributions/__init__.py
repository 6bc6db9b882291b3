"""Contributions: what each vendor has built in the community's products, from their git history."""
