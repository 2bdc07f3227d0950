"""The follow-up's plain rules: rectification orders (domain/follow_up/rectification.py) and the city's spot checks
(domain/follow_up/spot_checks.py). The figures are worked out by hand in the comments."""

from __future__ import annotations

import hashlib
from datetime import date
from fractions import Fraction

import pytest

from inspect_app.demo.seed import default_template
from inspect_app.domain.checklists.checklist import Outcome, parse_template
from inspect_app.domain.checklists.scoring import Answer, Verdict, score
from inspect_app.domain.follow_up import rectification as r
from inspect_app.domain.follow_up import spot_checks as s

TEMPLATE = parse_template(default_template())


def all_pass() -> dict[str, Answer]:
    return {
        item.code: Answer(Verdict.PASS, item.points if item.scoring == "graded" else None) for item in TEMPLATE.items
    }


def lowest(item) -> int:
    """A graded item's lowest points above nothing."""
    return min((level.points for level in item.levels if level.points), default=1)


# ---- rectification ------------------------------------------------------------------------------------------


def test_an_order_is_needed_for_rectify_or_a_failed_critical_item():
    assert r.needs_order(Outcome.RECTIFY, ())
    assert r.needs_order(Outcome.PASS, ("A2",))  # cannot happen by scoring, but a critical failure alone suffices
    assert not r.needs_order(Outcome.PASS, ())
    assert not r.needs_order(Outcome.DEMONSTRATION_ELIGIBLE, None)
    assert not r.needs_order(None, [])


def test_the_order_lists_failed_items_critical_first_with_the_inspectors_notes():
    answers = all_pass()
    critical = [item for item in TEMPLATE.items if item.critical]
    plain = [item for item in TEMPLATE.items if not item.critical and item.na_allowed is False]
    # A plain item early in the list and a critical one after it; one not applicable, which is not a failure.
    first_plain, later_critical = plain[0], critical[-1]
    assert TEMPLATE.items.index(first_plain) < TEMPLATE.items.index(later_critical)
    answers[first_plain.code] = Answer(Verdict.FAIL, 0 if first_plain.scoring == "graded" else None)
    answers[later_critical.code] = Answer(Verdict.FAIL, 0 if later_critical.scoring == "graded" else None)
    optional = next(item for item in TEMPLATE.items if item.na_allowed)
    answers[optional.code] = Answer(Verdict.NA)
    items = r.failed_items(TEMPLATE, answers, {later_critical.code: "  标识牌破损 "})
    assert [i.code for i in items] == [later_critical.code, first_plain.code]
    assert items[0].critical and items[0].note == "标识牌破损" and items[1].note == ""
    assert r.failed_items(TEMPLATE, all_pass()) == ()


def test_a_graded_item_given_no_points_is_failed():
    graded = next(item for item in TEMPLATE.items if item.scoring == "graded")
    answers = all_pass()
    answers[graded.code] = Answer(Verdict.FAIL, 0)
    assert [i.code for i in r.failed_items(TEMPLATE, answers)] == [graded.code]


def test_the_order_moves_only_along_its_transitions():
    status = r.OrderStatus.DRAFT
    status = r.next_status(status, r.OrderAction.ISSUE)
    assert status is r.OrderStatus.ISSUED and status.label == "整改中"
    assert r.next_status(status, r.OrderAction.RECHECK_PASSED) is r.OrderStatus.COMPLETED
    escalated = r.next_status(status, r.OrderAction.DEADLINE_PASSED)
    assert escalated is r.next_status(status, r.OrderAction.RECHECK_FAILED) is r.OrderStatus.ESCALATED
    assert r.next_status(escalated, r.OrderAction.EXTEND) is r.OrderStatus.ISSUED
    assert r.next_status(escalated, r.OrderAction.RETIRE).label == "已撤销"
    with pytest.raises(r.OrderError, match="只有复查未通过或已逾期的通知可以撤销服务站（当前：整改中）"):
        r.next_status(r.OrderStatus.ISSUED, r.OrderAction.RETIRE)
    for final in (r.OrderStatus.COMPLETED, r.OrderStatus.RETIRED):
        for action in r.OrderAction:
            with pytest.raises(r.OrderError):
                r.next_status(final, action)
    assert r.OPEN == {r.OrderStatus.DRAFT, r.OrderStatus.ISSUED, r.OrderStatus.ESCALATED}


def test_deadlines_default_to_thirty_days_and_must_lie_ahead():
    today = date(2026, 9, 1)
    assert r.default_deadline(today) == date(2026, 10, 1)
    assert r.check_deadline(date(2026, 9, 2), today) == date(2026, 9, 2)
    for wrong, message in (
        (today, "整改期限应晚于今天"),
        (date(2027, 3, 1), "整改期限不能超过180天"),  # 181 days on
    ):
        with pytest.raises(r.OrderError, match=message):
            r.check_deadline(wrong, today)
    assert r.check_deadline(date(2027, 2, 28), today)  # 180 days on
    with pytest.raises(r.OrderError, match="延期后的期限应晚于原期限"):
        r.check_deadline(date(2026, 9, 20), today, current=date(2026, 10, 1))


