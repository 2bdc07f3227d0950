"""The checklist page of one inspection: everything it shows and may offer, gathered in one use case."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from inspect_app.accounts import operations as users
from inspect_app.audit import trail as audit
from inspect_app.campaigns import operations as campaigns
from inspect_app.domain.checklists.checklist import ChecklistTemplate
from inspect_app.domain.checklists.scoring import Score
from inspect_app.domain.identity.permissions import Action, Actor, may
from inspect_app.domain.inspections import (
    InspectionKind,
    change_action,
    is_editable,
    is_reviewable,
    may_recommend,
    required_slots,
)
from inspect_app.inspection import conflicts
from inspect_app.inspection import operations as inspections
from inspect_app.models import AnswerConflict, Inspection, InspectionAnswer, Signature


@dataclass(frozen=True)
class ChecklistPage:
    inspection: Inspection
    template: ChecklistTemplate
    editable: bool  # the reader may change answers, photos and signatures now
    reviewable: bool
    recommendable: bool
    frozen: str | None  # why the campaign allows no change in this district now
    answers: dict[str, InspectionAnswer]
    missing: list[str]
    signatures: dict[str, Signature]
    score: Score
    required_slots: list[str]
    waiting: list[AnswerConflict]  # edits waiting for somebody to choose, in the order they came
    conflicts: dict[str, list[AnswerConflict]]  # the same, by item
    names: dict[int, str]  # who proposed them
    events: list[audit.HistoryLine] | None  # None for readers who may not see the history


def checklist_page(session: Session, actor: Actor, inspection_id: int) -> ChecklistPage:
    inspection = inspections.get_inspection(session, actor, inspection_id)
    district_id = inspection.station.district_id
    template = campaigns.template_of(inspection.checklist_version)
    waiting = conflicts.open_conflicts(session, inspection)
    by_item: dict[str, list[AnswerConflict]] = {}
    for conflict in waiting:
        by_item.setdefault(conflict.item_code, []).append(conflict)
    frozen = inspections.frozen(session, inspection)
    own = inspection.kind is InspectionKind.OWN  # the leader reviews and recommends on the district's own only
    return ChecklistPage(
        inspection=inspection,
        template=template,
        editable=frozen is None
        and is_editable(inspection.status)
        and may(actor, change_action(inspection.kind), district_id),
        reviewable=own
        and frozen is None
        and may(actor, Action.REVIEW, district_id)
        and is_reviewable(inspection.status),
        recommendable=own and may_recommend(inspection.status, inspection.outcome, template.outcome_bands) is None,
        frozen=frozen,
        answers={a.item_code: a for a in inspection.answers},
        missing=inspections.missing(inspection),
        signatures={s.role: s for s in inspection.signatures},
        score=inspections.score_of(inspection, template),
        required_slots=required_slots(template, inspections.answers_of(inspection), inspection.item_scope),
        waiting=waiting,
        conflicts=by_item,
        names=users.display_names(session, {c.proposed_by_id for c in waiting}),
        events=audit.history(session, actor, district_id, inspection_id=inspection.id)
        if audit.may_see_history(actor, district_id)
        else None,
    )
