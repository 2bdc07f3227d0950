"""PDF at the edge: HTML laid out by WeasyPrint, PDFs joined and numbered with pikepdf, the seal drawn with Pillow."""
