"""The to-do list: per role, hand-made rows give the expected items, newest first, and the counts; a leader never
sees another district's; the navigation's badge counts what the home page lists; JSON answers never count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from support import make_station, make_user
from todo_support import NOW, TODAY, at, inspection, order, sample, submission

from inspect_app.campaigns import operations as campaigns
from inspect_app.domain.evidence.submissions import SubmissionStatus
from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.domain.inspections import InspectionKind, InspectionStatus
from inspect_app.domain.todo import ItemKind, count, day_start
from inspect_app.todo import items as todo
from inspect_app.todo.items import CITY_ORDERS_PAGE, CITY_SPOT_CHECKS_PAGE

RETURNED, SUBMITTED, ACCEPTED = InspectionStatus.RETURNED, InspectionStatus.SUBMITTED, InspectionStatus.ACCEPTED
ISSUED, ESCALATED, COMPLETED = OrderStatus.ISSUED, OrderStatus.ESCALATED, OrderStatus.COMPLETED


@pytest.fixture
def people(session, campaign):
    return {
        "insp": make_user(session, "inspector", "150602", username="todo.insp"),
        "insp2": make_user(session, "inspector", "150602", username="todo.insp2"),
        "leader": make_user(session, "leader", "150602", username="todo.leader"),
        "other_insp": make_user(session, "inspector", "150603", username="todo.kbs.insp"),
        "other_leader": make_user(session, "leader", "150603", username="todo.kbs.leader"),
        "city": make_user(session, "city", username="todo.city"),
        "city_insp": make_user(session, "city_inspector", username="todo.city.insp"),
        "city_insp2": make_user(session, "city_inspector", username="todo.city.insp2"),
        "admin": make_user(session, "admin", username="todo.admin"),
    }


def station(session, code="150602", name=None):
    return make_station(session, code, **({"name": name} if name else {}))


def listed(items):
    return [(it.kind, it.title, it.urgent) for it in items]


def test_nobody_has_anything_while_the_tables_are_empty(session, people):
    for user in people.values():
        assert todo.items_for(session, user, TODAY, NOW) == []
        assert count(todo.items_for(session, user, TODAY)).total == 0


def test_the_inspector_sees_returned_inspections_and_due_rechecks_newest_first(session, campaign, people):
    insp, insp2 = people["insp"], people["insp2"]
    s1, s2, s3, s4, s5 = (station(session, name=f"东胜{n}号12315消费维权服务站") for n in range(1, 6))
    first = inspection(session, campaign, s1, insp, RETURNED, reviewed_at=at(5), comment="请补拍宣传栏")
    inspection(session, campaign, s2, insp, RETURNED, reviewed_at=at(30), comment="签名缺失")
    inspection(session, campaign, s3, insp, SUBMITTED, submitted_at=at(1))  # waits for the leader, not for him
    inspection(session, campaign, station(session), insp2, RETURNED, reviewed_at=at(2))  # a colleague's
    soon = order(session, campaign, s4, insp, ISSUED, TODAY + timedelta(days=3), issued_at=at(10))
    order(session, campaign, s5, insp, ISSUED, TODAY + timedelta(days=20), issued_at=at(50))
    order(session, campaign, station(session), insp, COMPLETED, TODAY + timedelta(days=2), issued_at=at(3))
    order(session, campaign, station(session), insp2, ISSUED, TODAY + timedelta(days=2), issued_at=at(3))
    order(session, campaign, station(session), insp, OrderStatus.DRAFT, TODAY + timedelta(days=2))
    kbs = station(session, "150603")
    inspection(session, campaign, kbs, people["other_insp"], RETURNED, reviewed_at=at(1))

    items = todo.items_for(session, insp, TODAY, NOW)

    assert listed(items) == [
        (ItemKind.RETURNED_INSPECTION, "东胜1号12315消费维权服务站", True),
        (ItemKind.RECHECK_DUE, "东胜4号12315消费维权服务站", True),
        (ItemKind.RETURNED_INSPECTION, "东胜2号12315消费维权服务站", True),
        (ItemKind.RECHECK_DUE, "东胜5号12315消费维权服务站", False),
    ]
    assert items[0].link == f"/inspect/inspections/{first.id}"
    assert "请补拍宣传栏" in items[0].detail
    assert items[1].link == f"/inspect/app#/station/r{soon.id}" and "还剩3天" in items[1].detail
    assert (count(items).total, count(items).urgent) == (4, 3)
    assert [it.kind for it in todo.items_for(session, people["other_insp"], TODAY, NOW)] == [
        ItemKind.RETURNED_INSPECTION
    ]


def test_a_closed_campaign_leaves_the_lists(session, campaign, people):
    inspection(session, campaign, station(session), people["insp"], RETURNED, reviewed_at=at(5))
    inspection(session, campaign, station(session), people["insp"], SUBMITTED, submitted_at=at(5))
    campaigns.close_campaign(session, campaigns.SCRIPT, campaign.id)
    assert todo.items_for(session, people["insp"], TODAY, NOW) == []
    assert todo.items_for(session, people["leader"], TODAY, NOW) == []


def test_the_leader_sees_reviews_the_citys_word_orders_and_deadlines_of_the_district_only(
    session, campaign, make_campaign, people
):
    insp, leader = people["insp"], people["leader"]
    ds, kbs = insp.district_id, people["other_insp"].district_id
    a = inspection(session, campaign, station(session, name="东胜甲站"), insp, SUBMITTED, submitted_at=at(2))
    inspection(session, campaign, station(session, name="东胜乙站"), insp, SUBMITTED, submitted_at=at(20), score=88)
    inspection(session, campaign, station(session), insp, RETURNED, reviewed_at=at(1))
    inspection(session, campaign, station(session), insp, ACCEPTED, submitted_at=at(1))
    # The city's spot check of a Dongsheng station is the city's to read, not the leader's to review.
    spot = station(session)
    inspection(
        session, campaign, spot, people["city_insp"], SUBMITTED, kind=InspectionKind.SPOT_CHECK, submitted_at=at(1)
    )
    order(
        session,
        campaign,
        station(session, name="东胜逾期站"),
        insp,
        ISSUED,
        TODAY - timedelta(days=2),
        issued_at=at(900),
    )
    order(
        session,
        campaign,
        station(session, name="东胜将到期站"),
        insp,
        ISSUED,
        TODAY + timedelta(days=3),
        issued_at=at(600),
    )
    order(
        session,
        campaign,
        station(session, name="东胜待决定站"),
        insp,
        ESCALATED,
        TODAY + timedelta(days=9),
        issued_at=at(700),
        escalated_at=at(1),
    )
    order(session, campaign, station(session), insp, ISSUED, TODAY + timedelta(days=30), issued_at=at(4))
    order(session, campaign, station(session), insp, COMPLETED, TODAY - timedelta(days=2), issued_at=at(4))
    submission(session, campaign, ds, leader, SubmissionStatus.SUBMITTED, version=1, received_at=at(90))
    submission(
        session, campaign, ds, leader, SubmissionStatus.RETURNED, version=2, decided_at=at(3), comment="照片不清"
    )
    soon = make_campaign(name="2026年度补充验收", deadline=TODAY + timedelta(days=5))
    done = make_campaign(name="2026年度示范站复核", deadline=TODAY + timedelta(days=40))
    submission(session, done, ds, leader, SubmissionStatus.ACCEPTED, decided_at=at(24))
    old = make_campaign(name="2026年度春季抽检", deadline=TODAY + timedelta(days=40))
    submission(session, old, ds, leader, SubmissionStatus.ACCEPTED, decided_at=at(24 * 20))  # no longer news
    # Kangbashi's: none of it is Dongsheng's leader's business.
    k = station(session, "150603")
    inspection(session, campaign, k, people["other_insp"], SUBMITTED, submitted_at=at(1))
    order(session, campaign, station(session, "150603"), people["other_insp"], ISSUED, TODAY - timedelta(days=5))
    order(session, campaign, station(session, "150603"), people["other_insp"], ESCALATED, TODAY, escalated_at=at(1))
    submission(session, campaign, kbs, people["other_leader"], SubmissionStatus.RETURNED, decided_at=at(1))

    items = todo.items_for(session, leader, TODAY, NOW)

    assert listed(items) == [
        (ItemKind.ORDER_DECISION, "东胜待决定站", True),
        (ItemKind.REVIEW_WAITING, "东胜甲站", False),
        (ItemKind.BUNDLE_RETURNED, "2026年度自查验收第2版证据包", True),
        (ItemKind.REVIEW_WAITING, "东胜乙站", False),
        (ItemKind.BUNDLE_ACCEPTED, "2026年度示范站复核第1版证据包", False),
        (ItemKind.ORDER_OVERDUE, "东胜逾期站", True),
        (ItemKind.CAMPAIGN_DUE_SOON, f"2026年度补充验收证据包 {(TODAY + timedelta(days=5)).isoformat()} 截止", True),
        (ItemKind.ORDER_DUE_SOON, "东胜将到期站", False),
    ]
    assert items[1].link == f"/inspect/inspections/{a.id}#review"
    assert items[2].link == f"/review/bundle/?campaign={campaign.id}" and "照片不清" in items[2].detail
    assert items[5].when == day_start(TODAY - timedelta(days=1))
    assert items[6].link == f"/review/bundle/?campaign={soon.id}"
    assert (count(items).total, count(items).urgent) == (8, 4)
    # And Kangbashi's leader sees Kangbashi's, none of Dongsheng's.
    theirs = todo.items_for(session, people["other_leader"], TODAY, NOW)
    assert sorted(it.kind for it in theirs) == sorted(
        [ItemKind.REVIEW_WAITING, ItemKind.ORDER_OVERDUE, ItemKind.ORDER_DECISION, ItemKind.BUNDLE_RETURNED]
        + [ItemKind.CAMPAIGN_DUE_SOON]  # nothing sent for the supplementary campaign either
    )
    assert not {it.key for it in theirs} & {it.key for it in items}


def test_the_city_sees_bundles_received_districts_overdue_spot_checks_done_and_overdue_orders(
    session, campaign, people
):
    city, leader, other_leader = people["city"], people["leader"], people["other_leader"]
    ds, kbs = leader.district_id, other_leader.district_id
    received = submission(session, campaign, ds, leader, SubmissionStatus.SUBMITTED, received_at=at(6))
    submission(session, campaign, kbs, other_leader, SubmissionStatus.RETURNED, decided_at=at(2))
    late = campaigns.create_campaign(
        session,
        "2026年度专项验收",
        TODAY - timedelta(days=60),
        TODAY - timedelta(days=3),
        campaign.checklist_version_id,
        [ds, kbs],
    )
    submission(session, late, ds, leader, SubmissionStatus.ACCEPTED, decided_at=at(30))
    spot = station(session, "150603", name="康巴什抽查站")
    done = inspection(
        session, campaign, spot, people["city_insp"], SUBMITTED, kind=InspectionKind.SPOT_CHECK, submitted_at=at(4)
    )
    inspection(
        session,
        campaign,
        station(session),
        people["city_insp"],
        InspectionStatus.IN_PROGRESS,
        kind=InspectionKind.SPOT_CHECK,
    )
    insp = people["insp"]
    order(
        session,
        campaign,
        station(session, name="东胜逾期站"),
        insp,
        ISSUED,
        TODAY - timedelta(days=2),
        issued_at=at(900),
    )
    order(
        session,
        campaign,
        station(session, "150603", name="康巴什逾期站"),
        people["other_insp"],
        ESCALATED,
        TODAY - timedelta(days=1),
        escalated_at=at(5),
    )
    order(session, campaign, station(session), insp, ESCALATED, TODAY + timedelta(days=10), escalated_at=at(1))
    order(session, campaign, station(session), insp, ISSUED, TODAY + timedelta(days=2), issued_at=at(1))

    items = todo.items_for(session, city, TODAY, NOW)

    assert listed(items) == [
        (ItemKind.SPOT_CHECK_DONE, "康巴什区·康巴什抽查站", False),
        (ItemKind.BUNDLE_RECEIVED, "东胜区第1版证据包", False),
        (ItemKind.ORDER_OVERDUE, "康巴什区·康巴什逾期站", True),
        (ItemKind.ORDER_OVERDUE, "东胜区·东胜逾期站", True),
        (ItemKind.DISTRICT_OVERDUE, "康巴什区", True),
    ]
    assert items[0].link == CITY_SPOT_CHECKS_PAGE and done.id and "得分" in items[0].detail
    assert items[1].link == f"/city/districts/{ds}?campaign={campaign.id}" and received.id
    assert items[2].link == CITY_ORDERS_PAGE
    assert items[4].link == f"/city/districts/{kbs}?campaign={late.id}"
    assert count(todo.items_for(session, city, TODAY, NOW)).total == 5


def test_a_city_inspector_sees_the_sampled_stations_assigned_to_them_or_to_nobody(session, campaign, people):
    mine = station(session, name="甲站")
    free = station(session, "150603", name="乙站")
    theirs = station(session, name="丙站")
    checked = station(session, name="丁站")
    sample(
        session,
        campaign,
        people["city"],
        [(mine, people["city_insp"]), (free, None), (theirs, people["city_insp2"]), (checked, people["city_insp"])],
    )
    inspection(
        session, campaign, checked, people["city_insp"], SUBMITTED, kind=InspectionKind.SPOT_CHECK, submitted_at=at(1)
    )

    items = todo.items_for(session, people["city_insp"], TODAY, NOW)

    assert listed(items) == [
        (ItemKind.SPOT_CHECK_DUE, "东胜区·甲站", False),
        (ItemKind.SPOT_CHECK_DUE, "康巴什区·乙站", False),
    ]
    assert "已分配给您" in items[0].detail and "尚未分配" in items[1].detail
    assert all(re.fullmatch(r"/inspect/app#/station/c\d+", it.link) for it in items)
    assert [it.title for it in todo.items_for(session, people["city_insp2"], TODAY, NOW)] == [
        "东胜区·丙站",
        "康巴什区·乙站",
    ]


def test_the_admin_has_no_list(session, campaign, people):
    inspection(session, campaign, station(session), people["insp"], SUBMITTED, submitted_at=at(1))
    assert todo.items_for(session, people["admin"], TODAY, NOW) == []


def test_every_link_leads_to_a_page_of_the_app_or_to_the_follow_up_pages(app, session, campaign, people):
    insp = people["insp"]
    inspection(session, campaign, station(session), insp, RETURNED, reviewed_at=at(5))
    inspection(session, campaign, station(session), insp, SUBMITTED, submitted_at=at(5))
    order(session, campaign, station(session), insp, ISSUED, TODAY - timedelta(days=1), issued_at=at(50))
    submission(session, campaign, insp.district_id, people["leader"], SubmissionStatus.RETURNED, decided_at=at(3))
    submission(
        session, campaign, people["other_leader"].district_id, people["other_leader"], SubmissionStatus.SUBMITTED
    )
    sample(session, campaign, people["city"], [(station(session), None)])
    links = {it.link for user in people.values() for it in todo.items_for(session, user, TODAY, NOW)}
    adapter = app.url_map.bind("localhost")
    routed = set()
    for link in links:
        path = link.split("#")[0].split("?")[0]
        if re.fullmatch(r"/review/orders/\d+|/city/orders", path):
            continue  # the follow-up pages, built beside this feature
        adapter.match(path, method="GET")  # raises NotFound when no route answers it
        routed.add(path)
    assert len(routed) >= 3


# ---- the pages ---------------------------------------------------------------------------------------------


def badge(html: str) -> int | None:
    found = re.search(r'<span class="badge[^"]*"[^>]*>(\d+)</span>', html)
    return int(found.group(1)) if found else None


def test_the_home_page_lists_the_items_and_the_badge_counts_them(client, auth, session, campaign, people):
    insp, leader = people["insp"], people["leader"]
    for n in range(3):
        inspection(session, campaign, station(session, name=f"东胜待审{n}站"), insp, SUBMITTED, submitted_at=at(n + 1))
    order(session, campaign, station(session, name="东胜逾期站"), insp, ISSUED, TODAY - timedelta(days=400))
    inspection(session, campaign, station(session, "150603"), people["other_insp"], SUBMITTED, submitted_at=at(1))
    auth.login(leader.username)

    html = client.get("/").get_data(as_text=True)

    shown = re.findall(r'<li class="[^"]*"><a href="([^"]+)">', html)
    assert len(shown) == 4 == badge(html)
    assert "东胜待审0站" in html and "东胜逾期站" in html and '<span class="tag">整改逾期</span>' in html
    assert 'class="badge urgent"' in html  # an overdue order is urgent
    assert html.index("东胜待审0站") < html.index("东胜待审2站")  # newest first
    assert badge(client.get("/directory/").get_data(as_text=True)) == 4  # every page's navigation


def test_nothing_waiting_says_so_and_shows_no_badge(client, auth, people):
    auth.login(people["city_insp"].username)
    html = client.get("/").get_data(as_text=True)
    assert "目前没有等待您处理的事项" in html
    assert badge(html) is None and ">待办</a>" in html


def test_the_admin_has_neither_list_nor_badge(client, auth, people):
    auth.login(people["admin"].username)
    html = client.get("/").get_data(as_text=True)
    assert 'id="todo"' not in html and ">待办" not in html


def test_json_answers_never_collect_the_list(client, auth, people, monkeypatch):
    auth.login(people["insp"].username)
    calls = []
    real = todo.items_for
    monkeypatch.setattr(todo, "items_for", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert client.get("/api/v1/session").status_code == 200
    assert calls == []
    client.get("/")
    assert calls == [1]  # the page and its badge share one collection
