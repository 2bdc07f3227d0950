"""The city's spot checks on a real database: drawing the sample (reproducible, its strata adding up, no redraw
once a spot check started), assigning it, each city inspector's list, the comparisons and each district's
reliability, worked out by hand in the comments."""

from __future__ import annotations

from fractions import Fraction

import pytest
from spot_factory import PASS, RECTIFY, compared_season, inspect
from sqlalchemy import func, select
from support import make_station, make_user

from inspect_app.campaigns import operations as campaigns
from inspect_app.domain.checklists.checklist import Outcome
from inspect_app.domain.follow_up import spot_checks as rules
from inspect_app.domain.inspections import InspectionStatus
from inspect_app.follow_up import spot_check_results as results
from inspect_app.follow_up import spot_checks
from inspect_app.models import AuditEntry
from inspect_app.models.follow_up import SampledStation, SpotCheckSample
from inspect_app.shared.errors import Forbidden, Invalid, NotFound


@pytest.fixture
def spot(session, campaign):
    """东胜区 6 stations (3 合格, 2 需整改, 1 示范), 康巴什区 3 (合格), 达拉特旗 2 (1 示范 submitted, 1 需整改
    accepted), and one 东胜 station still in progress (never a candidate); the city, two city inspectors."""
    people = {}
    stations = {}
    owns = {}
    plan = {
        "150602": [PASS, PASS, PASS, RECTIFY, RECTIFY, {}],
        "150603": [PASS, PASS, PASS],
        "150621": [{}, RECTIFY],
    }
    for code, answers in plan.items():
        inspector = make_user(session, "inspector", code)
        people[code] = inspector
        for n, changes in enumerate(answers):
            station = make_station(session, code)
            stations.setdefault(code, []).append(station)
            status = InspectionStatus.ACCEPTED if code == "150621" and n == 1 else InspectionStatus.SUBMITTED
            owns[station.id] = inspect(session, campaign, station, inspector, status, **changes)
    unfinished = make_station(session, "150602")
    inspect(session, campaign, unfinished, people["150602"], InspectionStatus.IN_PROGRESS)
    return {
        "campaign": campaign,
        "city": make_user(session, "city", username="city.spot"),
        "checker": make_user(session, "city_inspector", username="checker.one"),
        "other_checker": make_user(session, "city_inspector", username="checker.two"),
        "inspectors": people,
        "stations": stations,
        "owns": owns,
        "unfinished": unfinished,
    }


def sampled_ids(session, campaign) -> list[int]:
    return sorted(
        session.scalars(
            select(SampledStation.station_id).join(SpotCheckSample).where(SpotCheckSample.campaign_id == campaign.id)
        )
    )


# ---- the draw ----------------------------------------------------------------------------------------------------


def test_the_drawn_sample_is_what_its_seed_and_percentage_draw_again(session, spot, monkeypatch):
    campaign, city = spot["campaign"], spot["city"]
    sample = spot_checks.draw_sample(session, city.actor, campaign, 34)
    assert sample.seed.isdecimal() and sample.percent == 34 and sample.drawn_by_id == city.id
    # Anyone redoes it from the page: the candidates, the seed and the percentage.
    again = rules.draw_sample(spot_checks.candidates(session, campaign), 34, int(sample.seed))
    assert sampled_ids(session, campaign) == list(again.station_ids)
    assert spot["unfinished"].id not in again.station_ids
    for row in sample.stations:
        district = row.station.district.code
        assert row.rank == rules.draw_rank(int(sample.seed), district, Outcome(row.outcome), row.station_id)
        assert row.outcome == spot["owns"][row.station_id].outcome.value
    # The same seed drawn again (a redraw while nothing started) gives the same stations.
    monkeypatch.setattr(spot_checks.secrets, "randbits", lambda bits: 987654321)
    first = [r.station_id for r in spot_checks.draw_sample(session, city.actor, campaign, 34).stations]
    second = spot_checks.draw_sample(session, city.actor, campaign, 34)
    assert sorted(r.station_id for r in second.stations) == sorted(first)
    assert second.seed == "987654321" and session.scalar(select(func.count()).select_from(SpotCheckSample)) == 1
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "draw_spot_check_sample")).all()
    assert [e.details["redraw"] for e in entries] == [False, True, True]
    assert entries[-1].details["seed"] == "987654321" and entries[-1].details["stations"] == len(first)


