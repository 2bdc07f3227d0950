"""Campaign use cases: prepare a draft, edit, open, close, all audited; which campaigns each role sees."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from support import make_station, make_user

from inspect_app.campaigns import operations as campaigns
from inspect_app.demo.seed import default_template
from inspect_app.domain.campaigns import CampaignState
from inspect_app.inspection import operations as inspections
from inspect_app.models import AuditEntry, Campaign, District
from inspect_app.shared.errors import Forbidden, Invalid


def form(session, **overrides):
    """The create form's values as the page posts them: every district ticked, the newest published version."""
    values = {
        "name": "2027年度自查验收",
        "starts_on": "2027-09-01",
        "deadline": "2027-12-15",
        "checklist_version": str(campaigns.published_versions(session)[0].id),
        "districts": [str(d.id) for d in session.scalars(select(District))],
    }
    values.update(overrides)
    return values


@pytest.fixture
def city(session):
    campaigns.load_checklist_version(session, default_template())
    return make_user(session, "city", username="city.center")


def district_id(session, code: str) -> int:
    return session.scalar(select(District.id).where(District.code == code))


def audit_actions(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_the_city_prepares_a_draft_that_inspectors_do_not_see(session, city):
    inspector = make_user(session, "inspector", "150602")
    campaign = campaigns.prepare_campaign(session, city.actor, form(session))
    assert campaign.state is CampaignState.DRAFT and campaign.opened_at is None
    assert len(campaign.districts) == 9 and campaign.starts_on == date(2027, 9, 1)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "create_campaign"))
    assert entry.user_id == city.id and entry.target_id == campaign.id and entry.details["state"] == "draft"
    assert campaigns.visible_campaigns(session, city.actor) == [campaign]
    assert campaigns.visible_campaigns(session, inspector.actor) == []
    assert campaigns.current_campaign(session) is None  # a draft is never shown unasked


def test_published_versions_are_the_ones_a_campaign_may_use(session, city):
    versions = campaigns.published_versions(session)
    assert [v.version for v in versions] == ["2026.1"]
    with pytest.raises(Invalid) as refused:
        campaigns.prepare_campaign(session, city.actor, form(session, checklist_version="999"))
    assert refused.value.errors == {"checklist_version": "核查表版本不存在或尚未发布"}


def test_bad_fields_are_named_in_chinese_and_nothing_is_stored(session, city):
    campaigns.prepare_campaign(session, city.actor, form(session))
    with pytest.raises(Invalid) as refused:
        campaigns.prepare_campaign(session, city.actor, form(session, deadline="2027-08-01", districts=[]))
    assert refused.value.errors == {
        "name": "批次“2027年度自查验收”已存在",
        "deadline": "截止日期不能早于开始日期",
        "districts": "请至少选择一个旗区",
    }
    with pytest.raises(Invalid) as refused:
        campaigns.prepare_campaign(session, city.actor, form(session, name=" 2027年度自查验收 "))
    assert refused.value.errors == {"name": "批次“2027年度自查验收”已存在"}
    assert session.scalar(select(func.count()).select_from(Campaign)) == 1
    assert audit_actions(session) == ["create_campaign"]


@pytest.mark.parametrize("role, code", [("inspector", "150602"), ("leader", "150602")])
def test_only_the_city_and_the_admin_manage_campaigns(session, city, role, code):
    campaign = campaigns.prepare_campaign(session, city.actor, form(session))
    someone = make_user(session, role, code)
    with pytest.raises(Forbidden):
        campaigns.prepare_campaign(session, someone.actor, form(session, name="另一个批次"))
    for change in (
        lambda: campaigns.update_campaign(session, someone.actor, campaign.id, form(session)),
        lambda: campaigns.open_campaign(session, someone.actor, campaign.id),
        lambda: campaigns.close_campaign(session, someone.actor, campaign.id),
    ):
        with pytest.raises(Forbidden):
            change()
    admin = make_user(session, "admin")
    assert campaigns.open_campaign(session, admin.actor, campaign.id).state is CampaignState.OPEN


