"""Scoring an inspection: a pure function from a checklist version and the answers given."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Mapping

from inspect_app.domain.checklists.checklist import ChecklistTemplate, Item, Outcome, ScoringMode


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NA = "na"

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self]


VERDICT_LABELS = {Verdict.PASS: "符合", Verdict.FAIL: "不符合", Verdict.NA: "不适用"}


@dataclass(frozen=True)
class Answer:
    """What the inspector gave for one item: a verdict, and for graded items the points."""

    verdict: Verdict
    points: int | None = None


class AnswerError(ValueError):
    """An answer the item does not allow; the message is Chinese."""


def check_answer(item: Item, verdict: str, points: int | None) -> Answer:
    """Validate one answer against its item and return it in canonical form."""
    try:
        chosen = Verdict(verdict)
    except ValueError:
        raise AnswerError(f"{item.code}：请选择符合、不符合或不适用") from None
    if chosen is Verdict.NA:
        if not item.na_allowed:
            raise AnswerError(f"{item.code}：该项不允许选择“不适用”")
        return Answer(Verdict.NA)
    if item.scoring is ScoringMode.PASS_FAIL:
        return Answer(chosen)
    if chosen is Verdict.FAIL:
        return Answer(Verdict.FAIL, 0)
    if points is None:
        raise AnswerError(f"{item.code}：请填写得分（0至{item.points}分）")
    allowed = sorted({level.points for level in item.levels}) if item.levels else None
    if allowed is not None and points not in allowed:
        raise AnswerError(f"{item.code}：得分只能为 {'、'.join(map(str, allowed))} 分之一")
    if not 0 <= points <= item.points:
        raise AnswerError(f"{item.code}：得分应在0至{item.points}分之间")
    # A graded item given nothing is a failed item (a critical one fails the station).
    return Answer(Verdict.PASS if points > 0 else Verdict.FAIL, points)


def earned(item: Item, answer: Answer) -> int:
    """Points an applicable item earns."""
    if answer.verdict is Verdict.FAIL:
        return 0
    if item.scoring is ScoringMode.GRADED:
        return answer.points or 0
    return item.points


@dataclass(frozen=True)
class Score:
    points: int  # earned over applicable items
    maximum: int  # points of the applicable items (不适用 items leave it)
    score: Fraction  # rescaled to 100
    outcome: Outcome
    failed_critical: tuple[str, ...]
    unanswered: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.unanswered

    @property
    def rounded(self) -> float:
        """The score as shown: one decimal, rounded half up."""
        return float(Fraction(math.floor(self.score * 10 + Fraction(1, 2)), 10))


def outcome_for(template: ChecklistTemplate, score: Fraction, failed_critical: bool) -> Outcome:
    """The band a score falls in; any failed critical item means 需整改."""
    if failed_critical:
        return Outcome.RECTIFY
    for band in template.outcome_bands:  # highest first
        if score >= band.min_score:
            return band.outcome
    return Outcome.RECTIFY


def score(template: ChecklistTemplate, answers: Mapping[str, Answer]) -> Score:
    """Points, maximum, score out of 100, outcome and failed critical items.

    Unanswered items count in the maximum with no points, so a running score never flatters.
    """
    points = maximum = 0
    failed: list[str] = []
    unanswered: list[str] = []
    for item in template.items:
        answer = answers.get(item.code)
        if answer is None:
            unanswered.append(item.code)
            maximum += item.points
            continue
        if answer.verdict is Verdict.NA:
            continue
        got = earned(item, answer)
        points += got
        maximum += item.points
        if item.critical and got == 0:
            failed.append(item.code)
    rescaled = Fraction(points * 100, maximum) if maximum else Fraction(0)
    return Score(
        points, maximum, rescaled, outcome_for(template, rescaled, bool(failed)), tuple(failed), tuple(unanswered)
    )
