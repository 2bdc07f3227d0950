"""Trusted time: the city's time-stamping authority, and verification that believes its clock, not the signer's.

Stock tools check the same: openssl (cms, ts, x509, crl), poppler's pdfsig and pyHanko's command line.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import cms, pem, x509
from asn1crypto.crl import CertificateList
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from stock_tools import openssl_cms_verify

from inspect_app.adapters import pki
from inspect_app.adapters.pdf.report import create_pdf
from inspect_app.adapters.signatures import (
    CityTimeStamper,
    sign_detached_cms,
    sign_pdf,
    verify_detached_cms,
    verify_pdf,
)
from inspect_app.models import AuditEntry, CertificateAuthority
from inspect_app.signing import keys

CA_PASSPHRASE = b"city-ca-passphrase"
PIN = "135790"
MANIFEST = b'{"bundle": "150602-2026-v1"}'
NOW = datetime.now(UTC).replace(microsecond=0)
ISSUED_AT = NOW - timedelta(days=7)
REVOKED_AT = NOW - timedelta(hours=1)
BACKDATED = REVOKED_AT - timedelta(days=1)  # what a thief with the key and PIN claims
UNTRUSTED = "签名没有可信时间戳：时间戳不是由市中心时间戳服务签发"
PYHANKO = Path(sys.executable).parent / "pyhanko"  # from pyhanko-cli, a test dependency


@dataclass(frozen=True)
class City:
    ca: pki.CertifiedKey
    tsa: pki.CertifiedKey
    leader: pki.IssuedCertificate

    def stamper(self, clock=None, tsa: pki.CertifiedKey | None = None) -> CityTimeStamper:
        tsa = tsa or self.tsa
        return CityTimeStamper(
            tsa.certificate_pem,
            pki.load_authority_key(tsa.encrypted_key_pem, CA_PASSPHRASE),
            self.ca.certificate_pem,
            clock=clock,
        )


@pytest.fixture(scope="module")
def city() -> City:
    ca = pki.create_root_ca(passphrase=CA_PASSPHRASE, now=ISSUED_AT - timedelta(days=1))
    return City(
        ca=ca,
        tsa=pki.issue_tsa_certificate(ca, CA_PASSPHRASE, now=ISSUED_AT - timedelta(days=1)),
        leader=pki.issue_signing_certificate(
            ca,
            CA_PASSPHRASE,
            subject_name="王建国",
            district_code="150602",
            district_name="东胜区",
            username="leader.dongsheng",
            pin=PIN,
            now=ISSUED_AT,
        ),
    )


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return create_pdf("<h1>东胜区 12315 服务站验收材料</h1>")


def cms_signature(city: City, stamper, content: bytes = MANIFEST, signing_time: datetime | None = None) -> bytes:
    return sign_detached_cms(
        content,
        certificate_pem=city.leader.certificate_pem,
        encrypted_key_pem=city.leader.encrypted_key_pem,
        pin=PIN,
        signing_time=signing_time,
        timestamper=stamper,
    )


def pdf_signature(
    city: City, pdf: bytes, stamper, signing_time: datetime | None = None, crl_der: bytes | None = None
) -> bytes:
    return sign_pdf(
        pdf,
        certificate_pem=city.leader.certificate_pem,
        ca_certificate_pem=city.ca.certificate_pem,
        encrypted_key_pem=city.leader.encrypted_key_pem,
        pin=PIN,
        signer_name="王建国",
        signing_time=signing_time,
        timestamper=stamper,
        crl_der=crl_der,
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory, city: City, pdf: bytes) -> Path:
    """What a city has years later: the CA certificate, the report and the manifest with its signature."""
    folder = tmp_path_factory.mktemp("stamped")
    (folder / "city-ca.pem").write_bytes(city.ca.certificate_pem)
    (folder / "tsa.pem").write_bytes(city.tsa.certificate_pem)
    (folder / "manifest.json").write_bytes(MANIFEST)
    (folder / "manifest.p7s").write_bytes(cms_signature(city, city.stamper()))
    crl = pki.issue_crl(city.ca, CA_PASSPHRASE, {city.leader.serial + 1: ISSUED_AT})
    (folder / "report.pdf").write_bytes(pdf_signature(city, pdf, city.stamper(), crl_der=crl))
    revoked_crl = pki.issue_crl(city.ca, CA_PASSPHRASE, {city.leader.serial: REVOKED_AT})
    (folder / "revoked.pdf").write_bytes(pdf_signature(city, pdf, city.stamper(), crl_der=revoked_crl))
    return folder


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)


def revoked_backdated(check) -> bool:
    return any(p.startswith("证书已于 ") and "吊销，时间戳时间为 " in p for p in check.problems)


# --- the time verification believes ----------------------------------------------------------------


def test_a_revoked_key_cannot_backdate_a_manifest_signature(city):
    signature = cms_signature(city, city.stamper(), signing_time=BACKDATED)
    check = verify_detached_cms(MANIFEST, signature, city.ca.certificate_pem, {city.leader.serial: REVOKED_AT})
    assert not check.ok
    assert revoked_backdated(check), check.problems
    assert check.signing_time == BACKDATED and check.timestamp_time >= NOW


def test_a_revoked_key_cannot_backdate_a_pdf_signature(city, pdf):
    signed = pdf_signature(city, pdf, city.stamper(), signing_time=BACKDATED)
    check = verify_pdf(signed, city.ca.certificate_pem, {city.leader.serial: REVOKED_AT})
    assert not check.ok
    assert revoked_backdated(check), check.problems


def test_a_signature_stamped_before_the_revocation_stays_valid(city, pdf):
    stamped = REVOKED_AT - timedelta(minutes=1)
    signature = cms_signature(city, city.stamper(lambda: stamped), signing_time=stamped)
    check = verify_detached_cms(MANIFEST, signature, city.ca.certificate_pem, {city.leader.serial: REVOKED_AT})
    assert check.ok, check.problems
    assert check.timestamp_time == stamped
    signed = pdf_signature(city, pdf, city.stamper(lambda: stamped), signing_time=stamped)
    assert verify_pdf(signed, city.ca.certificate_pem, {city.leader.serial: REVOKED_AT}).ok


def test_a_timestamp_made_by_a_key_without_the_time_stamping_purpose_is_refused(city, pdf):
    # The leader's own certificate, issued by the city CA, but for signing documents, not for stamping time.
    rogue = CityTimeStamper(
        city.leader.certificate_pem, pki.load_signing_key(city.leader.encrypted_key_pem, PIN), city.ca.certificate_pem
    )
    check = verify_detached_cms(MANIFEST, cms_signature(city, rogue), city.ca.certificate_pem, {})
    assert not check.ok and check.problems[0].startswith(UNTRUSTED), check.problems
    assert check.timestamp_time is None
    check = verify_pdf(pdf_signature(city, pdf, rogue), city.ca.certificate_pem, {})
    assert not check.ok and check.problems[0].startswith(UNTRUSTED), check.problems


def test_a_time_stamping_authority_of_another_ca_is_refused(city):
    other = pki.create_root_ca("伪造的根证书", passphrase=CA_PASSPHRASE)
    foreign = city.stamper(tsa=pki.issue_tsa_certificate(other, CA_PASSPHRASE))
    check = verify_detached_cms(MANIFEST, cms_signature(city, foreign), city.ca.certificate_pem, {})
    assert not check.ok and check.problems[0].startswith(UNTRUSTED), check.problems


def test_a_signature_without_a_timestamp_fails(city):
    stripped = _with_unsigned_attributes(cms_signature(city, city.stamper()), [])
    revoked = {city.leader.serial: REVOKED_AT}
    check = verify_detached_cms(MANIFEST, stripped, city.ca.certificate_pem, revoked)
    assert not check.ok
    assert check.problems[0] == "签名没有可信时间戳"
    # Without a trusted time a revoked certificate counts as revoked, whatever the signer claims.
    assert any(p.startswith("证书已于 ") and p.endswith(" 吊销") for p in check.problems), check.problems


def test_a_timestamp_taken_from_another_signature_fails(city):
    donor = cms_signature(city, city.stamper(), content=b"another manifest")
    target = cms_signature(city, city.stamper(), signing_time=BACKDATED)
    forged = _with_unsigned_attributes(target, _unsigned_attributes(donor))
    check = verify_detached_cms(MANIFEST, forged, city.ca.certificate_pem, {})
    assert check.problems == ["签名没有可信时间戳：时间戳不属于此签名或已被修改"]


# A forger edits the signature's bytes; so do these helpers. Re-encoding an edited asn1crypto tree instead
# re-checks it level by level, which took minutes per signature.


def _tlv(data: bytes, at: int = 0) -> tuple[int, int, int]:
    """The DER value starting at `at`: (its tag byte, where its content starts, where it ends)."""
    tag, first = data[at], data[at + 1]
    if first < 0x80:
        return tag, at + 2, at + 2 + first
    count = first & 0x7F
    size = int.from_bytes(data[at + 2 : at + 2 + count], "big")
    return tag, at + 2 + count, at + 2 + count + size


def _children(data: bytes) -> list[bytes]:
    """The encodings of the values inside a constructed value's content."""
    out, at = [], 0
    while at < len(data):
        _, _, end = _tlv(data, at)
        out.append(data[at:end])
        at = end
    return out


