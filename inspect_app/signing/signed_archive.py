"""The steps every signed ZIP shares (a district's bundle, the city's report): unlock, sign the PDF, seal the
manifest with a detached CMS signature."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from inspect_app.adapters import pki, signatures
from inspect_app.adapters.archive import ArchiveWriter
from inspect_app.adapters.imaging import PhotoRejected, check_signature_png
from inspect_app.domain.evidence.manifest import MANIFEST, SIGNATURE
from inspect_app.domain.identity.permissions import Actor
from inspect_app.models import SigningCertificate
from inspect_app.shared.errors import Invalid
from inspect_app.signing import pin_attempts


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
