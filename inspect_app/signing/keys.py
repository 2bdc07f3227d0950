"""Use cases for keys: the city's root CA, signers' certificates, revocation, and where a signer stands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from inspect_app.adapters import pki, signatures
from inspect_app.audit import trail as audit
from inspect_app.domain.evidence.submissions import CITY_CENTER, CITY_CODE
from inspect_app.domain.identity.certificates import (
    CertificateFacts,
    HolderStanding,
    RevocationReason,
    holder_standing,
    state_label,
)
from inspect_app.domain.identity.permissions import Actor, Role
from inspect_app.models import CertificateAuthority, CertificateEnrolment, SigningCertificate, User
from inspect_app.models.types import utcnow
from inspect_app.shared.errors import Invalid, NotFound

SIGNER_ROLES = (Role.LEADER, Role.CITY)
WRONG_PASSPHRASE = "根证书口令错误"  # as pki says it
NO_PASSPHRASE = (
    "服务器没有设置根证书私钥口令（环境变量 PKI_CA_PASSPHRASE）：请系统运维人员在服务器环境中设置该口令并"
    "重启服务后，再创建根证书。口令须与备份分开妥善保管，丢失后无法再签发证书"
)


def signing_pin(pin: str, passphrase: str) -> pki.SigningPin:
    """The PIN a signer typed, keyed with the CA passphrase as every signer's key is (PKI_CA_PASSPHRASE)."""
    return pki.SigningPin((pin or "").strip(), passphrase)


def authority(session: Session) -> CertificateAuthority | None:
    """The city's root CA, once it was made (on the 证书 page or with `flask pki init`)."""
    return session.scalar(select(CertificateAuthority).order_by(CertificateAuthority.id).limit(1))


def init_authority(session: Session, passphrase: str, actor: Actor | None = None) -> CertificateAuthority:
    """Create the city's root CA; there is only ever one."""
    if not passphrase:
        raise Invalid(NO_PASSPHRASE)
    if authority(session) is not None:
        raise Invalid("根证书已存在，不能重复创建")
    created = pki.create_root_ca(passphrase=passphrase.encode())
    tsa = pki.issue_tsa_certificate(created, passphrase.encode())
    row = CertificateAuthority(
        certificate_pem=created.certificate_pem,
        encrypted_key_pem=created.encrypted_key_pem,
        fingerprint_sha256=pki.certificate_info(created.certificate_pem).fingerprint_sha256,
        tsa_certificate_pem=tsa.certificate_pem,
        tsa_encrypted_key_pem=tsa.encrypted_key_pem,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "init_authority", "authority", row.id, None, {"fingerprint_sha256": row.fingerprint_sha256}
    )
    session.commit()
    return row


def trusted_time(session: Session, passphrase: str, actor: Actor | None = None) -> signatures.TrustedTime:
    """The city's time-stamper and a CRL as of now, for a signature about to be made. A CA made before signatures
    were time-stamped gets its time-stamping certificate here, in the caller's transaction."""
    ca = authority(session)
    if ca is None:
        raise Invalid("还没有市中心根证书：请系统管理员先在“证书”页创建根证书")
    if not passphrase:
        raise Invalid(NO_PASSPHRASE)
    root, secret = pki.CertifiedKey(ca.certificate_pem, ca.encrypted_key_pem), passphrase.encode()
    try:
        if ca.tsa_certificate_pem is None or ca.tsa_encrypted_key_pem is None:
            tsa = pki.issue_tsa_certificate(root, secret)
            ca.tsa_certificate_pem, ca.tsa_encrypted_key_pem = tsa.certificate_pem, tsa.encrypted_key_pem
            session.flush()
            audit.record(
                session,
                actor,
                "init_time_stamping",
                "authority",
                ca.id,
                None,
                {"fingerprint_sha256": pki.certificate_info(tsa.certificate_pem).fingerprint_sha256},
            )
        tsa_key = pki.load_authority_key(ca.tsa_encrypted_key_pem, secret)
        crl = pki.issue_crl(root, secret, revocation_list(session))
    except ValueError as error:
        if str(error) == WRONG_PASSPHRASE:
            raise Invalid(
                f"{WRONG_PASSPHRASE}：服务器的 PKI_CA_PASSPHRASE 与创建根证书时的不同，请系统运维人员核对"
            ) from None
        raise
    return signatures.TrustedTime(signatures.CityTimeStamper(ca.tsa_certificate_pem, tsa_key, ca.certificate_pem), crl)


