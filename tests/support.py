"""Helpers the test modules share: plain functions and constants, imported normally (the fixtures are in conftest)."""

from __future__ import annotations

import base64
import io
import itertools
import random
import re
import xml.etree.ElementTree as ET
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openpyxl
from markupsafe import Markup
from photo_factory import jpeg, signature_png
from sqlalchemy import select
from sqlalchemy.orm import Session

from inspect_app import create_app
from inspect_app.adapters import charts, migrate
from inspect_app.adapters.pki import SigningPin
from inspect_app.bundles import operations as bundles
from inspect_app.campaigns import operations as campaigns
from inspect_app.city import report as city_report
from inspect_app.db import Base, make_engine
from inspect_app.demo.seed import credit_code, default_template
from inspect_app.directory.excel import COLUMNS
from inspect_app.domain.audit import GENESIS
from inspect_app.domain.checklists.checklist import parse_template
from inspect_app.domain.findings import Thresholds
from inspect_app.domain.identity.permissions import Role
from inspect_app.inspection import operations as inspections
from inspect_app.inspection import photos
from inspect_app.models import (
    AuditHead,
    Bundle,
    Campaign,
    ChecklistVersion,
    District,
    Office,
    Station,
    User,
    UserSession,
)
from inspect_app.models.types import utcnow
from inspect_app.review import operations as review
from inspect_app.signing import keys

PASSWORD = "secret-pass-1"
PIN = "135790"
TEMPLATE = parse_template(default_template())
TODAY = date(2026, 11, 20)  # the city report's day
STATION = (39.8200, 109.9600)
NEAR = (39.8205, 109.9604)  # about 65 m away
KEEP_TABLES = {"districts", "alembic_version", "audit_head"}  # seeded by the migrations

_numbers = itertools.count(1)


# ---- the database -------------------------------------------------------------------------------------------


def wipe(url: str) -> None:
    """Delete every row a test made, keeping the districts the migration seeded."""
    engine = make_engine(url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEEP_TABLES:
                connection.execute(table.delete())
        # The audit chain starts again with its head as the migration left it.
        connection.execute(AuditHead.__table__.update().values(seq=0, last_hash=GENESIS))
    engine.dispose()


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def instance(folder: Path, url: str | None = None, revision: str = "head", **settings):
    """Another instance: its own migrated database (a fresh SQLite file unless `url`) and its own file store (a
    folder in `folder`, or the bucket `settings` name)."""
    folder.mkdir(parents=True)
    url = url or f"sqlite:///{folder / 'inspect.sqlite3'}"
    migrate.upgrade(url, revision)
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(folder),
            "FILE_STORE_PATH": str(folder / "files"),
            "SECRET_KEY": "t",
            "PASSWORD_TIME_COST": 1,
            "PASSWORD_MEMORY_COST": 8 * 1024,
            "PHOTO_JOBS_INLINE": True,  # as the suite's own app: a photo is read inside its request
            **settings,
        }
    )


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


# ---- people and stations ------------------------------------------------------------------------------------


def new_campaign(
    session: Session,
    name: str = "2026年度自查验收",
    starts_on: date = date(2026, 9, 1),
    deadline: date = date(2026, 12, 15),
    version: ChecklistVersion | None = None,
) -> Campaign:
    """The season's campaign on the default checklist (or `version`): the one set-up behind the campaign fixtures,
    for a session of another instance too."""
    if version is None:
        version, _ = campaigns.load_checklist_version(session, default_template())
    return campaigns.create_campaign(session, name, starts_on, deadline, version.id)


def district(session: Session, code: str) -> District:
    return session.query(District).filter_by(code=code).one()


def make_user(
    session: Session,
    role: Role | str,
    district_code: str | None = None,
    username: str | None = None,
    password: str = PASSWORD,
    active: bool = True,
) -> User:
    role = Role(role)
    user = User(
        username=username or f"{role.value}{next(_numbers)}",
        display_name=f"测试{role.label}",
        role=role,
        district_id=district(session, district_code).id if district_code else None,
        password_hash=session.info["passwords"].hash(password),
        active=active,
    )
    session.add(user)
    session.commit()
    return user


