"""Re-checks and spot checks are inspections of the same station in the same campaign: they are opened, answered,
photographed, signed and submitted like the district's own, change only what is theirs, and leave the station's own
inspection the one the board, the bundle and the figures read."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from photo_factory import jpeg, signature_png
from sqlalchemy import select
from support import TEMPLATE, issued_order, make_user

from inspect_app.domain.checklists.scoring import Verdict
from inspect_app.domain.directory.stations import StationStatus
from inspect_app.domain.findings import Thresholds
from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.domain.inspections import InspectionKind, InspectionStatus
from inspect_app.domain.todo import ItemKind
from inspect_app.inspection import follow_ups, photos
from inspect_app.inspection import operations as inspections
from inspect_app.inspection.bootstrap import district_inspections
from inspect_app.models import AuditEntry, Inspection, RectificationOrder, SampledStation, SpotCheckSample
from inspect_app.shared.errors import Forbidden, Invalid, NotFound
from inspect_app.todo import items as todo_items


def _answers_of(inspection):
    return {a.item_code: a for a in inspection.answers}


@pytest.fixture
def failed(app, session, season):
    """Dongsheng's first station, its accepted inspection answered again with A2 (critical) and C1 short, and an
    issued rectification order listing both."""

    station = season["stations"][0]
    own = session.scalar(select(Inspection).where(Inspection.station_id == station.id))
    inspector = own.inspector
    next(a for a in own.answers if a.item_code == "A2").verdict = Verdict.FAIL
    c1 = next(a for a in own.answers if a.item_code == "C1")
    c1.points = 2
    c1.note = "投诉登记不全"
    inspections.recompute(own, TEMPLATE)
    session.commit()
    order = issued_order(session, own, {"C1": "投诉登记不全"})
    return {"own": own, "order": order, "inspector": inspector, "station": station, **season}


def _finish(app, session, actor, inspection, verdicts):
    for code, (verdict, points) in verdicts.items():
        inspections.answer_item(session, actor, inspection.id, code, verdict, points)
    store = app.extensions["filestore"]
    photos.add_photo(
        session, actor, store, inspection.id, "signboard", jpeg(39.82, 109.96, seed=77), None, Thresholds(), 2**24
    )
    for role in ("representative", "inspector"):
        inspections.sign(session, actor, store, inspection.id, role, "王丽", signature_png())
    return inspections.submit(session, actor, inspection.id)


def test_a_recheck_answers_the_orders_items_only_and_a_pass_completes_the_order(app, session, failed):
    actor = failed["inspector"].actor
    recheck = follow_ups.open_recheck(session, actor, failed["order"].id)
    assert (recheck.kind, recheck.follows_id, recheck.recheck_round) == (InspectionKind.RECHECK, failed["own"].id, 1)
    assert recheck.item_scope == ["A2", "C1"]
    assert follow_ups.open_recheck(session, actor, failed["order"].id).id == recheck.id  # opening twice: the same
    with pytest.raises(Invalid) as refused:
        inspections.answer_item(session, actor, recheck.id, "A1", "fail")
    assert "不在本次复查的整改项目中" in str(refused.value)
    assert "A1" not in _answers_of(recheck)
    lacking = inspections.missing(recheck)
    assert any("2项未作答：A2、C1" in m for m in lacking) and any("标识标志牌" in m for m in lacking)
    assert not any("宣传栏" in m for m in lacking)  # A4's photo is not the re-check's

    _finish(app, session, actor, recheck, {"A2": ("pass", None), "C1": ("pass", 8)})
    order = session.get(RectificationOrder, failed["order"].id)
    assert order.status is OrderStatus.COMPLETED and order.closed_at is not None
    assert recheck.score == 100.0  # the station scored with the re-checked answers in place of the failed ones
    assert failed["own"].score < 100.0 and failed["own"].kind is InspectionKind.OWN
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "recheck_order")).one()
    assert entry.details["passed"] is True and entry.details["status"] == "completed"
    with pytest.raises(Invalid):  # the order is done: its re-check changes no more
        inspections.answer_item(session, actor, recheck.id, "A2", "fail")


def test_a_failed_recheck_escalates_the_order_and_the_station_is_rectifying(app, session, failed):
    actor = failed["inspector"].actor
    recheck = follow_ups.open_recheck(session, actor, failed["order"].id)
    _finish(app, session, actor, recheck, {"A2": ("fail", None), "C1": ("pass", 8)})  # the critical item again
    order = session.get(RectificationOrder, failed["order"].id)
    assert order.status is OrderStatus.ESCALATED and order.escalated_at is not None
    assert failed["station"].status is StationStatus.RECTIFYING
    with pytest.raises(Invalid) as refused:  # nothing to re-check until the leader extends the order
        follow_ups.open_recheck(session, actor, order.id)
    assert "待决定" in str(refused.value)


def test_recheck_is_the_districts_and_another_district_cannot_see_it(session, failed):
    other = make_user(session, "inspector", "150603")
    with pytest.raises(NotFound):
        follow_ups.open_recheck(session, other.actor, failed["order"].id)
    city_inspector = make_user(session, "city_inspector")
    with pytest.raises(Forbidden):
        follow_ups.open_recheck(session, city_inspector.actor, failed["order"].id)


def _sample(session, campaign, station, drawn_by, inspector=None):
    sample = SpotCheckSample(campaign_id=campaign.id, seed="42", percent=10, strata=[], drawn_by_id=drawn_by.id)
    sample.stations.append(
        SampledStation(
            station_id=station.id,
            district_id=station.district_id,
            outcome="pass",
            rank="0" * 64,
            inspector_id=inspector.id if inspector else None,
        )
    )
    session.add(sample)
    session.commit()
    return sample


def test_a_spot_check_is_the_city_inspectors_and_the_district_cannot_change_it(app, session, failed):
    campaign, station, own = failed["campaign"], failed["station"], failed["own"]
    city = make_user(session, "city")
    city_inspector = make_user(session, "city_inspector")
    with pytest.raises(NotFound):  # not in a sample: nothing to spot-check
        follow_ups.open_spot_check(session, city_inspector.actor, station.id, campaign)
    _sample(session, campaign, station, city)
    check = follow_ups.open_spot_check(session, city_inspector.actor, station.id, campaign)
    assert (check.kind, check.follows_id, check.item_scope) == (InspectionKind.SPOT_CHECK, own.id, None)
    assert follow_ups.open_spot_check(session, city_inspector.actor, station.id, campaign).id == check.id
    inspections.answer_item(session, city_inspector.actor, check.id, "A1", "fail")
    district_inspector = failed["inspector"].actor
    with pytest.raises(Forbidden):  # the district's inspector never changes the city's spot check
        inspections.answer_item(session, district_inspector, check.id, "A1", "pass")
    own.status = InspectionStatus.RETURNED
    session.commit()
    with pytest.raises(Forbidden):  # nor the city inspector the district's own inspection
        inspections.answer_item(session, city_inspector.actor, own.id, "A1", "fail")
    assert _answers_of(check)["A1"].verdict.value == "fail"
    assert _answers_of(own)["A1"].verdict.value == "pass"
    another = make_user(session, "city_inspector")
    with pytest.raises(Invalid):  # assigned to the first: another city inspector is told so
        sampled = session.scalars(select(SampledStation)).one()
        sampled.inspector_id = city_inspector.id
        session.commit()
        follow_ups.open_spot_check(session, another.actor, station.id, campaign)


def test_the_board_and_bootstrap_read_the_districts_own_inspection(app, session, failed):
    campaign, station = failed["campaign"], failed["station"]
    actor = failed["inspector"].actor
    recheck = follow_ups.open_recheck(session, actor, failed["order"].id)
    city_inspector = make_user(session, "city_inspector")
    _sample(session, campaign, station, make_user(session, "city"), city_inspector)
    check = follow_ups.open_spot_check(session, city_inspector.actor, station.id, campaign)
    board = {row.station.id: row.inspection for row in inspections.station_board(session, actor, campaign)}
    assert board[station.id].id == failed["own"].id
    loaded = district_inspections(session, actor, campaign)
    assert recheck.id not in [i.id for i in loaded.inspections] and check.id not in [i.id for i in loaded.inspections]
    assert failed["own"].id in [i.id for i in loaded.inspections]
    work = follow_ups.follow_ups(session, actor, campaign)
    assert [(w.key, w.inspection.id) for w in work] == [(f"r{failed['order'].id}", recheck.id)]
    mine = follow_ups.follow_ups(session, city_inspector.actor, campaign)
    assert [(w.key, w.inspection.id) for w in mine] == [(f"c{station.id}", check.id)]
    other = make_user(session, "inspector", "150603")
    assert follow_ups.follow_ups(session, other.actor, campaign) == []


def test_the_phone_gets_its_follow_ups_and_opens_them_through_the_api(app, session, failed):
    campaign, station, order = failed["campaign"], failed["station"], failed["order"]
    client = app.test_client()
    client.post("/login", data={"username": "insp.ds", "password": "secret-pass-1"})
    boot = client.get("/api/v1/bootstrap").get_json()
    assert [(f["key"], f["kind"], f["order"]["items"], f["inspection_id"]) for f in boot["follow_ups"]] == [
        (f"r{order.id}", "recheck", ["A2", "C1"], None)
    ]
    assert [i["key"] for i in boot["inspections"]] == [s.id for s in failed["stations"]]  # own ones, by station
    opened = client.post(
        "/api/v1/inspections",
        json={"order_id": order.id},
        headers={"Idempotency-Key": "11111111-1111-4111-8111-111111111111"},
    ).get_json()
    assert (opened["key"], opened["kind"], opened["item_scope"], opened["editable"]) == (
        f"r{order.id}",
        "recheck",
        ["A2", "C1"],
        True,
    )
    boot = client.get("/api/v1/bootstrap").get_json()
    assert boot["follow_ups"][0]["inspection_id"] == opened["id"]
    assert [i["key"] for i in boot["follow_up_inspections"]] == [f"r{order.id}"]
    assert f"r{order.id}" not in [i["key"] for i in boot["inspections"]]  # apart, for phones that predate keys
    assert boot["follow_ups"][0]["followed_answers"]["A2"]["verdict"] == "fail"
    refused = client.put(
        f"/api/v1/inspections/{opened['id']}/answers/A1",
        json={"verdict": "fail"},
        headers={"Idempotency-Key": "22222222-2222-4222-8222-222222222222"},
    )
    assert refused.status_code == 422 and "整改项目" in refused.get_json()["error"]["fields"]["A1"]

    city_inspector = make_user(session, "city_inspector", username="city.insp")
    _sample(session, campaign, station, make_user(session, "city"), city_inspector)
    city = app.test_client()
    city.post("/login", data={"username": "city.insp", "password": "secret-pass-1"})
    boot = city.get("/api/v1/bootstrap").get_json()
    assert boot["stations"] == [] and boot["inspections"] == []  # no district's board
    assert boot["follow_ups"][0]["followed_answers"] is None
    assert [(f["key"], f["kind"], f["station"]["id"]) for f in boot["follow_ups"]] == [
        (f"c{station.id}", "spot_check", station.id)
    ]
    check = city.post(
        "/api/v1/inspections",
        json={"station_id": station.id, "kind": "spot_check"},
        headers={"Idempotency-Key": "33333333-3333-4333-8333-333333333333"},
    ).get_json()
    assert (check["key"], check["kind"], check["follows_id"]) == (f"c{station.id}", "spot_check", failed["own"].id)
    own = city.post(
        "/api/v1/inspections",
        json={"station_id": station.id},
        headers={"Idempotency-Key": "44444444-4444-4444-8444-444444444444"},
    )
    assert own.status_code == 403  # a city inspector opens no district inspection


def test_the_station_page_shows_the_district_score_and_the_rechecks_beside_it(app, session, failed):
    actor = failed["inspector"].actor
    recheck = follow_ups.open_recheck(session, actor, failed["order"].id)
    _finish(app, session, actor, recheck, {"A2": ("pass", None), "C1": ("pass", 8)})
    client = app.test_client()
    client.post("/login", data={"username": "leader.ds", "password": "secret-pass-1"})
    page = client.get(f"/directory/{failed['station'].id}").get_data(as_text=True)
    history = page[page.index("历年验收结果") :]
    own_at, recheck_at = history.index(f"{failed['own'].score:.1f}"), history.index("整改复查（第1次）")
    assert own_at < recheck_at and "100.0" in history[recheck_at:]
    assert f"/inspect/inspections/{recheck.id}" in history


def test_after_an_extension_the_next_recheck_begins_afresh_on_the_phone(app, session, failed):
    actor = failed["inspector"].actor
    first = follow_ups.open_recheck(session, actor, failed["order"].id)
    _finish(app, session, actor, first, {"A2": ("fail", None), "C1": ("pass", 8)})
    order = session.get(RectificationOrder, failed["order"].id)
    assert order.status is OrderStatus.ESCALATED
    order.status, order.deadline = OrderStatus.ISSUED, order.deadline + timedelta(days=20)  # as an extension does
    session.commit()
    client = app.test_client()
    client.post("/login", data={"username": "insp.ds", "password": "secret-pass-1"})
    boot = client.get("/api/v1/bootstrap").get_json()
    assert [(f["key"], f["inspection_id"]) for f in boot["follow_ups"]] == [(f"r{order.id}", None)]
    assert f"r{order.id}" not in [i["key"] for i in boot["follow_up_inspections"]]
    second = follow_ups.open_recheck(session, actor, order.id)
    assert (second.recheck_round, second.id != first.id) == (2, True)


def test_follow_ups_stay_with_whoever_was_given_them(app, session, failed):
    colleague = make_user(session, "inspector", "150602")
    order = failed["order"]
    assert follow_ups.follow_ups(session, colleague.actor, failed["campaign"]) == []
    with pytest.raises(NotFound):
        follow_ups.open_recheck(session, colleague.actor, order.id)
    recheck = follow_ups.open_recheck(session, failed["inspector"].actor, order.id)
    with pytest.raises(NotFound):
        inspections.answer_item(session, colleague.actor, recheck.id, "A2", "pass")
    campaign, station = failed["campaign"], failed["station"]
    mine, other = make_user(session, "city_inspector"), make_user(session, "city_inspector")
    _sample(session, campaign, station, make_user(session, "city"), mine)
    check = follow_ups.open_spot_check(session, mine.actor, station.id, campaign)
    with pytest.raises(NotFound):
        inspections.answer_item(session, other.actor, check.id, "A1", "fail")
    assert "A1" not in _answers_of(check) and "A2" not in _answers_of(recheck)


def test_a_submitted_recheck_waits_for_no_review(app, session, failed):
    actor = failed["inspector"].actor
    recheck = follow_ups.open_recheck(session, actor, failed["order"].id)
    _finish(app, session, actor, recheck, {"A2": ("pass", None), "C1": ("pass", 8)})
    leader = failed["leader"]
    waiting = [i for i in todo_items.items_for(session, leader, date.today()) if i.kind is ItemKind.REVIEW_WAITING]
    assert all(f"/inspections/{recheck.id}" not in i.link for i in waiting)
    assert len(waiting) == 0  # the season's own inspections were all accepted
