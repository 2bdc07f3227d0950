"""The steps every signed ZIP shares (a district's bundle, the city's report): unlock, sign the PDF, pack the parts,
seal the manifest with a detached CMS signature, store the ZIP. The two differ only in their SignedArchive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence

from sqlalchemy.orm import Session

from inspect_app.adapters import pki, scratch, signatures
from inspect_app.adapters.archive import ArchiveWriter
from inspect_app.adapters.filestore import FileStore
from inspect_app.adapters.imaging import PhotoRejected, check_signature_png
from inspect_app.audit import trail as audit
from inspect_app.domain.evidence.manifest import MANIFEST, SIGNATURE, FileEntry, manifest_json
from inspect_app.domain.identity.permissions import Actor
from inspect_app.housekeeping import stored_files
from inspect_app.models import SigningCertificate, User
from inspect_app.shared.errors import Invalid
from inspect_app.signing import keys, pin_attempts


def unlock(
    session: Session,
    actor: Actor,
    certificate: SigningCertificate,
    pin: pki.SigningPin,
    drawn_signature: bytes,
    now: datetime | None = None,
) -> bytes:
    """The drawn signature, checked, once the PIN is known to open the key; Invalid (per field) otherwise.

    The PIN comes last, after everything else the caller checks: only success tells a right PIN from a wrong one,
    and wrong ones are counted against the certificate (pin_attempts). A key still encrypted under the PIN alone
    is re-encrypted under the keyed PIN (kept when the signing commits).
    """
    try:
        drawn = check_signature_png(drawn_signature)
    except PhotoRejected as error:
        raise Invalid({"signature": str(error)}) from None
    current = pin_attempts.try_pin(session, actor, certificate, pin, now)
    if current != certificate.encrypted_key_pem:
        certificate.encrypted_key_pem = current
    return drawn


def sign_report(
    pdf: Path,
    certificate: SigningCertificate,
    ca_certificate_pem: bytes,
    pin: pki.SigningPin,
    signer_name: str,
    signed_at: datetime,
    reason: str = "分管领导签字确认",
    field_name: str = signatures.SIGNATURE_FIELD,
    *,
    trusted: signatures.TrustedTime,
) -> Path:
    """The PDF with the signer's PAdES signature, time-stamped by the city's authority (keys.trusted_time) with the
    chain and the CRL embedded, written beside it (file to file: reports run to 100 MB)."""
    signed = pdf.with_name(pdf.stem + "-signed.pdf")
    signatures.sign_pdf_file(
        pdf,
        signed,
        certificate_pem=certificate.certificate_pem,
        ca_certificate_pem=ca_certificate_pem,
        encrypted_key_pem=certificate.encrypted_key_pem,
        pin=pin,
        signer_name=signer_name,
        signing_time=signed_at,
        reason=reason,
        field_name=field_name,
        timestamper=trusted.timestamper,
        crl_der=trusted.crl_der,
    )
    return signed


def seal(
    archive: ArchiveWriter,
    manifest: bytes,
    certificate: SigningCertificate,
    pin: pki.SigningPin,
    signed_at: datetime,
    *,
    trusted: signatures.TrustedTime,
) -> None:
    """Add the manifest and its detached CMS signature, time-stamped by the city's authority, and close the
    archive."""
    archive.add_bytes(MANIFEST, manifest, listed=False)
    archive.add_bytes(
        SIGNATURE,
        signatures.sign_detached_cms(
            manifest,
            certificate_pem=certificate.certificate_pem,
            encrypted_key_pem=certificate.encrypted_key_pem,
            pin=pin,
            signing_time=signed_at,
            timestamper=trusted.timestamper,
        ),
        listed=False,
    )
    archive.close()


# ---- one builder for every signed ZIP ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    """Who signs and with what, once unlock() has passed: the certificate, the PIN, the checked drawn signature."""

    user: User
    certificate: SigningCertificate
    ca_certificate_pem: bytes
    pin: pki.SigningPin
    drawn: bytes
    signed_at: datetime


@dataclass(frozen=True)
class SignedArchive:
    """What one signed ZIP holds besides the signer's part: its report, its other parts, its manifest's fields."""

    scratch_kind: str
    zip_name: str
    report_name: str
    # (scratch folder, signature.png) -> the unsigned report PDF, laid out with the drawn signature on it
    layout: Callable[[Path, Path], Path]
    # Written in this order after the report: bytes as they are, paths streamed (photos run to megabytes each).
    parts: Sequence[tuple[str, bytes | Path]]
    bundle_id: str
    version: int
    district: dict[str, str]
    campaign: dict[str, Any]
    inspections: Sequence[dict[str, Any]] = ()
    extra: dict[str, Any] | None = None
    reason: str = "分管领导签字确认"
    field_name: str = signatures.SIGNATURE_FIELD


@dataclass(frozen=True)
class SignedArchiveResult:
    """The stored ZIP (no row names it yet) and the digest it was stored under."""

    key: str
    size: int
    sha256: str
    signer: Signer

    def columns(self) -> dict[str, Any]:
        """The signed row's archive columns (the same names on a bundle and on a city report)."""
        return {
            "archive_key": self.key,
            "archive_size": self.size,
            "archive_sha256": self.sha256,
            "signed_at": self.signer.signed_at,
            "signed_by_id": self.signer.user.id,
            "certificate_id": self.signer.certificate.id,
        }

    def audit_details(self) -> dict[str, Any]:
        """What the audit entry of the sign-off records of the archive."""
        return {"archive_sha256": self.sha256, "certificate": self.signer.certificate.serial}