def test_overdue_and_due_soon_concern_issued_orders_only():
    deadline = date(2026, 10, 1)
    assert not r.is_overdue(r.OrderStatus.ISSUED, deadline, date(2026, 10, 1))  # the deadline day itself counts
    assert r.is_overdue(r.OrderStatus.ISSUED, deadline, date(2026, 10, 2))
    assert not r.is_overdue(r.OrderStatus.COMPLETED, deadline, date(2026, 12, 1))
    assert r.is_due_soon(r.OrderStatus.ISSUED, deadline, date(2026, 9, 24))  # 7 days before
    assert not r.is_due_soon(r.OrderStatus.ISSUED, deadline, date(2026, 9, 23))
    assert not r.is_due_soon(r.OrderStatus.ISSUED, deadline, date(2026, 10, 2))
    assert not r.is_due_soon(r.OrderStatus.DRAFT, deadline, date(2026, 9, 30))


def test_a_retirement_needs_a_reason():
    assert r.check_reason("  连续两次复查不合格 ") == "连续两次复查不合格"
    with pytest.raises(r.OrderError, match="撤销服务站须填写原因"):
        r.check_reason("  ")
    with pytest.raises(r.OrderError, match="不能超过500字"):
        r.check_reason("长" * 501)


def test_a_station_rectify_on_part_marks_alone_gets_an_order_listing_them():
    """All items met, the graded ones at their lowest points above nothing: no item failed outright, yet the
    score falls in 需整改, so the order lists the part-marked items."""
    answers = all_pass()
    graded = [item for item in TEMPLATE.items if item.scoring == "graded"]
    for item in graded:
        answers[item.code] = Answer(Verdict.PASS, lowest(item))
    result = score(TEMPLATE, answers)
    assert result.outcome is Outcome.RECTIFY and result.failed_critical == ()
    assert r.needs_order(result.outcome, result.failed_critical)
    listed = r.failed_items(TEMPLATE, answers)
    assert {i.code for i in listed} == {i.code for i in graded} and not any(i.failed for i in listed)
    assert all(0 < i.points < i.maximum for i in listed)


def test_a_recheck_clears_the_order_only_when_every_listed_item_passes_and_the_station_does_too():
    critical = next(item for item in TEMPLATE.items if item.critical)
    original = all_pass()
    original[critical.code] = Answer(Verdict.FAIL, 0 if critical.scoring == "graded" else None)
    listed = r.failed_items(TEMPLATE, original)
    assert [i.code for i in listed] == [critical.code] and listed[0].failed
    assert not r.recheck_passed(listed, TEMPLATE, original, {critical.code: original[critical.code]})
    assert not r.recheck_passed(listed, TEMPLATE, original, {})  # not re-checked
    assert r.recheck_passed(listed, TEMPLATE, original, {critical.code: all_pass()[critical.code]})
    optional = next((item for item in TEMPLATE.items if item.na_allowed and item.critical), None) or next(
        item for item in TEMPLATE.items if item.na_allowed
    )
    failed_optional = {**all_pass(), optional.code: Answer(Verdict.FAIL, 0 if optional.scoring == "graded" else None)}
    # Found applicable and failed, it is not cleared by calling it 不适用 at the re-check.
    assert not r.recheck_passed(
        r.failed_items(TEMPLATE, failed_optional), TEMPLATE, failed_optional, {optional.code: Answer(Verdict.NA)}
    )


def test_passing_the_listed_items_is_not_enough_when_the_station_still_scores_rectify():
    answers = all_pass()
    graded = [item for item in TEMPLATE.items if item.scoring == "graded"]
    for item in graded:
        answers[item.code] = Answer(Verdict.PASS, lowest(item))
    listed = r.failed_items(TEMPLATE, answers)
    # Each listed item passed again at the same part marks: all "passed", and still 需整改.
    assert not r.recheck_passed(listed, TEMPLATE, answers, {i.code: answers[i.code] for i in listed})
    full = {i.code: all_pass()[i.code] for i in listed}
    assert r.recheck_passed(listed, TEMPLATE, answers, full)


# ---- spot checks ----------------------------------------------------------------------------------------------


def candidates() -> list[s.Candidate]:
    """District A: 10 stations (ids 1-10): 6 合格, 3 需整改, 1 可推荐示范站. District B: 2 stations (20, 21), 合格."""
    pass_, rectify, demo = Outcome.PASS, Outcome.RECTIFY, Outcome.DEMONSTRATION_ELIGIBLE
    a = [s.Candidate(i, "150602", pass_) for i in range(1, 7)]
    a += [s.Candidate(i, "150602", rectify) for i in (7, 8, 9)]
    a += [s.Candidate(10, "150602", demo)]
    return a + [s.Candidate(20, "150603", pass_), s.Candidate(21, "150603", pass_)]


def test_each_district_gives_its_percentage_rounded_up_and_at_least_one():
    assert s.district_quota(10, 30) == 3
    assert s.district_quota(10, 25) == 3  # 2.5 rounded up
    assert s.district_quota(2, 30) == 1  # 0.6 → 1
    assert s.district_quota(2, 1) == 1  # at least one
    assert s.district_quota(3, 100) == 3
    assert s.district_quota(0, 50) == 0


