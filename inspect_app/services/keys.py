"""Use cases for keys: the city's root CA, leaders' signing certificates, revocation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import pki
from ..domain.permissions import Role
from ..domain.submissions import CITY_CENTER, CITY_CODE
from ..models import CertificateAuthority, SigningCertificate, User
from ..models.types import utcnow
from . import Invalid, NotFound


def signing_pin(pin: str, passphrase: str) -> pki.SigningPin:
    """The PIN a signer typed, keyed with the CA passphrase as every leader's key is (PKI_CA_PASSPHRASE)."""
    return pki.SigningPin((pin or "").strip(), passphrase)


def authority(session: Session) -> CertificateAuthority | None:
    """The city's root CA, once `flask pki init` made it."""
    return session.scalar(select(CertificateAuthority).order_by(CertificateAuthority.id).limit(1))


def init_authority(session: Session, passphrase: str) -> CertificateAuthority:
    """Create the city's root CA; there is only ever one."""
    if not passphrase:
        raise Invalid("生产环境须通过 PKI_CA_PASSPHRASE 提供根证书私钥口令")
    if authority(session) is not None:
        raise Invalid("根证书已存在，不能重复创建")
    created = pki.create_root_ca(passphrase=passphrase.encode())
    row = CertificateAuthority(certificate_pem=created.certificate_pem, encrypted_key_pem=created.encrypted_key_pem,
                               fingerprint_sha256=pki.certificate_info(created.certificate_pem).fingerprint_sha256)
    session.add(row)
    session.commit()
    return row


def issue_certificate(session: Session, passphrase: str, user_id: int, pin: str,
                      now: datetime | None = None) -> SigningCertificate:
    """Issue a leader's certificate bound to the user and the district (or the city center's own), its key
    encrypted under the PIN keyed with the CA passphrase (see pki.SigningPin)."""
    ca = authority(session)
    if ca is None:
        raise Invalid("请先运行 flask pki init 创建根证书")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.role is Role.LEADER and user.district is not None:
        code, unit = user.district.code, user.district.name
    elif user.role is Role.CITY:
        code, unit = CITY_CODE, CITY_CENTER  # signs the consolidated city report
    else:
        raise Invalid({"user": "只能为分管领导或市12315中心签发签名证书"})
    problem = pki.pin_problem(pin)
    if problem:
        raise Invalid({"pin": problem})
    issued = pki.issue_signing_certificate(
        pki.CertifiedKey(ca.certificate_pem, ca.encrypted_key_pem), passphrase.encode(),
        subject_name=user.display_name, district_code=code, district_name=unit,
        username=user.username, pin=signing_pin(pin, passphrase), now=now)
    row = SigningCertificate(user_id=user.id, district_id=user.district_id, serial=str(issued.serial),
                             certificate_pem=issued.certificate_pem, encrypted_key_pem=issued.encrypted_key_pem,
                             fingerprint_sha256=issued.fingerprint_sha256, not_before=issued.not_before,
                             not_after=issued.not_after)
    session.add(row)
    session.commit()
    return row


def revoke(session: Session, certificate_id: int, at: datetime | None = None) -> SigningCertificate:
    """Revoke a certificate: it signs nothing more, and what it signs from `at` on fails verification."""
    row = session.get(SigningCertificate, certificate_id)
    if row is None:
        raise NotFound()
    if row.revoked_at is None:
        row.revoked_at = at or utcnow()
        session.commit()
    return row


def revocation_list(session: Session) -> dict[int, datetime]:
    """Serial → time of revocation, for verification."""
    rows = session.execute(select(SigningCertificate.serial, SigningCertificate.revoked_at)
                           .where(SigningCertificate.revoked_at.is_not(None))).all()
    return {int(serial): revoked_at for serial, revoked_at in rows}


def usable_certificate(session: Session, user: User, now: datetime | None = None) -> SigningCertificate | None:
    """The user's newest certificate that is neither revoked nor expired."""
    now = now or utcnow()
    return session.scalar(select(SigningCertificate).where(
        SigningCertificate.user_id == user.id, SigningCertificate.revoked_at.is_(None),
        SigningCertificate.not_before <= now, SigningCertificate.not_after > now)
        .order_by(SigningCertificate.id.desc()).limit(1))


def certificates(session: Session) -> list[SigningCertificate]:
    return list(session.scalars(select(SigningCertificate).order_by(SigningCertificate.id.desc())))
