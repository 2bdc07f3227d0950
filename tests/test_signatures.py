"""The signature edge: PAdES in the PDF, detached CMS over the manifest, and what stock tools say.

pyHanko is imported here only to forge what an attacker would: an update or a second signature.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import cms, pem, x509
from pyhanko.keys import load_private_key_from_pemder_data
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from inspect_app.adapters import pki
from inspect_app.adapters.pdf.report import create_pdf
from inspect_app.adapters.signatures import (
    CityTimeStamper,
    SigningRefused,
    sign_detached_cms,
    sign_pdf,
    sign_pdf_file,
    verify_detached_cms,
    verify_pdf,
    verify_pdf_file,
)

CA_PASSPHRASE = b"city-ca-passphrase"
PIN = "135790"
MANIFEST = '{"bundle": "150602-2024-v1", "files": [{"path": "report.pdf", "sha256": "ab12"}]}'.encode()
NOW = datetime.now(UTC).replace(microsecond=0)
# Certificates are issued a week ago so signatures can carry times on either side of a revocation.
ISSUED_AT = NOW - timedelta(days=7)
SIGNED_AT = NOW - timedelta(days=2)


@dataclass(frozen=True)
class Keys:
    ca: pki.CertifiedKey
    leader: pki.IssuedCertificate
    stranger: pki.IssuedCertificate  # issued by another CA, for the same district and user
    tsa: pki.CertifiedKey  # the city's time-stamping authority

    def stamper(self, moment: datetime) -> CityTimeStamper:
        """The city's TSA with its clock at moment: a signature is stamped when it is made."""
        return CityTimeStamper(
            self.tsa.certificate_pem,
            pki.load_authority_key(self.tsa.encrypted_key_pem, CA_PASSPHRASE),
            self.ca.certificate_pem,
            clock=lambda: moment,
        )


@pytest.fixture(scope="module")
def keys() -> Keys:
    ca = pki.create_root_ca(passphrase=CA_PASSPHRASE)
    other_ca = pki.create_root_ca("伪造的根证书", passphrase=b"other")
    identity = dict(
        subject_name="王建国",
        district_code="150602",
        district_name="东胜区",
        username="leader.dongsheng",
        pin=PIN,
        now=ISSUED_AT,
    )
    return Keys(
        ca=ca,
        leader=pki.issue_signing_certificate(ca, CA_PASSPHRASE, **identity),
        stranger=pki.issue_signing_certificate(other_ca, b"other", **identity),
        tsa=pki.issue_tsa_certificate(ca, CA_PASSPHRASE, now=NOW - timedelta(days=4 * 365)),
    )


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return create_pdf("<h1>东胜区 12315 服务站验收材料</h1><p>测试</p>")


@pytest.fixture(scope="module")
def signed_pdf(keys: Keys, pdf: bytes) -> bytes:
    return sign(keys, pdf, keys.leader)


@pytest.fixture(scope="module")
def p7s(keys: Keys) -> bytes:
    return sign_detached_cms(
        MANIFEST,
        certificate_pem=keys.leader.certificate_pem,
        encrypted_key_pem=keys.leader.encrypted_key_pem,
        pin=PIN,
        signing_time=SIGNED_AT,
        timestamper=keys.stamper(SIGNED_AT),
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, keys: Keys, signed_pdf: bytes, p7s: bytes) -> Path:
    folder = tmp_path_factory.mktemp("signed")
    (folder / "city-ca.pem").write_bytes(keys.ca.certificate_pem)
    (folder / "report.pdf").write_bytes(signed_pdf)
    (folder / "manifest.json").write_bytes(MANIFEST)
    (folder / "manifest.p7s").write_bytes(p7s)
    return folder


def sign(keys: Keys, pdf: bytes, certificate: pki.IssuedCertificate, signing_time: datetime = SIGNED_AT) -> bytes:
    return sign_pdf(
        pdf,
        certificate_pem=certificate.certificate_pem,
        ca_certificate_pem=keys.ca.certificate_pem,
        encrypted_key_pem=certificate.encrypted_key_pem,
        pin=PIN,
        signer_name="王建国",
        signing_time=signing_time,
        timestamper=keys.stamper(signing_time),
    )


def pdfsig(path: Path, *options: str) -> str:
    return subprocess.run(["pdfsig", *options, str(path)], capture_output=True, text=True, check=True).stdout


