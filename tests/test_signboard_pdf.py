"""Signboards as print-ready PDFs: what they print, the QR code a phone reads off the paper, the paper's size and
the station name's, and the stations refused or left out of a batch with what they lack."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
import zxingcpp
from PIL import Image
from signboard_support import ready_station
from support import make_station, make_user

from inspect_app.domain.directory.signboards import PaperSize, SignboardKind, printed_short_code
from inspect_app.models import AuditEntry, Plaque
from inspect_app.shared.errors import Invalid, NotFound
from inspect_app.signboards import plaques
from inspect_app.signboards import signboard_pdf as use

BASE = "https://12315.ordos.example"
MM = 72 / 25.4


@pytest.fixture
def leader(session):
    return make_user(session, "leader", "150602")


@pytest.fixture
def store(app):
    return app.extensions["filestore"]


def pages_png(pdf: bytes, folder: Path, dpi: int = 150) -> list[Path]:
    source = folder / "board.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(source), str(folder / "page")], check=True)
    return sorted(folder.glob("page*.png"))


def decoded(png: Path) -> list[str]:
    with Image.open(png) as image:
        return [found.text for found in zxingcpp.read_barcodes(image) if found.format == zxingcpp.BarcodeFormat.QRCode]


def test_the_qr_code_on_the_paper_leads_to_the_current_plaques_page(session, leader, store, tmp_path):
    station = ready_station(session, store)
    _, pdf = use.station_pdf(session, leader.actor, store, station.id, SignboardKind.STATION, PaperSize.A4, BASE)
    plaque = plaques.current_plaque(station)
    assert plaque is not None
    (page,) = pages_png(pdf, tmp_path)
    assert decoded(page) == [plaques.public_address(BASE, plaque)]
    assert printed_short_code(plaque.short_code) in _text(pdf)
    issued = session.query(AuditEntry).filter_by(action="issue_plaque", target_id=station.id).count()
    printed = session.query(AuditEntry).filter_by(action="print_signboards", target_id=station.id).count()
    assert (issued, printed) == (1, 1)

    # Printed again: the same plaque. Reissued: the next print carries the new token, the old one's is withdrawn.
    use.station_pdf(session, leader.actor, store, station.id, SignboardKind.STATION, PaperSize.A4, BASE)
    assert session.query(Plaque).filter_by(station_id=station.id).count() == 1
    new = plaques.reissue_plaque(session, leader.actor, station)
    _, again = use.station_pdf(session, leader.actor, store, station.id, SignboardKind.STATION, PaperSize.A3, BASE)
    (tmp_path / "again").mkdir()
    (second,) = pages_png(again, tmp_path / "again")
    assert new.token != plaque.token
    assert decoded(second) == [plaques.public_address(BASE, new)]


def test_everything_the_2011_opinion_asks_is_printed(session, leader, store):
    station = ready_station(session, store, staff=2, host_organisation="鄂尔多斯市万家惠超市有限公司")
    _, pdf = use.station_pdf(session, leader.actor, store, station.id, SignboardKind.STATION, PaperSize.A3, BASE)
    text = _text(pdf)
    for needed in (
        station.name,
        "鄂尔多斯市万家惠超市有限公司",
        "12315",
        "赵志刚",
        "0477-8591234",
        "附件1",
        "扫码核验本牌匾是否有效",
    ):
        assert needed in text, needed
    for person in station.staff:
        assert person.name in text and person.phone in text
    with pikepdf.Pdf.open(_file(pdf)) as document:
        images = list(document.pages[0].get_images())
    assert len(images) >= 3  # two staff portraits and the officer's


@pytest.mark.parametrize(("size", "width_mm", "height_mm"), [(PaperSize.A3, 297, 420), (PaperSize.A4, 210, 297)])
def test_one_page_of_the_paper_asked_for(session, leader, store, size, width_mm, height_mm):
    station = ready_station(session, store, staff=6)
    _, pdf = use.station_pdf(session, leader.actor, store, station.id, SignboardKind.STATION, size, BASE)
    with pikepdf.Pdf.open(_file(pdf)) as document:
        assert len(document.pages) == 1
        x0, y0, x1, y1 = (float(v) for v in document.pages[0].mediabox)
    assert abs((x1 - x0) - width_mm * MM) < 1 and abs((y1 - y0) - height_mm * MM) < 1


def test_the_station_name_prints_at_60_pt_or_more_on_a3(session, leader, store):
    station = ready_station(session, store, name="东胜区万达广场12315消费维权服务站")
    sizes = {}
    for size in PaperSize:
        _, pdf = use.station_pdf(session, leader.actor, store, station.id, SignboardKind.STATION, size, BASE)
        sizes[size] = name_sizes(pdf, "万达广场")
    assert sizes[PaperSize.A3] and min(sizes[PaperSize.A3]) >= 60, sizes
    # A4 is the A3 plaque scaled down by 1/√2.
    assert min(sizes[PaperSize.A4]) == pytest.approx(min(sizes[PaperSize.A3]) / 2**0.5, rel=0.01)


@pytest.mark.parametrize("size", list(PaperSize))
def test_six_people_under_a_long_name_keep_clear_of_the_foot(session, leader, store, size):
    station = ready_station(session, store, staff=6, name="鄂尔多斯市东胜区万达广场购物中心12315消费维权服务站")
    _, pdf = use.station_pdf(session, leader.actor, store, station.id, SignboardKind.STATION, size, BASE)
    layout = _layout(pdf)
    last_phone = line_boxes(layout, station.staff[-1].phone)
    officer = line_boxes(layout, "辖区监管执法人员")
    foot = line_boxes(layout, "标识标志牌")
    height = {PaperSize.A3: 420, PaperSize.A4: 297}[size] * MM
    assert last_phone and officer and foot
    assert last_phone[0][3] < officer[0][1]  # the staff end above the officer's card
    frame = 1.55 * use.ROOT_PT[size]  # the frame's inner line: 1.2 rem from the edge, 0.35 rem thick
    assert foot[0][3] < height - frame  # the foot line is on the page, inside the frame
    assert min(name_sizes(pdf, "万达广场")) >= (60 if size is PaperSize.A3 else 60 / 2**0.5 - 0.1)


def test_a_demonstration_plaque_only_for_a_station_the_city_confirmed(session, leader, store):
    plain = ready_station(session, store)
    with pytest.raises(Invalid, match="未经市级确认为示范站"):
        use.station_pdf(session, leader.actor, store, plain.id, SignboardKind.DEMONSTRATION, PaperSize.A3, BASE)
    assert plaques.current_plaque(plain) is None
    confirmed = ready_station(session, store, demonstration=True)
    _, pdf = use.station_pdf(
        session, leader.actor, store, confirmed.id, SignboardKind.DEMONSTRATION, PaperSize.A4, BASE
    )
    assert "附件2" in _text(pdf) and "消费维权示范站" in _text(pdf)


def test_a_station_with_gaps_is_refused_and_left_out_of_the_batch(session, leader, store):
    ready = [ready_station(session, store), ready_station(session, store)]
    lacking = make_station(session, "150602")  # no staff, no officer
    photo_lost = ready_station(session, store)
    store.delete(photo_lost.staff[0].photo_key)
    with pytest.raises(Invalid) as refused:
        use.station_pdf(session, leader.actor, store, lacking.id, SignboardKind.STATION, PaperSize.A3, BASE)
    assert "没有登记工作人员" in str(refused.value) and "没有责任监管人员" in str(refused.value)
    assert plaques.current_plaque(lacking) is None

    batch = use.district_batch(
        session, leader.actor, store, lacking.district_id, SignboardKind.STATION, PaperSize.A3, BASE
    )
    assert {s.id for s in batch.printed} >= {s.id for s in ready}
    skipped = {station.id: gaps for station, gaps in batch.skipped}
    assert "没有登记工作人员" in skipped[lacking.id]
    assert any("照片文件已丢失" in gap for gap in skipped[photo_lost.id])
    with pikepdf.Pdf.open(_file(batch.pdf)) as document:
        assert len(document.pages) == len(batch.printed)
    assert all(plaques.current_plaque(s) is not None for s in batch.printed)


def test_a_layout_that_fails_leaves_no_plaque_issued_and_nothing_audited(session, leader, store, monkeypatch):
    station = ready_station(session, store)

    def broken(html):
        raise RuntimeError("the layout engine fell over")

    monkeypatch.setattr(use, "create_pdf", broken)
    with pytest.raises(RuntimeError):
        use.station_pdf(session, leader.actor, store, station.id, SignboardKind.STATION, PaperSize.A4, BASE)
    session.expire_all()
    assert session.query(Plaque).filter_by(station_id=station.id).count() == 0
    assert session.query(AuditEntry).filter(AuditEntry.action.in_(["issue_plaque", "print_signboards"])).count() == 0


def test_another_districts_leader_sees_nothing(session, store):
    station = ready_station(session, store)
    other = make_user(session, "leader", "150603")
    with pytest.raises(NotFound):
        use.station_pdf(session, other.actor, store, station.id, SignboardKind.STATION, PaperSize.A3, BASE)
    with pytest.raises(NotFound):
        use.readiness(session, other.actor, store, station.district_id)
    assert plaques.current_plaque(station) is None


# ---- reading the PDF back -----------------------------------------------------------------------------------


def _file(pdf: bytes) -> io.BytesIO:
    return io.BytesIO(pdf)


def _text(pdf: bytes) -> str:
    """The PDF's text as poppler reads it, without the line breaks a long name is set in."""
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return re.sub(r"\s", "", text)


