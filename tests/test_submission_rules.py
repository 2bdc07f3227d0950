"""The rules of a bundle's way to the city, and the city's figures: plain Python, no database."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from inspect_app.domain.checklists.checklist import Outcome
from inspect_app.domain.evidence.figures import StationFact, figures, most_frequent, share_text
from inspect_app.domain.evidence.submissions import (
    Latest,
    SubmissionRefused,
    SubmissionStatus,
    check_decision,
    check_new_version,
    check_submission,
    days_left,
    district_label,
    is_overdue,
)
from inspect_app.domain.inspections import InspectionStatus, is_locked

SUBMITTED, RETURNED, ACCEPTED = SubmissionStatus.SUBMITTED, SubmissionStatus.RETURNED, SubmissionStatus.ACCEPTED


def test_a_first_version_may_always_be_received():
    check_submission(None, 1)


@pytest.mark.parametrize(
    "latest, version, message",
    [
        (Latest(1, SUBMITTED), 2, "正在等待市中心审核"),
        (Latest(2, ACCEPTED), 3, "市中心已接收第2版"),
        (Latest(2, RETURNED), 2, "第2版不晚于已提交的第2版"),
        (Latest(3, RETURNED), 1, "第1版不晚于已提交的第3版"),
    ],
)
def test_what_cannot_be_received(latest, version, message):
    with pytest.raises(SubmissionRefused, match=message):
        check_submission(latest, version)


def test_after_a_return_a_newer_version_is_received():
    check_submission(Latest(1, RETURNED), 2)


def test_decisions_need_a_pending_verified_submission_and_reasons_to_return():
    check_decision(SUBMITTED, True, "accept", "", {})
    check_decision(SUBMITTED, False, "return", "", {"150602-001": "照片模糊"})
    with pytest.raises(SubmissionRefused, match="验证未通过的证据包不能接收"):
        check_decision(SUBMITTED, False, "accept", "", {})
    with pytest.raises(SubmissionRefused, match="请写明需要补正的内容"):
        check_decision(SUBMITTED, True, "return", "  ", {"150602-001": " "})
    with pytest.raises(SubmissionRefused, match="已接收，不能再次处理"):
        check_decision(ACCEPTED, True, "return", "再看看", {})
    with pytest.raises(SubmissionRefused, match="退回意见过长"):
        check_decision(SUBMITTED, True, "return", "长" * 2001, {})
    with pytest.raises(SubmissionRefused, match="未知的处理操作"):
        check_decision(SUBMITTED, True, "delete", "", {})


def test_a_new_version_waits_for_the_citys_word_and_never_follows_acceptance():
    check_new_version(None, 1)  # signed, not sent yet
    check_new_version(Latest(1, RETURNED), 1)
    check_new_version(Latest(1, SUBMITTED), 2)  # version 2 was signed after 1 was sent: not yet with the city
    with pytest.raises(SubmissionRefused, match="退回后才能修改"):
        check_new_version(Latest(2, SUBMITTED), 2)
    with pytest.raises(SubmissionRefused, match="不能再修改"):
        check_new_version(Latest(2, ACCEPTED), 2)


def test_deadline_and_overdue():
    deadline = date(2026, 11, 1)
    assert days_left(deadline, date(2026, 10, 29)) == 3 and days_left(deadline, date(2026, 11, 3)) == -2
    assert not is_overdue(None, deadline, deadline)  # the deadline day itself still counts
    assert is_overdue(None, deadline, date(2026, 11, 2))
    assert is_overdue(Latest(1, RETURNED), deadline, date(2026, 11, 2))
    assert not is_overdue(Latest(1, SUBMITTED), deadline, date(2026, 11, 2))
    assert not is_overdue(Latest(1, ACCEPTED), deadline, date(2026, 12, 2))
    assert [district_label(x) for x in (None, Latest(1, SUBMITTED), Latest(1, RETURNED), Latest(1, ACCEPTED))] == [
        "未提交",
        "已提交",
        "已退回补正",
        "已接收",
    ]


def test_only_inspections_accepted_before_the_signature_are_locked():
    signed = datetime(2026, 10, 20, 8, 0, 0, tzinfo=timezone.utc)
    before = signed.replace(minute=0, second=0, microsecond=400000)  # the same second as the signature
    after = signed.replace(second=1)
    assert is_locked(InspectionStatus.ACCEPTED, before, signed)
    assert not is_locked(InspectionStatus.ACCEPTED, after, signed)
    assert not is_locked(InspectionStatus.SUBMITTED, before, signed)
    assert not is_locked(InspectionStatus.ACCEPTED, before, None)


def fact(code="150602", status=InspectionStatus.ACCEPTED, outcome=Outcome.PASS, score=85.0, **kw) -> StationFact:
    return StationFact(code, kw.pop("retired", False), kw.pop("is_odr", False), status, outcome, score, **kw)


def test_figures_count_the_directory_the_submitted_and_their_outcomes():
    facts = [
        fact(score=95.0, outcome=Outcome.DEMONSTRATION_ELIGIBLE, recommended=True, confirmed=True, is_odr=True),
        fact(score=85.0),
        fact(status=InspectionStatus.SUBMITTED, outcome=Outcome.RECTIFY, score=60.0),
        fact(status=InspectionStatus.IN_PROGRESS, outcome=None, score=None, is_odr=True),
        fact(status=None, outcome=None, score=None),
        fact(status=InspectionStatus.ACCEPTED, retired=True, score=90.0, outcome=Outcome.DEMONSTRATION_ELIGIBLE),
    ]
    f = figures("东胜区", facts)
    assert (f.stations, f.inspected, f.submitted) == (5, 5, 4)
    assert f.average_score == round((95 + 85 + 60 + 90) / 4, 1)
    assert (f.passed, f.rectify, f.candidates, f.recommended, f.confirmed, f.odr) == (3, 1, 2, 1, 1, 2)
    assert f.pass_share == 0.75 and share_text(f.rectify_share) == "25.0%" and f.not_submitted == 1
    empty = figures("杭锦旗", [])
    assert empty.average_score is None and empty.pass_share is None and share_text(empty.pass_share) == "—"


def test_most_frequent_keeps_ties_in_first_seen_order():
    assert most_frequent(["b", "a", "b", "a", "c"], limit=2) == [("b", 2), ("a", 2)]
