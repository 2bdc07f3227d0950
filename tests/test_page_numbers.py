"""The page footers stamped on the joined report from the glyph sheet: the right text on every page, looking as a
footer laid out by WeasyPrint looks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops

from inspect_app.adapters.pdf import pdf_pages
from inspect_app.adapters.pdf.report import write_pdf
from inspect_app.adapters.pdf.report_html import footer_html

A4 = (595.275591, 841.889764)
# The footer as it was laid out before it was stamped: a WeasyPrint document of `pages` empty pages.
LAID_OUT_FOOTER = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page { size: A4 portrait; margin: 20mm 18mm 18mm 18mm;
  @bottom-center { content: "第 " counter(page) " 页 共 " counter(pages) " 页";
    font-family: "Noto Sans CJK SC", sans-serif; font-size: 8pt; color: #555; } }
html, body { margin: 0; } div + div { break-before: page; }
</style></head><body>{divs}</body></html>"""


@pytest.fixture(scope="module")
def sheet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sheet") / "sheet.pdf"
    write_pdf(footer_html(pdf_pages.SHEET), path)
    return path


def blank_parts(folder: Path, *pages: int) -> list[Path]:
    """Parts of so many A4 pages, each page with a mark of its own and the first with a bookmark."""
    parts = []
    for n, count in enumerate(pages):
        pdf = pikepdf.new()
        for k in range(count):
            page = pdf.add_blank_page(page_size=A4)
            # Left in a changed state on purpose (as WeasyPrint leaves its flip of the y axis): the footer must
            # not be drawn under it.
            page.contents_add(pdf.make_stream(f"0 0 1 rg 1 0 0 1 50 700 cm 0 0 {10 + k} 10 re f".encode()))
        with pdf.open_outline() as outline:
            outline.root.append(pikepdf.OutlineItem(f"part {n}", 0))
        parts.append(folder / f"part-{n}.pdf")
        pdf.save(parts[-1])
    return parts


def text_of(pdf: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_every_joined_page_is_numbered_and_keeps_its_content_and_bookmarks(sheet, tmp_path):
    target = tmp_path / "joined.pdf"
    assert pdf_pages.join(blank_parts(tmp_path, 3, 9), target, glyph_sheet=sheet) == 12
    for page in range(1, 13):
        assert text_of(target, page).split() == ["第", str(page), "页", "共", "12", "页"], page
    with pikepdf.Pdf.open(target) as pdf, pdf.open_outline() as outline:
        assert len(pdf.pages) == 12
        assert [(i.title, pdf.pages.index(pikepdf.Page(i.destination[0]))) for i in outline.root] == [
            ("part 0", 0),
            ("part 1", 3),
        ]
    subprocess.run(["pdftoppm", "-r", "50", "-f", "5", "-l", "5", "-png", str(target), str(tmp_path / "p")], check=True)
    with Image.open(next(tmp_path.glob("p-*.png"))) as shot:
        assert shot.convert("RGB").getpixel((38, 95)) == (0, 0, 255)  # the page's own mark is still drawn


def test_the_stamped_footer_looks_like_the_laid_out_one(sheet, tmp_path):
    pages = 112
    laid_out = tmp_path / "laid-out.pdf"
    write_pdf(LAID_OUT_FOOTER.replace("{divs}", "<div></div>" * pages), laid_out)
    stamped = tmp_path / "stamped.pdf"
    pdf_pages.join(blank_parts(tmp_path, pages), stamped, glyph_sheet=sheet)
    with pikepdf.Pdf.open(stamped) as pdf:  # the blank parts' marks away, to compare the footers alone
        for page in pdf.pages:
            page.obj.Contents = pikepdf.Array([page.obj.Contents[0], page.obj.Contents[-1]])
        pdf.save(tmp_path / "footers.pdf")
    for page in (1, 9, 10, 100, 112):
        shots = []
        for name, pdf in (("old", laid_out), ("new", tmp_path / "footers.pdf")):
            prefix = tmp_path / f"{name}-{page}"
            subprocess.run(
                ["pdftoppm", "-r", "100", "-f", str(page), "-l", str(page), "-png", str(pdf), prefix], check=True
            )
            shots.append(Image.open(next(tmp_path.glob(f"{name}-{page}-*.png"))).convert("L"))
        old, new = shots
        inked = sum(old.histogram()[:200])
        differing = sum(ImageChops.difference(old, new).histogram()[33:])
        assert inked > 100 and differing <= inked // 50, (page, inked, differing)  # the footer there, drawn alike


def test_a_page_of_another_size_is_refused(sheet, tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(842, 595))
    pdf.save(tmp_path / "landscape.pdf")
    with pytest.raises(ValueError, match="not the size"):
        pdf_pages.join([tmp_path / "landscape.pdf"], tmp_path / "out.pdf", glyph_sheet=sheet)
