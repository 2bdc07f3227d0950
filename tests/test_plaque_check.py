"""The inspector's plaque check on a real database: what a scanned or typed code says about the plaque in front of
the inspector (current, withdrawn, another station's, unknown), who may record it, and what refuses it."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from spot_factory import inspect
from sqlalchemy import select
from support import make_station, make_user

from inspect_app.domain.directory.signboards import (
    PlaqueFinding,
    plaque_code_of,
    printed_short_code,
    shown_plaque_code,
)
from inspect_app.domain.inspections import InspectionStatus
from inspect_app.inspection import operations as inspections
from inspect_app.inspection.plaque_check import PlaqueCheck, record_plaque_check
from inspect_app.models import AuditEntry, Inspection
from inspect_app.shared.errors import Forbidden, Invalid, NotFound
from inspect_app.signboards import plaques

UNREADABLE = "无法识别的牌匾编码：请扫描牌匾上的二维码，或输入二维码下方的8位编码"


@pytest.fixture
def site(session, campaign, station):
    """Dongsheng's station with its plaque, another Dongsheng station with its own, the inspector and the city."""
    city = make_user(session, "city")
    inspector = make_user(session, "inspector", "150602")
    neighbour = make_station(session, "150602")
    plaque = plaques.plaque_for_printing(session, city.actor, station)
    theirs = plaques.plaque_for_printing(session, city.actor, neighbour)
    session.commit()
    inspection = inspections.open_inspection(session, inspector.actor, station.id, campaign)
    return {"city": city, "inspector": inspector, "plaque": plaque, "theirs": theirs, "inspection": inspection}


def reread(session, inspection_id: int) -> Inspection:
    session.expire_all()
    return session.get(Inspection, inspection_id)


def test_a_check_reads_in_beijing_time_with_the_code_as_printed():
    at = datetime(2026, 12, 3, 2, 20, tzinfo=timezone.utc)
    check = PlaqueCheck("7K3M9PXQ", "7K3M-9PXQ", PlaqueFinding.CURRENT, at)
    assert check.text == "牌匾核验：牌匾属于本站，为现行牌匾（7K3M-9PXQ，12月3日 10:20）"
    assert plaque_code_of(" 7k3m-9pxq ") == "7K3M9PXQ" and plaque_code_of("https://x.cn/s/" + "t" * 24) == "t" * 24
    assert shown_plaque_code("t" * 24) == "tttttttt…" and plaque_code_of("7K3M-9PX") is None


def test_the_current_plaque_typed_as_printed_is_this_stations_and_current(session, site):
    code = site["plaque"].short_code
    check = record_plaque_check(
        session, site["inspector"].actor, site["inspection"].id, printed_short_code(code).lower()
    )
    assert check is not None and check.finding is PlaqueFinding.CURRENT
    assert check.text.startswith(f"牌匾核验：牌匾属于本站，为现行牌匾（{printed_short_code(code)}，")
    stored = reread(session, site["inspection"].id)
    assert (stored.plaque_code, stored.plaque_finding) == (code, PlaqueFinding.CURRENT)
    assert stored.plaque_checked_at is not None
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "check_plaque")).one()
    assert entry.details["code"] == code and entry.details["finding"] == "current"


def test_a_scanned_address_is_kept_as_the_plaques_short_code(session, site):
    address = plaques.public_address("https://12315.example.cn", site["plaque"])
    check = record_plaque_check(session, site["inspector"].actor, site["inspection"].id, address)
    assert check.finding is PlaqueFinding.CURRENT and check.code == site["plaque"].short_code


def test_an_old_plaque_after_a_reissue_is_this_stations_but_withdrawn(session, site, station):
    old = site["plaque"].token
    leader = make_user(session, "leader", "150602")
    plaques.reissue_plaque(session, leader.actor, session.get(type(station), station.id))
    check = record_plaque_check(session, site["inspector"].actor, site["inspection"].id, old)
    assert check.finding is PlaqueFinding.WITHDRAWN and check.finding.belongs and not check.finding.is_current
    assert "牌匾属于本站，但已停用（旧牌匾）" in check.text


def test_another_stations_plaque_is_said_to_be_not_this_ones(session, site):
    check = record_plaque_check(session, site["inspector"].actor, site["inspection"].id, site["theirs"].short_code)
    assert check.finding is PlaqueFinding.OTHER_STATION and not check.finding.belongs


def test_a_well_formed_code_no_plaque_has_is_recorded_as_unknown(session, site):
    unused = next(
        c for c in ("2222-3333", "4444-5555", "6666-7777") if c.replace("-", "") not in {site["plaque"].short_code}
    )
    check = record_plaque_check(session, site["inspector"].actor, site["inspection"].id, unused)
    assert check.finding is PlaqueFinding.UNKNOWN
    assert reread(session, site["inspection"].id).plaque_code == unused.replace("-", "")