def test_a_campaign_opens_and_closes_once_each_way(session, city):
    campaign = campaigns.prepare_campaign(session, city.actor, form(session))
    with pytest.raises(Invalid, match="尚未开放的批次不能结束"):
        campaigns.close_campaign(session, city.actor, campaign.id)
    opened = campaigns.open_campaign(session, city.actor, campaign.id)
    assert opened.state is CampaignState.OPEN and opened.opened_at is not None
    with pytest.raises(Invalid, match="该批次已经开放"):
        campaigns.open_campaign(session, city.actor, campaign.id)
    closed = campaigns.close_campaign(session, city.actor, campaign.id)
    assert closed.state is CampaignState.CLOSED and closed.closed_at >= closed.opened_at
    with pytest.raises(Invalid, match="已结束的批次不能重新开放"):
        campaigns.open_campaign(session, city.actor, campaign.id)
    assert [line.what for line in campaigns.campaign_history(session, city.actor, campaign.id)] == [
        "创建验收批次",
        "开放验收批次",
        "结束验收批次",
    ]


def test_dates_and_districts_change_until_the_campaign_closes(session, city):
    campaign = campaigns.prepare_campaign(session, city.actor, form(session))
    campaigns.open_campaign(session, city.actor, campaign.id)
    kept = [str(district_id(session, code)) for code in ("150602", "150603")]
    changed = campaigns.update_campaign(
        session, city.actor, campaign.id, form(session, deadline="2027-12-31", districts=kept)
    )
    assert changed.deadline == date(2027, 12, 31) and [d.code for d in changed.districts] == ["150602", "150603"]
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "update_campaign"))
    assert entry.details["deadline"] == "2027-12-31" and entry.details["districts"] == ["150602", "150603"]
    # Once open, the name and the checklist are what the inspectors work to: they stay.
    with pytest.raises(Invalid) as refused:
        campaigns.update_campaign(session, city.actor, campaign.id, form(session, name="改名", districts=kept))
    assert refused.value.errors == {"name": "批次开放后不能更改名称和核查表"}
    campaigns.close_campaign(session, city.actor, campaign.id)
    with pytest.raises(Invalid, match="已结束的验收批次不能再修改"):
        campaigns.update_campaign(session, city.actor, campaign.id, form(session, districts=kept))


def test_a_draft_may_still_change_its_name_and_checklist(session, city):
    campaign = campaigns.prepare_campaign(session, city.actor, form(session))
    changed = campaigns.update_campaign(session, city.actor, campaign.id, form(session, name="2027年度验收（试点）"))
    assert changed.name == "2027年度验收（试点）"


def test_a_district_with_an_inspection_stays_in_the_campaign(session, city):
    campaign = campaigns.prepare_campaign(session, city.actor, form(session))
    campaigns.open_campaign(session, city.actor, campaign.id)
    inspector = make_user(session, "inspector", "150602")
    station = make_station(session, "150602")
    inspections.open_inspection(session, inspector.actor, station.id, campaign)
    with pytest.raises(Invalid) as refused:
        campaigns.update_campaign(
            session, city.actor, campaign.id, form(session, districts=[str(district_id(session, "150603"))])
        )
    assert refused.value.errors == {"districts": "东胜区在本批次已有检查或证据包，不能移出"}
    session.refresh(campaign)
    assert len(campaign.districts) == 9


def test_each_role_sees_its_campaigns_newest_first_and_the_default_is_the_newest_open_one(session, city):
    version = campaigns.published_versions(session)[0].id
    older = campaigns.create_campaign(session, "2025年度自查验收", date(2025, 9, 1), date(2025, 12, 15), version)
    newer = campaigns.create_campaign(
        session,
        "2026年度自查验收",
        date(2026, 9, 1),
        date(2026, 12, 15),
        version,
        district_ids=[district_id(session, "150603")],
    )
    draft = campaigns.prepare_campaign(session, city.actor, form(session))
    inspector = make_user(session, "inspector", "150602")
    assert campaigns.visible_campaigns(session, city.actor) == [draft, newer, older]
    assert campaigns.visible_campaigns(session, inspector.actor) == [older]  # 2026 does not cover 东胜区
    assert campaigns.default_campaign(campaigns.visible_campaigns(session, city.actor)) == newer
    campaigns.close_campaign(session, city.actor, newer.id)
    assert campaigns.default_campaign(campaigns.visible_campaigns(session, city.actor)) == older
    assert campaigns.current_campaign(session) == older
    campaigns.close_campaign(session, city.actor, older.id)
    assert campaigns.current_campaign(session) == newer  # none open: the newest that was ever opened


