"""The district's report.pdf: data gathered from real inspections, rendered by WeasyPrint, read back with poppler."""

from __future__ import annotations

import io
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from photo_factory import jpeg, signature_png
from PIL import Image, ImageFilter
from support import make_station, make_user, new_campaign, wipe

from inspect_app import create_app
from inspect_app.adapters.filestore import FileStore
from inspect_app.adapters.imaging import check_signature_png
from inspect_app.adapters.pdf.report_html import report_parts
from inspect_app.adapters.pdf.seal import name_signature_png, seal_png
from inspect_app.bundles.report.build import write_report
from inspect_app.bundles.report.data import ReportData, gather_report
from inspect_app.demo.seed import default_template
from inspect_app.domain.checklists.checklist import parse_template
from inspect_app.domain.findings import Thresholds
from inspect_app.inspection import operations as inspections
from inspect_app.inspection import photos
from inspect_app.models import Inspection

DISTRICT = "150602"  # 东胜区
STATION_NAMES = (
    "万达广场12315消费维权服务站",
    "维多利购物中心12315消费维权服务站",
    "东胜区农贸市场12315消费维权服务站",
)
SLOTS = ("signboard", "bulletin_board", "premises", "register")
SIGNED_AT = datetime(2026, 10, 20, 2, 30, tzinfo=timezone.utc)
MB = 1024 * 1024


def camera_photo(seed: int, lat: float, lon: float, size: tuple[int, int] = (2400, 1800)) -> bytes:
    """A photo that weighs what a phone photo weighs: flat shapes would compress to nothing and prove nothing."""
    raw = jpeg(lat, lon, size=size, seed=seed)
    base = Image.open(io.BytesIO(raw))
    grain = Image.effect_noise(size, 60).filter(ImageFilter.GaussianBlur(0.8)).convert("RGB")
    out = io.BytesIO()
    Image.blend(base.convert("RGB"), grain, 0.35).save(out, "JPEG", quality=90, exif=base.info["exif"])
    return out.getvalue()


@dataclass
class Built:
    data: ReportData
    pdf: bytes
    path: Path
    display_bytes: int  # of all display copies in the report


def build_district(session, store: FileStore, photos_per_station=(4, 4, 4), size=(2400, 1800)) -> int:
    """Stations of 东胜区 inspected through the use cases; returns the campaign id.

    The first stations are submitted with `photos_per_station` photos each; one more station stays in
    progress and one is never inspected, so the directory shows every state.
    """
    campaign = new_campaign(session, deadline=date(2026, 11, 1))
    template = parse_template(default_template())
    inspector = make_user(session, "inspector", DISTRICT, username="report-inspector")
    actor = inspector.actor
    for n, count in enumerate(photos_per_station):
        lat, lon = 39.82 + n * 0.01, 109.96 + n * 0.01
        station = make_station(
            session,
            DISTRICT,
            office="天骄市场监管所",
            name=STATION_NAMES[n % len(STATION_NAMES)] + ("" if n < len(STATION_NAMES) else str(n)),
            latitude=str(lat),
            longitude=str(lon),
        )
        inspection = inspections.open_inspection(session, actor, station.id, campaign)
        given = {
            item.code: ("pass", item.points if item.scoring == "graded" else None, None) for item in template.items
        }
        if n == 1:  # a failed critical item, a 不适用 and notes
            given["A2"] = ("fail", None, "标识牌破损，已要求更换")
            given["C4"] = ("na", None, "新设站点，尚无投诉")
        if n == 2:
            given["B4"] = ("fail", None, "未公示监管所联系人照片")
        inspections.save_answers(session, actor, inspection.id, given)
        for k in range(count):
            # The second station's last photo is taken 2 km away: a finding for the report.
            where = (lat + 0.018, lon) if (n == 1 and k == count - 1) else (lat + 0.0004, lon + 0.0003)
            browser = photos.BrowserPosition(where[0], where[1], 12.0, datetime.now(timezone.utc))
            photos.add_photo(
                session,
                actor,
                store,
                inspection.id,
                SLOTS[k % len(SLOTS)],
                camera_photo(100 * n + k, where[0], where[1], size),
                browser,
                Thresholds(),
                20 * MB,
            )
        for role, name in (("representative", "王敏"), ("inspector", "李娜")):
            inspections.sign(session, actor, store, inspection.id, role, name, signature_png())
        inspections.submit(session, actor, inspection.id)
    pending = make_station(session, DISTRICT, name="正在检查的12315消费维权服务站")
    inspections.open_inspection(session, actor, pending.id, campaign)
    make_station(session, DISTRICT, name="尚未检查的12315消费维权服务站")
    return campaign.id


