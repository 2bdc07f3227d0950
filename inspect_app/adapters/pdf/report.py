"""HTML to PDF: the only module that imports WeasyPrint."""

from __future__ import annotations

import functools
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import ImageFile

if TYPE_CHECKING:
    from weasyprint import HTML

# A photo printed 80 mm wide needs no more than this (the print copies are made to it: print_copies.PRINT_BOX);
# a larger image is scaled down on embedding, which keeps a station well under the 0.6 MB the city allows.
IMAGE_DPI = 200
# How a document is laid out, beside its HTML: a kept report part laid out otherwise is laid out again (the
# version is read from the package's metadata, so nothing of WeasyPrint is imported for it). Raise the number when
# a change here changes the PDF of the same HTML.
LAYOUT = f"WeasyPrint {metadata.version('weasyprint')}, {IMAGE_DPI} dpi, layout 1"


def create_pdf(html: str, base_url: str | None = None) -> bytes:
    """Render an HTML document (with its CSS and images resolved against base_url) to PDF bytes.

    Fonts are embedded as subsets of the glyphs used, so Chinese text needs a CJK font named in the CSS
    and installed on the host (fonts-noto-cjk).
    """
    return _html()(string=html, base_url=base_url).write_pdf(dpi=IMAGE_DPI)


def write_pdf(html: str, target: Path) -> None:
    """create_pdf straight to a file: the PDF bytes are not kept in memory beside the layout."""
    _html()(string=html).write_pdf(target, dpi=IMAGE_DPI)


@functools.cache
def _html() -> type[HTML]:
    """WeasyPrint's HTML, imported when the first PDF is made: it pulls in its fonts, CSS and layout machinery
    (tens of MB per process) that only report builds use."""
    from weasyprint import HTML

    # Importing WeasyPrint makes Pillow accept truncated images process-wide. Uploads must stay strict (a cut-off
    # photo is refused, not silently padded), and the report only embeds complete copies it made itself: undo it.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return HTML
