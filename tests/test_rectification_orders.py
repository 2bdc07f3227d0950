"""Rectification orders on a real database session: drafting (idempotent), editing a draft, issuing a signed
整改通知书, escalation past the deadline, extension, retirement, the city's draft from a spot check; refusals change
nothing and another district's orders answer 404."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from datetime import date, timedelta

import pikepdf
import pytest
from order_support import ITEMS, SIGNBOARD_NOTE, openssl_verify_pdf_signature, order_world, pdfsig, stored_inspection
from sqlalchemy import func, select
from support import PIN, keyed, make_user

from inspect_app.bundles import operations as bundles
from inspect_app.domain.checklists.checklist import Outcome
from inspect_app.domain.checklists.scoring import Verdict
from inspect_app.domain.directory.stations import StationStatus
from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.domain.inspections import InspectionKind, InspectionStatus
from inspect_app.follow_up import issue, order_queries, orders
from inspect_app.models import AuditEntry, RectificationOrder, SigningPinFailure, Station
from inspect_app.shared.errors import Forbidden, Invalid, NotFound
from inspect_app.signing import keys

TODAY = date(2026, 11, 22)


@pytest.fixture
def world(app, session, campaign):
    return order_world(app, session, campaign)


def _draft(session, world, campaign) -> RectificationOrder:
    (order,) = orders.draft_orders(session, world["leader"].actor, world["leader"].district_id, campaign, TODAY)
    return order


def _issue(app, session, world, order, pin=PIN, tmp_path=None):
    return issue.issue_order(
        session,
        world["leader"].actor,
        app.extensions["filestore"],
        world["leader"],
        order.id,
        keyed(app, pin),
        tmp_path,
        TODAY,
    )


def _spot_check(session, campaign, station, inspector, failed, follows):
    """The city's spot check of a station, following the district's own inspection."""
    return stored_inspection(
        session, campaign, station, inspector, failed, kind=InspectionKind.SPOT_CHECK, follows=follows
    )


def _actions(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def _snapshot(session, order_id):
    session.expire_all()
    order = session.get(RectificationOrder, order_id)
    return (order.status, order.deadline, order.inspector_id, order.number, order.reason, order.station.status)


def test_draft_lists_the_failed_items_critical_first_and_is_idempotent(session, world, campaign):
    order = _draft(session, world, campaign)
    assert order.station_id == world["failing"].id and order.inspection_id == world["bad"].id
    assert [item["code"] for item in order.items] == ["A2", "C1"]  # the critical item first
    assert order.items[0]["note"] == SIGNBOARD_NOTE and order.items[0]["critical"] is True
    assert order.deadline == TODAY + timedelta(days=30)
    assert (order.contact_name, order.contact_phone) == ("张伟", "0477-8881234")
    assert order.inspector_id == world["inspector"].id and order.status is OrderStatus.DRAFT
    assert orders.draft_orders(session, world["leader"].actor, world["leader"].district_id, campaign, TODAY) == []
    assert session.scalar(select(func.count()).select_from(RectificationOrder)) == 1
    assert _actions(session).count("draft_order") == 1


def test_a_draft_follows_its_inspection_returned_and_sent_again(app, session, world, campaign, tmp_path):
    order, bad = _draft(session, world, campaign), world["bad"]
    bad.status = InspectionStatus.RETURNED  # the leader returned it after the draft was made
    session.commit()
    with pytest.raises(Invalid, match="该检查已退回补正，重新提交后才能下达整改通知"):
        _issue(app, session, world, order, tmp_path=tmp_path)
    c1 = next(a for a in bad.answers if a.item_code == "C1")
    c1.verdict, c1.points, c1.note = Verdict.PASS, ITEMS["C1"].points if ITEMS["C1"].scoring == "graded" else None, None
    bad.status = InspectionStatus.SUBMITTED  # corrected on site and sent again: only A2 still fails
    session.commit()
    assert orders.draft_orders(session, world["leader"].actor, world["leader"].district_id, campaign, TODAY) == []
    session.expire_all()
    assert [i["code"] for i in session.get(RectificationOrder, order.id).items] == ["A2"]
    issued = _issue(app, session, world, session.get(RectificationOrder, order.id), tmp_path=tmp_path)
    assert [i["code"] for i in issued.items] == ["A2"] and issued.status is OrderStatus.ISSUED


def test_a_draft_whose_inspection_no_longer_calls_for_one_is_discarded(session, world, campaign):
    order, bad = _draft(session, world, campaign), world["bad"]
    for answer in bad.answers:
        answer.verdict, answer.note = Verdict.PASS, None
    bad.outcome, bad.failed_critical = Outcome.PASS, []
    session.commit()
    assert orders.draft_orders(session, world["leader"].actor, world["leader"].district_id, campaign, TODAY) == []
    session.expire_all()
    assert session.get(RectificationOrder, order.id) is None
    assert _actions(session)[-1] == "discard_order"


def test_another_district_never_sees_or_changes_an_order(session, world, campaign):
    order = _draft(session, world, campaign)
    other = world["other_leader"].actor
    with pytest.raises(NotFound):
        orders.draft_orders(session, other, world["leader"].district_id, campaign, TODAY)
    with pytest.raises(NotFound):
        order_queries.get_order(session, other, order.id)
    with pytest.raises(NotFound):
        orders.update_draft(session, other, order.id, TODAY + timedelta(days=5), world["inspector"].id, TODAY)
    with pytest.raises(NotFound):
        order_queries.get_order(session, world["other_inspector"].actor, order.id)
    assert order_queries.district_orders(session, other, other.district_id, campaign.id, TODAY) == []


def test_an_inspector_reads_only_the_orders_assigned_to_them(session, world, campaign):
    order = _draft(session, world, campaign)
    colleague = make_user(session, "inspector", "150602")
    assert order_queries.get_order(session, world["inspector"].actor, order.id).id == order.id
    with pytest.raises(NotFound):
        order_queries.get_order(session, colleague.actor, order.id)
    with pytest.raises(Forbidden):
        orders.update_draft(session, world["inspector"].actor, order.id, TODAY + timedelta(days=3), None, TODAY)


def test_a_draft_takes_a_deadline_and_an_inspector_of_its_district(session, world, campaign):
    order = _draft(session, world, campaign)
    before = _snapshot(session, order.id)
    leader = world["leader"].actor
    with pytest.raises(Invalid, match="整改期限应晚于今天"):
        orders.update_draft(session, leader, order.id, TODAY, world["inspector"].id, TODAY)
    with pytest.raises(Invalid, match="不能超过180天"):
        orders.update_draft(session, leader, order.id, TODAY + timedelta(days=181), world["inspector"].id, TODAY)
    with pytest.raises(Invalid, match="本旗区在职的检查员"):
        orders.update_draft(session, leader, order.id, TODAY + timedelta(days=10), world["other_inspector"].id, TODAY)
    assert _snapshot(session, order.id) == before
    colleague = make_user(session, "inspector", "150602")
    orders.update_draft(session, leader, order.id, TODAY + timedelta(days=10), colleague.id, TODAY)
    assert _snapshot(session, order.id)[1:3] == (TODAY + timedelta(days=10), colleague.id)


def test_a_wrong_pin_is_counted_and_issues_nothing(app, session, world, campaign, tmp_path):
    order = _draft(session, world, campaign)
    before = _snapshot(session, order.id)
    with pytest.raises(Invalid, match="签名PIN错误"):
        _issue(app, session, world, order, pin="000000", tmp_path=tmp_path)
    assert _snapshot(session, order.id) == before
    assert session.scalar(select(func.count()).select_from(SigningPinFailure)) == 1
    assert "signing_pin_failed" in _actions(session) and "issue_order" not in _actions(session)


def test_issued_the_notice_is_one_signed_page_that_stock_tools_verify(app, session, world, campaign, tmp_path):
    order = _draft(session, world, campaign)
    issued = _issue(app, session, world, order, tmp_path=tmp_path)
    assert issued.status is OrderStatus.ISSUED and issued.number == "东胜市监整改〔2026〕1号"
    assert issued.issued_by_id == world["leader"].id and issued.issued_at is not None
    data = app.extensions["filestore"].local_path(issued.notice_key).read_bytes()
    assert hashlib.sha256(data).hexdigest() == issued.notice_sha256
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(data)
    with pikepdf.open(pdf) as document:
        assert len(document.pages) == 1
    out = pdfsig(pdf)
    assert "Signature Validation: Signature is Valid." in out and "Total document signed" in out
    assert "Signer Certificate Common Name: 测试分管领导" in out
    checked = openssl_verify_pdf_signature(data, keys.authority(session).certificate_pem, tmp_path / "cms")
    assert checked.returncode == 0, checked.stderr
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for words in ("整改通知书", "东胜市监整改〔2026〕1号", "东胜万达广场", SIGNBOARD_NOTE, "2026年12月22日", "张伟"):
        assert words in re.sub(r"\s", "", text), words
    # The page as a person sees it, for the record.
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "notice")], check=True)
    (page,) = tmp_path.glob("notice*.png")
    if os.environ.get("ORDER_NOTICE_PNG"):
        shutil.copy(page, os.environ["ORDER_NOTICE_PNG"])
    assert "issue_order" in _actions(session)


def test_issued_twice_is_refused_and_numbers_follow_on(app, session, world, campaign, tmp_path):
    order = _draft(session, world, campaign)
    _issue(app, session, world, order, tmp_path=tmp_path)
    before = _snapshot(session, order.id)
    with pytest.raises(Invalid, match="只有待下达的整改通知可以下达"):
        _issue(app, session, world, order, tmp_path=tmp_path)
    assert _snapshot(session, order.id) == before
    city_inspector = make_user(session, "city_inspector")
    spot = _spot_check(session, campaign, world["passing"], city_inspector, {"A3": "无人值守"}, world["good"])
    city = make_user(session, "city")
    second = orders.draft_from_spot_check(session, city.actor, spot.id, TODAY)
    assert _issue(app, session, world, second, tmp_path=tmp_path).number == "东胜市监整改〔2026〕2号"


def test_overdue_orders_escalate_once_and_the_station_is_rectifying(app, session, world, campaign, tmp_path):
    order = _draft(session, world, campaign)
    _issue(app, session, world, order, tmp_path=tmp_path)
    deadline = order.deadline
    assert orders.escalate_overdue(session, deadline) == []  # the last day is still in time
    moved = orders.escalate_overdue(session, deadline + timedelta(days=1))
    assert [o.id for o in moved] == [order.id]
    status, *_, station_status = _snapshot(session, order.id)
    assert status is OrderStatus.ESCALATED and station_status is StationStatus.RECTIFYING
    assert orders.escalate_overdue(session, deadline + timedelta(days=2)) == []
    assert _actions(session).count("escalate_order") == 1


def test_a_draft_is_never_escalated(session, world, campaign):
    order = _draft(session, world, campaign)
    assert orders.escalate_overdue(session, TODAY + timedelta(days=365)) == []
    assert _snapshot(session, order.id)[0] is OrderStatus.DRAFT


def _escalated(app, session, world, campaign, tmp_path) -> RectificationOrder:
    order = _draft(session, world, campaign)
    _issue(app, session, world, order, tmp_path=tmp_path)
    orders.escalate_overdue(session, order.deadline + timedelta(days=1))
    return order


def test_extend_needs_an_escalated_order_a_later_deadline_and_a_reason(app, session, world, campaign, tmp_path):
    order = _draft(session, world, campaign)
    leader = world["leader"].actor
    with pytest.raises(Invalid, match="只有复查未通过或已逾期的通知可以延期（当前：待下达）"):
        orders.extend_order(session, leader, order.id, TODAY + timedelta(days=40), "需要更多时间", TODAY)
    _issue(app, session, world, order, tmp_path=tmp_path)
    orders.escalate_overdue(session, order.deadline + timedelta(days=1))
    later = order.deadline + timedelta(days=2)
    before = _snapshot(session, order.id)
    with pytest.raises(Invalid, match="延期后的期限应晚于原期限"):
        orders.extend_order(session, leader, order.id, order.deadline, "需要更多时间", TODAY)
    with pytest.raises(Invalid, match="延期须填写原因"):
        orders.extend_order(session, leader, order.id, later, "  ", order.deadline + timedelta(days=1))
    assert _snapshot(session, order.id) == before
    extended = orders.extend_order(
        session, leader, order.id, later, "标识牌正在制作", order.deadline + timedelta(days=1)
    )
    assert (extended.status, extended.deadline, extended.extensions) == (OrderStatus.ISSUED, later, 1)
    assert extended.reason == "标识牌正在制作" and "extend_order" in _actions(session)


def test_retire_needs_a_reason_and_retires_the_station(app, session, world, campaign, tmp_path):
    order = _escalated(app, session, world, campaign, tmp_path)
    leader = world["leader"].actor
    before = _snapshot(session, order.id)
    with pytest.raises(Invalid, match="撤销服务站须填写原因"):
        orders.retire_station(session, leader, order.id, "")
    assert _snapshot(session, order.id) == before
    retired = orders.retire_station(session, leader, order.id, "依托单位已停业")
    assert retired.status is OrderStatus.RETIRED and retired.closed_at is not None
    assert session.get(Station, world["failing"].id).status is StationStatus.RETIRED
    with pytest.raises(Invalid, match="只有复查未通过或已逾期的通知可以撤销服务站（当前：已撤销）"):
        orders.retire_station(session, leader, order.id, "再次撤销")
    assert {"retire_order", "retire_station"} <= set(_actions(session))


def test_the_city_drafts_from_a_spot_check_that_contradicts_the_district(session, world, campaign):
    city = make_user(session, "city")
    city_inspector = make_user(session, "city_inspector")
    spot = _spot_check(session, campaign, world["passing"], city_inspector, {"A7": "登记簿缺失"}, world["good"])
    with pytest.raises(Forbidden):
        orders.draft_from_spot_check(session, world["leader"].actor, spot.id, TODAY)
    order = orders.draft_from_spot_check(session, city.actor, spot.id, TODAY)
    assert order.district_id == world["leader"].district_id and order.inspection_id == spot.id
    assert order.inspector_id == world["inspector"].id  # the district re-checks it
    assert [item["code"] for item in order.items] == ["A7"]
    with pytest.raises(Invalid, match="已起草过"):
        orders.draft_from_spot_check(session, city.actor, spot.id, TODAY)
    agreeing = _spot_check(session, campaign, world["failing"], city_inspector, {"A2": "仍未悬挂"}, world["bad"])
    with pytest.raises(Invalid, match="旗区自查结论同样需要整改"):
        orders.draft_from_spot_check(session, city.actor, agreeing.id, TODAY)
    with pytest.raises(NotFound):
        orders.draft_from_spot_check(session, city.actor, world["bad"].id, TODAY)  # not a spot check
    rows = order_queries.district_orders(session, world["leader"].actor, world["leader"].district_id, None, TODAY)
    assert [r.order.id for r in rows] == [order.id]


def test_lists_put_overdue_and_due_soon_orders_first(app, session, world, campaign, tmp_path):
    order = _draft(session, world, campaign)
    _issue(app, session, world, order, tmp_path=tmp_path)
    city = make_user(session, "city")
    late = order.deadline + timedelta(days=3)
    (row,) = order_queries.city_orders(session, city.actor, late)
    assert row.urgency.overdue and row.urgency.label == "已逾期3天"
    (row,) = order_queries.city_orders(session, city.actor, order.deadline - timedelta(days=2))
    assert row.urgency.due_soon and row.urgency.label == "2天后到期"
    with pytest.raises(Forbidden):
        order_queries.city_orders(session, world["leader"].actor, TODAY)
    (mine,) = order_queries.assigned_orders(session, world["inspector"].actor, TODAY)
    assert mine.order.id == order.id


def test_the_narrative_draft_counts_the_orders(app, session, world, campaign, tmp_path):
    leader = world["leader"].actor
    assert "五、整改通知。本批次未发出整改通知。" in bundles.narrative_draft(
        session, leader, leader.district_id, campaign
    )
    order = _draft(session, world, campaign)
    assert "另有1份整改通知待下达" in bundles.narrative_draft(session, leader, leader.district_id, campaign)
    _issue(app, session, world, order, tmp_path=tmp_path)
    text = bundles.narrative_draft(session, leader, leader.district_id, campaign)
    assert "已下达整改通知1份，其中整改完成0份，整改中1份" in text


def test_a_second_click_waiting_on_the_first_issues_nothing_again(app, session, world, campaign, tmp_path, monkeypatch):
    order = _draft(session, world, campaign)
    real_try_pin = issue.pin_attempts.try_pin

    def first_click_wins(*args, **kwargs):
        key = real_try_pin(*args, **kwargs)
        with app.extensions["db_sessionmaker"]() as other:  # the first click commits while this one checks the PIN
            other.get(RectificationOrder, order.id).status = OrderStatus.ISSUED
            other.commit()
        return key

    monkeypatch.setattr(issue.pin_attempts, "try_pin", first_click_wins)
    with pytest.raises(Invalid, match="刚刚已经下达"):
        _issue(app, session, world, order, tmp_path=tmp_path)
    assert _snapshot(session, order.id)[3] is None and "issue_order" not in _actions(session)