def render(session, store: FileStore, campaign_id: int, out: Path, *, signed: bool = True, **options) -> Built:
    """gather, render and print the report, as the bundle builder will."""
    district_id = session.query(Inspection).first().station.district_id
    data = gather_report(
        session,
        district_id,
        campaign_id,
        leader_name="张建国",
        narrative="本旗区共有服务站五个。\n\n本次验收发现的主要问题如下：\n标识牌破损。",
        store=store,
        signed_at=SIGNED_AT if signed else None,
    )
    seal = out.with_name("seal.png")
    seal.write_bytes(seal_png(data.bureau))
    signature = out.with_name("leader.png")
    signature.write_bytes(name_signature_png(data.leader_name))
    write_report(
        data,
        out,
        leader_signature_png=signature if signed else None,
        seal_png_path=seal if signed else None,
        parts_dir=out.with_name("parts"),
        **options,
    )
    pdf = out.read_bytes()
    display = sum(p.path.stat().st_size for s in data.stations for p in s.photos)
    return Built(data, pdf, out, display)


@pytest.fixture(scope="module")
def built(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One district and its report for the tests of the PDF (WeasyPrint takes seconds, not milliseconds)."""
    folder = tmp_path_factory.mktemp("report")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(folder / "instance"),
            "PASSWORD_TIME_COST": 1,
            "PASSWORD_MEMORY_COST": 8 * 1024,
        }
    )
    session = app.extensions["db_sessionmaker"]()
    session.info["passwords"] = app.extensions["passwords"]
    try:
        store = app.extensions["filestore"]
        result = render(session, store, build_district(session, store), folder / "report.pdf")
    finally:
        session.close()
        app.extensions["db_engine"].dispose()
        wipe(database_url)
    return result


def poppler(*args: str) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, check=True, timeout=120).stdout


def test_report_text_holds_the_district_sections_and_station_names(built):
    text = poppler("pdftotext", "-layout", str(built.path), "-")
    for expected in (
        "东胜区2026年度自查验收证据材料",
        "文字说明",
        "名录表",
        "分管领导签字盖章",
        "验收核查表",
        "本次验收发现的主要问题如下",
        "张建国",
        "鄂尔多斯市东胜区市场监督管理局",
        "2026年10月20日",
    ):
        assert expected in text, expected
    # Names may wrap inside table cells; the raw (non-layout) text keeps a cell's lines together.
    squeezed = re.sub(r"\s+", "", poppler("pdftotext", str(built.path), "-"))
    for name in STATION_NAMES + ("正在检查的12315消费维权服务站", "尚未检查的12315消费维权服务站"):
        assert name in squeezed, name
    assert "不符合" in text and "不适用" in text and "需整改" in text


def test_every_page_renders_and_carries_its_number(built, tmp_path):
    poppler("pdftoppm", "-r", "50", "-png", str(built.path), str(tmp_path / "page"))
    pages = sorted(tmp_path.glob("page-*.png"))
    stations = len(built.data.stations)
    # cover, narrative, directory, sign-off, and per station its checklist and at least one page of photos
    assert 4 + 2 * stations <= len(pages) <= 4 + 4 * stations, len(pages)
    for page in pages:
        with Image.open(page) as image:
            assert abs(image.width - 413) <= 1 and abs(image.height - 585) <= 1  # A4 portrait at 50 dpi
            assert image.convert("L").getextrema()[0] < 128  # something dark printed on every page
    text = poppler("pdftotext", str(built.path), "-")
    assert f"第 1 页 共 {len(pages)} 页" in text and f"第 {len(pages)} 页 共 {len(pages)} 页" in text


def words_outside_the_margins(pdf: Path) -> list[str]:
    """Words printed past the 18 mm side margins of an A4 page (a table too wide for the page)."""
    page_width, margin = 595.28, 18 / 25.4 * 72
    boxes = re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
        poppler("pdftotext", "-bbox", str(pdf), "-"),
    )
    assert boxes
    return [word for x_min, x_max, word in boxes if float(x_min) < margin - 1 or float(x_max) > page_width - margin + 1]


def test_nothing_is_printed_past_the_side_margins(built):
    assert words_outside_the_margins(built.path) == []


def test_a_long_directory_repeats_its_header_on_every_page(session, app, tmp_path, make_campaign):
    campaign = make_campaign(deadline=date(2026, 11, 1))
    for _ in range(70):
        station = make_station(
            session,
            DISTRICT,
            office="罕台市场监管所",
            address="鄂尔多斯市东胜区罕台镇某某路与某某路交汇处东北角商业综合体一层",
        )
    data = gather_report(
        session,
        station.district_id,
        campaign.id,
        leader_name="张建国",
        narrative="",
        store=app.extensions["filestore"],
        signed_at=None,
    )
    assert len(data.directory) == 70 and data.stations == ()
    path = tmp_path / "directory.pdf"
    write_report(data, path, leader_signature_png=None, seal_png_path=None, parts_dir=tmp_path / "parts")
    pages = int(re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", str(path)))[1])
    assert pages >= 5  # cover, narrative, two or more pages of directory, sign-off
    for page in range(3, pages):
        text = poppler("pdftotext", "-f", str(page), "-l", str(page), str(path), "-")
        assert "服务站名称" in text and "依托单位" in text, page
    # The last column is on the page for every row, and nothing strays into the margins.
    assert poppler("pdftotext", str(path), "-").count("未检查") == 70
    assert words_outside_the_margins(path) == []


def test_a_cjk_font_is_embedded_as_a_subset(built):
    rows = [line.split() for line in poppler("pdffonts", str(built.path)).splitlines()[2:]]
    cjk = [row for row in rows if "CJK" in row[0]]
    assert cjk, rows
    # columns from the right: object id, generation, uni, sub, emb
    assert all(row[-5] == "yes" and row[-4] == "yes" for row in cjk), cjk


def test_the_report_stays_under_0_6_mb_per_station_with_four_photos(built):
    stations = len(built.data.stations)
    assert all(len(s.photos) == 4 for s in built.data.stations)
    assert built.display_bytes / stations > 0.6 * MB  # the display copies alone would not fit
    assert len(built.pdf) / stations <= 0.6 * MB, len(built.pdf)


def test_gathered_data_counts_states_answers_and_photo_facts(built):
    data = built.data
    totals = data.totals
    assert (totals.stations, totals.inspected, totals.submitted) == (5, 4, 3)
    assert {o.label: o.count for o in totals.outcomes} == {"可推荐示范站": 2, "合格": 0, "需整改": 1}
    assert totals.average_score == round(sum(s.score for s in data.stations) / 3, 1)
    states = {row.name: row.outcome_label for row in data.directory}
    assert states["正在检查的12315消费维权服务站"] == "进行中"
    assert states["尚未检查的12315消费维权服务站"] == "未检查"
    assert [row.number for row in data.directory] == sorted(row.number for row in data.directory)

    failed = next(s for s in data.stations if s.name == STATION_NAMES[1])
    assert failed.outcome_label == "需整改" and failed.failed_critical[0].startswith("A2 ")
    rows = {row.code: row for section in failed.sections for row in section.rows}
    assert (rows["A2"].verdict_label, rows["A2"].points, rows["A2"].note) == ("不符合", 0, "标识牌破损，已要求更换")
    assert (rows["C4"].verdict_label, rows["C4"].points) == ("不适用", None)
    assert rows["A1"].points == rows["A1"].maximum == 8

    photo = failed.photos[0]
    assert photo.slot_label == "标识标志牌" and photo.position_source == "拍摄时手机定位"
    assert 30 <= photo.distance_m <= 70 and len(photo.sha256_prefix) == 12
    assert photo.path.is_file() and photo.time_label == "在手机上拍摄或选取的时间"
    far = failed.photos[-1]
    assert far.distance_m > 1900 and any(f.code == "far_from_station" for f in far.findings)
    assert failed.findings[0][1].severity == "error"
    assert [s.role_label for s in failed.signatures] == ["服务站代表", "检查员"]


def test_an_unsigned_report_has_a_blank_signing_line_and_no_seal(session, app, tmp_path):
    store = app.extensions["filestore"]
    campaign_id = build_district(session, store, photos_per_station=(2,), size=(800, 600))
    built = render(session, store, campaign_id, tmp_path / "draft.pdf", signed=False)
    html = "".join(report_parts(built.data, leader_signature_png=None, seal_png_path=None))
    assert 'class="placeholder"' in html and 'class="seal"' not in html and "尚未签字" in html
    text = poppler("pdftotext", str(built.path), "-")
    assert "尚未签字" in text and "2026年10月20日" not in text


def test_a_missing_photo_file_stops_the_report(session, app):
    store = app.extensions["filestore"]
    campaign_id = build_district(session, store, photos_per_station=(2,), size=(800, 600))
    photo = session.query(Inspection).first().photos[0]
    store.path(photo.display_key).unlink()
    with pytest.raises(FileNotFoundError, match="照片文件缺失"):
        gather_report(
            session,
            photo.inspection.station.district_id,
            campaign_id,
            leader_name="张建国",
            narrative="",
            store=store,
            signed_at=None,
        )


def test_user_text_is_escaped_in_the_html(session, app):
    store = app.extensions["filestore"]
    campaign_id = build_district(session, store, photos_per_station=(2,), size=(800, 600))
    district_id = session.query(Inspection).first().station.district_id
    data = gather_report(
        session,
        district_id,
        campaign_id,
        leader_name="<b>张</b>",
        narrative='<img src="file:///etc/passwd">',
        store=store,
        signed_at=None,
    )
    html = "".join(report_parts(data, leader_signature_png=None, seal_png_path=None))
    assert "<b>张</b>" not in html and "&lt;b&gt;张&lt;/b&gt;" in html
    assert '<img src="file:///etc/passwd">' not in html


def test_seal_is_red_and_opaque_on_a_transparent_ground():
    with Image.open(io.BytesIO(seal_png("鄂尔多斯市东胜区市场监督管理局", size=400))) as image:
        assert image.format == "PNG" and image.mode == "RGBA" and image.size == (400, 400)
        rgba = image.tobytes()
        centre, corner, top = image.getpixel((200, 200)), image.getpixel((2, 2)), image.getpixel((200, 5))
    pixels = [rgba[i : i + 4] for i in range(0, len(rgba), 4)]
    opaque = [p for p in pixels if p[3] >= 200]
    clear = [p for p in pixels if p[3] == 0]
    assert 0.10 < len(opaque) / len(pixels) < 0.45  # rings, text and star, not a filled disc
    assert len(clear) / len(pixels) > 0.45
    assert all(r > 180 and g < 40 and b < 60 for r, g, b, _ in opaque)
    assert centre[3] == 255  # the star in the middle
    assert corner[3] == 0 and top[3] > 0  # outside clear, the ring at the top


def test_seal_text_differs_with_the_bureau_and_refuses_an_empty_name():
    assert seal_png("杭锦旗市场监督管理局", size=200) != seal_png("乌审旗市场监督管理局", size=200)
    with pytest.raises(ValueError):
        seal_png("  ")


def test_a_typed_name_becomes_a_valid_signature_picture():
    png = name_signature_png("张建国")
    assert check_signature_png(png)  # what sign-off accepts from a drawing pad
    with Image.open(io.BytesIO(png)) as image:
        alpha = image.getchannel("A")
        assert image.size == (600, 240) and alpha.getbbox() is not None
        assert 0.03 < sum(1 for a in alpha.tobytes() if a > 128) / (600 * 240) < 0.4
    with pytest.raises(ValueError):
        name_signature_png(" ")


def test_a_report_laid_out_in_parts_reads_as_one_document(session, app, tmp_path, monkeypatch):
    store = app.extensions["filestore"]
    campaign_id = build_district(session, store, photos_per_station=(2, 2, 2, 2, 2), size=(800, 600))
    laid_out = []
    from inspect_app.bundles.report import build as report_build

    real = report_build.write_pdf
    monkeypatch.setattr(report_build, "write_pdf", lambda html, target: (laid_out.append(html), real(html, target)))
    # Two stations a part: front matter, three station parts, the sign-off; then the footers.
    first = render(session, store, campaign_id, tmp_path / "one.pdf", signed=False, stations_per_part=2)
    assert len(laid_out) == 1 + 3 + 1 + 1
    info = poppler("pdfinfo", str(first.path))
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert "东胜区2026年度自查验收证据材料" in info  # the title of the first part
    for page in range(1, pages + 1):
        text = poppler("pdftotext", "-f", str(page), "-l", str(page), str(first.path), "-")
        assert f"第 {page} 页 共 {pages} 页" in text, page
    squeezed = re.sub(r"\s+", "", poppler("pdftotext", str(first.path), "-"))
    places = [squeezed.index(station.name + "站点编号") for station in first.data.stations]
    assert places == sorted(places)  # in the directory's order across the parts
    # Every part's bookmarks survive the join and lead to pages of the joined document.
    import pikepdf

    with pikepdf.Pdf.open(first.path) as pdf, pdf.open_outline() as outline:
        titles = [item.title for item in outline.root]
        assert (
            titles[:3] == ["东胜区2026年度自查验收证据材料", "文字说明", "名录表"] and titles[-1] == "分管领导签字盖章"
        )
        assert titles[3:-1] == [s.name for s in first.data.stations]
        assert {item.destination[0].objgen for item in outline.root} <= {page.obj.objgen for page in pdf.pages}

    # Signing lays out again only the parts that changed (the cover and the sign-off page); the parts of the
    # preview no longer used stay a while (another build may be joining them) and go once unused for long.
    laid_out.clear()
    second = render(session, store, campaign_id, tmp_path / "two.pdf", signed=True, stations_per_part=2)
    assert len(laid_out) == 2 and "签字日期" in laid_out[0] and "分管领导签字盖章" in laid_out[1]
    assert int(re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", str(second.path)))[1]) == pages
    parts = tmp_path / "parts"
    assert len(list(parts.iterdir())) == 1 + 3 + 1 + 1 + 2
    for part in parts.iterdir():
        moment = part.stat().st_mtime - report_build.UNUSED_PART_S - 60
        os.utime(part, (moment, moment))
    laid_out.clear()
    render(session, store, campaign_id, tmp_path / "three.pdf", signed=True, stations_per_part=2)
    assert not [html for html in laid_out if "<h2>" in html]  # the station parts were kept (the cover may move on)
    assert len(list(parts.iterdir())) == 1 + 3 + 1 + 1
