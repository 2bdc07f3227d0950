"""The steps every signed ZIP shares (a district's bundle, the city's report): unlock, sign the PDF, seal the
manifest with a detached CMS signature."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .. import pki, signatures
from ..archive import ArchiveWriter
from ..domain.manifest import MANIFEST, SIGNATURE
from ..imaging import PhotoRejected, check_signature_png
from ..models import SigningCertificate
from . import Invalid


def unlock(certificate: SigningCertificate, pin: pki.SigningPin, drawn_signature: bytes) -> bytes:
    """The drawn signature, checked, once the PIN is known to open the key; Invalid (per field) otherwise.

    A key still encrypted under the PIN alone is re-encrypted under the keyed PIN (kept when the signing commits).
    """
    try:
        current = pki.current_key(certificate.encrypted_key_pem, pin)
        if current != certificate.encrypted_key_pem:
            certificate.encrypted_key_pem = current
        return check_signature_png(drawn_signature)
    except pki.WrongPin:
        raise Invalid({"pin": "签名PIN错误"}) from None
    except PhotoRejected as error:
        raise Invalid({"signature": str(error)}) from None


def sign_report(pdf: Path, certificate: SigningCertificate, ca_certificate_pem: bytes, pin: pki.SigningPin,
                signer_name: str, signed_at: datetime, reason: str = "分管领导签字确认") -> Path:
    """The PDF with the signer's PAdES signature, written beside it (file to file: reports run to 100 MB)."""
    signed = pdf.with_name(pdf.stem + "-signed.pdf")
    signatures.sign_pdf_file(pdf, signed, certificate_pem=certificate.certificate_pem,
                             ca_certificate_pem=ca_certificate_pem, encrypted_key_pem=certificate.encrypted_key_pem,
                             pin=pin, signer_name=signer_name, signing_time=signed_at, reason=reason)
    return signed


def seal(archive: ArchiveWriter, manifest: bytes, certificate: SigningCertificate, pin: pki.SigningPin,
         signed_at: datetime) -> None:
    """Add the manifest and its detached CMS signature, and close the archive."""
    archive.add_bytes(MANIFEST, manifest, listed=False)
    archive.add_bytes(SIGNATURE, signatures.sign_detached_cms(
        manifest, certificate_pem=certificate.certificate_pem, encrypted_key_pem=certificate.encrypted_key_pem,
        pin=pin, signing_time=signed_at), listed=False)
    archive.close()