def signer_identity(user: User) -> tuple[str, str]:
    """The division code and unit a signer's certificate names: the leader's 旗区, or the city center."""
    if user.role is Role.LEADER and user.district is not None:
        return user.district.code, user.district.name
    if user.role is Role.CITY:
        return CITY_CODE, CITY_CENTER  # signs the consolidated city report
    raise Invalid({"user": "只能为分管领导或市12315中心签发签名证书"})


def make_certificate(
    session: Session, passphrase: str, user: User, pin: str, now: datetime | None = None
) -> SigningCertificate:
    """A new certificate for the user with its key encrypted under the PIN keyed with the CA passphrase
    (see pki.SigningPin); not yet added to the session. The key is made here, outside any lock."""
    ca = authority(session)
    if ca is None:
        raise Invalid("还没有市中心根证书：请系统管理员先在“证书”页创建根证书")
    code, unit = signer_identity(user)
    problem = pki.pin_problem(pin)
    if problem:
        raise Invalid({"pin": problem})
    try:
        issued = pki.issue_signing_certificate(
            pki.CertifiedKey(ca.certificate_pem, ca.encrypted_key_pem),
            passphrase.encode(),
            subject_name=user.display_name,
            district_code=code,
            district_name=unit,
            username=user.username,
            pin=signing_pin(pin, passphrase),
            now=now,
        )
    except ValueError as error:
        if str(error) == WRONG_PASSPHRASE:  # the server's passphrase is not the one the CA was made with
            raise Invalid(
                f"{WRONG_PASSPHRASE}：服务器的 PKI_CA_PASSPHRASE 与创建根证书时的不同，请系统运维人员核对"
            ) from None
        raise Invalid(str(error)) from None
    return SigningCertificate(
        user_id=user.id,
        district_id=user.district_id,
        serial=str(issued.serial),
        certificate_pem=issued.certificate_pem,
        encrypted_key_pem=issued.encrypted_key_pem,
        fingerprint_sha256=issued.fingerprint_sha256,
        not_before=issued.not_before,
        not_after=issued.not_after,
    )


def put_in_force(session: Session, actor: Actor | None, row: SigningCertificate, how: str) -> None:
    """Store a new certificate in the caller's transaction; the holder's earlier ones are revoked as 已换发."""
    session.add(row)
    session.flush()
    now = utcnow()
    replaced = list(
        session.scalars(
            select(SigningCertificate).where(
                SigningCertificate.user_id == row.user_id,
                SigningCertificate.revoked_at.is_(None),
                SigningCertificate.id != row.id,
            )
        )
    )
    for earlier in replaced:
        earlier.revoked_at, earlier.revocation_reason = now, RevocationReason.REISSUED
        audit.record(
            session,
            actor,
            "revoke_certificate",
            "certificate",
            earlier.id,
            earlier.district_id,
            {"serial": earlier.serial, "reason": RevocationReason.REISSUED.value, "replaced_by": row.serial},
        )
    audit.record(
        session,
        actor,
        "issue_certificate",
        "certificate",
        row.id,
        row.district_id,
        {"serial": row.serial, "holder": row.user_id, "how": how},
    )


