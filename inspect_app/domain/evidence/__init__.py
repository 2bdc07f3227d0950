"""What signed evidence says: figures, the narrative, manifests, fingerprints, submissions."""
