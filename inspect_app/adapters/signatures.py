"""Leaders' signatures: a PAdES signature in the report PDF and a detached CMS over the manifest.

This is the only module that uses pyHanko and asn1crypto. A signer's own signing time proves nothing: whoever
holds a revoked key and its PIN can claim any time before the revocation. So every signature carries an RFC 3161
signature timestamp (the unsigned attribute id-aa-signatureTimeStampToken over the signature value; PAdES B-T in
the PDF) from the city's own time-stamping authority, `CityTimeStamper`: it runs inside the app on the server's
clock and signs with a key whose certificate the city CA issued for timeStamping only.

Verification takes the time from that token, never from the signer: it checks the token (signed by a
timeStamping certificate of the city CA, imprint equal to the digest of the signature value) and judges the
certificate's validity and revocation at the token's genTime. A signature without a valid token fails. A bundle
stamped while the certificate was valid still verifies after it expired. Revocation comes from the app as a
`RevocationList` (serial -> revoked_at, aware UTC); certificates carry no CRL or OCSP address.

For checks years later without the app, the PDF's document security store (DSS) holds the CA and TSA
certificates and the CA's CRL as of signing (PAdES B-LT). The DSS is written in the same revision as the
signature, before signing, so the signature still covers the whole file and any later update stays an error.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from asn1crypto import cms, core, crl, keys, pem, tsp, x509

from inspect_app.adapters import pki

# pyHanko (with its certificate validator, cryptography back ends and asyncio machinery) is imported by the functions
# that sign or verify, not with this module: most processes (every page, the photo pipeline) never sign, and
# gunicorn workers would otherwise each carry it from the start.
if TYPE_CHECKING:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.timestamps.api import TimeStamper
    from pyhanko_certvalidator import ValidationContext
from inspect_app.domain.clock import BEIJING

RevocationList = dict[int, datetime]

SIGNATURE_FIELD = "LeaderSignature"
CITY_SIGNATURE_FIELD = "CityCenterSignature"  # the city report is signed by the city center, not a leader
# A signing time this far ahead of the verifier's clock is not believable.
CLOCK_TOLERANCE = timedelta(minutes=10)
# The policy under which the city stamps time: an OID derived from a UUID (ITU-T X.667), which needs no registry.
TSA_POLICY = "2.25.123540039870326696814585682076706601457"
NO_TIMESTAMP = "签名没有可信时间戳"
MANY_TIMESTAMPS = NO_TIMESTAMP + "：签名中只能有一个时间戳"


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
    signing_time: datetime | None = None  # what the signer claims
    timestamp_time: datetime | None = None  # the genTime of a valid token of the city's TSA: the trusted time


@dataclass(frozen=True)
class TrustedTime:
    """What every signature takes from the city's authority: its time-stamper, and the CRL to embed in PDFs."""

    timestamper: CityTimeStamper
    crl_der: bytes


