"""What a station's plaque names: portraits cut to the frame, the staff and officer use cases, their pages."""

from __future__ import annotations

import io
import struct
import zlib

import piexif
import pytest
from photo_factory import jpeg
from PIL import Image
from sqlalchemy import select
from support import make_station, make_user

from inspect_app.adapters.imaging import PORTRAIT_SIZE, PhotoRejected, portrait
from inspect_app.directory import offices
from inspect_app.domain.directory.signboards import SignboardKind, plaque_gaps
from inspect_app.models import AuditEntry, Office, Station, StationStaff
from inspect_app.shared.errors import Forbidden, Invalid, NotFound
from inspect_app.signboards import staff as staffing
from inspect_app.signboards.plaques import plaque_facts

# ---- portraits ------------------------------------------------------------------------------------------------


def _png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def _claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims width × height pixels (a decompression bomb's first bytes)."""
    data = bytearray(_png((1, 1)))
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 400)).save(buffer, "GIF")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (jpeg(size=(900, 1200))[:4000], "照片文件已损坏或不完整"),
        (_gif(), "不支持 GIF 格式"),  # a GIF named photo.jpg: the content decides, not the name
        ("这不是照片\n".encode() * 20, "文件不是照片"),
        (_claiming(12_000, 9_000), "照片像素过多"),
        (b"", "照片文件为空"),
        (_png((60, 80)), "照片太小"),
    ],
    ids=["broken-jpeg", "gif-renamed", "text", "huge", "empty", "tiny"],
)
def test_portraits_are_refused_in_chinese_as_evidence_photos_are(data, message):
    with pytest.raises(PhotoRejected, match=message):
        portrait(data)


def test_a_png_named_jpg_is_judged_by_its_content_and_kept():
    out = Image.open(io.BytesIO(portrait(_png((600, 800)))))
    assert (out.format, out.size) == ("JPEG", PORTRAIT_SIZE)


def test_an_iphones_heic_becomes_a_framed_jpeg():
    buffer = io.BytesIO()
    exif = piexif.dump({"0th": {piexif.ImageIFD.Make: b"Apple"}, "Exif": {}, "GPS": {}})
    Image.new("RGB", (1200, 900), (200, 150, 120)).save(buffer, "HEIF", quality=80, exif=exif)
    assert buffer.getvalue()[4:12] == b"ftypheic"
    out = portrait(buffer.getvalue())
    image = Image.open(io.BytesIO(out))
    assert (image.format, image.size, b"Apple" in out) == ("JPEG", PORTRAIT_SIZE, False)


def test_a_landscape_photo_is_cut_to_the_frame_with_no_metadata_left():
    out = portrait(jpeg(lat=39.8, lon=109.9, size=(1600, 900)))
    image = Image.open(io.BytesIO(out))
    assert (image.format, image.size) == ("JPEG", PORTRAIT_SIZE)
    assert PORTRAIT_SIZE[0] * 4 == PORTRAIT_SIZE[1] * 3
    assert "exif" not in image.info and not image.getexif()
    assert b"TestPhone" not in out and b"GPS" not in out


def _halves(orientation: int | None) -> bytes:
    """A landscape JPEG, its left quarter red and the rest blue, with the EXIF orientation given."""
    image = Image.new("RGB", (800, 600), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 200, 600))
    exif = piexif.dump({"0th": {piexif.ImageIFD.Orientation: orientation}} if orientation else {"0th": {}})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, exif=exif)
    return buffer.getvalue()


def test_the_exif_orientation_is_honoured():
    # Orientation 6: shown turned a quarter clockwise, so the raw left quarter is the top of the upright photo.
    upright = Image.open(io.BytesIO(portrait(_halves(6)))).convert("RGB")
    top, bottom = upright.getpixel((240, 20)), upright.getpixel((240, 600))
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom
    unturned = Image.open(io.BytesIO(portrait(_halves(None)))).convert("RGB")
    assert unturned.getpixel((240, 20))[2] > 200  # without the tag the middle of the landscape is kept: blue