def build_signed_archive(
    session: Session, store: FileStore, spec: SignedArchive, signer: Signer, work_dir: Path
) -> SignedArchiveResult:
    """Lay out and sign the report, pack the parts, seal the manifest and store the ZIP (the caller commits)."""
    with scratch.folder(work_dir, spec.scratch_kind) as folder:  # it holds the drawn signature: never left behind
        signature = folder / "signature.png"
        signature.write_bytes(signer.drawn)
        pdf = spec.layout(folder, signature)
        trusted = keys.trusted_time(session, signer.pin.secret)  # the keyed PIN carries the CA passphrase
        signed_pdf = sign_report(
            pdf,
            signer.certificate,
            signer.ca_certificate_pem,
            signer.pin,
            signer.user.display_name,
            signer.signed_at,
            reason=spec.reason,
            field_name=spec.field_name,
            trusted=trusted,
        )
        target = folder / spec.zip_name
        archive = ArchiveWriter(target)
        archive.add_file(spec.report_name, signed_pdf)
        for name, part in spec.parts:
            if isinstance(part, Path):
                archive.add_file(name, part)
            else:
                archive.add_bytes(name, part)
        manifest = _manifest(session, spec, signer, archive.entries)
        seal(archive, manifest, signer.certificate, signer.pin, signer.signed_at, trusted=trusted)
        assert archive.size is not None and archive.sha256 is not None  # seal closed it
        return _store(session, store, target, signer, archive.size, archive.sha256)


def _manifest(session: Session, spec: SignedArchive, signer: Signer, files: Sequence[FileEntry]) -> bytes:
    """The manifest of the archive so far, anchored to the audit chain's head as it stands while signing."""
    user = signer.user
    return manifest_json(
        bundle_id=spec.bundle_id,
        version=spec.version,
        district=spec.district,
        campaign=spec.campaign,
        leader={"username": user.username, "name": user.display_name, "certificate_serial": signer.certificate.serial},
        signed_at=signer.signed_at.isoformat(),
        files=files,
        audit=audit.anchor(session),
        inspections=spec.inspections,
        extra=spec.extra,
    )


def _store(
    session: Session, store: FileStore, target: Path, signer: Signer, size: int, sha256: str
) -> SignedArchiveResult:
    """Store the finished ZIP under its digest, hashed while it was written and handed on (the key is never parsed
    back)."""
    key = stored_files.put_file(session, store, target, "zip", digest=sha256)
    return SignedArchiveResult(key, size, sha256, signer)
