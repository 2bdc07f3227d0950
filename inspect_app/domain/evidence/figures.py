"""The campaign's figures for the city: per district and city-wide, from one fact per station."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from inspect_app.domain.checklists.checklist import Outcome
from inspect_app.domain.inspections import InspectionStatus

DONE = (InspectionStatus.SUBMITTED, InspectionStatus.ACCEPTED)


@dataclass(frozen=True)
class StationFact:
    """What the figures need to know of one station in the campaign."""

    district_code: str
    retired: bool
    is_odr: bool
    status: InspectionStatus | None  # None: not inspected in this campaign
    outcome: Outcome | None
    score: float | None
    recommended: bool = False  # the leader recommended it as 示范站
    confirmed: bool = False  # the city confirmed it

    @property
    def done(self) -> bool:
        return self.status in DONE


@dataclass(frozen=True)
class Figures:
    """One district's (or the whole city's) campaign at a glance."""

    name: str
    stations: int  # in the directory, retired ones left out
    inspected: int
    submitted: int  # submitted or accepted by the leader
    average_score: float | None
    passed: int  # 合格, including those eligible as 示范站
    rectify: int
    candidates: int  # eligible as 示范站
    recommended: int
    confirmed: int
    odr: int  # ODR enterprises in the directory

    @property
    def pass_share(self) -> float | None:
        """Share of 合格 among the submitted, 0..1."""
        return self.passed / self.submitted if self.submitted else None

    @property
    def rectify_share(self) -> float | None:
        return self.rectify / self.submitted if self.submitted else None

    @property
    def not_submitted(self) -> int:
        return max(self.stations - self.submitted, 0)


def figures(name: str, facts: Iterable[StationFact]) -> Figures:
    """Count one district's (or every district's) stations; the average is over submitted inspections."""
    facts = list(facts)
    done = [f for f in facts if f.done]
    outcomes = Counter(f.outcome or Outcome.RECTIFY for f in done)
    scores = [f.score for f in done if f.score is not None]
    return Figures(
        name=name,
        stations=sum(1 for f in facts if not f.retired),
        inspected=sum(1 for f in facts if f.status is not None),
        submitted=len(done),
        average_score=round(sum(scores) / len(scores), 1) if scores else None,
        passed=outcomes[Outcome.PASS] + outcomes[Outcome.DEMONSTRATION_ELIGIBLE],
        rectify=outcomes[Outcome.RECTIFY],
        candidates=outcomes[Outcome.DEMONSTRATION_ELIGIBLE],
        recommended=sum(1 for f in done if f.recommended),
        confirmed=sum(1 for f in facts if f.confirmed),
        odr=sum(1 for f in facts if f.is_odr and not f.retired),
    )


def most_frequent(labels: Iterable[str], limit: int = 10) -> list[tuple[str, int]]:
    """The most frequent labels with their counts, ties in first-seen order."""
    return Counter(labels).most_common(limit)


def share_text(share: float | None) -> str:
    """A share as the city writes it: 87.5% (— when there is nothing to divide)."""
    return "—" if share is None else f"{share * 100:.1f}%"