def station_row(district_code: str = "150602", **overrides: Any) -> dict[str, Any]:
    """Raw station fields as a form or an import row would carry them."""
    n = next(_numbers)
    row = {
        "number": f"{district_code}-T{n:04d}",
        "name": f"测试{n}号12315消费维权服务站",
        "host_organisation": f"鄂尔多斯市测试商贸有限公司{n}",
        "credit_code": credit_code(random.Random(n), district_code),
        "host_type": "超市",
        "district": district_code,
        "office": "",
        "address": "东胜区天骄路1号",
        "latitude": "39.82",
        "longitude": "109.96",
        "head_name": "王敏",
        "phone": "0477-8123456",
        "staff_full_time": "1",
        "staff_part_time": "2",
        "established_on": "2020-05-01",
        "is_odr": "否",
        "is_demonstration": "否",
        "status": "在册",
        "notes": "",
    }
    row.update(overrides)
    return row


def make_station(
    session: Session, district_code: str = "150602", office: str | None = None, **overrides: Any
) -> Station:
    """A station stored directly, bypassing the use case (for tests of other things)."""
    from inspect_app.directory.operations import apply_fields
    from inspect_app.domain.directory.stations import parse_station

    fields, errors = parse_station(station_row(district_code, office=office or "", **overrides), date(2026, 11, 22))
    assert fields is not None, errors.messages
    the_district = district(session, district_code)
    the_office = None
    if office:
        the_office = session.query(Office).filter_by(district_id=the_district.id, name=office).one_or_none()
        if the_office is None:
            the_office = Office(district=the_district, name=office)
    station = Station()
    apply_fields(station, fields, the_district, the_office)
    session.add(station)
    session.commit()
    return station


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username: str, password: str = PASSWORD):
        return self._client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/logout")


def keyed(app, pin: str) -> SigningPin:
    """A signing PIN as the sign-off pages pass it on: keyed with the app's CA passphrase."""
    return keys.signing_pin(pin, app.config["PKI_CA_PASSPHRASE"])


# ---- inspections through the use cases ----------------------------------------------------------------------


def accepted_inspection(session, app, campaign, station, inspector, leader, seed):
    """An inspection answered, photographed, signed, submitted and accepted, through the use cases."""
    store = app.extensions["filestore"]
    inspection = inspections.open_inspection(session, inspector.actor, station.id, campaign)
    for item in TEMPLATE.items:
        points = item.points if item.scoring == "graded" else None
        inspections.answer_item(session, inspector.actor, inspection.id, item.code, "pass", points)
    for n, slot in enumerate(("signboard", "bulletin_board")):
        photos.add_photo(
            session,
            inspector.actor,
            store,
            inspection.id,
            slot,
            jpeg(39.82, 109.96, seed=seed * 10 + n),
            None,
            Thresholds(),
            20 * 2**20,
        )
    for role in ("representative", "inspector"):
        inspections.sign(session, inspector.actor, store, inspection.id, role, "王丽", signature_png())
    inspections.submit(session, inspector.actor, inspection.id)
    review.review(session, leader.actor, inspection.id, "accept")
    return inspection


def issued_order(session, own, notes=None):
    """An issued rectification order listing what the inspection `own` fell short on (as a leader would issue it)."""
    from inspect_app.domain.follow_up.rectification import OrderStatus, default_deadline, failed_items
    from inspect_app.models import RectificationOrder

    items = failed_items(inspections.template_of(own.checklist_version), inspections.answers_of(own), notes or {})
    order = RectificationOrder(
        inspection_id=own.id,
        station_id=own.station_id,
        campaign_id=own.campaign_id,
        district_id=own.station.district_id,
        status=OrderStatus.ISSUED,
        items=[vars(item) for item in items],
        deadline=default_deadline(date.today()),
        inspector_id=own.inspector_id,
    )
    session.add(order)
    session.commit()
    return order


