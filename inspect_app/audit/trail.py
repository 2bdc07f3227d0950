"""The audit trail: append an entry inside the caller's transaction, verify the chain, read a thing's history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from inspect_app.domain.audit import KEYED, PLAIN, Entry, chain_problems, describe, entry_hash
from inspect_app.domain.identity.permissions import Action, Actor, Decision, decide
from inspect_app.models import AuditEntry, AuditHead, Inspection, User
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Forbidden


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    target_type: str,
    target_id: int | None,
    district_id: int | None,
    details: dict[str, Any] | None = None,
    user_id: int | None = None,
) -> None:
    """Append an entry; it commits (or rolls back) with the change it records, so neither exists alone."""
    # Bumping the head row first takes its lock (a row lock on PostgreSQL, the write lock on SQLite): two
    # writers cannot both chain onto the same previous entry.
    # The head row is created by the migration (seq 0), so there is never a race to create it.
    seq, previous = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.last_hash)
    ).one()
    at = utcnow().isoformat()
    who = user_id if user_id is not None else (actor.user_id if actor else None)
    details = json.loads(json.dumps(details or {}, ensure_ascii=False))  # hashed exactly as it reads back
    key = audit_key(session)
    digest = entry_hash(previous, seq, at, who, action, target_type, target_id, district_id, details, key)
    session.add(
        AuditEntry(
            seq=seq,
            at=at,
            user_id=who,
            action=action,
            target_type=target_type,
            target_id=target_id,
            district_id=district_id,
            details=details,
            prev_hash=previous,
            hash=digest,
            scheme=KEYED if key else PLAIN,
        )
    )
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=digest))


def verify(session: Session) -> tuple[int, list[str]]:
    """How many entries there are, and every break in their chain (empty when intact)."""
    head = session.get(AuditHead, 1)
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
    entries = [
        Entry(
            r.seq,
            r.at,
            r.user_id,
            r.action,
            r.target_type,
            r.target_id,
            r.district_id,
            r.details or {},
            r.prev_hash,
            r.hash,
            r.scheme,
        )
        for r in rows
    ]
    return len(entries), chain_problems(
        entries, head.seq if head else None, head.last_hash if head else None, audit_key(session)
    )


def audit_key(session: Session) -> bytes | None:
    """AUDIT_HMAC_KEY as the app's sessions carry it (db.init_app), or None: entries are then plain SHA-256."""
    return session.info.get("audit_key")


def anchor(session: Session) -> dict[str, Any]:
    """The chain's head as a signed document records it: {"entries": n, "hash": h} (entry n has hash h)."""
    head = session.get_one(AuditHead, 1)  # the migrations create the head row
    return {"entries": head.seq, "hash": head.last_hash}


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str
    what: str
    details: dict[str, Any]


def history(
    session: Session,
    actor: Actor,
    district_id: int,
    *,
    station_id: int | None = None,
    inspection_id: int | None = None,
    bundle_ids: Sequence[int] = (),
    submission_ids: Sequence[int] = (),
) -> list[HistoryLine]:
    """What was done to a station (and its inspections), an inspection or bundles, for leaders and the city."""
    require(actor, Action.VIEW_INSPECTION, district_id)
    if not may_see_history(actor, district_id):
        raise Forbidden()
    conditions = []
    if station_id is not None:
        inspections = list(session.scalars(select(Inspection.id).where(Inspection.station_id == station_id)))
        conditions.append((AuditEntry.target_type == "station") & (AuditEntry.target_id == station_id))
        if inspections:
            conditions.append((AuditEntry.target_type == "inspection") & AuditEntry.target_id.in_(inspections))
    if inspection_id is not None:
        conditions.append((AuditEntry.target_type == "inspection") & (AuditEntry.target_id == inspection_id))
    if bundle_ids:
        conditions.append((AuditEntry.target_type == "bundle") & AuditEntry.target_id.in_(list(bundle_ids)))
    if submission_ids:
        conditions.append((AuditEntry.target_type == "submission") & AuditEntry.target_id.in_(list(submission_ids)))
    if not conditions:
        return []
    rows = list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.district_id == district_id, or_(*conditions)).order_by(AuditEntry.seq)
        )
    )
    names: dict[int | None, str] = {
        u.id: u.display_name
        for u in session.scalars(select(User).where(User.id.in_({r.user_id for r in rows if r.user_id})))
    }
    return [
        HistoryLine(r.at_time, names.get(r.user_id, "—"), describe(r.action, r.details or {}), r.details or {})
        for r in rows
    ]


def may_see_history(actor: Actor, district_id: int) -> bool:
    """Leaders of the district, the city and admins read histories; inspectors do not."""
    return (
        decide(actor, Action.REVIEW, district_id) is Decision.ALLOW or decide(actor, Action.VIEW_CITY) is Decision.ALLOW
    )
