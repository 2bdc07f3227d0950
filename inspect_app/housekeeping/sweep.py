"""The sweep: what crashes, abandoned uploads and replaced files leave behind, removed on a schedule.

It removes uploads untouched for UPLOAD_EXPIRY_DAYS with their bytes, part files no upload names, stored files
no row names (services/stored_files.py), scratch folders of dead processes (they may hold a drawn signature),
laid-out report parts no build has used for two weeks, sign-in sessions unused for SESSION_RETENTION and
spent sign-in counts, escalates rectification orders past their deadline, and marks builds that stopped beating as interrupted; photos whose reading was lost are asked
for again (sweeper.run, which can reach the job queue).
Each step is safe against the app working at the same time; running it twice does nothing more.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from inspect_app.adapters import scratch
from inspect_app.adapters.filestore import FileStore, PartialUploads
from inspect_app.bundles import builds as bundle_builds
from inspect_app.domain.clock import BEIJING
from inspect_app.domain.evidence.bundles import BundleStatus
from inspect_app.follow_up import orders
from inspect_app.housekeeping import stored_files
from inspect_app.inspection import sync
from inspect_app.models import Bundle, HousekeepingRun, RateLimitEntry, Upload, UserSession
from inspect_app.models.types import utcnow
from inspect_app.shared.results import rowcount

SWEEP = "sweep"
SESSION_RETENTION = timedelta(days=30)  # ended or long-idle sign-in sessions: kept a while for questions, then gone
PART_GRACE_S = 3600  # a part file with no row yet may belong to an upload whose row is being committed
REPORT_PARTS = "report-parts"
REPORT_PARTS_UNUSED = timedelta(days=14)  # a district's report parts no build touched for this long
# Local copies of objects (a bucket's store) no one used for this long: longer than any build that holds their
# paths from its start to its layout.
LOCAL_COPY_KEEP_S = 86400


@dataclass
class SweepReport:
    """What one sweep removed or marked."""

    uploads_expired: int = 0
    part_files_removed: int = 0
    stored_files_removed: int = 0
    scratch_folders_removed: int = 0
    report_parts_removed: int = 0
    builds_interrupted: int = 0
    sessions_purged: int = 0
    sign_in_counts_purged: int = 0
    photos_requeued: int = 0  # photos whose reading was lost (their worker died), asked for again (sweeper.run)
    orders_escalated: int = 0  # rectification orders past their deadline, now waiting for the leader (待决定)
    todo_mails_sent: int = 0  # to-do e-mails sent (sweeper.run; none unless SMTP_HOST is set)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def sweep(
    session: Session,
    store: FileStore,
    parts: PartialUploads,
    work_dir: Path,
    *,
    upload_expiry_days: int,
    stale_after_s: int,
    now: datetime | None = None,
) -> SweepReport:
    """Run every step of the sweep once."""
    now = now or utcnow()
    report = SweepReport()
    expired = session.execute(
        select(Upload.user_id, Upload.sha256).where(Upload.touched_at < now - timedelta(days=upload_expiry_days))
    ).all()
    session.rollback()
    for user_id, sha256 in expired:
        sync.discard_upload(session, parts, user_id, sha256)
    report.uploads_expired = len(expired)
    report.part_files_removed = _orphan_parts(session, parts, now.timestamp())
    report.stored_files_removed = len(stored_files.sweep(session, store, now.timestamp()))
    report.scratch_folders_removed, report.report_parts_removed = tidy_this_machine(store, work_dir, now.timestamp())
    building = session.scalars(select(Bundle).where(Bundle.status == BundleStatus.BUILDING)).all()
    report.builds_interrupted = len(bundle_builds.mark_interrupted(session, building, stale_after_s))
    report.sessions_purged = rowcount(
        session.execute(delete(UserSession).where(UserSession.last_seen_at < now - SESSION_RETENTION))
    )
    report.sign_in_counts_purged = rowcount(
        session.execute(delete(RateLimitEntry).where(RateLimitEntry.expires_at < now))
    )
    session.commit()
    report.orders_escalated = len(orders.escalate_overdue(session, now.astimezone(BEIJING).date()))
    return report


def tidy_this_machine(store: FileStore, work_dir: Path, now: float) -> tuple[int, int]:
    """What only this machine keeps: dead scratch folders, report parts unused for long, local copies of stored
    files unused for a day. Every server runs it (the rest of the sweep runs on one server per interval).
    Returns the scratch folders and report part folders removed."""
    store.tidy_local(now - LOCAL_COPY_KEEP_S)
    return len(scratch.remove_leftovers(work_dir, now)), _stale_report_parts(work_dir, now)


def _orphan_parts(session: Session, parts: PartialUploads, now: float) -> int:
    named = {(user_id, sha256) for user_id, sha256 in session.execute(select(Upload.user_id, Upload.sha256))}
    session.rollback()
    removed = 0
    for user_id, sha256, written in parts.parts():
        if (user_id, sha256) not in named and written < now - PART_GRACE_S:
            parts.discard(user_id, sha256)
            removed += 1
    return removed


def _stale_report_parts(work_dir: Path, now: float) -> int:
    """A district's laid-out report parts are kept for its next version; once none has been used for
    REPORT_PARTS_UNUSED the campaign has moved on, and the folder goes (one per bundle came before: all go)."""
    root = work_dir / REPORT_PARTS
    if not root.is_dir():
        return 0
    removed = 0
    for folder in root.iterdir():
        if not folder.is_dir():
            continue
        used = max((p.stat().st_mtime for p in folder.iterdir() if p.is_file()), default=folder.stat().st_mtime)
        if folder.name.startswith("bundle-") or used < now - REPORT_PARTS_UNUSED.total_seconds():
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def claim_run(session: Session, name: str, every_s: int, now: datetime | None = None) -> bool:
    """True for the one process (of many, on any server) that may run job `name` now, at most once per
    `every_s`; the claim is one conditional update, so two processes never both win it. Commits."""
    now = now or utcnow()
    table = HousekeepingRun.__table__
    session.execute(
        _insert(session)(table)
        .values(name=name, started_at=datetime.fromtimestamp(0, now.tzinfo))
        .on_conflict_do_nothing(index_elements=[table.c.name])
    )
    won = (
        rowcount(
            session.execute(
                update(HousekeepingRun)
                .where(HousekeepingRun.name == name, HousekeepingRun.started_at <= now - timedelta(seconds=every_s))
                .values(started_at=now, finished_at=None)
                .execution_options(synchronize_session=False)
            )
        )
        == 1
    )
    session.commit()
    return won


def record_run(session: Session, name: str, started_at: datetime, report: SweepReport) -> None:
    """Keep when the job (claimed, or run by hand) began and ended, and what it did."""
    table = HousekeepingRun.__table__
    values = {"started_at": started_at, "finished_at": utcnow(), "summary": report.as_dict()}
    statement = _insert(session)(table).values(name=name, **values)
    session.execute(statement.on_conflict_do_update(index_elements=[table.c.name], set_=values))
    session.commit()


def last_run(session: Session, name: str = SWEEP) -> HousekeepingRun | None:
    return session.get(HousekeepingRun, name)