def open_inspection_with_photo(app, session, code: str = "150602", seed: int = 1):
    """A campaign, an inspector and one station's inspection under way with one photo (in any instance's session)."""
    campaign = new_campaign(session)
    inspector = make_user(session, "inspector", code)
    station = make_station(session, code)
    inspection = inspections.open_inspection(session, inspector.actor, station.id, campaign)
    photo = photos.add_photo(
        session,
        inspector.actor,
        app.extensions["filestore"],
        inspection.id,
        "signboard",
        jpeg(39.82, 109.96, seed=seed),
        None,
        Thresholds(),
        20 * 2**20,
    )
    return inspector, inspection, photo


# ---- bundles and the city report ----------------------------------------------------------------------------


def signed_bundle(app, session, season, tmp_path) -> tuple[Bundle, Path]:
    leader, store = season["leader"], app.extensions["filestore"]
    bundle = bundles.start_draft(
        session,
        leader.actor,
        leader.district_id,
        season["campaign"].id,
        "本旗区共有2个服务站，全部完成自查。",
    )
    bundles.build_preview(session, store, bundle.id, leader.display_name, tmp_path)
    bundle = bundles.sign_off(
        session, leader.actor, store, leader, bundle.id, keyed(app, PIN), signature_png(), tmp_path
    )
    path = tmp_path / "bundle.zip"
    path.write_bytes(store.read(bundle.archive_key))
    return bundle, path


def rewrite(source: Path, target: Path, change) -> Path:
    """A copy of a bundle with its members changed by `change(name, data) -> data | None` (None drops it)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)
    return target


def flip(data: bytes, at: int | None = None) -> bytes:
    at = len(data) // 2 if at is None else at
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def sign_version(app, session, leader, campaign, tmp_path):
    store = app.extensions["filestore"]
    bundle = bundles.start_draft(session, leader.actor, leader.district_id, campaign.id, "文字说明。")
    bundles.build_preview(session, store, bundle.id, leader.display_name, tmp_path)
    return bundles.sign_off(session, leader.actor, store, leader, bundle.id, keyed(app, PIN), signature_png(), tmp_path)


def sign_city_report(app, session, city, campaign, tmp_path, signature=None):
    """Build the city report's preview and sign it, districts missing or not."""
    store = app.extensions["filestore"]
    preview = city_report.build_preview(session, city.actor, store, city, campaign.id, tmp_path, TODAY)
    return city_report.sign_off(
        session,
        city.actor,
        store,
        city,
        preview.id,
        keyed(app, PIN),
        signature or signature_png(),
        tmp_path,
        TODAY,
        confirm_missing=True,
    )


# ---- the inspector's pages through the test client ----------------------------------------------------------


def open_inspection(client, station) -> int:
    response = client.post(f"/inspect/stations/{station.id}/open")
    assert response.status_code == 302
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def upload(client, inspection_id, slot, data, position=NEAR, accuracy=12, filename="p.jpg", replaces=None):
    form = {"slot": slot, "photo": (io.BytesIO(data), filename)}
    if position:
        form.update(
            lat=str(position[0]),
            lon=str(position[1]),
            accuracy=str(accuracy),
            position_time=str(int(datetime.now(timezone.utc).timestamp() * 1000)),
        )
    if replaces:
        form["replaces"] = str(replaces)
    return client.post(
        f"/inspect/inspections/{inspection_id}/photos",
        data=form,
        content_type="multipart/form-data",
        follow_redirects=True,
    )


# ---- pages and files ----------------------------------------------------------------------------------------

INLINE = {
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "javascript: URL": re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I),
}


