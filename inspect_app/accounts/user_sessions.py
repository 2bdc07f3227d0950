"""Use cases of sign-in sessions: start one at sign-in, resume it on each request, end it.

The browser's cookie carries only a random token; whether it still opens anything is decided here, on the
server, so signing out or timing out ends every copy of the cookie, not just the one in the browser that asked.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from inspect_app.models import User, UserSession
from inspect_app.models.types import utcnow

# How stale the noted last-seen time may get before a request writes it again: a page making many requests
# costs one write a minute, and a session may end up to this much before its full idle timeout.
TOUCH_INTERVAL = timedelta(minutes=1)
MAX_TOKEN_LENGTH = 100  # ours are 43 characters; anything much longer was never issued


@dataclass(frozen=True)
class Resumed:
    """Who a request's token signs in (None when nobody), and whether its session ended just now for idleness."""

    user: User | None
    timed_out: bool = False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_idle(last_seen_at: datetime, now: datetime, timeout: timedelta) -> bool:
    """True when more than the timeout has passed since the session was last noted in use."""
    return now - last_seen_at > timeout


def start_session(session: Session, user: User) -> str:
    """Add a session for `user` to the caller's transaction; its token is returned and kept on `user`."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(UserSession(token_sha256=_digest(token), user_id=user.id, started_at=now, last_seen_at=now))
    user.session_token = token
    return token


def resume_session(session: Session, token: object, idle_timeout: timedelta) -> Resumed:
    """The user a cookie's token signs in while its session holds; a session idle for too long ends here."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return Resumed(None)
    found = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_sha256 == _digest(token), UserSession.ended_at.is_(None))
    ).one_or_none()
    if found is None:
        return Resumed(None)
    row, user = found
    now = utcnow()
    if is_idle(row.last_seen_at, now, idle_timeout):
        _end(session, UserSession.id == row.id, now, "idle")
        session.commit()
        return Resumed(None, timed_out=True)
    if not user.active:  # deactivation ends the sessions too; this covers an account switched off by hand
        return Resumed(None)
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        session.execute(
            update(UserSession).where(UserSession.id == row.id, UserSession.ended_at.is_(None)).values(last_seen_at=now)
        )
        session.commit()
    user.session_token = token
    return Resumed(user)


def end_session(session: Session, token: str, reason: str) -> None:
    """End the session of this token (signing out)."""
    _end(session, UserSession.token_sha256 == _digest(token), utcnow(), reason)
    session.commit()


def end_user_sessions(session: Session, user_id: int, reason: str) -> None:
    """End every open session of an account, in the caller's transaction (a password reset, a deactivation)."""
    _end(session, UserSession.user_id == user_id, utcnow(), reason)


def end_other_sessions(session: Session, user_id: int, keep_token: str | None, reason: str) -> None:
    """End every open session of an account but the one of `keep_token`, in the caller's transaction (the user
    changed their own password: the browser they did it in stays signed in)."""
    which = UserSession.user_id == user_id
    if keep_token:
        which = which & (UserSession.token_sha256 != _digest(keep_token))
    _end(session, which, utcnow(), reason)


def _end(session: Session, which: ColumnElement[bool], now: datetime, reason: str) -> None:
    session.execute(
        update(UserSession).where(which, UserSession.ended_at.is_(None)).values(ended_at=now, end_reason=reason)
    )