def test_the_strata_shown_add_up(session, spot):
    sample = spot_checks.draw_sample(session, spot["city"].actor, spot["campaign"], 34)
    strata = spot_checks.strata_of(session, spot["city"].actor, sample)
    by = {(s.district, s.outcome): s for s in strata}
    # 东胜 6 × 34% = 2.04 → 3 (rounded up): 合格 3 × 3/6 = 1.5, 需整改 1.0, 示范 0.5 → 1, 1, 0 and the one left to
    # the largest remainder, a tie of 0.5 that goes to 合格 before 示范 (需整改 has none): 2, 1, 0.
    assert [(by["150602", o].available, by["150602", o].drawn) for o in rules.OUTCOME_ORDER] == [(2, 1), (3, 2), (1, 0)]
    # 康巴什 3 × 34% = 1.02 → 2; 达拉特 2 × 34% = 0.68 → 1 (需整改 1 × 1/2 = 0.5 ties 示范, 需整改 first).
    assert (by["150603", Outcome.PASS].available, by["150603", Outcome.PASS].drawn) == (3, 2)
    assert [
        (by["150621", o].available, by["150621", o].drawn) for o in (Outcome.RECTIFY, Outcome.DEMONSTRATION_ELIGIBLE)
    ] == [(1, 1), (1, 0)]
    for code, stations in spot["stations"].items():
        mine = [s for s in strata if s.district == code]
        assert sum(s.available for s in mine) == len(stations)
        assert sum(s.drawn for s in mine) == rules.district_quota(len(stations), 34)
    assert sum(s.drawn for s in strata) == len(sample.stations) == 6
    for s in strata:  # each stratum lists its pool by rank; the drawn ones are the lowest
        assert [r.rank for r in s.pool] == sorted(r.rank for r in s.pool) and len(s.pool) == s.available
        assert [r.drawn for r in s.pool] == [True] * s.drawn + [False] * (s.available - s.drawn)


def test_a_redraw_is_refused_once_a_spot_check_started_and_nothing_changes(session, spot):
    campaign, city = spot["campaign"], spot["city"]
    sample = spot_checks.draw_sample(session, city.actor, campaign, 50)
    seed, before = sample.seed, sampled_ids(session, campaign)
    row = sample.stations[0]
    inspect(session, campaign, row.station, spot["checker"], InspectionStatus.IN_PROGRESS, spot["owns"][row.station_id])
    entries = session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(Invalid, match="已有服务站开始市级抽查，样本不能再重新抽取"):
        spot_checks.draw_sample(session, city.actor, campaign, 80)
    session.expire_all()
    again = spot_checks.sample_of(session, campaign.id)
    assert (again.seed, again.percent, sampled_ids(session, campaign)) == (seed, 50, before)
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == entries


def test_bad_percentages_and_empty_campaigns_are_refused(session, spot, make_campaign):
    city = spot["city"]
    for wrong, message in (
        (None, "请填写抽查比例"),
        (0, "抽查比例应在1%至100%之间"),
        (101, "抽查比例应在1%至100%之间"),
    ):
        with pytest.raises(Invalid, match=message):
            spot_checks.draw_sample(session, city.actor, spot["campaign"], wrong)
    empty = make_campaign(name="2027年度自查验收")
    with pytest.raises(Invalid, match="还没有已提交或已审核通过的旗区检查"):
        spot_checks.draw_sample(session, city.actor, empty, 10)
    assert session.scalar(select(func.count()).select_from(SpotCheckSample)) == 0
    with pytest.raises(Forbidden):
        spot_checks.draw_sample(session, spot["checker"].actor, spot["campaign"], 10)


def test_a_closed_campaign_is_neither_sampled_nor_assigned_and_nothing_changes(session, spot):
    campaign, city, checker = spot["campaign"], spot["city"], spot["checker"]
    sample = spot_checks.draw_sample(session, city.actor, campaign, 50)
    seed, before, first = sample.seed, sampled_ids(session, campaign), sample.stations[0]
    campaigns.close_campaign(session, city.actor, campaign.id)
    entries = session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(Invalid, match="已结束，内容只读"):
        spot_checks.draw_sample(session, city.actor, campaign, 80)
    with pytest.raises(Invalid, match="已结束，内容只读"):
        spot_checks.assign(session, city.actor, first.id, checker.id)
    session.expire_all()
    again = spot_checks.sample_of(session, campaign.id)
    assert (again.seed, sampled_ids(session, campaign), again.stations[0].inspector_id) == (seed, before, None)
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == entries


# ---- assignment and the city inspector's list ---------------------------------------------------------------------