def test_the_quota_is_shared_among_outcomes_in_proportion():
    sample = s.draw_sample(candidates(), 30, seed=20260901)
    a = {stratum.outcome: stratum for stratum in sample.of_district("150602")}
    # A draws 3 of 10: 合格 6 × 3/10 = 1.8, 需整改 0.9, 示范 0.3 → floors 1, 0, 0; the 2 left go to the largest
    # remainders, 0.9 (需整改) and 0.8 (合格): 2 合格, 1 需整改, no 示范.
    assert {o: len(st.drawn) for o, st in a.items()} == {
        Outcome.PASS: 2,
        Outcome.RECTIFY: 1,
        Outcome.DEMONSTRATION_ELIGIBLE: 0,
    }
    assert {o: st.available for o, st in a.items()} == {
        Outcome.PASS: 6,
        Outcome.RECTIFY: 3,
        Outcome.DEMONSTRATION_ELIGIBLE: 1,
    }
    assert set(a[Outcome.PASS].drawn) <= set(range(1, 7)) and set(a[Outcome.RECTIFY].drawn) <= {7, 8, 9}
    (b,) = sample.of_district("150603")
    assert b.available == 2 and len(b.drawn) == 1 and b.outcome_label == "合格"
    assert len(sample.station_ids) == 4 and list(sample.station_ids) == sorted(sample.station_ids)


def test_the_same_seed_draws_the_same_stations_whatever_the_order_given():
    first = s.draw_sample(candidates(), 30, seed=7)
    again = s.draw_sample(list(reversed(candidates())), 30, seed=7)
    assert first == again
    draws = {s.draw_sample(candidates(), 30, seed=seed).station_ids for seed in range(40)}
    assert len(draws) > 5  # another seed, another sample
    # Anyone can redo it: the 合格 stations of 150602 drawn are the two with the lowest SHA-256 ranks.
    ranks = sorted(range(1, 7), key=lambda i: hashlib.sha256(f"7:150602:pass:{i}".encode()).hexdigest())
    drawn = next(st for st in first.of_district("150602") if st.outcome is Outcome.PASS).drawn
    assert drawn == tuple(sorted(ranks[:2]))


def test_a_percentage_out_of_range_is_refused():
    for wrong in (0, 101, -5):
        with pytest.raises(s.SampleError, match="抽查比例应在1%至100%之间"):
            s.draw_sample(candidates(), wrong, seed=1)
    assert len(s.draw_sample(candidates(), 100, seed=1).station_ids) == 12


def test_a_spot_check_is_compared_item_by_item_with_the_districts_inspection():
    district = all_pass()
    city = dict(district)
    critical = next(item for item in TEMPLATE.items if item.critical)
    graded = next(item for item in TEMPLATE.items if item.scoring == "graded" and not item.critical)
    city[critical.code] = Answer(Verdict.FAIL, 0 if critical.scoring == "graded" else None)
    city[graded.code] = Answer(Verdict.PASS, graded.points - 1)
    d_score, c_score = score(TEMPLATE, district), score(TEMPLATE, city)
    result = s.compare(TEMPLATE, (d_score.score, d_score.outcome, district), (c_score.score, c_score.outcome, city))
    # Full marks against full marks less the critical item's points and one point: out of the template's total.
    lost = critical.points + 1
    assert result.score_difference == Fraction(-lost * 100, TEMPLATE.total_points)
    assert result.outcome_changed and result.contradicts and result.city_outcome is Outcome.RECTIFY
    assert [d.code for d in result.disagreements] == [
        i.code for i in TEMPLATE.items if i.code in (critical.code, graded.code)
    ]
    shown = {d.code: (d.district, d.city) for d in result.disagreements}
    assert shown[graded.code] == (f"符合（{graded.points}分）", f"符合（{graded.points - 1}分）")
    assert shown[critical.code][0].startswith("符合") and shown[critical.code][1].startswith("不符合")


def test_reliability_is_the_share_matched_and_the_mean_absolute_difference():
    def made(d: int, c: int, d_outcome: Outcome, c_outcome: Outcome) -> s.Comparison:
        return s.Comparison(Fraction(d), Fraction(c), d_outcome, c_outcome, ())

    comparisons = [
        made(90, 86, Outcome.PASS, Outcome.PASS),  # |−4|
        made(80, 58, Outcome.PASS, Outcome.RECTIFY),  # |−22|, changed
        made(70, 73, Outcome.PASS, Outcome.PASS),  # |+3|
    ]
    figure = s.reliability(comparisons)
    assert (figure.checked, figure.matched) == (3, 2)
    assert figure.share_matched == Fraction(2, 3)
    assert figure.mean_absolute_difference == Fraction(29, 3)  # (4 + 22 + 3) / 3
    nothing = s.reliability([])
    assert (nothing.checked, nothing.share_matched, nothing.mean_absolute_difference) == (0, 0, 0)