def test_a_tall_photo_keeps_more_above_than_below():
    image = Image.new("RGB", (600, 1500), (0, 0, 255))
    image.paste((255, 0, 0), (0, 240, 600, 340))  # a band high up: where a head would be
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    out = Image.open(io.BytesIO(portrait(buffer.getvalue()))).convert("RGB")
    # 800 of 1500 rows are kept. Centred, the frame would start at row 350 and miss the band; a third of the 700
    # cut above puts it at row 233, so the band is near the frame's top.
    assert out.getpixel((240, 40))[0] > 200
    assert out.getpixel((240, 600))[2] > 200


# ---- use cases ------------------------------------------------------------------------------------------------


@pytest.fixture
def world(app, session):
    leader = make_user(session, "leader", "150602")
    station = make_station(session, "150602", office="林荫市场监管所")
    return {
        "leader": leader.actor,
        "station": station,
        "store": app.extensions["filestore"],
        "other": make_user(session, "leader", "150603").actor,
        "inspector": make_user(session, "inspector", "150602").actor,
        "admin": make_user(session, "admin").actor,
    }


def _files(store) -> set[str]:
    return set(store.keys())


def _add(session, world, name="王丽", photo=None, **fields):
    raw = {"name": name, "duty": "站长", "phone": "13912345678", **fields}
    return staffing.add_staff(
        session, world["leader"], world["store"], world["station"].id, raw, staffing.Portrait(photo)
    )


def test_staff_are_added_with_a_framed_portrait_and_audited(session, world):
    member = _add(session, world, photo=jpeg(size=(1200, 900)))
    assert member.photo_key in _files(world["store"])
    stored = Image.open(io.BytesIO(world["store"].read(member.photo_key)))
    assert stored.size == PORTRAIT_SIZE
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "add_station_staff")).one()
    assert (entry.target_id, entry.details["name"]) == (world["station"].id, "王丽")
    facts = plaque_facts(world["station"])
    assert [(p.name, p.duty, bool(p.photo_key)) for p in facts.staff] == [("王丽", "站长", True)]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "请填写工作人员姓名"),
        ({"name": "长" * 31}, "name", "姓名不能超过30个字"),
        ({"duty": "职" * 31}, "duty", "职务不能超过30个字"),
        ({"phone": "call me"}, "phone", "电话只能包含数字"),
    ],
)
def test_bad_staff_fields_are_refused_and_nothing_is_kept(session, world, fields, field, message):
    before = _files(world["store"])
    with pytest.raises(Invalid) as error:
        _add(session, world, photo=jpeg(), **fields)
    assert message in error.value.errors[field]
    session.rollback()
    assert session.scalars(select(StationStaff)).all() == []
    assert _files(world["store"]) == before


def test_a_broken_portrait_is_refused_and_neither_row_nor_file_is_kept(session, world):
    before = _files(world["store"])
    with pytest.raises(Invalid, match="照片未保存：照片文件已损坏或不完整"):
        _add(session, world, photo=jpeg()[:3000])
    session.rollback()
    assert session.scalars(select(StationStaff)).all() == []
    assert _files(world["store"]) == before


def test_an_upload_over_the_limit_is_refused(session, world):
    with pytest.raises(Invalid, match="照片超过"):
        staffing.add_staff(
            session,
            world["leader"],
            world["store"],
            world["station"].id,
            {"name": "王丽"},
            staffing.Portrait(jpeg(), max_bytes=1000),
        )


def test_at_most_six_staff(session, world):
    for n in range(6):
        _add(session, world, name=f"人员{n}")
    with pytest.raises(Invalid, match="最多列出 6 名"):
        _add(session, world, name="第七人")
    session.rollback()
    assert len(world["station"].staff) == 6


