"""One build or sign-off of a bundle at a time, and none taken for running once its process is gone.

Work on a bundle (building its preview, signing it off) claims it with a token in one conditional update; a
second request (a double click, a second leader) finds it claimed and joins or is told to wait, instead of
working into the same files. While it works, a thread of its own says it is alive (`heartbeat_at`), so a long
layout step is no silence; every change it makes is conditional on still holding the claim, and its end
releases it. A claim whose holder stopped beating for BUNDLE_BUILD_STALE_SECONDS (the process was killed, the
machine restarted) lapses: a build is then shown as interrupted (生成中断) and the bundle may be claimed again.
"""

from __future__ import annotations

import secrets
import threading
from datetime import timedelta
from typing import Any, Iterable

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from inspect_app.domain.evidence.bundles import BundleStatus
from inspect_app.models import Bundle
from inspect_app.models.types import utcnow
from inspect_app.shared.results import rowcount

STALE_AFTER_S = 120  # the default of BUNDLE_BUILD_STALE_SECONDS
INTERRUPTED = "生成中断：生成过程意外停止（服务重启或进程退出），请重新生成"


class BuildLost(Exception):
    """This build or sign-off no longer holds its bundle (its claim lapsed and another took the bundle)."""


def new_token() -> str:
    return secrets.token_hex(16)


def _free(stale_after_s: int) -> Any:
    """Nobody holds the bundle, or its holder stopped beating."""
    cutoff = utcnow() - timedelta(seconds=stale_after_s)
    return or_(Bundle.claim_token.is_(None), Bundle.heartbeat_at.is_(None), Bundle.heartbeat_at < cutoff)


def claim_build(
    session: Session, bundle_id: int, narrative: str, stale_after_s: int, narrative_draft: str | None = None
) -> str | None:
    """Claim an unsigned bundle for a new build of its preview; None when a live build or sign-off holds it.
    Commits."""
    token = new_token()
    result = session.execute(
        update(Bundle)
        .where(Bundle.id == bundle_id, Bundle.status != BundleStatus.SIGNED, _free(stale_after_s))
        .values(
            status=BundleStatus.BUILDING,
            claim_token=token,
            heartbeat_at=utcnow(),
            progress=0,
            error=None,
            narrative=narrative,
            narrative_draft=narrative_draft,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return token if rowcount(result) == 1 else None


def claim_signing(session: Session, bundle_id: int, stale_after_s: int) -> str | None:
    """Claim a built bundle for its sign-off; None when it is not ready or someone works on it. Commits."""
    token = new_token()
    result = session.execute(
        update(Bundle)
        .where(Bundle.id == bundle_id, Bundle.status == BundleStatus.READY, _free(stale_after_s))
        .values(claim_token=token, heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return token if rowcount(result) == 1 else None


def report(session: Session, bundle_id: int, token: str, **values: Any) -> None:
    """Record progress (or the end, with `claim_token=None`) if the claim still holds; BuildLost if not.
    Does not commit: the caller commits with whatever else belongs to the step."""
    result = session.execute(
        update(Bundle)
        .where(Bundle.id == bundle_id, Bundle.claim_token == token)
        .values(heartbeat_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise BuildLost(bundle_id)


def release(session: Session, bundle_id: int, token: str, **values: Any) -> None:
    """End the claim with these changes (a failure's status and reason, or none), if it still holds. Commits."""
    try:
        report(session, bundle_id, token, claim_token=None, **values)
        session.commit()
    except BuildLost:
        session.rollback()


def mark_interrupted(session: Session, bundles: Iterable[Bundle], stale_after_s: int) -> list[int]:
    """Mark the bundles whose build stopped beating as interrupted; returns their ids. Commits."""
    bundles = list(bundles)
    ids = [b.id for b in bundles if b.status is BundleStatus.BUILDING]
    if not ids:
        return []
    found = (
        session.execute(
            update(Bundle)
            .where(Bundle.id.in_(ids), Bundle.status == BundleStatus.BUILDING, _free(stale_after_s))
            .values(status=BundleStatus.INTERRUPTED, error=INTERRUPTED)
            .returning(Bundle.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    session.commit()
    for bundle in bundles:
        if bundle.id in found:
            session.refresh(bundle)
    return list(found)


class Heartbeat:
    """While the work runs, a thread of its own says every `interval_s` that it is alive (on a session of its
    own, so the work's transaction is never touched); stops when the block ends."""

    def __init__(self, session: Session, bundle_id: int, token: str, stale_after_s: int) -> None:
        self.bind = session.get_bind()
        self.bundle_id, self.token = bundle_id, token
        self.interval_s = max(0.2, stale_after_s / 6)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"bundle-{bundle_id}-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        while not self.stop.wait(self.interval_s):
            with Session(self.bind) as session:
                try:
                    report(session, self.bundle_id, self.token)
                    session.commit()
                except BuildLost:
                    return  # the work finds out at its next step and stops there
                except Exception:  # a database hiccup: the next beat tries again
                    session.rollback()
