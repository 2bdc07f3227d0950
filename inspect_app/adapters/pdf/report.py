"""HTML to PDF: the only module that imports WeasyPrint."""

from __future__ import annotations

from pathlib import Path

from PIL import ImageFile
from weasyprint import HTML

# Importing WeasyPrint makes Pillow accept truncated images process-wide. Uploads must stay strict (a cut-off
# photo is refused, not silently padded), and the report only embeds complete copies it made itself: undo it.
ImageFile.LOAD_TRUNCATED_IMAGES = False

# A photo printed 80 mm wide needs no more than this (the print copies are made to it: print_copies.PRINT_BOX);
# a larger image is scaled down on embedding, which keeps a station well under the 0.6 MB the city allows.
IMAGE_DPI = 200


def create_pdf(html: str, base_url: str | None = None) -> bytes:
    """Render an HTML document (with its CSS and images resolved against base_url) to PDF bytes.

    Fonts are embedded as subsets of the glyphs used, so Chinese text needs a CJK font named in the CSS
    and installed on the host (fonts-noto-cjk).
    """
    return HTML(string=html, base_url=base_url).write_pdf(dpi=IMAGE_DPI)


def write_pdf(html: str, target: Path) -> None:
    """create_pdf straight to a file: the PDF bytes are not kept in memory beside the layout."""
    HTML(string=html).write_pdf(target, dpi=IMAGE_DPI)