def inline_code(html: str) -> list[str]:
    """What a strict Content-Security-Policy forbids, found in a page: inline scripts, handlers, styles."""
    return [f"{name}: {match.group(0)[:80]}" for name, pattern in INLINE.items() for match in pattern.finditer(html)]


def xlsx(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def idle_for(session, minutes: float) -> None:
    """Every open sign-in last used `minutes` ago, as the server noted it."""
    for row in session.scalars(select(UserSession).where(UserSession.ended_at.is_(None))):
        row.last_seen_at = utcnow() - timedelta(minutes=minutes)
    session.commit()


def workbook_bytes(rows: list[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    """An .xlsx with the import headers and one row per station_row()."""
    headers = headers or list(COLUMNS)
    workbook = openpyxl.Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append([row.get(COLUMNS[h]) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- answers and signatures through the API and pages -------------------------------------------------------


def put(client, inspection_id, code, verdict, points=None, note=None):
    return client.put(
        f"/api/v1/inspections/{inspection_id}/answers/{code}", json={"verdict": verdict, "points": points, "note": note}
    )


def sign(client, inspection_id, role, name="李娜", png=None):
    """The signature page's form: a drawn signature as a data URL and the signer's name."""
    data_url = "data:image/png;base64," + base64.b64encode(png or signature_png()).decode()
    return client.post(
        f"/inspect/inspections/{inspection_id}/signatures/{role}",
        data={"name": name, "signature": data_url},
        follow_redirects=True,
    )


# ---- SVG charts ---------------------------------------------------------------------------------------------

NS = "{http://www.w3.org/2000/svg}"


def parse(markup: Markup) -> ET.Element:
    assert isinstance(markup, Markup)
    return ET.fromstring(str(markup))


def texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{NS}text")]


def rows_of(root: ET.Element) -> list[ET.Element]:
    """The per-row groups: the only <g>s that carry a tooltip."""
    return [g for g in root.iter(f"{NS}g") if g.find(f"{NS}title") is not None]


def width(rect: ET.Element) -> float:
    return float(rect.get("width"))


def assert_plain_svg(markup: Markup) -> None:
    """One scalable SVG, titled, in the report's font, with nothing WeasyPrint or a CSP would refuse."""
    root = parse(markup)
    assert root.tag == f"{NS}svg" and str(markup).startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert root.get("width") == "100%" and root.get("height") is None
    assert root.get("viewBox").split()[:3] == ["0", "0", str(charts.WIDTH)]
    assert root.get("role") == "img" and root.get("aria-label")
    assert root[0].tag == f"{NS}title" and root[0].text == root.get("aria-label")
    assert root.get("font-family") == "Noto Sans CJK SC, sans-serif"
    tags = {el.tag.removeprefix(NS) for el in root.iter()}
    assert not tags & {"style", "script", "foreignObject", "image", "use", "a"}
    assert not [k for el in root.iter() for k in el.attrib if k.endswith("href") or k in {"style", "class"}]


def accepted_inspection_submitted(session, app, campaign, station, inspector, submit: bool = True):
    """A station inspected and submitted (not yet reviewed), through the use cases; with submit=False, ready to
    be submitted."""
    inspection = inspections.open_inspection(session, inspector.actor, station.id, campaign)
    for item in TEMPLATE.items:
        inspections.answer_item(
            session,
            inspector.actor,
            inspection.id,
            item.code,
            "pass",
            item.points if item.scoring == "graded" else None,
        )
    for n, slot in enumerate(("signboard", "bulletin_board")):
        photos.add_photo(
            session,
            inspector.actor,
            app.extensions["filestore"],
            inspection.id,
            slot,
            jpeg(39.82, 109.96, seed=900 + n),
            None,
            Thresholds(),
            20 * 2**20,
        )
    for role in ("representative", "inspector"):
        inspections.sign(
            session, inspector.actor, app.extensions["filestore"], inspection.id, role, "王丽", signature_png()
        )
    if submit:
        inspections.submit(session, inspector.actor, inspection.id)
    return inspection
