"""Scoring with hand-computed values on the default checklist (100 points, 19 items)."""

from fractions import Fraction

import pytest

from inspect_app.demo.seed import default_template
from inspect_app.domain.checklists.checklist import Outcome, parse_template
from inspect_app.domain.checklists.scoring import Answer, AnswerError, Verdict, check_answer, score
from inspect_app.domain.inspections import SignatureRole, missing_for_submit, required_slots

TEMPLATE = parse_template(default_template())
ITEMS = {item.code: item for item in TEMPLATE.items}


def answers(fail=(), na=(), graded=None):
    """Every item answered 符合 except the ones named."""
    result = {}
    for code, item in ITEMS.items():
        if code in na:
            result[code] = check_answer(item, "na", None)
        elif code in fail:
            result[code] = check_answer(item, "fail", None)
        elif graded and code in graded:
            result[code] = check_answer(item, "pass", graded[code])
        else:
            result[code] = check_answer(item, "pass", item.points if item.scoring == "graded" else None)
    return result


def test_everything_met_is_100_and_may_be_recommended():
    result = score(TEMPLATE, answers())
    assert (result.points, result.maximum, result.score) == (100, 100, 100)
    assert result.outcome is Outcome.DEMONSTRATION_ELIGIBLE and result.complete and not result.failed_critical


def test_not_applicable_items_leave_points_and_maximum_and_the_total_is_rescaled():
    # C4 (8) and C6 (3) 不适用: maximum 89. B1 and B2 (3 each) fail: 83 points. 83/89*100 = 93.258...
    result = score(TEMPLATE, answers(fail=("B1", "B2"), na=("C4", "C6")))
    assert (result.points, result.maximum) == (83, 89)
    assert result.score == Fraction(8300, 89) and result.rounded == 93.3
    assert result.outcome is Outcome.DEMONSTRATION_ELIGIBLE


def test_a_failed_critical_item_fails_a_total_above_80():
    # A2 (6 points, critical) fails: 94 points, 94.0, yet 需整改.
    result = score(TEMPLATE, answers(fail=("A2",)))
    assert (result.points, result.maximum, result.rounded) == (94, 100, 94.0)
    assert result.outcome is Outcome.RECTIFY and result.failed_critical == ("A2",)


def test_graded_items_and_levels():
    # C1 4 of 8, C4 the middle level (4 of 8): 100 - 4 - 4 = 92.
    result = score(TEMPLATE, answers(graded={"C1": 4, "C4": 4}))
    assert (result.points, result.rounded, result.outcome) == (92, 92.0, Outcome.DEMONSTRATION_ELIGIBLE)


def test_exactly_80_passes():
    # A5 (6) + A8 (6) + C2 (7) fail and C1 is given 7 of 8: 100 - 20 = 80.
    result = score(TEMPLATE, answers(fail=("A5", "A8", "C2"), graded={"C1": 7}))
    assert (result.points, result.score, result.outcome) == (80, 80, Outcome.PASS)


def test_rounding_for_display_never_lifts_the_outcome_into_a_higher_band():
    # C4, C6 不适用 (maximum 89); A5 (6) and B1 (3) fail: 80/89*100 = 89.887... shows 89.9 but is 合格 only.
    result = score(TEMPLATE, answers(fail=("A5", "B1"), na=("C4", "C6")))
    assert result.rounded == 89.9 and result.outcome is Outcome.PASS


def test_below_80_needs_rectification():
    # A4 (5), A5 (6), A6 (5), A8 (6) fail: 78.
    result = score(TEMPLATE, answers(fail=("A4", "A5", "A6", "A8")))
    assert (result.points, result.outcome) == (78, Outcome.RECTIFY)


def test_running_score_counts_unanswered_items_in_the_maximum():
    result = score(TEMPLATE, {"A1": Answer(Verdict.PASS)})
    assert (result.points, result.maximum, result.rounded) == (8, 100, 8.0)
    assert len(result.unanswered) == 18 and not result.complete


def test_graded_critical_item_at_zero_is_a_failed_critical():
    data = default_template()
    data["sections"][0]["items"][0]["scoring"] = "graded"  # A1, critical
    template = parse_template(data)
    given = {code: a for code, a in answers().items()}
    given["A1"] = check_answer(template.items[0], "pass", 0)
    result = score(template, given)
    assert given["A1"].verdict is Verdict.FAIL and result.failed_critical == ("A1",)
    assert result.outcome is Outcome.RECTIFY


@pytest.mark.parametrize(
    "code, verdict, points, message",
    [
        ("A1", "na", None, "不允许选择“不适用”"),
        ("A1", "maybe", None, "请选择符合、不符合或不适用"),
        ("C4", "pass", 5, "得分只能为 0、4、8 分之一"),
        ("C1", "pass", 9, "得分应在0至8分之间"),
        ("C1", "pass", None, "请填写得分"),
    ],
)
def test_answers_the_item_does_not_allow(code, verdict, points, message):
    with pytest.raises(AnswerError, match=message):
        check_answer(ITEMS[code], verdict, points)


def test_graded_fail_is_zero_and_pass_fail_ignores_points():
    assert check_answer(ITEMS["C1"], "fail", 5) == Answer(Verdict.FAIL, 0)
    assert check_answer(ITEMS["A1"], "pass", 3) == Answer(Verdict.PASS)


def test_what_submission_still_needs():
    given = answers()
    del given["A3"], given["C5"]
    lacking = missing_for_submit(TEMPLATE, given, ["bulletin_board", "premises"], [SignatureRole.INSPECTOR])
    assert lacking == ["还有2项未作答：A3、C5", "缺少必拍照片：标识标志牌（A2）", "缺少服务站代表签名"]
    assert missing_for_submit(TEMPLATE, answers(), ["signboard", "bulletin_board"], list(SignatureRole)) == []


def test_a_not_applicable_item_needs_no_photo():
    data = default_template()
    data["sections"][0]["items"][3]["na_allowed"] = True  # A4, the bulletin board
    template = parse_template(data)
    given = answers()
    given["A4"] = Answer(Verdict.NA)
    assert required_slots(template, given) == ["signboard"]
