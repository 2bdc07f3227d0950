"""示范站 in the directory: only the city's confirmation sets it; the leader's recommendation is shown apart."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import func, select
from support import district, make_station, make_user, station_row

from inspect_app.city import demonstrations
from inspect_app.directory import operations as directory
from inspect_app.directory.excel import COLUMNS, ImportRejected, export_workbook, import_directory
from inspect_app.domain.evidence.submissions import SubmissionSource, SubmissionStatus
from inspect_app.domain.identity.permissions import Actor, Role
from inspect_app.domain.inspections import InspectionStatus
from inspect_app.models import AuditEntry, Inspection, Station, Submission


def confirmed(session, station: Station) -> Station:
    """A station the city confirmed in an earlier campaign (its flag, as decide_demonstration leaves it)."""
    station.is_demonstration = True
    session.commit()
    return station


def leader(session, code: str = "150602") -> Actor:
    return Actor(Role.LEADER, district(session, code).id)


def workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(list(COLUMNS))
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def as_cells(row: dict) -> list:
    return [row.get(name) for name in COLUMNS.values()]


def recommended(session, campaign, station: Station) -> Inspection:
    """An accepted inspection the district's leader recommended as 示范站 (as review.recommend leaves it)."""
    inspector = make_user(session, "inspector", station.district.code)
    inspection = Inspection(
        station=station,
        campaign=campaign,
        checklist_version_id=campaign.checklist_version_id,
        inspector_id=inspector.id,
        status=InspectionStatus.ACCEPTED,
        failed_critical=[],
        score=96.0,
        recommended_demonstration=True,
    )
    session.add(inspection)
    session.commit()
    return inspection


def received(session, campaign, station: Station, by) -> Submission:
    """The district's bundle with the city, so that its recommendations reach the city's list."""
    submission = Submission(
        district_id=station.district_id,
        campaign_id=campaign.id,
        version=1,
        source=SubmissionSource.APP,
        received_by_id=by.id,
        archive_key="x",
        archive_sha256="0" * 64,
        archive_size=1,
        verified=True,
        status=SubmissionStatus.SUBMITTED,
    )
    session.add(submission)
    session.commit()
    return submission


# --- the station form ---------------------------------------------------------------------------


def test_a_leader_posting_is_demonstration_to_edit_changes_nothing_and_is_told_why(client, session, login_as):
    login_as("leader", "150602")
    station = make_station(session, "150602", phone="0477-1111111")
    form = directory.station_form_values(station) | {"phone": "0477-2222222", "is_demonstration": "y"}
    response = client.post(f"/directory/{station.id}/edit", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "示范站只能由市中心确认" in page
    session.expire_all()
    kept = session.get(Station, station.id)
    assert (kept.is_demonstration, kept.phone) == (False, "0477-1111111")
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.target_type == "station")) == 0


def test_a_new_station_cannot_be_created_as_a_demonstration_station(client, session, login_as):
    login_as("admin")
    response = client.post("/directory/new", data=station_row("150602", is_demonstration="是"))
    assert response.status_code == 200 and "示范站只能由市中心确认" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Station)) == 0


def test_the_form_shows_the_flag_without_a_control_and_a_confirmed_station_saves(client, session, login_as):
    login_as("leader", "150602")
    station = confirmed(session, make_station(session, "150602"))
    page = client.get(f"/directory/{station.id}/edit").get_data(as_text=True)
    assert 'name="is_demonstration"' not in page and "由市中心确认" in page
    # The form as the page posts it (no 示范站 value at all) keeps the city's flag.
    form = directory.station_form_values(station) | {"name": "改名后的服务站"}
    form.pop("is_demonstration", None)
    assert client.post(f"/directory/{station.id}/edit", data=form).status_code == 302
    session.expire_all()
    kept = session.get(Station, station.id)
    assert (kept.name, kept.is_demonstration) == ("改名后的服务站", True)


# --- the import -----------------------------------------------------------------------------------


