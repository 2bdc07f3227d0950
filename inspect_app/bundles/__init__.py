"""The district's evidence bundle: report.pdf, 名录表, photos and manifest, built in the background and signed."""