def test_replacing_and_removing_a_portrait_leaves_no_file_behind(session, world):
    member = _add(session, world, photo=jpeg(seed=1))
    first = member.photo_key

    def update(raw, photo):
        staffing.update_staff(session, world["leader"], world["store"], world["station"].id, member.id, raw, photo)

    update({"name": "王丽", "duty": "副站长", "phone": "13912345678"}, staffing.Portrait(jpeg(seed=2)))
    assert member.photo_key not in (None, first) and member.duty == "副站长"
    assert first not in _files(world["store"])
    second = member.photo_key
    update({"name": "王丽"}, staffing.Portrait(remove=True))
    assert member.photo_key is None and second not in _files(world["store"])
    photo = _add(session, world, name="李强", photo=jpeg(seed=3)).photo_key
    assert staffing.remove_staff(session, world["leader"], world["store"], world["station"].id, member.id) == "王丽"
    assert [s.name for s in world["station"].staff] == ["李强"]
    assert world["station"].staff[0].position == 0 and photo in _files(world["store"])


def test_staff_move_up_and_down(session, world):
    ids = [_add(session, world, name=name).id for name in ("甲", "乙", "丙")]
    staffing.move_staff(session, world["leader"], world["station"].id, ids[2], -1)
    assert [s.name for s in world["station"].staff] == ["甲", "丙", "乙"]
    staffing.move_staff(session, world["leader"], world["station"].id, ids[0], 1)
    assert [s.name for s in world["station"].staff] == ["丙", "甲", "乙"]
    staffing.move_staff(session, world["leader"], world["station"].id, ids[2], -1)  # already first: no change
    assert [s.name for s in world["station"].staff] == ["丙", "甲", "乙"]
    moves = session.scalars(select(AuditEntry).where(AuditEntry.action == "move_station_staff")).all()
    assert len(moves) == 2


def test_the_station_officer_overrides_the_offices_and_clearing_returns_to_it(session, world):
    station, store = world["station"], world["store"]
    office = session.get(Office, station.office_id)
    offices.update_office(
        session,
        world["admin"],
        office.id,
        {"name": office.name, "officer_name": "赵军", "officer_phone": "0477-8123456"},
        store,
        staffing.Portrait(jpeg(seed=5)),
    )
    assert office.officer_photo_key in _files(store)
    assert plaque_facts(station).officer.name == "赵军"
    staffing.set_officer(
        session, world["leader"], store, station.id, {"name": "钱敏", "phone": "13800001111"}, staffing.Portrait(jpeg())
    )
    officer = plaque_facts(station).officer
    assert (officer.name, officer.phone, officer.photo_key == station.officer_photo_key) == (
        "钱敏",
        "13800001111",
        True,
    )
    own = station.officer_photo_key
    staffing.clear_officer(session, world["leader"], store, station.id)
    assert plaque_facts(station).officer.name == "赵军"
    assert own not in _files(store)
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions[-2:] == ["set_station_officer", "clear_station_officer"]


def test_an_officer_needs_a_name(session, world):
    with pytest.raises(Invalid) as error:
        staffing.set_officer(
            session,
            world["leader"],
            world["store"],
            world["station"].id,
            {"phone": "13800001111"},
            staffing.NO_PORTRAIT,
        )
    assert "请同时填写姓名" in error.value.errors["name"]
    assert world["station"].officer_phone is None


def test_an_office_without_an_officer_keeps_no_portrait(session, world):
    office = session.get(Office, world["station"].office_id)
    with pytest.raises(Invalid, match="请先填写负责人姓名"):
        offices.update_office(
            session, world["admin"], office.id, {"name": office.name}, world["store"], staffing.Portrait(jpeg())
        )


