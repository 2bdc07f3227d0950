"""Rules of the domain: plain Python, no Flask, SQLAlchemy or Pillow imports."""
