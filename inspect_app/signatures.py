"""Leaders' signatures: a PAdES signature in the report PDF and a detached CMS over the manifest.

This is the only module that uses pyHanko and asn1crypto. Signatures are PAdES B-B / CMS with a
signer-claimed signing time: the app runs offline, so there is no timestamp authority. The claimed
time sits inside the signed data (the CMS signed attributes, the PDF signature dictionary), so only
the key holder could backdate it; the app refuses to sign with a revoked certificate, which is what
makes "revoked at T, signed before T" meaningful.

Verification validates the chain at the signing time, so a bundle signed while the certificate was
valid still verifies after the certificate has expired. Revocation comes from the app as a
`RevocationList` (serial -> revoked_at, aware UTC); certificates carry no CRL or OCSP address.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from asn1crypto import cms, keys, pem, x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.validation import (SignatureCoverageLevel, async_validate_detached_cms,
                                     validate_pdf_signature)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from inspect_app import pki

RevocationList = dict[int, datetime]

BEIJING = ZoneInfo("Asia/Shanghai")
SIGNATURE_FIELD = "LeaderSignature"
# A signing time this far ahead of the verifier's clock is not believable.
CLOCK_TOLERANCE = timedelta(minutes=10)


class SigningRefused(ValueError):
    """The certificate or key cannot sign now; the message is for the user."""


@dataclass
class SignatureCheck:
    """The outcome of verifying one signature; problems are Chinese and empty when ok."""

    ok: bool
    problems: list[str] = field(default_factory=list)  # every problem, those of the certificate included
    certificate_problems: list[str] = field(default_factory=list)  # the chain, validity and revocation
    signer_name: str | None = None
    serial: int | None = None
    district_code: str | None = None
    username: str | None = None
    signing_time: datetime | None = None


def sign_pdf(pdf: bytes, *, certificate_pem: bytes, ca_certificate_pem: bytes, encrypted_key_pem: bytes,
             pin: pki.Pin, signer_name: str, reason: str = "分管领导签字确认", location: str = "鄂尔多斯市",
             signing_time: datetime | None = None) -> bytes:
    """Add the leader's PAdES signature (invisible field, CA certificate embedded) as an incremental update."""
    output = BytesIO()
    _sign_pdf_stream(BytesIO(pdf), output, certificate_pem=certificate_pem, ca_certificate_pem=ca_certificate_pem,
                     encrypted_key_pem=encrypted_key_pem, pin=pin, signer_name=signer_name, reason=reason,
                     location=location, signing_time=signing_time)
    return output.getvalue()


def sign_pdf_file(source: Path, target: Path, **options) -> None:
    """sign_pdf from file to file, for large reports: the PDF is not held in memory twice."""
    with open(source, "rb") as pdf, open(target, "wb") as output:
        _sign_pdf_stream(pdf, output, **options)


def _sign_pdf_stream(pdf: BinaryIO, output: BinaryIO, *, certificate_pem: bytes, ca_certificate_pem: bytes,
                     encrypted_key_pem: bytes, pin: pki.Pin, signer_name: str, reason: str = "分管领导签字确认",
                     location: str = "鄂尔多斯市", signing_time: datetime | None = None) -> None:
    signing_time = _aware(signing_time)
    signer = _signer(certificate_pem, encrypted_key_pem, pin, signing_time, ca_certificate_pem)
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason, location=location, name=signer_name)
    try:
        writer = IncrementalPdfFileWriter(pdf, strict=False)
        _PdfSignerAt(meta, signer, signing_time=signing_time).sign_pdf(writer, output=output)
    except (PdfError, SigningError) as error:
        raise SigningRefused(f"PDF签名失败：{error}") from error


def sign_detached_cms(content: bytes, *, certificate_pem: bytes, encrypted_key_pem: bytes, pin: pki.Pin,
                      signing_time: datetime | None = None) -> bytes:
    """A detached CMS SignedData (DER, SHA-256) over content, with the signer certificate and signing time."""
    signing_time = _aware(signing_time)
    signer = _signer(certificate_pem, encrypted_key_pem, pin, signing_time)
    signed = _run(signer.async_sign_general_data(
        content, "sha256", detached=True,
        signed_attr_settings=PdfCMSSignedAttributes(signing_time=signing_time)))
    return signed.dump()