class CityTimeStamper:
    """The city's RFC 3161 time-stamping authority, in process: the server's clock, signed with the TSA key."""

    def __init__(
        self,
        tsa_certificate_pem: bytes,
        tsa_key_der: bytes,
        ca_certificate_pem: bytes,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.tsa_certificate = _certificate(tsa_certificate_pem)
        self.ca_certificate = _certificate(ca_certificate_pem)
        self._tsa_key = keys.PrivateKeyInfo.load(tsa_key_der)
        self._clock = clock or (lambda: datetime.now(UTC))

    @functools.cached_property
    def timestamper(self) -> TimeStamper:
        """pyHanko's face of this authority, made when something is first signed."""
        return _city_timestamper_class()(self)

    @functools.cached_property
    def _signer(self) -> signers.SimpleSigner:
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        return _signer_class()(
            signing_cert=self.tsa_certificate,
            signing_key=self._tsa_key,
            cert_registry=SimpleCertificateStore.from_certs([self.ca_certificate]),
        )

    async def respond(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        """Answer a time-stamp request with a token over its imprint at the clock's time."""
        from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
        from pyhanko.sign.timestamps.common_utils import get_nonce

        imprint = req["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native not in ("sha256", "sha384", "sha512"):
            return tsp.TimeStampResp({"status": {"status": "rejection", "fail_info": {"bad_alg"}}})
        gen_time = _aware(self._clock())
        info = {
            "version": "v1",
            "policy": TSA_POLICY,
            "message_imprint": imprint,
            "serial_number": get_nonce() & ((1 << 63) - 1),
            "gen_time": gen_time,
            "accuracy": {"seconds": 1},
            "tsa": x509.GeneralName(name="directory_name", value=self.tsa_certificate.subject),
        }
        if req["nonce"].native is not None:
            info["nonce"] = req["nonce"]
        content = cms.EncapsulatedContentInfo(
            {"content_type": "tst_info", "content": core.ParsableOctetString(tsp.TSTInfo(info).dump())}
        )
        token = await self._signer.async_sign_general_data(
            content, "sha256", detached=False, signed_attr_settings=PdfCMSSignedAttributes(signing_time=gen_time)
        )
        return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})


@functools.cache
def _city_timestamper_class() -> type[TimeStamper]:
    from pyhanko.sign.timestamps.api import TimeStamper

    class _CityTimeStamper(TimeStamper):
        def __init__(self, city: CityTimeStamper) -> None:
            super().__init__(include_nonce=True)
            self.city = city

        async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
            return await self.city.respond(req)

    return _CityTimeStamper


def sign_pdf(
    pdf: bytes,
    *,
    certificate_pem: bytes,
    ca_certificate_pem: bytes,
    encrypted_key_pem: bytes,
    pin: pki.Pin,
    signer_name: str,
    timestamper: CityTimeStamper,
    crl_der: bytes | None = None,
    reason: str = "分管领导签字确认",
    location: str = "鄂尔多斯市",
    signing_time: datetime | None = None,
    field_name: str = SIGNATURE_FIELD,
) -> bytes:
    """Add the signer's PAdES signature (invisible field, signature timestamp, the chain and the CRL in the DSS)
    as an incremental update."""
    output = BytesIO()
    _sign_pdf_stream(
        BytesIO(pdf),
        output,
        certificate_pem=certificate_pem,
        ca_certificate_pem=ca_certificate_pem,
        encrypted_key_pem=encrypted_key_pem,
        pin=pin,
        signer_name=signer_name,
        reason=reason,
        location=location,
        signing_time=signing_time,
        field_name=field_name,
        timestamper=timestamper,
        crl_der=crl_der,
    )
    return output.getvalue()


def sign_pdf_file(source: Path, target: Path, **options) -> None:
    """sign_pdf from file to file, for large reports: the PDF is not held in memory twice."""
    with open(source, "rb") as pdf, open(target, "wb") as output:
        _sign_pdf_stream(pdf, output, **options)


def _sign_pdf_stream(
    pdf: BinaryIO,
    output: BinaryIO,
    *,
    certificate_pem: bytes,
    ca_certificate_pem: bytes,
    encrypted_key_pem: bytes,
    pin: pki.Pin,
    signer_name: str,
    reason: str = "分管领导签字确认",
    location: str = "鄂尔多斯市",
    signing_time: datetime | None = None,
    field_name: str = SIGNATURE_FIELD,
    timestamper: CityTimeStamper,
    crl_der: bytes | None = None,
) -> None:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError

    signing_time = _aware(signing_time)
    signer = _signer(certificate_pem, encrypted_key_pem, pin, signing_time, ca_certificate_pem)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=signer_name,
    )
    try:
        writer = IncrementalPdfFileWriter(pdf, strict=False)
        _add_validation_material(writer, signer, timestamper, crl_der)
        _pdf_signer_at()(meta, signer, timestamper=timestamper.timestamper, signing_time=signing_time).sign_pdf(
            writer, output=output
        )
    except (PdfError, SigningError) as error:
        raise SigningRefused(f"PDF签名失败：{error}") from error


