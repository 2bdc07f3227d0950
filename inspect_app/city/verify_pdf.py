"""Telling a signed PDF handed in on its own (a results notice, a 整改通知书) from a bundle's ZIP."""

from __future__ import annotations

from pathlib import Path

PDF_MAGIC = b"%PDF-"


def is_pdf(path: Path) -> bool:
    """True when the file begins as a PDF does (its name is not trusted)."""
    with open(path, "rb") as file:
        return file.read(len(PDF_MAGIC)) == PDF_MAGIC