def verify_detached_cms(content: bytes, signature_der: bytes, ca_certificate_pem: bytes,
                        revoked: RevocationList) -> SignatureCheck:
    """Check a detached CMS signature over content against the city CA and the revocation list."""
    try:
        content_info = cms.ContentInfo.load(signature_der)
        signed_data = content_info["content"]
        if content_info["content_type"].native != "signed_data" or len(signed_data["signer_infos"]) != 1:
            raise ValueError("not a SignedData with one signer")
        signer_certificate = _signer_certificate(signed_data)
        signing_time = _signing_time_attribute(signed_data["signer_infos"][0])
    except Exception:  # noqa: BLE001 - asn1crypto parses lazily and fails in many ways on bad input
        return SignatureCheck(ok=False, problems=["签名文件格式错误，无法读取"])
    try:
        status = _run(async_validate_detached_cms(
            content, signed_data, signer_validation_context=_context(ca_certificate_pem, signing_time)))
    except Exception as error:  # noqa: BLE001 - e.g. an algorithm pyHanko refuses
        return SignatureCheck(ok=False, problems=[f"签名无效（{_brief(error)}）"])
    problems = _integrity_problems(status)
    return _check(problems, signer_certificate, ca_certificate_pem, revoked, signing_time, status)


def verify_pdf(pdf: bytes, ca_certificate_pem: bytes, revoked: RevocationList) -> SignatureCheck:
    """Check the leader's signature in a PDF: integrity of the whole file, chain, revocation."""
    return _verify_pdf_stream(BytesIO(pdf), ca_certificate_pem, revoked)


def verify_pdf_file(path: Path, ca_certificate_pem: bytes, revoked: RevocationList) -> SignatureCheck:
    """verify_pdf reading from a file."""
    with open(path, "rb") as pdf:
        return _verify_pdf_stream(pdf, ca_certificate_pem, revoked)


def _verify_pdf_stream(pdf: BinaryIO, ca_certificate_pem: bytes, revoked: RevocationList) -> SignatureCheck:
    # A tampered file can break the parser anywhere (zlib, xref, object syntax); any failure to
    # read it is a verification failure, never a crash of the verifier.
    try:
        embedded = PdfFileReader(pdf, strict=False).embedded_regular_signatures
    except Exception as error:  # noqa: BLE001
        return SignatureCheck(ok=False, problems=[f"PDF文件无法解析，内容被修改或文件损坏（{_brief(error)}）"])
    if not embedded:
        return SignatureCheck(ok=False, problems=["PDF中没有可识别的签名（签名缺失或签名字典被修改）"])
    problems = [] if len(embedded) == 1 else [f"PDF中应只有一个签名，实际有 {len(embedded)} 个"]
    signature = embedded[0]
    try:
        signer_certificate = signature.signer_cert
        signing_time = signature.self_reported_timestamp
        status = validate_pdf_signature(
            signature, _context(ca_certificate_pem, signing_time), skip_diff=True)
    except Exception as error:  # noqa: BLE001 - as above, for the signature dictionary and CMS
        return SignatureCheck(ok=False, problems=[*problems, f"签名无效（{_brief(error)}）"])
    problems += _integrity_problems(status)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        problems.append("签名后PDF被追加了内容（签名未覆盖整个文件）")
    return _check(problems, signer_certificate, ca_certificate_pem, revoked, signing_time, status)


