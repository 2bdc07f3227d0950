"""Year over year: a station's result in the previous campaign, its results over the years, a district's change."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select
from support import make_station, make_user

from inspect_app.campaigns import operations as campaigns
from inspect_app.city import year_over_year
from inspect_app.city.figures import dashboard
from inspect_app.demo.seed import default_template
from inspect_app.domain.checklists.checklist import Outcome
from inspect_app.domain.evidence.figures import Figures
from inspect_app.domain.evidence.year_over_year import Comparison, PastResult, compare
from inspect_app.domain.inspections import InspectionStatus
from inspect_app.inspection import operations as inspections
from inspect_app.models import District, Inspection


def figures(submitted: int, passed: int, average: float | None) -> Figures:
    return Figures(
        "东胜区",
        stations=10,
        inspected=submitted,
        submitted=submitted,
        average_score=average,
        passed=passed,
        rectify=submitted - passed,
        candidates=0,
        recommended=0,
        confirmed=0,
        odr=0,
    )


def test_a_past_result_is_labelled_with_its_score_and_outcome_or_its_state():
    done = PastResult(1, "2025年度自查验收", 7, InspectionStatus.ACCEPTED, 72.5, Outcome.RECTIFY)
    assert done.label == "72.5分 需整改" and done.done
    assert PastResult(1, "2025年度自查验收", 8, InspectionStatus.SUBMITTED, 96.0, Outcome.PASS).label == "96.0分 合格"
    assert PastResult(1, "2025年度自查验收", 9, InspectionStatus.IN_PROGRESS, 40.0, None).label == "进行中，未提交"
    assert PastResult(1, "2025年度自查验收", None, None, None, None).label == "未检查"


def test_a_district_is_compared_with_its_previous_campaign():
    change = compare(figures(8, 6, 85.25), figures(10, 5, 80.0), "2025年度自查验收")
    assert change == Comparison("2025年度自查验收", 5.3, 25.0, -2)
    assert change.text == "平均分 +5.3分，合格率 +25.0个百分点"
    assert compare(figures(4, 4, 90.0), figures(4, 4, 90.0), "2025").text == "平均分持平，合格率持平"
    assert compare(figures(0, 0, None), figures(4, 2, 70.0), "2025").text == "平均分 —，合格率 —"
    assert compare(figures(4, 2, 70.0), None, None).text == "无上一批次"


@pytest.fixture
def years(session):
    """2024 and 2025 closed, 2026 open; a 2025½ campaign that skips 东胜区, and a draft."""
    version, _ = campaigns.load_checklist_version(session, default_template())
    city = make_user(session, "city")
    made = {}
    for year in (2024, 2025, 2026):
        made[year] = campaigns.create_campaign(
            session, f"{year}年度自查验收", date(year, 9, 1), date(year, 12, 15), version.id
        )
    kbs = session.scalar(select(District.id).where(District.code == "150603"))
    made["kbs"] = campaigns.create_campaign(
        session, "2025年度康巴什区复查", date(2025, 11, 1), date(2025, 12, 1), version.id, district_ids=[kbs]
    )
    made["draft"] = campaigns.prepare_campaign(
        session,
        city.actor,
        {
            "name": "2025年度补充验收",
            "starts_on": "2025-12-01",
            "deadline": "2025-12-20",
            "checklist_version": str(version.id),
            "districts": [str(d.id) for d in session.scalars(select(District))],
        },
    )
    inspector = make_user(session, "inspector", "150602")
    stations = [make_station(session, "150602", name=f"{n}号12315消费维权服务站") for n in (1, 2, 3)]
    results = [
        (made[2024], stations[0], 92.0, Outcome.DEMONSTRATION_ELIGIBLE),
        (made[2025], stations[1], 72.5, Outcome.RECTIFY),
        (made[2026], stations[1], 88.0, Outcome.PASS),
        (made[2024], stations[1], 81.0, Outcome.PASS),
    ]
    for campaign, station, score, outcome in results:
        session.add(
            Inspection(
                station_id=station.id,
                campaign_id=campaign.id,
                inspector_id=inspector.id,
                checklist_version_id=version.id,
                status=InspectionStatus.ACCEPTED,
                score=score,
                outcome=outcome,
                submitted_at=datetime(campaign.starts_on.year, 10, 1, tzinfo=timezone.utc),
            )
        )
    session.commit()
    for year in (2024, 2025):
        campaigns.close_campaign(session, city.actor, made[year].id)
    return {**made, "inspector": inspector, "stations": stations, "city": city}


def test_the_board_shows_each_stations_result_in_the_previous_campaign(session, years):
    rows = {r.station.id: r for r in inspections.station_board(session, years["inspector"].actor, years[2026])}
    first, second, third = (rows[s.id].last_result for s in years["stations"])
    # 2025 is 东胜区's previous campaign: the 复查 skipped it and the draft never counts.
    assert (first.campaign_name, first.label) == ("2025年度自查验收", "未检查")
    assert (second.campaign_name, second.label, second.inspection_id is not None) == (
        "2025年度自查验收",
        "72.5分 需整改",
        True,
    )
    assert third.label == "未检查"
    earliest = {r.station.id: r for r in inspections.station_board(session, years["inspector"].actor, years[2024])}
    assert earliest[years["stations"][0].id].last_result is None  # nothing came before


def test_a_stations_results_over_the_years_newest_first(session, years):
    leader = make_user(session, "leader", "150602")
    found = year_over_year.station_years(session, leader.actor, years["stations"][1])
    assert [(r.campaign_name, r.label) for r in found] == [
        ("2026年度自查验收", "88.0分 合格"),
        ("2025年度自查验收", "72.5分 需整改"),
        ("2024年度自查验收", "81.0分 合格"),
    ]
    assert all(r.inspection_id for r in found)


def test_the_dashboard_compares_each_district_with_its_previous_campaign(session, years):
    board = dashboard(session, years["city"].actor, years[2026])
    by_name = {f.name: change for f, change in zip(board.districts, board.changes)}
    assert by_name["东胜区"] == Comparison("2025年度自查验收", 15.5, 100.0, 0)
    assert by_name["康巴什区"].previous == "2025年度康巴什区复查"
    assert board.total_change.previous == "各旗区的上一批次"
    first = dashboard(session, years["city"].actor, years[2024])
    assert {c.text for c in first.changes} == {"无上一批次"}
