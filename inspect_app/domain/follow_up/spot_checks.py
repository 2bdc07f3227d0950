"""City spot checks (抽查): drawing the sample, comparing a spot check with the district's own inspection, and each
district's self-inspection reliability.

The sample is a percentage of each district's inspected stations (at least one a district), spread over the
district's outcomes in proportion (largest remainders), and within each district and outcome the stations that
rank lowest by the SHA-256 of a seed recorded with the sample and the station (draw_rank): the same stations, the same seed and the same percentage draw the same sample on
any machine, so anyone can redo the draw from what the page shows.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

from inspect_app.domain.checklists.checklist import OUTCOME_LABELS, ChecklistTemplate, Outcome
from inspect_app.domain.checklists.scoring import Answer, Verdict

MIN_PERCENT, MAX_PERCENT = 1, 100
# Outcomes in the order the draw goes through them (the order decides nothing but the listing).
OUTCOME_ORDER = (Outcome.RECTIFY, Outcome.PASS, Outcome.DEMONSTRATION_ELIGIBLE)


class SampleError(ValueError):
    """A percentage or seed the draw cannot take; the message is Chinese."""


@dataclass(frozen=True)
class Candidate:
    """An inspected station that may be drawn: its id, its district's code and the district's outcome for it."""

    station_id: int
    district: str
    outcome: Outcome


@dataclass(frozen=True)
class Stratum:
    """How one district's stations of one outcome were drawn."""

    district: str
    outcome: Outcome
    available: int
    drawn: tuple[int, ...]  # station ids, ascending

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass(frozen=True)
class Sample:
    seed: int
    percent: int
    strata: tuple[Stratum, ...]

    @property
    def station_ids(self) -> tuple[int, ...]:
        return tuple(sorted(i for stratum in self.strata for i in stratum.drawn))

    def of_district(self, district: str) -> tuple[Stratum, ...]:
        return tuple(s for s in self.strata if s.district == district)


def check_percent(percent: int) -> int:
    if not MIN_PERCENT <= percent <= MAX_PERCENT:
        raise SampleError(f"抽查比例应在{MIN_PERCENT}%至{MAX_PERCENT}%之间")
    return percent


def district_quota(available: int, percent: int) -> int:
    """How many of a district's inspected stations are drawn: the percentage rounded up, at least one."""
    return min(available, max(1, math.ceil(Fraction(available * percent, 100)))) if available else 0


def _allocate(quota: int, sizes: Mapping[Outcome, int]) -> dict[Outcome, int]:
    """Share a district's quota among its outcomes in proportion to their sizes, by largest remainders (ties go
    to the outcome that needs rectification first, then in OUTCOME_ORDER)."""
    total = sum(sizes.values())
    exact = {o: Fraction(quota * n, total) for o, n in sizes.items()}
    shares = {o: math.floor(v) for o, v in exact.items()}
    left = quota - sum(shares.values())
    by_remainder = sorted(sizes, key=lambda o: (-(exact[o] - shares[o]), OUTCOME_ORDER.index(o)))
    for outcome in by_remainder[:left]:
        shares[outcome] += 1
    return shares


def draw_rank(seed: int, district: str, outcome: Outcome, station_id: int) -> str:
    """Where a station comes in its district's and outcome's draw: the SHA-256 of seed, district, outcome and station
    id (the lowest are drawn), which anyone can compute again with any tool."""
    return hashlib.sha256(f"{seed}:{district}:{outcome.value}:{station_id}".encode()).hexdigest()


