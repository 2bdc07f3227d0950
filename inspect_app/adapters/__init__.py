"""The library edges: each module is the only one that imports its library."""
