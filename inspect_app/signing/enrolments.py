"""The holder's side of a signing certificate: the admin enrols a signer, the signer chooses the PIN (and the key
and certificate are made only then), and changes it knowing the old one. The admin never sets nor sees a PIN."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from inspect_app.adapters import pki
from inspect_app.audit import trail as audit
from inspect_app.domain.identity.permissions import Actor
from inspect_app.models import CertificateEnrolment, SigningCertificate, User
from inspect_app.models.types import utcnow
from inspect_app.shared.errors import Invalid, NotFound
from inspect_app.shared.results import rowcount
from inspect_app.signing import keys, pin_attempts

PINS_DIFFER = "两次输入的签名PIN不一致"


def enrol(session: Session, actor: Actor, user_id: int) -> CertificateEnrolment:
    """Let a leader or the city signer make a certificate with a PIN of their own choosing. A holder with a valid
    certificate keeps it until the new one is made, which then revokes it as 已换发."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    keys.signer_identity(user)
    if keys.authority(session) is None:
        raise Invalid("还没有市中心根证书，请先创建根证书")
    if not user.active:
        raise Invalid({"user": f"账号 {user.username} 已停用，不能签发证书"})
    if keys.open_enrolments(session, user.id):
        raise Invalid({"user": f"已为 {user.display_name} 签发，正等待其本人设置签名PIN，无需重复签发"})
    row = CertificateEnrolment(user_id=user.id, requested_by_id=actor.user_id)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "enrol_certificate",
        "enrolment",
        row.id,
        user.district_id,
        {"holder": user.id, "username": user.username},
    )
    session.commit()
    return row


def cancel(session: Session, actor: Actor, enrolment_id: int) -> CertificateEnrolment:
    """Withdraw an enrolment its holder has not yet completed."""
    row = session.get(CertificateEnrolment, enrolment_id)
    if row is None:
        raise NotFound()
    if row.completed_at is not None:
        raise Invalid("持有人已设置签名PIN，证书已生成，不能再取消；如需停用请撤销该证书")
    if row.cancelled_at is None:
        row.cancelled_at = utcnow()
        audit.record(
            session, actor, "cancel_enrolment", "enrolment", row.id, row.user.district_id, {"holder": row.user_id}
        )
        session.commit()
    return row


def _checked_pins(pin: str, again: str, field: str = "pin") -> str:
    pin, again = (pin or "").strip(), (again or "").strip()
    problem = pki.pin_problem(pin)
    if problem:
        raise Invalid({field: problem})
    if pin != again:
        raise Invalid({f"{field}_again": PINS_DIFFER})
    return pin


def complete(
    session: Session, passphrase: str, user: User, pin: str, pin_again: str, now: datetime | None = None
) -> SigningCertificate:
    """The holder chooses the signing PIN (typed twice): the key and the certificate are made now, under it."""
    pin = _checked_pins(pin, pin_again)
    if not keys.open_enrolments(session, user.id):
        raise Invalid("没有等待您设置签名PIN的证书签发，请联系系统管理员在“证书”页为您签发")
    row = keys.make_certificate(session, passphrase, user, pin, now)  # seconds of key generation, no lock held
    # Claiming every open enrolment of the holder at once: a second tab or a double click finds none left.
    claimed_at = utcnow()
    claimed = rowcount(
        session.execute(
            update(CertificateEnrolment)
            .where(
                CertificateEnrolment.user_id == user.id,
                CertificateEnrolment.completed_at.is_(None),
                CertificateEnrolment.cancelled_at.is_(None),
            )
            .values(completed_at=claimed_at)
        )
    )
    if not claimed:
        session.rollback()
        raise Invalid("这次签发已经完成或已被取消，请刷新页面查看")
    keys.put_in_force(session, user.actor, row, "enrolment")
    session.execute(
        update(CertificateEnrolment)
        .where(
            CertificateEnrolment.user_id == user.id,
            CertificateEnrolment.completed_at == claimed_at,
            CertificateEnrolment.certificate_id.is_(None),
        )
        .values(certificate_id=row.id)
    )
    session.commit()
    return row


def change_pin(
    session: Session, passphrase: str, user: User, old_pin: str, new_pin: str, new_again: str
) -> SigningCertificate:
    """Re-encrypt the holder's key under a new PIN; only the old PIN opens the way."""
    certificate = keys.usable_certificate(session, user)
    if certificate is None:
        raise Invalid("您没有有效的签名证书，无需修改签名PIN")
    new_pin = _checked_pins(new_pin, new_again, "new_pin")
    old = keys.signing_pin(old_pin, passphrase)
    if old.pin == new_pin:
        raise Invalid({"new_pin": "新签名PIN不能与原签名PIN相同"})
    before = certificate.encrypted_key_pem
    # The old PIN opens the same key as a signature does: its wrong guesses count against the same limit.
    current = pin_attempts.try_pin(session, user.actor, certificate, old, field="old_pin")  # keyed if still bare
    changed = pki.change_pin(current, old, keys.signing_pin(new_pin, passphrase))
    # Only over the key the old PIN opened: a change made meanwhile in another tab is not silently undone.
    updated = rowcount(
        session.execute(
            update(SigningCertificate)
            .where(SigningCertificate.id == certificate.id, SigningCertificate.encrypted_key_pem == before)
            .values(encrypted_key_pem=changed)
        )
    )
    if not updated:
        session.rollback()
        raise Invalid("签名PIN刚刚被修改过，请刷新页面后重试")
    audit.record(
        session,
        user.actor,
        "change_signing_pin",
        "certificate",
        certificate.id,
        certificate.district_id,
        {"serial": certificate.serial},
    )
    session.commit()
    session.refresh(certificate)
    return certificate


def waiting_enrolment(session: Session, user_id: int) -> CertificateEnrolment | None:
    """The holder's enrolment waiting for their PIN, if any."""
    return session.scalar(
        select(CertificateEnrolment)
        .where(
            CertificateEnrolment.user_id == user_id,
            CertificateEnrolment.completed_at.is_(None),
            CertificateEnrolment.cancelled_at.is_(None),
        )
        .order_by(CertificateEnrolment.id.desc())
        .limit(1)
    )
