"""Stored files tied to transactions, and the sweep of what crashes and abandoned uploads leave."""