def _content(value: bytes) -> bytes:
    _, start, end = _tlv(value)
    return value[start:end]


def _wrap(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


def _signer_info_path(signature: bytes) -> list[bytes]:
    """ContentInfo, its [0] SignedData wrapper, SignedData, its SignerInfos, the first SignerInfo."""
    content_info = _children(signature)[0]
    explicit = _children(_content(content_info))[1]
    signed_data = _children(_content(explicit))[0]
    signer_infos = _children(_content(signed_data))[-1]
    return [content_info, explicit, signed_data, signer_infos, _children(_content(signer_infos))[0]]


def _unsigned_attributes(signature: bytes) -> list[bytes]:
    """The encodings of the signer's unsigned attributes (the timestamp token lives there)."""
    last = _children(_content(_signer_info_path(signature)[-1]))[-1]
    return _children(_content(last)) if last[0] == 0xA1 else []


def _with_unsigned_attributes(signature: bytes, attributes: list[bytes]) -> bytes:
    """The signature with its signer's unsigned attributes replaced (none: the field left out), nothing re-signed."""
    path = _signer_info_path(signature)
    fields = _children(_content(path[-1]))
    if fields[-1][0] == 0xA1:
        fields = fields[:-1]
    value = _wrap(0x30, b"".join(fields + ([_wrap(0xA1, b"".join(attributes))] if attributes else [])))
    # Each enclosing value rebuilt around the new one, where the old one stood: the first SignerInfo, SignedData's
    # last field (SignerInfos), the [0] wrapper's only value, ContentInfo's second field.
    for outer, at in zip(reversed(path[:-1]), (0, -1, 0, 1)):
        inside = _children(_content(outer))
        inside[at] = value
        value = _wrap(outer[0], b"".join(inside))
    return value


def _with_tokens(signature: bytes, *donors: bytes, two_attributes: bool = False) -> bytes:
    """The signature with the donors' tokens put before its own: in one attribute, or as attributes of their own."""
    own, *rest = _unsigned_attributes(signature)
    fakes = [_unsigned_attributes(d)[0] for d in donors]
    if two_attributes:
        return _with_unsigned_attributes(signature, [*fakes, own, *rest])
    kind, values = _children(_content(own))
    tokens = [_children(_content(_children(_content(f))[1]))[0] for f in fakes] + _children(_content(values))
    return _with_unsigned_attributes(signature, [_wrap(0x30, kind + _wrap(0x31, b"".join(tokens))), *rest])


@pytest.mark.parametrize("two_attributes", [False, True])
def test_an_early_token_put_before_the_genuine_one_does_not_backdate_a_revoked_key(city, two_attributes):
    # Unsigned attributes lie outside the signature: anyone holding the ZIP can add a token, e.g. a genuine one
    # over other data, stamped before the revocation. The time believed must not come from it.
    genuine = cms_signature(city, city.stamper(), signing_time=BACKDATED)  # stamped now, after the revocation
    early = cms_signature(city, city.stamper(lambda: BACKDATED), content=b"other data")
    forged = _with_tokens(genuine, early, two_attributes=two_attributes)
    check = verify_detached_cms(MANIFEST, forged, city.ca.certificate_pem, {city.leader.serial: REVOKED_AT})
    assert not check.ok
    assert check.problems[0] == "签名没有可信时间戳：签名中只能有一个时间戳", check.problems


# --- stock tools -------------------------------------------------------------------------------------


def test_the_tsa_certificate_is_for_time_stamping_only_per_openssl(city, folder):
    text = run("openssl", "x509", "-in", str(folder / "tsa.pem"), "-noout", "-text").stdout
    assert "X509v3 Extended Key Usage: critical\n                Time Stamping\n" in text
    verified = run("openssl", "verify", "-purpose", "timestampsign", "-CAfile", "city-ca.pem", "tsa.pem", cwd=folder)
    assert verified.returncode == 0 and "tsa.pem: OK" in verified.stdout, verified.stderr
    (folder / "leader.pem").write_bytes(city.leader.certificate_pem)
    assert (
        run(
            "openssl", "verify", "-purpose", "timestampsign", "-CAfile", "city-ca.pem", "leader.pem", cwd=folder
        ).returncode
        != 0
    )


def test_the_crl_is_signed_by_the_ca_and_lists_revocations_per_openssl(city, tmp_path):
    (tmp_path / "city-ca.pem").write_bytes(city.ca.certificate_pem)
    (tmp_path / "city.crl").write_bytes(pki.issue_crl(city.ca, CA_PASSPHRASE, {city.leader.serial: REVOKED_AT}))
    result = run(
        "openssl", "crl", "-inform", "DER", "-in", "city.crl", "-CAfile", "city-ca.pem", "-noout", "-text", cwd=tmp_path
    )
    assert result.returncode == 0 and "verify OK" in result.stderr + result.stdout, result.stderr
    assert f"Serial Number: {city.leader.serial:X}" in result.stdout


def test_openssl_shows_the_signature_timestamp_token_in_the_manifest_signature(folder):
    printed = run("openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", "manifest.p7s", cwd=folder)
    assert "object: id-smime-aa-timeStampToken (1.2.840.113549.1.9.16.2.14)" in printed.stdout
    verified = openssl_cms_verify(folder)
    assert "Verification successful" in verified.stderr


def test_openssl_ts_verifies_the_token_over_the_signature_value(folder, tmp_path):
    signer_info = cms.ContentInfo.load((folder / "manifest.p7s").read_bytes())["content"]["signer_infos"][0]
    token = signer_info["unsigned_attrs"][0]["values"][0]
    (tmp_path / "token.der").write_bytes(token.dump())
    (tmp_path / "signature.bin").write_bytes(signer_info["signature"].native)
    (tmp_path / "city-ca.pem").write_bytes((folder / "city-ca.pem").read_bytes())
    verify = (
        "openssl",
        "ts",
        "-verify",
        "-data",
        "signature.bin",
        "-in",
        "token.der",
        "-token_in",
        "-CAfile",
        "city-ca.pem",
    )
    result = run(*verify, cwd=tmp_path)
    assert result.returncode == 0 and "Verification: OK" in result.stdout, result.stdout + result.stderr
    printed = run("openssl", "ts", "-reply", "-in", "token.der", "-token_in", "-token_out", "-text", cwd=tmp_path)
    assert "Policy OID: 2.25." in printed.stdout and "Time stamp: " in printed.stdout
    (tmp_path / "signature.bin").write_bytes(b"\x00" + signer_info["signature"].native[1:])
    assert "Verification: FAILED" in run(*verify, cwd=tmp_path).stdout


def test_pdfsig_validates_and_its_dump_holds_the_timestamp_token(folder, tmp_path):
    # poppler 22.12's pdfsig prints no timestamp line; it validates the signature and dumps the CMS, in which
    # openssl finds the token.
    (tmp_path / "report.pdf").write_bytes((folder / "report.pdf").read_bytes())
    out = run("pdfsig", "report.pdf", cwd=tmp_path).stdout
    assert "Signature Validation: Signature is Valid." in out and "Total document signed" in out
    assert "Signature #0 " in run("pdfsig", "-dump", "report.pdf", cwd=tmp_path).stdout
    printed = run("openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", "report.pdf.sig0", cwd=tmp_path)
    assert "object: id-smime-aa-timeStampToken (1.2.840.113549.1.9.16.2.14)" in printed.stdout


def test_pyhanko_cli_shows_the_timestamp_and_trusts_it(folder):
    result = run(
        str(PYHANKO),
        "sign",
        "validate",
        "--trust-replace",
        "--trust",
        "city-ca.pem",
        "--pretty-print",
        "report.pdf",
        cwd=folder,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Signature timestamp token: " in result.stdout
    assert "The TSA certificate is trusted." in result.stdout
    assert "The signature is judged VALID." in result.stdout


def test_the_dss_holds_the_chain_and_the_crl_so_adesverify_needs_nothing_else(city, folder):
    dss = DocumentSecurityStore.read_dss(PdfFileReader(BytesIO((folder / "report.pdf").read_bytes())))
    embedded = {reference.get_object().data for reference in dss.certs.values()}
    assert {pki_der(city.ca.certificate_pem), pki_der(city.tsa.certificate_pem)} <= embedded
    assert len(dss.crls) == 1
    crl = CertificateList.load(dss.crls[0].get_object().data)
    assert crl.issuer == x509.Certificate.load(pki_der(city.ca.certificate_pem)).subject
    assert [entry["user_certificate"].native for entry in crl["tbs_cert_list"]["revoked_certificates"]] == [
        city.leader.serial + 1
    ]
    # The certificates name no CRL address: a validator can only have found the CRL in the file.
    fine = run(
        str(PYHANKO), "sign", "adesverify", "--trust-replace", "--trust", "city-ca.pem", "report.pdf", cwd=folder
    )
    assert fine.returncode == 0 and "INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>" in fine.stdout, fine.stderr
    revoked = run(
        str(PYHANKO), "sign", "adesverify", "--trust-replace", "--trust", "city-ca.pem", "revoked.pdf", cwd=folder
    )
    assert revoked.returncode != 0 and "INTACT:REVOKED" in revoked.stdout + revoked.stderr


def pki_der(certificate_pem: bytes) -> bytes:
    return pem.unarmor(certificate_pem)[2]


# --- the authority in the app -------------------------------------------------------------------------


def test_the_authority_is_made_with_its_time_stamping_certificate(app, session):
    ca = keys.init_authority(session, app.config["PKI_CA_PASSPHRASE"])
    assert pki.is_issued_by(ca.tsa_certificate_pem, ca.certificate_pem)
    assert b"ENCRYPTED PRIVATE KEY" in ca.tsa_encrypted_key_pem
    trusted = keys.trusted_time(session, app.config["PKI_CA_PASSPHRASE"])
    assert trusted.timestamper.tsa_certificate.dump() == pki_der(ca.tsa_certificate_pem)


def test_an_authority_made_before_time_stamping_gets_its_tsa_on_first_use(app, session):
    ca = keys.init_authority(session, app.config["PKI_CA_PASSPHRASE"])
    ca.tsa_certificate_pem = ca.tsa_encrypted_key_pem = None
    session.commit()
    keys.trusted_time(session, app.config["PKI_CA_PASSPHRASE"])
    session.commit()
    row = session.get(CertificateAuthority, ca.id)
    assert row.tsa_certificate_pem and pki.is_issued_by(row.tsa_certificate_pem, row.certificate_pem)
    assert session.query(AuditEntry).filter_by(action="init_time_stamping").count() == 1
    again = keys.trusted_time(session, app.config["PKI_CA_PASSPHRASE"])  # made once, then used
    assert again.timestamper.tsa_certificate.dump() == pki_der(row.tsa_certificate_pem)