def test_an_import_with_demonstration_yes_for_an_unconfirmed_station_is_refused_per_row(session, today):
    plain = make_station(session, "150602")
    rows = [
        as_cells(station_row("150602", number=plain.number, name="改名了", is_demonstration="是")),
        as_cells(station_row("150602", is_demonstration="是")),
    ]  # a new station
    with pytest.raises(ImportRejected) as rejected:
        import_directory(session, leader(session), "名录.xlsx", workbook(rows), today, 100)
    messages = {e.row: e.message for e in rejected.value.errors}
    assert set(messages) == {2, 3}
    assert all(m.startswith("示范站只能由市中心确认旗区的推荐后标记") for m in messages.values()), messages
    session.expire_all()
    assert session.get(Station, plain.id).name != "改名了"
    assert session.scalar(select(func.count()).select_from(Station)) == 1


def test_reimporting_an_export_keeps_the_city_flag_and_a_changed_flag_is_refused(session, today):
    star = confirmed(session, make_station(session, "150602"))
    plain = make_station(session, "150602")
    exported = openpyxl.load_workbook(io.BytesIO(export_workbook([star, plain]))).active
    rows = [list(r) for r in exported.iter_rows(min_row=2, values_only=True)]
    flag = list(COLUMNS).index("示范站")
    assert [r[flag] for r in rows] == ["是", "否"]
    again = import_directory(session, leader(session), "名录.xlsx", workbook(rows), today, 100)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    rows[0][flag] = "否"
    with pytest.raises(ImportRejected, match="第2行：示范站只能由市中心确认"):
        import_directory(session, leader(session), "名录.xlsx", workbook(rows), today, 100)
    rows[0][flag] = None  # a blank cell keeps the flag, as a column left out of the file does
    rows[0][1] = "改名后的示范站"
    blank = import_directory(session, leader(session), "名录.xlsx", workbook(rows), today, 100)
    assert (blank.updated, blank.unchanged) == (1, 1)
    session.expire_all()
    kept = session.get(Station, star.id)
    assert (kept.name, kept.is_demonstration) == ("改名后的示范站", True)


# --- the city's confirmation and what the directory shows ------------------------------------------


def test_the_city_confirmation_sets_the_flag_with_an_audit_entry(session, campaign):
    station = make_station(session, "150602")
    recommended(session, campaign, station)
    city = make_user(session, "city")
    received(session, campaign, station, city)
    demonstrations.decide_demonstration(session, city.actor, campaign.id, station.id, True)
    session.expire_all()
    assert session.get(Station, station.id).is_demonstration is True
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "confirm_demonstration")).one()
    assert (entry.target_type, entry.target_id, entry.user_id) == ("station", station.id, city.id)
    assert entry.details == {"campaign": campaign.id, "confirmed": True}


def test_the_directory_shows_recommended_and_confirmed_apart(client, session, login_as, campaign):
    login_as("city")
    waiting = make_station(session, "150602", name="已推荐待确认服务站")
    recommended(session, campaign, waiting)
    star = confirmed(session, make_station(session, "150602", name="市中心确认示范站"))
    make_station(session, "150602", name="普通服务站")

    def names(query: str) -> set[str]:
        page = client.get(f"/directory/?{query}").get_data(as_text=True)
        return {n for n in ("已推荐待确认服务站", "市中心确认示范站", "普通服务站") if n in page}

    assert names("recommended=1") == {"已推荐待确认服务站"}
    assert names("demonstration=1") == {"市中心确认示范站"}
    assert names("recommended=0&demonstration=0") == {"普通服务站"}

    listing = client.get("/directory/?recommended=1").get_data(as_text=True)
    assert "推荐示范站" in listing and '<span class="tag star">示范站</span>' not in listing
    shown = client.get(f"/directory/{waiting.id}").get_data(as_text=True)
    assert "2026年度自查验收：旗区已推荐，待市中心确认" in shown and "是（市中心确认）" not in shown
    shown = client.get(f"/directory/{star.id}").get_data(as_text=True)
    assert '<span class="tag star">示范站</span>' in shown and "是（市中心确认）" in shown
    assert "2026年度自查验收：未推荐" in shown
