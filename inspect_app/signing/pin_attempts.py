"""Use cases of the signing PIN's limit: try a PIN against a certificate's lock, read the lock, let the admin
lift it, and tell the holder at sign-in what was tried on their certificate (rules: domain/pin_attempts.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from inspect_app.adapters import pki
from inspect_app.audit import trail as audit
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.domain.identity.pin_attempts import DAILY_LIMIT, PinLock, pin_lock, sign_in_notice, wrong_pin_message
from inspect_app.models import SigningCertificate, SigningPinFailure, User, UserSession
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound
from inspect_app.shared.results import rowcount


def try_pin(
    session: Session,
    actor: Actor | None,
    certificate: SigningCertificate,
    pin: pki.SigningPin,
    now: datetime | None = None,
    field: str = "pin",
) -> bytes:
    """The certificate's key as pki.current_key opens it; Invalid (on `field`) when signing with the certificate
    is locked (the PIN is then not tried at all) or the PIN is wrong.

    The caller checks everything else first, so that only success tells a right PIN from a wrong one. A wrong PIN
    and its audit entries are committed in a transaction of their own: the caller's rollback keeps them."""
    now = now or utcnow()
    with Session(bind=session.get_bind(), expire_on_commit=False) as own:
        with own.begin():
            _one_at_a_time(own, certificate.id)
            before = lock_in(own, certificate.id, now)
            if before.locked:
                raise Invalid({field: before.message})
            try:
                return pki.current_key(certificate.encrypted_key_pem, pin)
            except pki.WrongPin:
                pass
            own.add(SigningPinFailure(certificate_id=certificate.id, user_id=actor.user_id if actor else None, at=now))
            own.flush()
            after = lock_in(own, certificate.id, now)
            details = {"serial": certificate.serial, "remaining": after.remaining}
            audit.record(
                own, actor, "signing_pin_failed", "certificate", certificate.id, certificate.district_id, details
            )
            if after.locked:
                audit.record(
                    own,
                    actor,
                    "signing_locked",
                    "certificate",
                    certificate.id,
                    certificate.district_id,
                    {"serial": certificate.serial, "until": after.until.isoformat() if after.until else None},
                )
    raise Invalid({field: wrong_pin_message(after)})


def _one_at_a_time(session: Session, certificate_id: int) -> None:
    """Hold the certificate's counter until commit, so two requests at once cannot both count the same failures
    and both be given the last try."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"signing-pin:{certificate_id}"})
    else:
        # SQLite has one writer at a time: a write that changes nothing takes that lock before the count is read.
        session.execute(delete(SigningPinFailure).where(SigningPinFailure.id == -certificate_id))


def lock_in(session: Session, certificate_id: int, now: datetime | None = None) -> PinLock:
    """Where the certificate stands now. The newest DAILY_LIMIT uncleared failures decide it: a lock stops the
    counting, so older ones can no longer make or keep one."""
    now = now or utcnow()
    times = session.scalars(
        select(SigningPinFailure.at)
        .where(
            SigningPinFailure.certificate_id == certificate_id,
            SigningPinFailure.cleared_at.is_(None),
            SigningPinFailure.at <= now,
        )
        .order_by(SigningPinFailure.at.desc())
        .limit(DAILY_LIMIT)
    ).all()
    return pin_lock(times, now)


def unlock_signing(session: Session, actor: Actor, certificate_id: int) -> SigningCertificate:
    """The admin lifts the lock: the failures so far no longer count (they stay on record)."""
    require(actor, Action.MANAGE_USERS)
    row = session.get(SigningCertificate, certificate_id)
    if row is None:
        raise NotFound()
    lock = lock_in(session, row.id)
    if not lock.locked:
        raise Invalid("该证书的签名没有被锁定，无需解除")
    cleared = rowcount(
        session.execute(
            update(SigningPinFailure)
            .where(SigningPinFailure.certificate_id == row.id, SigningPinFailure.cleared_at.is_(None))
            .values(cleared_at=utcnow(), cleared_by_id=actor.user_id)
        )
    )
    audit.record(
        session,
        actor,
        "unlock_signing",
        "certificate",
        row.id,
        row.district_id,
        {"serial": row.serial, "cleared": cleared, "reason": lock.reason},
    )
    session.commit()
    return row


def failures_since_last_sign_in(session: Session, user: User) -> str | None:
    """The warning for the holder right after a sign-in, when PINs were typed wrong on their certificates since
    the sign-in before (the session just begun is the newest)."""
    previous = session.scalar(
        select(UserSession.started_at)
        .where(UserSession.user_id == user.id)
        .order_by(UserSession.id.desc())
        .offset(1)
        .limit(1)
    )
    statement = (
        select(func.count(), func.max(SigningPinFailure.at))
        .join(SigningCertificate, SigningCertificate.id == SigningPinFailure.certificate_id)
        .where(SigningCertificate.user_id == user.id)
    )
    if previous is not None:
        statement = statement.where(SigningPinFailure.at > previous)
    count, last_at = session.execute(statement).one()
    return sign_in_notice(count, last_at) if count else None