def sign_detached_cms(
    content: bytes,
    *,
    certificate_pem: bytes,
    encrypted_key_pem: bytes,
    pin: pki.Pin,
    timestamper: CityTimeStamper,
    signing_time: datetime | None = None,
) -> bytes:
    """A detached CMS SignedData (DER, SHA-256) over content, with the signer certificate, the claimed signing
    time and the city's signature timestamp."""
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    signing_time = _aware(signing_time)
    signer = _signer(certificate_pem, encrypted_key_pem, pin, signing_time)
    signed = _run(
        signer.async_sign_general_data(
            content,
            "sha256",
            detached=True,
            timestamper=timestamper.timestamper,
            signed_attr_settings=PdfCMSSignedAttributes(signing_time=signing_time),
        )
    )
    return signed.dump()


def verify_detached_cms(
    content: bytes, signature_der: bytes, ca_certificate_pem: bytes, revoked: RevocationList
) -> SignatureCheck:
    """Check a detached CMS signature over content against the city CA and the revocation list."""
    from pyhanko.sign.validation import async_validate_detached_cms

    try:
        content_info = cms.ContentInfo.load(signature_der)
        signed_data = content_info["content"]
        if content_info["content_type"].native != "signed_data" or len(signed_data["signer_infos"]) != 1:
            raise ValueError("not a SignedData with one signer")
        signer_certificate = _signer_certificate(signed_data)
        signing_time = _signing_time_attribute(signed_data["signer_infos"][0])
        stamped_at = _token_time(signed_data["signer_infos"][0])
    except _TokenCount:
        return SignatureCheck(ok=False, problems=[MANY_TIMESTAMPS])
    except Exception:  # noqa: BLE001 - asn1crypto parses lazily and fails in many ways on bad input
        return SignatureCheck(ok=False, problems=["签名文件格式错误，无法读取"])
    try:
        status = _run(
            async_validate_detached_cms(
                content, signed_data, signer_validation_context=_context(ca_certificate_pem, stamped_at)
            )
        )
    except Exception as error:  # noqa: BLE001 - e.g. an algorithm pyHanko refuses
        return SignatureCheck(ok=False, problems=[f"签名无效（{_brief(error)}）"])
    problems = _integrity_problems(status)
    return _check(problems, signer_certificate, ca_certificate_pem, revoked, signing_time, status, stamped_at)


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
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature

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
        stamped_at = _token_time(signature.signer_info)
        status = validate_pdf_signature(signature, _context(ca_certificate_pem, stamped_at), skip_diff=True)
    except _TokenCount:
        return SignatureCheck(ok=False, problems=[*problems, MANY_TIMESTAMPS])
    except Exception as error:  # noqa: BLE001 - as above, for the signature dictionary and CMS
        return SignatureCheck(ok=False, problems=[*problems, f"签名无效（{_brief(error)}）"])
    problems += _integrity_problems(status)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        problems.append("签名后PDF被追加了内容（签名未覆盖整个文件）")
    return _check(problems, signer_certificate, ca_certificate_pem, revoked, signing_time, status, stamped_at)