def test_a_portrait_belongs_to_the_person_named_a_new_name_without_a_photo_drops_it(session, world):
    """Another name is another face: without a new photo the old one goes (the gaps list then asks for one); the
    same name with another phone keeps it."""
    station, store = world["station"], world["store"]
    member = _add(session, world, photo=jpeg(seed=11))
    first = member.photo_key
    staffing.update_staff(
        session,
        world["leader"],
        store,
        station.id,
        member.id,
        {"name": "王丽", "phone": "13900000000"},
        staffing.NO_PORTRAIT,
    )
    assert member.photo_key == first
    staffing.update_staff(
        session, world["leader"], store, station.id, member.id, {"name": "赵敏"}, staffing.NO_PORTRAIT
    )
    assert member.photo_key is None and first not in _files(store)

    staffing.set_officer(
        session, world["leader"], store, station.id, {"name": "钱敏", "phone": "13800001111"}, staffing.Portrait(jpeg())
    )
    own = station.officer_photo_key
    staffing.set_officer(
        session, world["leader"], store, station.id, {"name": "周强", "phone": "13800001111"}, staffing.NO_PORTRAIT
    )
    assert station.officer_photo_key is None and own not in _files(store)

    office = session.get(Office, station.office_id)
    raw = {"name": office.name, "officer_name": "赵军", "officer_phone": "0477-8123456"}
    offices.update_office(session, world["admin"], office.id, raw, store, staffing.Portrait(jpeg(seed=5)))
    theirs = office.officer_photo_key
    offices.update_office(session, world["admin"], office.id, raw | {"officer_phone": "0477-8000000"}, store)
    assert office.officer_photo_key == theirs
    offices.update_office(session, world["admin"], office.id, raw | {"officer_name": "孙丽"}, store)
    assert office.officer_photo_key is None and theirs not in _files(store)
    staffing.clear_officer(session, world["leader"], store, station.id)
    assert "责任监管人员孙丽没有照片" in plaque_gaps(plaque_facts(station), SignboardKind.STATION)


def test_another_district_and_an_inspector_cannot_touch_the_staff(session, world):
    member = _add(session, world)
    station_id = world["station"].id
    with pytest.raises(NotFound):
        staffing.add_staff(session, world["other"], world["store"], station_id, {"name": "某"}, staffing.NO_PORTRAIT)
    with pytest.raises(NotFound):
        staffing.remove_staff(session, world["other"], world["store"], station_id, member.id)
    with pytest.raises(NotFound):
        staffing.staff_portrait_key(session, world["other"], station_id, member.id)
    with pytest.raises(Forbidden):
        staffing.move_staff(session, world["inspector"], station_id, member.id, 1)
    other_station = make_station(session, "150603")
    with pytest.raises(NotFound):  # a member is found only through its own station
        staffing.remove_staff(session, world["admin"], world["store"], other_station.id, member.id)
    assert [s.name for s in world["station"].staff] == ["王丽"]


# ---- pages ----------------------------------------------------------------------------------------------------


