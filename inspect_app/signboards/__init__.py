"""Signboards: the station's staff and responsible officer, print-ready plaques, and the public page their QR
codes lead to."""
