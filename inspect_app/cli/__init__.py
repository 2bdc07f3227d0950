"""Command-line groups: thin wrappers around the use cases."""