def issue_certificate(
    session: Session, passphrase: str, user_id: int, pin: str, now: datetime | None = None
) -> SigningCertificate:
    """Issue a certificate with a PIN given at once, for scripts (`flask pki issue`) and the demo: what the holder
    would otherwise choose in the app. An enrolment still waiting is settled by it."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    row = make_certificate(session, passphrase, user, pin, now)
    put_in_force(session, None, row, "command_line")
    session.execute(
        update(CertificateEnrolment)
        .where(
            CertificateEnrolment.user_id == user.id,
            CertificateEnrolment.completed_at.is_(None),
            CertificateEnrolment.cancelled_at.is_(None),
        )
        .values(completed_at=utcnow(), certificate_id=row.id)
    )
    session.commit()
    return row


def revoke(
    session: Session,
    certificate_id: int,
    at: datetime | None = None,
    reason: RevocationReason = RevocationReason.ADMIN,
    actor: Actor | None = None,
) -> SigningCertificate:
    """Revoke a certificate: it signs nothing more, and what it signs from `at` on fails verification."""
    row = session.get(SigningCertificate, certificate_id)
    if row is None:
        raise NotFound()
    if row.revoked_at is None:
        row.revoked_at, row.revocation_reason = at or utcnow(), reason
        audit.record(
            session,
            actor,
            "revoke_certificate",
            "certificate",
            row.id,
            row.district_id,
            {"serial": row.serial, "reason": reason.value},
        )
        session.commit()
    return row


def revocation_list(session: Session) -> dict[int, datetime]:
    """Serial → time of revocation, for verification."""
    rows = session.execute(
        select(SigningCertificate.serial, SigningCertificate.revoked_at).where(
            SigningCertificate.revoked_at.is_not(None)
        )
    ).all()
    # The query's condition again, for the type checker.
    return {int(serial): revoked_at for serial, revoked_at in rows if revoked_at is not None}


def usable_certificate(session: Session, user: User, now: datetime | None = None) -> SigningCertificate | None:
    """The user's newest certificate that is neither revoked nor expired."""
    now = now or utcnow()
    return session.scalar(
        select(SigningCertificate)
        .where(
            SigningCertificate.user_id == user.id,
            SigningCertificate.revoked_at.is_(None),
            SigningCertificate.not_before <= now,
            SigningCertificate.not_after > now,
        )
        .order_by(SigningCertificate.id.desc())
        .limit(1)
    )


def certificates(session: Session, user_id: int | None = None) -> list[SigningCertificate]:
    """Certificates, newest first: everybody's, or one holder's."""
    statement = select(SigningCertificate).order_by(SigningCertificate.id.desc())
    if user_id is not None:
        statement = statement.where(SigningCertificate.user_id == user_id)
    return list(session.scalars(statement))


def open_enrolments(session: Session, user_id: int | None = None) -> list[CertificateEnrolment]:
    """Enrolments waiting for their holder's PIN, oldest first."""
    statement = select(CertificateEnrolment).where(
        CertificateEnrolment.completed_at.is_(None), CertificateEnrolment.cancelled_at.is_(None)
    )
    if user_id is not None:
        statement = statement.where(CertificateEnrolment.user_id == user_id)
    return list(session.scalars(statement.order_by(CertificateEnrolment.id)))


def facts(row: SigningCertificate) -> CertificateFacts:
    return CertificateFacts(row.serial, row.not_before, row.not_after, row.revoked_at, row.revocation_reason)


def state_of(row: SigningCertificate, now: datetime | None = None) -> str:
    """有效, 已过期 or 已撤销（reason）."""
    return state_label(facts(row), now or utcnow())


def standing(session: Session, user: User, now: datetime | None = None) -> HolderStanding:
    """Where the user stands with their signing certificate, with what to ask the admin for."""
    may_hold = user.role in SIGNER_ROLES
    rows = certificates(session, user.id) if may_hold else []
    waiting = bool(open_enrolments(session, user.id)) if may_hold else False
    return holder_standing(may_hold, [facts(r) for r in rows], waiting, now or utcnow())
