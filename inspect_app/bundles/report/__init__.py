"""report.pdf: its data, its HTML parts and their layout into one numbered PDF."""