class _PdfSignerAt(signers.PdfSigner):
    """A PdfSigner that writes a given signing time (/M) instead of the clock's."""

    def __init__(self, *args, signing_time: datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time
        return session


def _signer(certificate_pem: bytes, encrypted_key_pem: bytes, pin: pki.Pin, signing_time: datetime,
            ca_certificate_pem: bytes | None = None) -> signers.SimpleSigner:
    key = keys.PrivateKeyInfo.load(pki.load_signing_key(encrypted_key_pem, pin))  # WrongPin first
    certificate = _certificate(certificate_pem)
    if key["private_key"].parsed["modulus"].native != certificate.public_key["public_key"].parsed["modulus"].native:
        raise SigningRefused("签名私钥与证书不匹配")
    info = pki.certificate_info(certificate_pem)
    if signing_time < info.not_before:
        raise SigningRefused(f"证书尚未生效（{_shown(info.not_before)} 起有效）")
    if signing_time > info.not_after:
        raise SigningRefused(f"证书已于 {_shown(info.not_after)} 过期")
    extra = [_certificate(ca_certificate_pem)] if ca_certificate_pem else []
    return signers.SimpleSigner(signing_cert=certificate, signing_key=key,
                                cert_registry=SimpleCertificateStore.from_certs(extra))


def _context(ca_certificate_pem: bytes, signing_time: datetime | None) -> ValidationContext:
    # The chain is judged at the claimed signing time; the certificates carry no revocation
    # addresses and the app's own list is applied in _check.
    return ValidationContext(trust_roots=[_certificate(ca_certificate_pem)], allow_fetching=False,
                             revocation_mode="soft-fail", moment=signing_time or datetime.now(UTC))


def _integrity_problems(status) -> list[str]:
    if not status.intact:
        return ["内容被修改：摘要与签名时不一致"]
    if not status.valid:
        return ["签名无效：签名值与证书公钥不符"]
    return []


def _check(problems: list[str], signer_certificate: x509.Certificate, ca_certificate_pem: bytes,
           revoked: RevocationList, signing_time: datetime | None, status) -> SignatureCheck:
    certificate_der = signer_certificate.dump()
    try:
        info = pki.certificate_info(certificate_der)
    except Exception:  # noqa: BLE001 - asn1crypto parsed lazily what cryptography refuses (ValueError, InvalidVersion)
        unreadable = ["签名中的证书格式错误，无法读取"]
        return SignatureCheck(ok=False, problems=problems + unreadable, certificate_problems=unreadable)
    certificate_problems = []
    if not pki.is_issued_by(certificate_der, ca_certificate_pem):
        certificate_problems.append("证书不是由市中心根证书签发")
    if signing_time is None:
        certificate_problems.append("签名中没有签名时间")
    else:
        signing_time = signing_time.astimezone(UTC)
        if signing_time < info.not_before:
            certificate_problems.append(f"签名时间早于证书生效时间（{_shown(info.not_before)}）")
        elif signing_time > info.not_after:
            certificate_problems.append(f"证书已于 {_shown(info.not_after)} 过期，签名时间为 {_shown(signing_time)}")
        if signing_time > datetime.now(UTC) + CLOCK_TOLERANCE:
            certificate_problems.append(f"签名时间 {_shown(signing_time)} 晚于当前时间")
    revoked_at = revoked.get(info.serial)
    if revoked_at is not None and revoked_at.tzinfo is None:
        raise ValueError("revoked_at must be timezone-aware")
    if revoked_at is not None and (signing_time is None or signing_time >= revoked_at):
        certificate_problems.append(f"证书已于 {_shown(revoked_at)} 吊销")
    if info.district_code is None:
        certificate_problems.append("证书中没有旗区和用户信息")
    if not problems and not certificate_problems and not status.trusted:
        # What pyHanko objects to beyond the checks above (key usage, a malformed chain).
        certificate_problems.append(f"证书链验证失败（{status.trust_problem_indic}）")
    problems = problems + certificate_problems
    return SignatureCheck(ok=not problems, problems=problems, certificate_problems=certificate_problems,
                          signer_name=info.subject_name or None,
                          serial=info.serial, district_code=info.district_code, username=info.username,
                          signing_time=signing_time)


def _signer_certificate(signed_data: cms.SignedData) -> x509.Certificate:
    sid = signed_data["signer_infos"][0]["sid"]
    if sid.name != "issuer_and_serial_number":
        raise ValueError("signer identified by key identifier")
    wanted = sid.chosen
    for choice in signed_data["certificates"] or []:
        if choice.name != "certificate":
            continue
        certificate = choice.chosen
        if (certificate.issuer == wanted["issuer"]
                and certificate.serial_number == wanted["serial_number"].native):
            return certificate
    raise ValueError("signer certificate not included")


def _signing_time_attribute(signer_info: cms.SignerInfo) -> datetime | None:
    for attribute in signer_info["signed_attrs"] or []:
        if attribute["type"].native == "signing_time":
            return attribute["values"][0].native
    return None


def _certificate(data: bytes) -> x509.Certificate:
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return x509.Certificate.load(data)


def _run(coroutine):
    return asyncio.run(coroutine)


def _aware(moment: datetime | None) -> datetime:
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("signing_time must be timezone-aware")
    # Whole seconds: the PDF date format and CMS UTCTime cannot carry more.
    return moment.astimezone(UTC).replace(microsecond=0)


def _brief(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _shown(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S") + "（北京时间）"
