"""Checklist rules: versions, editing, the Excel sheet's layout and scoring in exact fractions."""
