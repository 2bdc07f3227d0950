"""Joining PDFs page by page: the only module that imports pikepdf.

A long report is laid out in parts (WeasyPrint holds every laid-out page of a document in memory), then the
parts are joined here, each part's bookmarks kept, and the page footers ("第 3 页 共 120 页") stamped on the
joined pages, since only the whole knows its page count. Images are copied as they are (the fonts, below, are
not): pikepdf reads stream data from the part files while writing, so the joined file is never held in memory.

The footers are put together from a glyph sheet: the 13 pieces they need (第, 页, 共 and the digits), each laid
out once by WeasyPrint as the footer of a page of its own, imported as Form XObjects and drawn side by side, as
many as a footer needs, from a few bytes of content stream per page. Laying the footers out as a document of
their own cost 37.6 s CPU and a 438 MB peak at 2,850 pages; the glyph sheet, laid out on every run there (a build
keeps it with its parts), 1.5 s and 162 MB; joining alone 0.5 s and 128 MB (bench/page_numbers.py).

Each part embeds its own subsets of the CJK fonts (regular and bold): WeasyPrint keeps the glyph ids, so each
subset weighs 150 to 180 KB stored, however few glyphs it holds. Joined as they were, one part per station, they
made 6.4 of the 10.7 MB of 20 station parts, and 64 of the 106 MB of 200 (those 20 ten times over). So before the
joined file is saved, shared_fonts.py makes one subset of each installed font to the glyphs of all the parts
(about 175 KB) and points every part's font at it: 20 parts come to 4.6 MB, 200 to 43 MB (325 KB saved a part),
for 0.10 s CPU at 20 parts and 0.47 s at 200 (the whole join takes 0.11 s and 0.49 s more; bench/report_fonts.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pikepdf

from inspect_app.adapters.pdf import shared_fonts

FOOTER = "第 {page} 页 共 {pages} 页"
# What the glyph sheet lays out, a page each: the footer's pieces, then two of them with the space between
# them, to measure the space.
PIECES = ("第", "页", "共", *"0123456789")
SHEET = (*PIECES, "0 0")


def page_count(path: Path) -> int:
    """How many pages the PDF file has."""
    with pikepdf.Pdf.open(path) as pdf:
        return len(pdf.pages)


def join(parts: Sequence[Path], target: Path, glyph_sheet: Path | None = None, *, share_fonts: bool = True) -> int:
    """Write the parts' pages in order to target, each numbered from glyph_sheet (a PDF of the SHEET pieces,
    each centred where the footer goes); returns the pages.

    With share_fonts, the parts' subsets of a font are replaced by one subset for all (shared_fonts.py).

    The document information (title, author) is the first part's; bookmarks of every part are kept,
    pointing at the joined pages.
    """
    opened = [pikepdf.Pdf.open(path) for path in parts]
    sheet = pikepdf.Pdf.open(glyph_sheet) if glyph_sheet is not None else None
    try:
        joined = opened[0]
        bookmarks: list[Bookmark] = []
        for part in opened:
            bookmarks.extend(_bookmarks(part, 0 if part is joined else len(joined.pages)))
            if part is not joined:
                joined.pages.extend(part.pages)
        if sheet is not None:
            _number(joined, _Glyphs(sheet, joined))
        if share_fonts:
            shared_fonts.share(joined)
        with joined.open_outline() as outline:
            outline.root.clear()
            outline.root.extend(_item(bookmark) for bookmark in bookmarks)
        joined.save(target)
        return len(joined.pages)
    finally:
        for pdf in opened:
            pdf.close()
        if sheet is not None:
            sheet.close()


class _Glyphs:
    """The sheet's pieces as Form XObjects of the joined PDF, where each begins when centred, and how wide it is."""

    def __init__(self, sheet: pikepdf.Pdf, into: pikepdf.Pdf) -> None:
        if len(sheet.pages) != len(SHEET):
            raise ValueError(f"glyph sheet has {len(sheet.pages)} pages for {len(SHEET)} pieces")
        self.box = [float(v) for v in sheet.pages[0].mediabox]
        self.centre = (self.box[0] + self.box[2]) / 2
        self.names = {piece: pikepdf.Name(f"/PageNumber{n}") for n, piece in enumerate(PIECES)}
        self.forms = {piece: into.copy_foreign(page.as_form_xobject()) for piece, page in zip(PIECES, sheet.pages)}
        self.start = {piece: _text_start(page) for piece, page in zip(SHEET, sheet.pages)}
        # Centred, a piece begins half its width left of the centre.
        self.width = {piece: 2 * (self.centre - start) for piece, start in self.start.items()}
        self.space = self.width["0 0"] - 2 * self.width["0"]

    def content(self, text: str) -> bytes:
        """Operators drawing text (of pieces and spaces) centred where the footer goes."""
        x = self.centre - sum(self.space if c == " " else self.width[c] for c in text) / 2
        ops = []
        for c in text:
            if c == " ":
                x += self.space
                continue
            ops.append(f"q 1 0 0 1 {x - self.start[c]:.4f} 0 cm {self.names[c]} Do Q")
            x += self.width[c]
        return "\n".join(ops).encode()


def _number(pdf: pikepdf.Pdf, glyphs: _Glyphs) -> None:
    """Stamp 第 n 页 共 N 页 on every page, after its own content (which is wrapped so that its state ends with it)."""
    total = len(pdf.pages)
    save = pdf.make_stream(b"q")  # one object for every page: pages' content arrays may share streams
    for number, page in enumerate(pdf.pages, start=1):
        if [float(v) for v in page.mediabox] != glyphs.box:
            raise ValueError(f"page {number} is not the size the glyph sheet was laid out for")
        for piece, name in glyphs.names.items():
            page.add_resource(glyphs.forms[piece], pikepdf.Name.XObject, name)
        page.contents_add(save, prepend=True)
        page.contents_add(pdf.make_stream(b"Q\n" + glyphs.content(FOOTER.format(page=number, pages=total))))


def _text_start(page: pikepdf.Page) -> float:
    """Where, in the page's own units, the first text drawn on the page begins (its text matrix's origin)."""
    ctm, saved = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], []
    for operands, operator in pikepdf.parse_content_stream(page, "q Q cm Tm"):
        if operator == pikepdf.Operator("q"):
            saved.append(ctm)
        elif operator == pikepdf.Operator("Q"):
            ctm = saved.pop()
        elif operator == pikepdf.Operator("cm"):
            ctm = _times([float(v) for v in operands], ctm)
        else:
            a, b, c, d, e, f = (float(v) for v in operands)
            return e * ctm[0] + f * ctm[2] + ctm[4]
    raise ValueError("no text on the glyph sheet's page")


def _times(m: list[float], n: list[float]) -> list[float]:
    """The matrix m × n, as PDF writes them (a b c d e f)."""
    return [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]


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