def name_sizes(pdf: bytes, words: str) -> list[float]:
    """The printed size, in pt, of the text runs drawn where poppler's text layout finds `words`: the font size
    of each run times the scale of its text and transformation matrices (how a PDF reader sizes the glyphs)."""
    layout = _layout(pdf)
    boxes = line_boxes(layout, words)
    assert boxes, f"{words} not found"
    with pikepdf.Pdf.open(_file(pdf)) as document:
        page = document.pages[0]
        height = float(page.mediabox[3])
        runs = _runs(page)
    found = []
    for x_min, y_min, x_max, y_max in boxes:
        for size, x, y in runs:
            top = height - y  # poppler measures from the top
            if x_min - 1 <= x <= x_max and y_min <= top <= y_max:
                found.append(size)
    return found


def _layout(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-bbox-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def line_boxes(layout: str, words: str) -> list[tuple[float, ...]]:
    """(xMin, yMin, xMax, yMax), in pt from the page's top left, of the lines poppler finds `words` in."""
    return [
        tuple(float(v) for v in match.groups()[:4])
        for match in re.finditer(
            r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', layout, re.S
        )
        if words in re.sub(r"<[^>]+>|\s", "", match.group(5))
    ]


def _runs(page) -> list[tuple[float, float, float]]:
    """(effective font size, x, y of the baseline origin) of every text-showing operator on the page."""
    identity = pikepdf.Matrix()
    stack, ctm, tm, size, runs = [], identity, identity, 0.0, []
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op == "q":
            stack.append(ctm)
        elif op == "Q":
            ctm = stack.pop()
        elif op == "cm":
            ctm = pikepdf.Matrix(*(float(v) for v in operands)) @ ctm
        elif op == "BT":
            tm = identity
        elif op == "Tf":
            size = float(operands[1])
        elif op == "Tm":
            tm = pikepdf.Matrix(*(float(v) for v in operands))
        elif op == "Td":
            tm = pikepdf.Matrix(1, 0, 0, 1, float(operands[0]), float(operands[1])) @ tm
        elif op in ("Tj", "TJ"):
            whole = tm @ ctm
            scale = (whole.c**2 + whole.d**2) ** 0.5  # the vertical scale: the glyphs' height
            runs.append((size * scale, whole.e, whole.f))
    return runs