def openssl_cms_verify(folder: Path, content: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(folder / "manifest.p7s"),
            "-content",
            str(content),
            "-CAfile",
            str(folder / "city-ca.pem"),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def signed_range(pdf: bytes) -> tuple[int, int, int, int]:
    start, length, second, second_length = map(
        int, re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", pdf).groups()
    )
    return start, length, second, second_length


def signature_value_at(der: bytes) -> int:
    """Where the signer's RSA signature value sits in a CMS (before the timestamp token, an unsigned attribute)."""
    value = cms.ContentInfo.load(der)["content"]["signer_infos"][0]["signature"].native
    return der.index(value)


def flipped(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


# --- the PDF -------------------------------------------------------------------------------------


def test_signed_pdf_verifies_with_identity_and_time(keys, signed_pdf):
    check = verify_pdf(signed_pdf, keys.ca.certificate_pem, {})
    assert check.ok, check.problems
    assert check.problems == []
    assert (check.signer_name, check.district_code, check.username) == ("王建国", "150602", "leader.dongsheng")
    assert check.serial == keys.leader.serial
    assert check.signing_time == check.timestamp_time == SIGNED_AT


def test_file_to_file_signing_matches_the_in_memory_api(keys, pdf, tmp_path):
    (tmp_path / "report.pdf").write_bytes(pdf)
    sign_pdf_file(
        tmp_path / "report.pdf",
        tmp_path / "signed.pdf",
        certificate_pem=keys.leader.certificate_pem,
        ca_certificate_pem=keys.ca.certificate_pem,
        encrypted_key_pem=keys.leader.encrypted_key_pem,
        pin=PIN,
        signer_name="王建国",
        signing_time=SIGNED_AT,
        timestamper=keys.stamper(SIGNED_AT),
    )
    check = verify_pdf_file(tmp_path / "signed.pdf", keys.ca.certificate_pem, {})
    assert check.ok, check.problems
    assert check.signing_time == SIGNED_AT
    assert not verify_pdf_file(tmp_path / "report.pdf", keys.ca.certificate_pem, {}).ok


def test_each_signer_loads_its_key_once_whatever_it_signs(keys, pdf, monkeypatch):
    """A signed PDF takes the leader's signature and the time-stamp authority's (on the signature and on the
    validation data): pyHanko alone would parse each key again for every one of them."""
    from inspect_app.adapters import pki

    loads, signatures = [], []
    real_load, real_sign = pki.signing_key, pki.sign_pkcs1v15
    monkeypatch.setattr(pki, "signing_key", lambda der: loads.append(der) or real_load(der))
    monkeypatch.setattr(pki, "sign_pkcs1v15", lambda *args: signatures.append(args[0]) or real_sign(*args))
    signed = sign(keys, pdf, keys.leader)
    assert verify_pdf(signed, keys.ca.certificate_pem, {}).ok
    assert len(signatures) >= 2 and len({id(key) for key in signatures}) == len(loads) == 2


def test_pdfsig_reports_the_signature_valid(folder):
    out = pdfsig(folder / "report.pdf")
    assert "Signature Validation: Signature is Valid." in out
    assert "Total document signed" in out
    assert "Signer Certificate Common Name: 王建国" in out
    assert "ETSI.CAdES.detached" in out  # PAdES
    assert "Revoked" not in out
    # Without the city CA in its NSS database poppler cannot trust the issuer, and says so.
    validation = re.search(r"Certificate Validation: (.+)", out).group(1)
    assert validation in ("Certificate issuer isn't Trusted.", "Certificate is Trusted.")


def test_pdfsig_trusts_the_certificate_once_the_city_ca_is_in_its_nss_database(folder, tmp_path):
    database = f"sql:{tmp_path}"
    subprocess.run(["certutil", "-N", "-d", database, "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        ["certutil", "-A", "-d", database, "-n", "city-ca", "-t", "CT,C,C", "-i", str(folder / "city-ca.pem")],
        check=True,
        capture_output=True,
    )
    out = pdfsig(folder / "report.pdf", "-nssdir", database)
    assert "Signature Validation: Signature is Valid." in out
    assert "Certificate Validation: Certificate is Trusted." in out


def test_pyhanko_cli_says_intact_and_trusted(folder):
    cli = Path(sys.executable).parent / "pyhanko"  # from pyhanko-cli, a test dependency
    result = subprocess.run(
        [
            str(cli),
            "sign",
            "validate",
            "--trust-replace",
            "--trust",
            str(folder / "city-ca.pem"),
            str(folder / "report.pdf"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,UNTOUCHED" in result.stdout


@pytest.mark.parametrize("fraction", [0.0, 0.02, 0.2, 0.5, 0.8, 0.99, 1.0])
def test_one_changed_byte_in_the_signed_range_fails(keys, signed_pdf, fraction):
    start, length, second, second_length = signed_range(signed_pdf)
    position = min(int(start + fraction * length), start + length - 1)
    check = verify_pdf(flipped(signed_pdf, position), keys.ca.certificate_pem, {})
    assert not check.ok
    assert check.problems and all(re.search(r"[\u4e00-\u9fff]", problem) for problem in check.problems)


def test_a_changed_content_byte_is_reported_as_modified_and_pdfsig_agrees(keys, signed_pdf, tmp_path):
    # A byte inside a compressed page stream: the file still parses, only the digest differs.
    stream = signed_pdf.index(b"stream\n", len(signed_pdf) // 4) + 20
    tampered = flipped(signed_pdf, stream)
    check = verify_pdf(tampered, keys.ca.certificate_pem, {})
    assert check.problems == ["内容被修改：摘要与签名时不一致"]
    (tmp_path / "tampered.pdf").write_bytes(tampered)
    assert "Signature Validation: Digest Mismatch." in pdfsig(tmp_path / "tampered.pdf")


def test_a_changed_byte_after_the_signature_fails(keys, signed_pdf):
    start, length, second, second_length = signed_range(signed_pdf)
    for position in (second, second + second_length // 2, second + second_length - 1):
        assert not verify_pdf(flipped(signed_pdf, position), keys.ca.certificate_pem, {}).ok


def test_a_changed_signature_value_fails(keys, signed_pdf):
    start, length, second, _ = signed_range(signed_pdf)
    contents = bytes.fromhex(signed_pdf[length + 1 : second - 1].decode())
    hex_digit = length + 1 + 2 * (signature_value_at(contents) + 100)
    tampered = bytearray(signed_pdf)
    tampered[hex_digit] = ord("0") if tampered[hex_digit] != ord("0") else ord("1")
    check = verify_pdf(bytes(tampered), keys.ca.certificate_pem, {})
    # The timestamp was made over the signature value as it was: it no longer belongs to it either.
    assert check.problems == ["签名无效：签名值与证书公钥不符", "签名没有可信时间戳：时间戳不属于此签名或已被修改"]


def test_bytes_appended_after_the_signature_fail(keys, signed_pdf):
    check = verify_pdf(signed_pdf + b"\n% appended after signing\n", keys.ca.certificate_pem, {})
    assert check.problems == ["签名后PDF被追加了内容（签名未覆盖整个文件）"]


def test_an_incremental_update_that_adds_content_fails(keys, signed_pdf):
    writer = IncrementalPdfFileWriter(BytesIO(signed_pdf))
    writer.root["/AddedAfterSigning"] = generic.pdf_string("新增内容")
    writer.update_root()
    output = BytesIO()
    writer.write(output)
    check = verify_pdf(output.getvalue(), keys.ca.certificate_pem, {})
    assert check.problems == ["签名后PDF被追加了内容（签名未覆盖整个文件）"]


def test_a_signed_pdf_is_not_signed_again(keys, signed_pdf):
    with pytest.raises(SigningRefused, match="PDF签名失败"):
        sign(keys, signed_pdf, keys.leader, NOW)


def test_a_second_signature_on_top_fails(keys, signed_pdf):
    certificate = x509.Certificate.load(pem.unarmor(keys.stranger.certificate_pem)[2])
    key = load_private_key_from_pemder_data(keys.stranger.encrypted_key_pem, PIN.encode())
    signer = signers.SimpleSigner(certificate, key, SimpleCertificateStore())
    output = signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(signed_pdf)), signers.PdfSignatureMetadata(field_name="Another"), signer
    )
    check = verify_pdf(output.getvalue(), keys.ca.certificate_pem, {})
    assert not check.ok
    assert check.serial == keys.leader.serial  # the first signature, the leader's, is the one reported
    assert check.problems == ["PDF中应只有一个签名，实际有 2 个", "签名后PDF被追加了内容（签名未覆盖整个文件）"]


def test_an_unsigned_or_broken_pdf_fails(keys, pdf):
    assert verify_pdf(pdf, keys.ca.certificate_pem, {}).problems == [
        "PDF中没有可识别的签名（签名缺失或签名字典被修改）"
    ]
    assert verify_pdf(b"not a pdf", keys.ca.certificate_pem, {}).problems[0].startswith("PDF文件无法解析")


def test_pdf_signed_under_another_ca_is_refused(keys, pdf):
    check = verify_pdf(sign(keys, pdf, keys.stranger), keys.ca.certificate_pem, {})
    assert check.problems == ["证书不是由市中心根证书签发"]
    assert check.district_code == "150602"  # the claim is read, but not believed


def test_pdf_signed_after_revocation_fails_and_before_stays_valid(keys, signed_pdf):
    serial = keys.leader.serial
    before = verify_pdf(signed_pdf, keys.ca.certificate_pem, {serial: SIGNED_AT - timedelta(hours=1)})
    assert not before.ok
    assert len(before.problems) == 1 and re.fullmatch(
        r"证书已于 .+（北京时间） 吊销，时间戳时间为 .+（北京时间）", before.problems[0]
    )
    # Revoked at the very second of the timestamp counts as revoked; times are shown in Beijing time.
    beijing = (SIGNED_AT + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    at_signing = verify_pdf(signed_pdf, keys.ca.certificate_pem, {serial: SIGNED_AT})
    assert at_signing.problems == [f"证书已于 {beijing}（北京时间） 吊销，时间戳时间为 {beijing}（北京时间）"]
    after = verify_pdf(signed_pdf, keys.ca.certificate_pem, {serial: SIGNED_AT + timedelta(seconds=1)})
    assert after.ok, after.problems
    assert verify_pdf(signed_pdf, keys.ca.certificate_pem, {serial + 1: ISSUED_AT}).ok  # someone else's


def test_wrong_pin_signs_nothing(keys, pdf):
    with pytest.raises(pki.WrongPin, match="签名PIN错误"):
        sign_pdf(
            pdf,
            certificate_pem=keys.leader.certificate_pem,
            ca_certificate_pem=keys.ca.certificate_pem,
            encrypted_key_pem=keys.leader.encrypted_key_pem,
            pin="000000",
            signer_name="王建国",
            timestamper=keys.stamper(NOW),
        )
    with pytest.raises(pki.WrongPin):
        sign_detached_cms(
            MANIFEST,
            certificate_pem=keys.leader.certificate_pem,
            encrypted_key_pem=keys.leader.encrypted_key_pem,
            pin="000000",
            timestamper=keys.stamper(NOW),
        )


def test_a_key_that_does_not_match_the_certificate_signs_nothing(keys):
    with pytest.raises(SigningRefused, match="签名私钥与证书不匹配"):
        sign_detached_cms(
            MANIFEST,
            certificate_pem=keys.leader.certificate_pem,
            encrypted_key_pem=keys.stranger.encrypted_key_pem,
            pin=PIN,
            timestamper=keys.stamper(NOW),
        )


def test_signing_outside_the_validity_period_is_refused(keys):
    with pytest.raises(SigningRefused, match="证书已于 .* 过期"):
        sign_detached_cms(
            MANIFEST,
            certificate_pem=keys.leader.certificate_pem,
            encrypted_key_pem=keys.leader.encrypted_key_pem,
            pin=PIN,
            signing_time=keys.leader.not_after + timedelta(days=1),
            timestamper=keys.stamper(NOW),
        )
    with pytest.raises(SigningRefused, match="证书尚未生效"):
        sign_detached_cms(
            MANIFEST,
            certificate_pem=keys.leader.certificate_pem,
            encrypted_key_pem=keys.leader.encrypted_key_pem,
            pin=PIN,
            signing_time=ISSUED_AT - timedelta(days=1),
            timestamper=keys.stamper(NOW),
        )


def test_a_signature_made_while_valid_still_verifies_after_the_certificate_expired(keys, pdf):
    long_ago = NOW - timedelta(days=3 * 365)
    old = pki.issue_signing_certificate(
        keys.ca,
        CA_PASSPHRASE,
        subject_name="张旧",
        district_code="150621",
        district_name="达拉特旗",
        username="leader.old",
        pin=PIN,
        valid_days=30,
        now=long_ago,
    )
    assert old.not_after < NOW
    signature = sign_detached_cms(
        MANIFEST,
        certificate_pem=old.certificate_pem,
        encrypted_key_pem=old.encrypted_key_pem,
        pin=PIN,
        signing_time=long_ago + timedelta(days=1),
        timestamper=keys.stamper(long_ago + timedelta(days=1)),
    )
    check = verify_detached_cms(MANIFEST, signature, keys.ca.certificate_pem, {})
    assert check.ok, check.problems
    assert check.username == "leader.old"


# --- the detached CMS over manifest.json -----------------------------------------------------------


def test_detached_cms_verifies_with_identity_and_time(keys, p7s):
    check = verify_detached_cms(MANIFEST, p7s, keys.ca.certificate_pem, {})
    assert check.ok, check.problems
    assert (check.signer_name, check.serial) == ("王建国", keys.leader.serial)
    assert (check.district_code, check.username) == ("150602", "leader.dongsheng")
    assert check.signing_time == check.timestamp_time == SIGNED_AT


def test_openssl_cms_verify_accepts_the_manifest_signature(folder):
    result = openssl_cms_verify(folder, folder / "manifest.json")
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr


def test_one_changed_byte_in_the_manifest_fails_with_openssl_and_with_us(keys, folder, p7s, tmp_path):
    tampered = MANIFEST.replace(b"ab12", b"ab13")
    (tmp_path / "manifest.json").write_bytes(tampered)
    result = openssl_cms_verify(folder, tmp_path / "manifest.json")
    assert result.returncode != 0
    assert "Verification failure" in result.stderr
    assert verify_detached_cms(tampered, p7s, keys.ca.certificate_pem, {}).problems == [
        "内容被修改：摘要与签名时不一致"
    ]


def test_a_changed_or_garbled_signature_fails(keys, p7s):
    check = verify_detached_cms(MANIFEST, flipped(p7s, signature_value_at(p7s) + 100), keys.ca.certificate_pem, {})
    assert check.problems == ["签名无效：签名值与证书公钥不符", "签名没有可信时间戳：时间戳不属于此签名或已被修改"]
    assert verify_detached_cms(MANIFEST, b"\x30\x03garbage", keys.ca.certificate_pem, {}).problems == [
        "签名文件格式错误，无法读取"
    ]


def test_manifest_signed_under_another_ca_is_refused_by_openssl_and_by_us(keys, folder, tmp_path):
    signature = sign_detached_cms(
        MANIFEST,
        certificate_pem=keys.stranger.certificate_pem,
        encrypted_key_pem=keys.stranger.encrypted_key_pem,
        pin=PIN,
        signing_time=SIGNED_AT,
        timestamper=keys.stamper(SIGNED_AT),
    )
    check = verify_detached_cms(MANIFEST, signature, keys.ca.certificate_pem, {})
    assert check.problems == ["证书不是由市中心根证书签发"]
    (tmp_path / "city-ca.pem").write_bytes(keys.ca.certificate_pem)
    (tmp_path / "manifest.p7s").write_bytes(signature)
    assert openssl_cms_verify(tmp_path, folder / "manifest.json").returncode != 0


def test_manifest_signed_after_revocation_fails_and_before_stays_valid(keys, p7s):
    serial = keys.leader.serial
    revoked_first = verify_detached_cms(MANIFEST, p7s, keys.ca.certificate_pem, {serial: SIGNED_AT - timedelta(days=1)})
    assert not revoked_first.ok
    assert revoked_first.problems[0].startswith("证书已于 ") and "吊销，时间戳时间为" in revoked_first.problems[0]
    assert verify_detached_cms(MANIFEST, p7s, keys.ca.certificate_pem, {serial: SIGNED_AT + timedelta(days=1)}).ok


def test_a_signing_time_in_the_future_is_not_believed(keys):
    tomorrow = NOW + timedelta(days=1)
    signature = sign_detached_cms(
        MANIFEST,
        certificate_pem=keys.leader.certificate_pem,
        encrypted_key_pem=keys.leader.encrypted_key_pem,
        pin=PIN,
        signing_time=tomorrow,
        timestamper=keys.stamper(NOW),
    )
    check = verify_detached_cms(MANIFEST, signature, keys.ca.certificate_pem, {})
    assert not check.ok
    assert any("晚于时间戳时间" in problem for problem in check.problems), check.problems
    # Nor a timestamp from a TSA whose clock runs ahead.
    signature = sign_detached_cms(
        MANIFEST,
        certificate_pem=keys.leader.certificate_pem,
        encrypted_key_pem=keys.leader.encrypted_key_pem,
        pin=PIN,
        signing_time=tomorrow,
        timestamper=keys.stamper(tomorrow),
    )
    check = verify_detached_cms(MANIFEST, signature, keys.ca.certificate_pem, {})
    assert any(p.startswith("时间戳时间 ") and p.endswith("晚于当前时间") for p in check.problems), check.problems