def test_inspecting_needs_an_open_campaign_that_covers_the_district(session, city):
    inspector = make_user(session, "inspector", "150602")
    admin = make_user(session, "admin")
    ds, kbs = make_station(session, "150602"), make_station(session, "150603")
    draft = campaigns.prepare_campaign(
        session, city.actor, form(session, districts=[str(district_id(session, "150603"))])
    )
    with pytest.raises(Invalid, match="“2027年度自查验收”尚未开始，还不能检查或提交"):
        inspections.open_inspection(session, admin.actor, kbs.id, draft)
    campaigns.open_campaign(session, city.actor, draft.id)
    with pytest.raises(Invalid, match="“2027年度自查验收”不包括东胜区"):
        inspections.open_inspection(session, inspector.actor, ds.id, draft)
    assert inspections.open_inspection(session, admin.actor, kbs.id, draft).campaign_id == draft.id
    campaigns.close_campaign(session, city.actor, draft.id)
    # What was begun stays readable: opening it again changes nothing and is not refused.
    assert inspections.open_inspection(session, admin.actor, kbs.id, draft).campaign_id == draft.id


def test_closing_waits_for_a_change_under_way_and_no_change_follows_it(app, session, city):
    """PostgreSQL: a change holds the campaign FOR SHARE, so the close waits for it and commits after it.
    SQLite: writers are one at a time and reads see the close at once, so the change is refused."""
    campaign = campaigns.prepare_campaign(session, city.actor, form(session))
    campaigns.open_campaign(session, city.actor, campaign.id)
    inspector = make_user(session, "inspector", "150602")
    inspection = inspections.open_inspection(session, inspector.actor, make_station(session).id, campaign)
    engine = app.extensions["db_engine"]
    change = Session(engine)
    campaigns.require_changeable(change, campaign.id, inspector.district_id)  # a change has begun
    closed = threading.Event()

    def close() -> None:
        with Session(engine) as own:
            campaigns.close_campaign(own, city.actor, campaign.id)
        closed.set()

    closer = threading.Thread(target=close)
    closer.start()
    if engine.dialect.name == "postgresql":
        assert wait_for(lambda: _lock_waiters(engine) == 1), "the close did not wait for the change"
        assert not closed.is_set()
        inspections.answer_item(change, inspector.actor, inspection.id, "A1", "pass")
        closer.join()
        actions = audit_actions(session)
        assert actions.index("answer") < actions.index("close_campaign")
    else:
        closer.join()
        with pytest.raises(Invalid, match="已结束"):
            inspections.answer_item(change, inspector.actor, inspection.id, "A1", "pass")
        assert "answer" not in audit_actions(session)
    change.close()
    assert closed.is_set()


def test_a_change_that_loaded_the_campaign_before_the_close_sees_it_closed(app, session, city):
    """The check reads the row afresh: a copy the change's session holds from before (the page loaded it to show
    the campaign's name) does not let the change through once the close has committed."""
    campaign = campaigns.prepare_campaign(session, city.actor, form(session))
    campaigns.open_campaign(session, city.actor, campaign.id)
    inspector = make_user(session, "inspector", "150602")
    engine = app.extensions["db_engine"]
    with Session(engine) as change:
        held = change.get(Campaign, campaign.id)  # kept, as a request keeps what it showed
        assert held.state is CampaignState.OPEN
        with Session(engine) as own:
            campaigns.close_campaign(own, city.actor, campaign.id)
        with pytest.raises(Invalid, match="已结束"):
            campaigns.require_changeable(change, campaign.id, inspector.district_id)
        assert held.state is CampaignState.CLOSED


def wait_for(condition, seconds: float = 30) -> bool:
    """Poll `condition` until it holds (True) or `seconds` pass (False): PostgreSQL tells of a lock wait only when
    asked."""
    stop = threading.Event()
    deadline = threading.Timer(seconds, stop.set)
    deadline.start()
    try:
        while not stop.is_set():
            if condition():
                return True
            stop.wait(0.02)
        return False
    finally:
        deadline.cancel()


def _lock_waiters(engine) -> int:
    # A connection of its own each time: the statistics views keep one snapshot per transaction.
    with engine.connect() as connection:
        return connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        )
