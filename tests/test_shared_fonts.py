"""The parts' subsets of a font become one embedded font program when the parts are joined: the joined report is
smaller and reads and looks exactly as the parts joined as they were."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops

from inspect_app.adapters.pdf import pdf_pages, shared_fonts
from inspect_app.adapters.pdf.report import write_pdf

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page { size: A4 portrait; margin: 20mm; }
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 14pt; }
</style></head><body>{body}</body></html>"""
# Overlapping and distinct text, in regular and bold (the headings too); the last part has no bold at all.
PARTS = (
    "<h1>鄂尔多斯市消费维权服务站</h1><p>验收核查：服务站名称、地址、负责人电话。</p>",
    "<h1>康巴什区服务站</h1><p>现场照片四张，签名两份；<b>核查结论：合格</b>。</p>",
    "<h2>东胜区 第二服务站</h2><p>投诉处理记录完整，公示牌位置醒目。<b>整改意见</b>：无。</p>",
    "<p>准格尔旗 达拉特旗 伊金霍洛旗 乌审旗 杭锦旗 鄂托克旗 鄂托克前旗</p>",
)
BOLD_PARTS = 3


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("parts")
    files = []
    for n, body in enumerate(PARTS):
        files.append(folder / f"part-{n}.pdf")
        write_pdf(PAGE.replace("{body}", body), files[-1])
    return files


@pytest.fixture(scope="module")
def unshared(parts: list[Path]) -> Path:
    target = parts[0].parent / "unshared.pdf"
    pdf_pages.join(parts, target, share_fonts=False)
    return target


@pytest.fixture(scope="module")
def shared(parts: list[Path]) -> Path:
    target = parts[0].parent / "shared.pdf"
    pdf_pages.join(parts, target)
    return target


def font_programs(path: Path) -> dict[str, set[tuple[int, int]]]:
    """Per font (its name without the subset tag), the embedded font programs its descriptors point at."""
    programs: dict[str, set[tuple[int, int]]] = {}
    with pikepdf.Pdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") in ("/CIDFontType0", "/CIDFontType2"):
                name = str(obj.BaseFont).split("+", 1)[-1]
                descriptor = obj.FontDescriptor
                program = descriptor.FontFile3 if obj.Subtype == "/CIDFontType0" else descriptor.FontFile2
                programs.setdefault(name, set()).add(program.objgen)
    return programs


def pages(path: Path, folder: Path) -> list[Image.Image]:
    prefix = folder / path.stem
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(path), str(prefix)], check=True)
    return [Image.open(png).convert("L") for png in sorted(folder.glob(f"{path.stem}-*.png"))]


def differing_pixels(old: Image.Image, new: Image.Image) -> int:
    return sum(ImageChops.difference(old, new).histogram()[1:])


def test_each_font_is_embedded_once(shared, unshared):
    before, after = font_programs(unshared), font_programs(shared)
    assert set(before) == set(after) == {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"}
    assert len(before["Noto-Sans-CJK-SC"]) == len(PARTS) and len(before["Noto-Sans-CJK-SC-Bold"]) == BOLD_PARTS
    assert {name: len(programs) for name, programs in after.items()} == {name: 1 for name in after}
    assert shared.stat().st_size < unshared.stat().st_size


def test_every_font_is_embedded_and_reads_without_errors(shared):
    listed = subprocess.run(["pdffonts", str(shared)], capture_output=True, text=True, check=True)
    assert listed.stderr == ""
    rows = listed.stdout.splitlines()[2:]
    assert len(rows) == len(PARTS) + BOLD_PARTS  # the font dictionaries stay each part's own
    for row in rows:
        emb, sub, uni = row.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row


def test_the_joined_report_reads_and_looks_as_before(shared, unshared, tmp_path):
    text = [
        subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True, check=True)
        for p in (unshared, shared)
    ]
    assert text[0].stderr == text[1].stderr == ""
    assert text[1].stdout == text[0].stdout and "整改意见" in text[1].stdout and "鄂托克前旗" in text[1].stdout
    old, new = pages(unshared, tmp_path), pages(shared, tmp_path)
    assert len(old) == len(new) == len(PARTS)
    for page, (before, after) in enumerate(zip(old, new), start=1):
        assert sum(before.histogram()[:128]) > 500, page  # the text is drawn
        assert differing_pixels(before, after) == 0, page


