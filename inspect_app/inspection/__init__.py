"""The field inspection: the board, the checklist, photos, signatures, and the offline app's sync API."""