@functools.cache
def _pdf_signer_at() -> Any:
    from pyhanko.sign import signers

    class _PdfSignerAt(signers.PdfSigner):
        """A PdfSigner that writes a given signing time (/M) instead of the clock's."""

        def __init__(self, *args, signing_time: datetime, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._signing_time = signing_time

        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
            session.system_time = self._signing_time
            return session

    return _PdfSignerAt


def _signer(
    certificate_pem: bytes,
    encrypted_key_pem: bytes,
    pin: pki.Pin,
    signing_time: datetime,
    ca_certificate_pem: bytes | None = None,
) -> signers.SimpleSigner:
    from pyhanko_certvalidator.registry import SimpleCertificateStore

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
    return _signer_class()(
        signing_cert=certificate, signing_key=key, cert_registry=SimpleCertificateStore.from_certs(extra)
    )


@functools.cache
def _signer_class() -> type[signers.SimpleSigner]:
    from pyhanko.sign import signers

    class _Signer(signers.SimpleSigner):
        """pyHanko's SimpleSigner parses its key again for every signature it makes, with OpenSSL's RSA check
        (0.17 s of CPU each; a sign-off makes six): this one loads the key once, through pki.signing_key."""

        @functools.cached_property
        def _loaded_key(self):
            return pki.signing_key(self.signing_key.dump())

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            try:
                mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            except ValueError:
                mechanism = None
            if mechanism != "rsassa_pkcs1v15" or digest_algorithm not in pki.PKCS1V15_HASHES:
                return super().sign_raw(data, digest_algorithm)  # not what our keys make: pyHanko's own way
            return pki.sign_pkcs1v15(self._loaded_key, data, digest_algorithm)

    return _Signer


def _add_validation_material(
    writer: IncrementalPdfFileWriter, signer: signers.SimpleSigner, timestamper: CityTimeStamper, crl_der: bytes | None
) -> None:
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    # In the signed revision, not in an update after it as pyHanko's embed_validation_info writes it: the
    # material vouches for itself (signed certificates, a signed CRL), and one revision lets every verifier,
    # ours and pdfsig, keep demanding that the signature cover the whole file.
    certificates = [signer.signing_cert, *signer.cert_registry, timestamper.tsa_certificate, timestamper.ca_certificate]
    unique = list({certificate.dump(): certificate for certificate in certificates}.values())
    crls = [crl.CertificateList.load(crl_der)] if crl_der else []
    DocumentSecurityStore.supply_dss_in_writer(writer, None, certs=unique, crls=crls)


def _context(ca_certificate_pem: bytes, moment: datetime | None) -> ValidationContext:
    # The chains of the signer and of the TSA are judged at the timestamp's genTime, read before the token is
    # checked: a forged time fails the token's own check. The certificates carry no revocation addresses and the
    # app's own list is applied in _check.
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=[_certificate(ca_certificate_pem)],
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=moment or datetime.now(UTC),
    )


class _TokenCount(ValueError):
    """More than one timestamp token: unsigned attributes lie outside the signature, so anyone holding the file can
    add one (a genuine token over other data, stamped earlier), and which of them a validator trusts is not the
    one whose time would be read."""


def _token_time(signer_info: cms.SignerInfo) -> datetime | None:
    """The genTime of the signature's one timestamp token, not yet checked; _TokenCount when there are several."""
    tokens = [
        value
        for attribute in signer_info["unsigned_attrs"] or []
        if attribute["type"].native == "signature_time_stamp_token"
        for value in attribute["values"]
    ]
    if len(tokens) > 1:
        raise _TokenCount()
    if not tokens:
        return None
    return tokens[0]["content"]["encap_content_info"]["content"].parsed["gen_time"].native


def _timestamp_problems(status, stamped_at: datetime | None) -> list[str]:
    token = status.timestamp_validity
    if stamped_at is None or token is None:
        return [NO_TIMESTAMP]
    if not token.intact:
        return [f"{NO_TIMESTAMP}：时间戳不属于此签名或已被修改"]
    if not token.valid:
        return [f"{NO_TIMESTAMP}：时间戳的签名无效"]
    if not token.trusted:
        return [f"{NO_TIMESTAMP}：时间戳不是由市中心时间戳服务签发（{token.trust_problem_indic}）"]
    if token.timestamp != stamped_at:  # the time read is the time of the token that was checked, or nothing
        return [f"{NO_TIMESTAMP}：时间戳时间与所验证的时间戳不一致"]
    return []


def _integrity_problems(status) -> list[str]:
    if not status.intact:
        return ["内容被修改：摘要与签名时不一致"]
    if not status.valid:
        return ["签名无效：签名值与证书公钥不符"]
    return []