def test_a_sampled_station_goes_to_a_city_inspector_and_stays_with_whoever_started_it(session, spot):
    campaign, city, checker, other = spot["campaign"], spot["city"], spot["checker"], spot["other_checker"]
    sample = spot_checks.draw_sample(session, city.actor, campaign, 100)
    first, second = sample.stations[0], sample.stations[1]
    for wrong in (None, spot["inspectors"]["150602"].id, city.id):
        with pytest.raises(Invalid, match="请选择一名在用的市级检查员"):
            spot_checks.assign(session, city.actor, first.id, wrong)
    with pytest.raises(Forbidden):
        spot_checks.assign(session, checker.actor, first.id, checker.id)
    spot_checks.assign(session, city.actor, first.id, checker.id)
    spot_checks.assign(session, city.actor, second.id, checker.id)
    listed = results.assigned_to(session, checker.actor, campaign)
    assert {a.sampled_station_id for a in listed} == {first.id, second.id}
    assert {a.state for a in listed} == {"未检查"} and results.assigned_to(session, other.actor, campaign) == []
    started = inspect(
        session, campaign, first.station, checker, InspectionStatus.IN_PROGRESS, spot["owns"][first.station_id]
    )
    with pytest.raises(Invalid, match="的抽查已由测试市级检查员开始，不能改派"):
        spot_checks.assign(session, city.actor, first.id, other.id)
    spot_checks.assign(session, city.actor, second.id, other.id)  # not started: may go to another
    listed = {a.sampled_station_id: a for a in results.assigned_to(session, checker.actor, campaign)}
    assert set(listed) == {first.id} and listed[first.id].inspection_id == started.id
    assert listed[first.id].state == "进行中" and listed[first.id].district_outcome in (
        "合格",
        "需整改",
        "可推荐示范站",
    )
    assert spot_checks.assignment_of(session, checker.actor, campaign.id, first.station_id).id == first.id
    for who, station in ((other, first.station_id), (checker, second.station_id), (checker, spot["unfinished"].id)):
        with pytest.raises(NotFound):  # given to another, or never sampled
            spot_checks.assignment_of(session, who.actor, campaign.id, station)
    assigned = session.scalars(select(AuditEntry).where(AuditEntry.action == "assign_spot_check")).all()
    assert [e.details["inspector"] for e in assigned] == ["checker.one", "checker.one", "checker.two"]
    with pytest.raises(Forbidden):
        results.assigned_to(session, city.actor, campaign)


# ---- comparisons and reliability ---------------------------------------------------------------------------------


@pytest.fixture
def compared(session, campaign):
    return compared_season(session, campaign)


def test_each_spot_check_is_compared_with_the_districts_own_inspection(session, campaign, compared):
    found = {r.station.id: r for r in results.comparisons(session, compared["city"].actor, campaign).rows}
    x, y, z = (found[compared[k].id] for k in "xyz")
    # X: district 100 (可推荐示范站); city 100 − 6 (A2) − 4 (C4 half) = 90, but A2 is critical: 需整改. −10.
    assert (x.comparison.district_score, x.comparison.city_score) == (100, 90)
    assert x.comparison.score_difference == -10 and rules.difference_text(x.comparison.score_difference) == "−10.0"
    assert (x.comparison.district_outcome, x.comparison.city_outcome) == (
        Outcome.DEMONSTRATION_ELIGIBLE,
        Outcome.RECTIFY,
    )
    assert x.comparison.contradicts
    assert [(d.code, d.district, d.city) for d in x.comparison.disagreements] == [
        ("A2", "符合", "不符合"),
        ("C4", "符合（8分）", "符合（4分）"),
    ]
    # Y: district 100 − 2 = 98; city 100 − 3 = 97: both 可推荐示范站, −1.
    assert (y.comparison.district_score, y.comparison.city_score, y.comparison.outcome_changed) == (98, 97, False)
    assert [(d.code, d.district, d.city) for d in y.comparison.disagreements] == [
        ("B1", "符合", "不符合"),
        ("C1", "符合（6分）", "符合（8分）"),
    ]
    assert z.comparison is None and z.state == "进行中"


def test_each_districts_reliability_is_worked_out_from_its_comparisons(session, campaign, compared):
    found = results.comparisons(session, compared["city"].actor, campaign)
    ds, kbs = found.districts
    # 东胜: 2 checked, Y matched: 1/2; mean |difference| (10 + 1) / 2 = 5.5.
    assert (ds.name, ds.sampled, ds.figure.checked, ds.figure.matched) == ("东胜区", 2, 2, 1)
    assert ds.figure.mean_absolute_difference == Fraction(11, 2)
    assert (ds.share_text, ds.difference_text) == ("50.0%", "5.5")
    # 康巴什: sampled, nothing submitted yet.
    assert (kbs.name, kbs.sampled, kbs.figure.checked, kbs.share_text, kbs.difference_text) == (
        "康巴什区",
        1,
        0,
        "—",
        "—",
    )
    assert (found.total.sampled, found.total.figure.checked, found.total.share_text) == (3, 2, "50.0%")