def test_the_leader_adds_staff_on_the_page_and_the_station_page_shows_them(app, client, session, login_as):
    station = make_station(session, "150602", office="林荫市场监管所")
    office = session.get(Office, station.office_id)
    office.officer_name, office.officer_phone = "赵军", "0477-8123456"
    session.commit()
    login_as("leader", "150602")
    page = client.get(f"/directory/{station.id}/signboard").get_data(as_text=True)
    assert "牌匾信息" in page and "没有登记工作人员" in page and "来自监管所" in page
    response = client.post(
        f"/directory/{station.id}/signboard/staff",
        data={"name": "王丽", "duty": "站长", "phone": "13912345678", "photo": (io.BytesIO(jpeg()), "me.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    member = session.scalars(select(StationStaff)).one()
    image = client.get(f"/directory/{station.id}/signboard/staff/{member.id}/portrait.jpg")
    assert image.mimetype == "image/jpeg" and Image.open(io.BytesIO(image.data)).size == PORTRAIT_SIZE
    shown = client.get(f"/directory/{station.id}").get_data(as_text=True)
    assert "王丽" in shown and "来自监管所" in shown and "责任监管人员赵军没有照片" in shown
    refused = client.post(
        f"/directory/{station.id}/signboard/staff",
        data={"name": "李强", "photo": (io.BytesIO(b"plain text, not a photo"), "photo.jpg")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 200 and "文件不是照片" in refused.get_data(as_text=True)
    assert session.scalars(select(StationStaff.name)).all() == ["王丽"]
    client.post(f"/directory/{station.id}/signboard/officer", data={"name": "钱敏", "phone": "13800001111"})
    assert "本站指定" in client.get(f"/directory/{station.id}").get_data(as_text=True)


def test_another_districts_leader_gets_404_on_pages_and_portraits(client, session, login_as, world):
    member = _add(session, world, photo=jpeg())
    station_id = world["station"].id
    login_as("leader", "150603")
    for url in (
        f"/directory/{station_id}/signboard",
        f"/directory/{station_id}/signboard/staff/{member.id}/portrait.jpg",
        f"/directory/{station_id}/signboard/officer.jpg",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            f"/directory/{station_id}/signboard/staff/{member.id}/remove", data={"staff": member.id}
        ).status_code
        == 404
    )
    assert session.scalars(select(StationStaff.name)).all() == ["王丽"]


def test_the_removal_button_names_whom_it_removes(client, session, world, login_as):
    member = _add(session, world)
    login_as("leader", "150602")
    url = f"/directory/{world['station'].id}/signboard/staff/{member.id}/remove"
    client.post(url, data={})
    assert session.scalars(select(StationStaff.name)).all() == ["王丽"]
    client.post(url, data={"staff": str(member.id)})
    session.expire_all()
    assert session.scalars(select(StationStaff.name)).all() == []


def test_the_admin_puts_a_portrait_on_an_offices_officer(client, session, login_as):
    station = make_station(session, "150602", office="林荫市场监管所")
    login_as("admin")
    response = client.post(
        f"/admin/offices/{station.office_id}/edit",
        data={"name": "林荫市场监管所", "officer_name": "赵军", "photo": (io.BytesIO(jpeg()), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    office = session.get(Office, station.office_id)
    session.refresh(office)
    assert office.officer_photo_key
    assert client.get(f"/admin/offices/{office.id}/portrait.jpg").mimetype == "image/jpeg"
    assert client.get(f"/directory/{station.id}/signboard/officer.jpg").mimetype == "image/jpeg"


# ---- the demo -------------------------------------------------------------------------------------------------


def test_the_demo_gives_most_stations_a_complete_plaque_and_a_few_gaps(app, runner, session):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    stations = session.scalars(select(Station)).all()
    gaps = {s.number: plaque_gaps(plaque_facts(s), SignboardKind.STATION) for s in stations}
    lacking = [number for number, found in gaps.items() if found]
    assert f"其中 {len(lacking)} 个服务站还缺" in result.output
    assert 3 <= len(lacking) <= len(stations) // 3, gaps
    said = {g for found in gaps.values() for g in found}
    assert any("没有照片" in g for g in said) and any("没有电话" in g for g in said)
    assert any(s.officer_name for s in stations) and all(s.staff for s in stations)
    store = app.extensions["filestore"]
    keys = {m.photo_key for s in stations for m in s.staff if m.photo_key}
    assert keys and all(Image.open(store.path(k)).size == PORTRAIT_SIZE for k in keys)


def test_the_page_offers_moves_only_where_a_member_can_go(client, session, world, login_as):
    ids = [_add(session, world, name=name).id for name in ("甲", "乙", "丙")]
    login_as("leader", "150602")
    url = f"/directory/{world['station'].id}/signboard"
    page = client.get(url).get_data(as_text=True)
    assert page.count('value="up"') == 2 and page.count('value="down"') == 2
    assert f"/staff/{ids[0]}/move" in page and "工作人员（3/6）" in page
    client.post(f"/directory/{world['station'].id}/signboard/staff/{ids[2]}/move", data={"direction": "up"})
    session.expire_all()
    assert session.scalars(select(StationStaff.name).order_by(StationStaff.position)).all() == ["甲", "丙", "乙"]


def test_the_signboards_page_leads_a_leader_from_a_gap_to_the_stations_plaque_information(client, session, login_as):
    lacking = make_station(session, "150602")
    login_as("leader", "150602")
    assert f"/directory/{lacking.id}/signboard" in client.get("/signboards/").get_data(as_text=True)
    client.post("/logout")
    login_as("city")
    assert f"/directory/{lacking.id}/signboard" not in client.get("/signboards/").get_data(as_text=True)
