"""Answer conflicts: an edit made on a stale version waits beside the current answer until somebody chooses."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspect_app.domain.checklists.scoring import Answer
from inspect_app.models import AnswerConflict, Inspection
from inspect_app.models.types import utcnow
from inspect_app.shared.errors import Invalid


def record(
    session: Session,
    inspection: Inspection,
    user_id: int,
    code: str,
    answer: Answer,
    note: str | None,
    base_version: int | None,
) -> AnswerConflict:
    """Keep a stale edit beside the current answer (the same stale edit again is not kept twice)."""
    same = next(
        (
            c
            for c in open_conflicts(session, inspection)
            if c.item_code == code and (c.verdict, c.points, c.note) == (answer.verdict, answer.points, note)
        ),
        None,
    )
    if same is not None:
        return same
    conflict = AnswerConflict(
        inspection_id=inspection.id,
        item_code=code,
        base_version=base_version,
        verdict=answer.verdict,
        points=answer.points,
        note=note,
        proposed_by_id=user_id,
    )
    session.add(conflict)
    session.commit()
    return conflict


def resolve(session: Session, inspection: Inspection, code: str, conflict_id: int) -> None:
    """Mark a conflict decided (the caller stores the chosen answer in the same transaction)."""
    conflict = session.get(AnswerConflict, conflict_id)
    if conflict is None or conflict.inspection_id != inspection.id or conflict.item_code != code:
        raise Invalid({code: "要解决的冲突不存在"})
    conflict.resolved_at = utcnow()


def open_conflicts(session: Session, inspection: Inspection) -> list[AnswerConflict]:
    """Edits waiting for somebody to choose between them and the current answers."""
    return list(
        session.scalars(
            select(AnswerConflict)
            .where(AnswerConflict.inspection_id == inspection.id, AnswerConflict.resolved_at.is_(None))
            .order_by(AnswerConflict.id)
        )
    )


def open_conflicts_of(session: Session, inspection_ids: Collection[int]) -> dict[int, list[AnswerConflict]]:
    """Inspection id → its waiting edits (as open_conflicts gives them), for many inspections in one statement."""
    found: dict[int, list[AnswerConflict]] = {i: [] for i in inspection_ids}
    if found:
        for conflict in session.scalars(
            select(AnswerConflict)
            .where(AnswerConflict.inspection_id.in_(found), AnswerConflict.resolved_at.is_(None))
            .order_by(AnswerConflict.id)
        ):
            found[conflict.inspection_id].append(conflict)
    return found
