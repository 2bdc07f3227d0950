"""Joining PDFs page by page: the only module that imports pikepdf.

A long report is laid out in parts (WeasyPrint holds every laid-out page of a document in memory), then the
parts are joined here, each part's bookmarks kept, and the page footers ("第 3 页 共 120 页") laid over the
joined pages, since only the whole knows its page count. Images and fonts are copied as they are: pikepdf
reads stream data from the part files while writing, so the joined file is never held in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pikepdf


def page_count(path: Path) -> int:
    """How many pages the PDF file has."""
    with pikepdf.Pdf.open(path) as pdf:
        return len(pdf.pages)


def join(parts: Sequence[Path], target: Path, overlay: Path | None = None) -> int:
    """Write the parts' pages in order to target, with page n of overlay laid over page n; returns the pages.

    The document information (title, author) is the first part's; bookmarks of every part are kept,
    pointing at the joined pages.
    """
    opened = [pikepdf.Pdf.open(path) for path in parts]
    stamp = pikepdf.Pdf.open(overlay) if overlay is not None else None
    try:
        joined = opened[0]
        bookmarks: list[Bookmark] = []
        for part in opened:
            bookmarks.extend(_bookmarks(part, 0 if part is joined else len(joined.pages)))
            if part is not joined:
                joined.pages.extend(part.pages)
        if stamp is not None:
            if len(stamp.pages) != len(joined.pages):
                raise ValueError(f"overlay has {len(stamp.pages)} pages for {len(joined.pages)}")
            for page, over in zip(joined.pages, stamp.pages):
                page.add_overlay(over)
        with joined.open_outline() as outline:
            outline.root.clear()
            outline.root.extend(_item(bookmark) for bookmark in bookmarks)
        joined.save(target)
        return len(joined.pages)
    finally:
        for pdf in opened:
            pdf.close()
        if stamp is not None:
            stamp.close()


Bookmark = tuple[str, int | None, list]  # title, page index in the joined document, children


def _bookmarks(part: pikepdf.Pdf, offset: int) -> list[Bookmark]:
    """The part's bookmarks as (title, page, children), pages counted from offset."""
    index = {page.obj.objgen: number for number, page in enumerate(part.pages)}

    def walk(item: pikepdf.OutlineItem) -> Bookmark:
        destination = item.destination
        page = None
        if isinstance(destination, int):
            page = destination
        elif isinstance(destination, pikepdf.Array) and len(destination):
            page = index.get(destination[0].objgen)
        return item.title, None if page is None else page + offset, [walk(child) for child in item.children]

    with part.open_outline() as outline:
        return [walk(item) for item in outline.root]


def _item(bookmark: Bookmark) -> pikepdf.OutlineItem:
    title, page, children = bookmark
    item = pikepdf.OutlineItem(title, page)
    item.children.extend(_item(child) for child in children)
    return item
