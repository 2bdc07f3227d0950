"""Year over year: a station's result in an earlier campaign, and a district's figures against its previous ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from inspect_app.domain.checklists.checklist import OUTCOME_LABELS, Outcome
from inspect_app.domain.directory.signboards import PlaqueFinding
from inspect_app.domain.evidence.figures import DONE, Figures
from inspect_app.domain.inspections import NOT_STARTED_LABEL, InspectionKind, InspectionStatus


@dataclass(frozen=True)
class FollowUpResult:
    """A re-check or a spot check of the station in that campaign, beside the district's result."""

    inspection_id: int
    kind: InspectionKind
    recheck_round: int | None
    status: InspectionStatus
    score: float
    outcome: Outcome | None

    @property
    def done(self) -> bool:
        return self.status in DONE

    @property
    def title(self) -> str:
        """整改复查（第2次） or 市级抽查."""
        return self.kind.label + (f"（第{self.recheck_round}次）" if self.recheck_round else "")

    @property
    def label(self) -> str:
        if not self.done:
            return f"{self.status.label}，未提交"
        return f"{self.score:.1f}分 {OUTCOME_LABELS[self.outcome or Outcome.RECTIFY]}"


@dataclass(frozen=True)
class PastResult:
    """A station's result in one campaign, labelled once for the board, the station page and the API."""

    campaign_id: int
    campaign_name: str
    inspection_id: int | None  # None: not inspected in that campaign
    status: InspectionStatus | None
    score: float | None
    outcome: Outcome | None
    follow_ups: tuple[FollowUpResult, ...] = field(default=())  # re-checks and spot checks, oldest first
    plaque_finding: PlaqueFinding | None = None  # the plaque the inspector checked on site, if any

    @property
    def done(self) -> bool:
        return self.status in DONE

    @property
    def label(self) -> str:
        """72.5分 需整改 once submitted; otherwise what became of the inspection (进行中，未提交; 未检查)."""
        if self.status is None:
            return NOT_STARTED_LABEL
        if not self.done:
            return f"{self.status.label}，未提交"
        score = "—" if self.score is None else f"{self.score:.1f}"
        return f"{score}分 {OUTCOME_LABELS[self.outcome or Outcome.RECTIFY]}"


@dataclass(frozen=True)
class Comparison:
    """A district's (or the city's) campaign against its previous one (比上一批次)."""

    previous: str | None  # the previous campaign's name; None when there was none
    average: float | None  # change of the average score, in points
    pass_share: float | None  # change of the share of 合格, in percentage points
    submitted: int | None  # change of the number of submitted inspections

    @property
    def text(self) -> str:
        """平均分 +5.3分，合格率 +25.0个百分点 (— where either campaign has nothing to average)."""
        if self.previous is None:
            return "无上一批次"
        return f"平均分{_change(self.average, '分')}，合格率{_change(self.pass_share, '个百分点')}"


def compare(current: Figures, previous: Figures | None, previous_name: str | None) -> Comparison:
    """How the figures moved since the previous campaign, rounded to one decimal."""
    if previous is None:
        return Comparison(None, None, None, None)
    return Comparison(
        previous_name,
        _delta(current.average_score, previous.average_score),
        _delta(_percent(current.pass_share), _percent(previous.pass_share)),
        current.submitted - previous.submitted,
    )


def _percent(share: float | None) -> float | None:
    return None if share is None else share * 100


def _delta(now: float | None, before: float | None) -> float | None:
    """The change to one decimal, halves rounded up as a person would (5.25 → 5.3, not float's 5.2)."""
    if now is None or before is None:
        return None
    # + 0.0 turns a rounded -0.0 into 0.0, so an unchanged figure never reads as a fall.
    return float(Decimal(repr(now - before)).quantize(Decimal("0.1"), ROUND_HALF_UP)) + 0.0


def _change(value: float | None, unit: str) -> str:
    if value is None:
        return " —"
    if value == 0:
        return "持平"
    return f" {value:+.1f}{unit}"