def _check(
    problems: list[str],
    signer_certificate: x509.Certificate,
    ca_certificate_pem: bytes,
    revoked: RevocationList,
    signing_time: datetime | None,
    status,
    stamped_at: datetime | None,
) -> SignatureCheck:
    certificate_der = signer_certificate.dump()
    try:
        info = pki.certificate_info(certificate_der)
    except Exception:  # noqa: BLE001 - asn1crypto parsed lazily what cryptography refuses (ValueError, InvalidVersion)
        unreadable = ["签名中的证书格式错误，无法读取"]
        return SignatureCheck(ok=False, problems=problems + unreadable, certificate_problems=unreadable)
    certificate_problems = []
    if not pki.is_issued_by(certificate_der, ca_certificate_pem):
        certificate_problems.append("证书不是由市中心根证书签发")
    signing_time = signing_time.astimezone(UTC) if signing_time else None
    timestamp_problems = _timestamp_problems(status, stamped_at)
    certificate_problems += timestamp_problems
    trusted_time = stamped_at.astimezone(UTC) if stamped_at and not timestamp_problems else None
    if trusted_time is not None:
        certificate_problems += _time_problems(info, signing_time, trusted_time)
    revoked_at = revoked.get(info.serial)
    if revoked_at is not None and revoked_at.tzinfo is None:
        raise ValueError("revoked_at must be timezone-aware")
    if revoked_at is not None and trusted_time is None:
        certificate_problems.append(f"证书已于 {_shown(revoked_at)} 吊销")
    elif revoked_at is not None and trusted_time >= revoked_at:
        certificate_problems.append(f"证书已于 {_shown(revoked_at)} 吊销，时间戳时间为 {_shown(trusted_time)}")
    if info.district_code is None:
        certificate_problems.append("证书中没有旗区和用户信息")
    if not problems and not certificate_problems and not status.trusted:
        # What pyHanko objects to beyond the checks above (key usage, a malformed chain).
        certificate_problems.append(f"证书链验证失败（{status.trust_problem_indic}）")
    problems = problems + certificate_problems
    return SignatureCheck(
        ok=not problems,
        problems=problems,
        certificate_problems=certificate_problems,
        signer_name=info.subject_name or None,
        serial=info.serial,
        district_code=info.district_code,
        username=info.username,
        signing_time=signing_time,
        timestamp_time=trusted_time,
    )


def _time_problems(info: pki.CertificateInfo, signing_time: datetime | None, trusted_time: datetime) -> list[str]:
    """The certificate's validity at the timestamp's time, and a claimed time the timestamp contradicts."""
    problems = []
    if trusted_time < info.not_before:
        problems.append(f"时间戳时间早于证书生效时间（{_shown(info.not_before)}）")
    elif trusted_time > info.not_after:
        problems.append(f"证书已于 {_shown(info.not_after)} 过期，时间戳时间为 {_shown(trusted_time)}")
    if trusted_time > datetime.now(UTC) + CLOCK_TOLERANCE:
        problems.append(f"时间戳时间 {_shown(trusted_time)} 晚于当前时间")
    # A signature exists before it is stamped: a claim later than the stamp is false.
    if signing_time is not None and signing_time > trusted_time + CLOCK_TOLERANCE:
        problems.append(f"签名时间 {_shown(signing_time)} 晚于时间戳时间 {_shown(trusted_time)}")
    return problems


def _signer_certificate(signed_data: cms.SignedData) -> x509.Certificate:
    sid = signed_data["signer_infos"][0]["sid"]
    if sid.name != "issuer_and_serial_number":
        raise ValueError("signer identified by key identifier")
    wanted = sid.chosen
    for choice in signed_data["certificates"] or []:
        if choice.name != "certificate":
            continue
        certificate = choice.chosen
        if certificate.issuer == wanted["issuer"] and certificate.serial_number == wanted["serial_number"].native:
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


def shown(moment: datetime) -> str:
    """A moment as the app shows it: Beijing time, to the second."""
    return _shown(moment)


def _shown(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S") + "（北京时间）"