def test_a_font_whose_original_is_not_installed_is_left_as_it_was(parts, unshared, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(shared_fonts, "original_face", lambda name: None)
    target = tmp_path / "kept.pdf"
    with caplog.at_level(logging.WARNING, logger=shared_fonts.__name__):
        pdf_pages.join(parts, target)
    assert "NotoSansCJKsc-Regular" in caplog.text and "NotoSansCJKsc-Bold" in caplog.text
    assert {name: len(p) for name, p in font_programs(target).items()} == {
        name: len(p) for name, p in font_programs(unshared).items()
    }
    for page, (before, after) in enumerate(zip(pages(unshared, tmp_path), pages(target, tmp_path)), start=1):
        assert differing_pixels(before, after) == 0, page


def test_a_variable_or_colour_font_keeps_its_own_subsets(parts, unshared, tmp_path, monkeypatch, caplog):
    """WeasyPrint embeds those pinned to an instance or with their outlines emptied: a subset of the original
    would draw otherwise. (No such font is installed here: the CJK font's own CFF table stands in for one.)"""
    monkeypatch.setattr(shared_fonts, "INSTANCED_TABLES", {"CFF "})
    target = tmp_path / "kept.pdf"
    with caplog.at_level(logging.WARNING, logger=shared_fonts.__name__):
        pdf_pages.join(parts, target)
    assert "a variable or colour font (CFF )" in caplog.text
    assert {name: len(p) for name, p in font_programs(target).items()} == {
        name: len(p) for name, p in font_programs(unshared).items()
    }


def test_the_original_is_the_installed_face_of_that_name():
    path, index = shared_fonts.original_face("NotoSansCJKsc-Bold")
    assert Path(path).name == "NotoSansCJK-Bold.ttc" and index >= 0
    assert shared_fonts.original_face("No-Such-Font-Installed") is None


def with_font_revision(part: Path, target: Path, revision: bytes) -> Path:
    """A copy of the part whose embedded fonts say they are another version (their head table's fontRevision)."""
    with pikepdf.Pdf.open(part) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") == "/CIDFontType0":
                program = obj.FontDescriptor.FontFile3
                data = bytearray(program.read_bytes())
                for record in range(12, 12 + 16 * int.from_bytes(data[4:6]), 16):
                    if data[record : record + 4] == b"head":
                        offset = int.from_bytes(data[record + 8 : record + 12])
                        data[offset + 4 : offset + 8] = revision
                program.write(bytes(data))
        pdf.save(target)
    return target


def test_a_part_laid_out_with_another_version_of_the_font_keeps_its_own(parts, tmp_path, caplog):
    older = [with_font_revision(parts[0], tmp_path / "older.pdf", b"\x00\x01\x00\x00"), *parts[1:]]
    pdf_pages.join(older, tmp_path / "unshared.pdf", share_fonts=False)
    with caplog.at_level(logging.WARNING, logger=shared_fonts.__name__):
        pdf_pages.join(older, tmp_path / "shared.pdf")
    assert "not of the installed version" in caplog.text
    # The older part's regular and bold keep their programs; the others' share one per font.
    assert {name: len(p) for name, p in font_programs(tmp_path / "shared.pdf").items()} == {
        "Noto-Sans-CJK-SC": 2,
        "Noto-Sans-CJK-SC-Bold": 2,
    }
    old, new = pages(tmp_path / "unshared.pdf", tmp_path), pages(tmp_path / "shared.pdf", tmp_path)
    for page, (before, after) in enumerate(zip(old, new), start=1):
        assert differing_pixels(before, after) == 0, page


def test_truetype_subsets_are_shared_too(tmp_path):
    if shared_fonts.original_face("DejaVuSans") is None:
        pytest.skip("DejaVu Sans (fonts-dejavu-core), a TrueType font, is not installed")
    parts = []
    for n, text in enumerate(("Station inspection report", "Complaint records are kept", "Qualified: yes")):
        parts.append(tmp_path / f"latin-{n}.pdf")
        write_pdf(
            PAGE.replace("Noto Sans CJK SC", "DejaVu Sans").replace("{body}", f"<p>{text}</p><b>{text}</b>"), parts[-1]
        )
    pdf_pages.join(parts, tmp_path / "unshared.pdf", share_fonts=False)
    pdf_pages.join(parts, tmp_path / "shared.pdf")
    assert {name: len(p) for name, p in font_programs(tmp_path / "shared.pdf").items()} == {
        "DejaVu-Sans": 1,
        "DejaVu-Sans-Bold": 1,
    }
    assert (tmp_path / "shared.pdf").stat().st_size < (tmp_path / "unshared.pdf").stat().st_size
    old, new = pages(tmp_path / "unshared.pdf", tmp_path), pages(tmp_path / "shared.pdf", tmp_path)
    assert len(old) == len(new) == len(parts)
    for page, (before, after) in enumerate(zip(old, new), start=1):
        assert sum(before.histogram()[:128]) > 500 and differing_pixels(before, after) == 0, page