@pytest.mark.parametrize("garbage", ["12345", "OOOO-IIII", "https://example.cn/s/short", "牌匾", "A" * 7])
def test_what_is_neither_a_code_nor_a_token_is_refused_and_nothing_changes(session, site, garbage):
    record_plaque_check(session, site["inspector"].actor, site["inspection"].id, site["plaque"].short_code)
    before = reread(session, site["inspection"].id).plaque_checked_at
    with pytest.raises(Invalid) as refused:
        record_plaque_check(session, site["inspector"].actor, site["inspection"].id, garbage)
    assert str(refused.value) == UNREADABLE
    stored = reread(session, site["inspection"].id)
    assert (stored.plaque_code, stored.plaque_finding, stored.plaque_checked_at) == (
        site["plaque"].short_code,
        PlaqueFinding.CURRENT,
        before,
    )


def test_empty_text_clears_the_check(session, site):
    record_plaque_check(session, site["inspector"].actor, site["inspection"].id, site["plaque"].short_code)
    assert record_plaque_check(session, site["inspector"].actor, site["inspection"].id, "  ") is None
    stored = reread(session, site["inspection"].id)
    assert (stored.plaque_code, stored.plaque_finding, stored.plaque_checked_at) == (None, None, None)
    assert session.scalars(select(AuditEntry.action).where(AuditEntry.action == "clear_plaque_check")).all()


def test_a_submitted_inspection_is_refused_like_its_answers(session, site):
    stored = reread(session, site["inspection"].id)
    stored.status = InspectionStatus.SUBMITTED
    session.commit()
    with pytest.raises(Invalid, match="检查已提交，不能再修改"):
        record_plaque_check(session, site["inspector"].actor, site["inspection"].id, site["plaque"].short_code)
    assert reread(session, site["inspection"].id).plaque_code is None


def test_another_districts_inspector_finds_nothing(session, site):
    stranger = make_user(session, "inspector", "150603")
    with pytest.raises(NotFound):
        record_plaque_check(session, stranger.actor, site["inspection"].id, site["plaque"].short_code)
    assert reread(session, site["inspection"].id).plaque_code is None


def test_the_city_inspector_checks_the_plaque_on_a_spot_check_and_the_district_may_not(
    session, site, campaign, station
):
    checker = make_user(session, "city_inspector")
    own = reread(session, site["inspection"].id)
    spot = inspect(session, campaign, station, checker, InspectionStatus.IN_PROGRESS, follows=own)
    check = record_plaque_check(session, checker.actor, spot.id, site["plaque"].short_code)
    assert check.finding is PlaqueFinding.CURRENT
    with pytest.raises(Forbidden):  # the district's inspectors never change the city's spot check
        record_plaque_check(session, site["inspector"].actor, spot.id, "")
    assert reread(session, spot.id).plaque_finding is PlaqueFinding.CURRENT


# ---- the online checklist ---------------------------------------------------------------------------------------


def test_the_checklist_page_checks_the_plaque_beside_the_signboard_items(client, auth, session, site):
    auth.login(site["inspector"].username)
    url = f"/inspect/inspections/{site['inspection'].id}"
    html = client.get(url).get_data(as_text=True)
    section_b = html.split("<legend>B. 标识内容</legend>", 1)[1].split("</fieldset>", 1)[0]
    assert 'id="plaque-check"' in section_b and "尚未核验牌匾" in section_b
    assert 'autocapitalize="characters"' in section_b and 'inputmode="text"' in section_b
    assert 'form="plaque-form"' in section_b and "data-plaque-scan hidden" in section_b  # 扫码 only where it can
    assert f'action="/inspect/inspections/{site["inspection"].id}/plaque" id="plaque-form"' in html
    sent = client.post(f"{url}/plaque", data={"plaque_code": site["theirs"].short_code}, follow_redirects=True)
    page = sent.get_data(as_text=True)
    assert "牌匾核验：牌匾不属于本站（" in page and 'class="plaque-result warn"' in page
    refused = client.post(f"{url}/plaque", data={"plaque_code": "？？"}, follow_redirects=True).get_data(as_text=True)
    assert UNREADABLE in refused and "牌匾核验：牌匾不属于本站（" in refused  # the earlier check stands
    assert reread(session, site["inspection"].id).plaque_finding is PlaqueFinding.OTHER_STATION


def test_readers_see_the_finding_beside_b1_to_b4_and_in_the_review_list(client, auth, session, site):
    record_plaque_check(session, site["inspector"].actor, site["inspection"].id, site["plaque"].short_code)
    leader = make_user(session, "leader", "150602")
    auth.login(leader.username)
    html = client.get(f"/inspect/inspections/{site['inspection'].id}").get_data(as_text=True)
    section_b = html.split("<legend>B. 标识内容</legend>", 1)[1].split("</fieldset>", 1)[0]
    shown = printed_short_code(site["plaque"].short_code)
    assert f"牌匾核验：牌匾属于本站，为现行牌匾（{shown}，" in section_b
    assert "data-plaque-input" not in section_b and 'id="plaque-form"' not in html  # read-only for the leader
    overview = client.get("/review/").get_data(as_text=True)
    assert "牌匾核验：牌匾属于本站，为现行牌匾" in overview
    station_page = client.get(f"/directory/{site['inspection'].station_id}").get_data(as_text=True)
    assert "牌匾核验：牌匾属于本站，为现行牌匾" in station_page.split("历年验收结果", 1)[1]