def draw_sample(candidates: Iterable[Candidate], percent: int, seed: int) -> Sample:
    """The stratified sample: per district its quota, shared among its outcomes, each outcome's share taken by
    draw_rank."""
    check_percent(percent)
    groups: dict[str, dict[Outcome, list[int]]] = defaultdict(lambda: defaultdict(list))
    for candidate in candidates:
        groups[candidate.district][candidate.outcome].append(candidate.station_id)
    strata = []
    for district in sorted(groups):
        by_outcome = groups[district]
        sizes = {o: len(by_outcome[o]) for o in OUTCOME_ORDER if by_outcome.get(o)}
        shares = _allocate(district_quota(sum(sizes.values()), percent), sizes)
        for outcome in sizes:
            pool = sorted(set(by_outcome[outcome]))
            ranked = sorted(pool, key=lambda station_id: draw_rank(seed, district, outcome, station_id))
            strata.append(Stratum(district, outcome, len(pool), tuple(sorted(ranked[: shares[outcome]]))))
    return Sample(seed, percent, tuple(strata))


@dataclass(frozen=True)
class Disagreement:
    code: str
    text: str
    district: str  # the verdict's label as the district gave it ("符合"), or "未作答"
    city: str


@dataclass(frozen=True)
class Comparison:
    """A spot check against the district's own inspection of the same station."""

    district_score: Fraction
    city_score: Fraction
    district_outcome: Outcome
    city_outcome: Outcome
    disagreements: tuple[Disagreement, ...]

    @property
    def score_difference(self) -> Fraction:
        """The city's score minus the district's (negative: the district scored its station higher)."""
        return self.city_score - self.district_score

    @property
    def outcome_changed(self) -> bool:
        return self.district_outcome is not self.city_outcome

    @property
    def contradicts(self) -> bool:
        """The city found the station worse than the district did (a rectification order may follow)."""
        return self.outcome_changed and self.city_outcome is Outcome.RECTIFY


def _given(answer: Answer | None) -> str:
    if answer is None:
        return "未作答"
    if answer.points is not None and answer.verdict is not Verdict.NA:
        return f"{answer.verdict.label}（{answer.points}分）"
    return answer.verdict.label


def compare(
    template: ChecklistTemplate,
    district: tuple[Fraction, Outcome, Mapping[str, Answer]],
    city: tuple[Fraction, Outcome, Mapping[str, Answer]],
) -> Comparison:
    """Score difference, outcome change and the items whose answers differ (verdict, or points on a graded
    item), in checklist order. Each side is (score out of 100, outcome, answers by item code)."""
    (d_score, d_outcome, d_answers), (c_score, c_outcome, c_answers) = district, city
    disagreements = tuple(
        Disagreement(item.code, item.text, _given(d_answers.get(item.code)), _given(c_answers.get(item.code)))
        for item in template.items
        if d_answers.get(item.code) != c_answers.get(item.code)
    )
    return Comparison(d_score, c_score, d_outcome, c_outcome, disagreements)


@dataclass(frozen=True)
class Reliability:
    """A district's self-inspection reliability over its spot-checked stations."""

    checked: int
    matched: int  # spot checks whose outcome was the district's
    mean_absolute_difference: Fraction  # of the scores, points out of 100

    @property
    def share_matched(self) -> Fraction:
        return Fraction(self.matched, self.checked) if self.checked else Fraction(0)


def points_text(value: Fraction) -> str:
    """Points out of 100 as the pages print them, to one decimal: 86.5."""
    return f"{float(value):.1f}"


def difference_text(value: Fraction) -> str:
    """A score difference with its sign: +3.0, −4.5 (a true minus sign), 0.0."""
    shown = f"{abs(float(value)):.1f}"
    if shown == "0.0":
        return shown
    return ("+" if value > 0 else "−") + shown


def reliability(comparisons: Sequence[Comparison]) -> Reliability:
    """The share of outcomes matched and the mean absolute score difference; zero for no spot check."""
    if not comparisons:
        return Reliability(0, 0, Fraction(0))
    matched = sum(1 for c in comparisons if not c.outcome_changed)
    mean = sum((abs(c.score_difference) for c in comparisons), Fraction(0)) / len(comparisons)
    return Reliability(len(comparisons), matched, mean)
