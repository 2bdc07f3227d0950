"""The PKI edge: the city root CA, leaders' certificates bound to a district, PINs; no database."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inspect_app.adapters import pki

CA_PASSPHRASE = b"city-ca-passphrase"
PIN = "20240601"


@pytest.fixture(scope="module")
def ca() -> pki.CertifiedKey:
    return pki.create_root_ca(passphrase=CA_PASSPHRASE)


@pytest.fixture(scope="module")
def leader(ca: pki.CertifiedKey) -> pki.IssuedCertificate:
    return pki.issue_signing_certificate(
        ca,
        CA_PASSPHRASE,
        subject_name="王建国",
        district_code="150602",
        district_name="东胜区",
        username="leader.dongsheng",
        pin=PIN,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, ca, leader) -> Path:
    folder = tmp_path_factory.mktemp("pki")
    (folder / "city-ca.pem").write_bytes(ca.certificate_pem)
    (folder / "leader.pem").write_bytes(leader.certificate_pem)
    return folder


def openssl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)


def test_root_ca_is_a_ca_with_chinese_names_and_twenty_years(ca, files):
    info = pki.certificate_info(ca.certificate_pem)
    assert info.subject_name == "鄂尔多斯市12315消费维权服务中心 根证书"
    assert info.issuer_name == info.subject_name
    assert 20 * 365 - 1 <= (info.not_after - info.not_before).days <= 20 * 365 + 1
    text = openssl("x509", "-in", str(files / "city-ca.pem"), "-noout", "-text", "-nameopt", "utf8").stdout
    assert "CA:TRUE" in text
    assert "Certificate Sign, CRL Sign" in text
    assert "O=鄂尔多斯市市场监督管理局" in text and "C=CN" in text
    assert "Subject Key Identifier" in text


def test_root_ca_key_is_encrypted_at_rest(ca):
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in ca.encrypted_key_pem
    with pytest.raises(ValueError, match="根证书口令错误"):
        pki.issue_signing_certificate(
            ca,
            b"wrong",
            subject_name="某人",
            district_code="150602",
            district_name="东胜区",
            username="someone",
            pin=PIN,
        )


def test_leader_certificate_chains_to_the_ca_per_openssl(files):
    result = openssl("verify", "-CAfile", str(files / "city-ca.pem"), str(files / "leader.pem"))
    assert result.returncode == 0, result.stderr
    text = openssl("x509", "-in", str(files / "leader.pem"), "-noout", "-text", "-nameopt", "utf8").stdout
    assert "CA:FALSE" in text
    assert "Digital Signature, Non Repudiation" in text
    assert "E-mail Protection" in text and "1.3.6.1.4.1.311.10.3.12" in text
    assert "Authority Key Identifier" in text
    assert "URI:urn:ordos-12315:district:150602:user:leader.dongsheng" in text


def test_leader_certificate_round_trip(ca, leader):
    info = pki.certificate_info(leader.certificate_pem)
    assert info.subject_name == "王建国"
    assert info.district_name == "东胜区"
    assert (info.district_code, info.username) == ("150602", "leader.dongsheng")
    assert info.serial == leader.serial and 0 < leader.serial < 2**63  # fits a BIGINT column
    assert (info.not_before, info.not_after) == (leader.not_before, leader.not_after)
    assert 3 * 365 - 1 <= (leader.not_after - leader.not_before).days <= 3 * 365 + 1
    assert info.fingerprint_sha256 == leader.fingerprint_sha256
    assert pki.is_issued_by(leader.certificate_pem, ca.certificate_pem)


def test_fingerprint_matches_openssl(leader, files):
    out = openssl("x509", "-in", str(files / "leader.pem"), "-noout", "-fingerprint", "-sha256").stdout
    assert out.strip().split("=", 1)[1].replace(":", "").lower() == leader.fingerprint_sha256


def test_identity_is_read_back_and_missing_identity_is_an_error(ca, leader):
    assert pki.certificate_identity(leader.certificate_pem) == ("150602", "leader.dongsheng")
    with pytest.raises(ValueError, match="没有旗区和用户信息"):
        pki.certificate_identity(ca.certificate_pem)


def test_identity_must_be_writable():
    with pytest.raises(ValueError):
        pki.identity_uri("1506", "leader")
    with pytest.raises(ValueError):
        pki.identity_uri("150602", "Leader:Evil")


def test_certificate_from_another_ca_is_not_issued_by_the_city(ca):
    other = pki.create_root_ca("另一个根证书", passphrase=b"other")
    assert not pki.is_issued_by(other.certificate_pem, ca.certificate_pem)
    assert pki.is_issued_by(other.certificate_pem, other.certificate_pem)


def test_right_pin_unlocks_and_wrong_pin_is_refused(leader):
    der = pki.load_signing_key(leader.encrypted_key_pem, PIN)
    assert der[:1] == b"\x30" and len(der) > 1500  # a PKCS#8 RSA 3072 key
    with pytest.raises(pki.WrongPin) as refused:
        pki.load_signing_key(leader.encrypted_key_pem, "00000000")
    assert isinstance(refused.value, ValueError)
    assert str(refused.value) == "签名PIN错误"


def test_change_pin_reencrypts_the_key(leader):
    changed = pki.change_pin(leader.encrypted_key_pem, PIN, "86420975")
    assert pki.load_signing_key(changed, "86420975") == pki.load_signing_key(leader.encrypted_key_pem, PIN)
    with pytest.raises(pki.WrongPin):
        pki.load_signing_key(changed, PIN)
    with pytest.raises(pki.WrongPin):
        pki.change_pin(leader.encrypted_key_pem, "11111111", "22222222")


@pytest.mark.parametrize(
    "pin, ok",
    [
        ("123456", True),
        ("123456789012", True),
        ("12345", False),
        ("1234567890123", False),
        ("12345a", False),
        ("", False),
        ("１２３４５６", False),  # full-width digits are not what the keypad sends
        (" 123456", False),
    ],
)
def test_pin_rule(pin, ok):
    problem = pki.pin_problem(pin)
    assert (problem is None) == ok
    if not ok:
        assert problem == "签名PIN须为6至12位数字"


def test_issuing_refuses_a_bad_pin(ca):
    with pytest.raises(ValueError, match="6至12位数字"):
        pki.issue_signing_certificate(
            ca,
            CA_PASSPHRASE,
            subject_name="某人",
            district_code="150602",
            district_name="东胜区",
            username="someone",
            pin="1234",
        )


def test_certificate_never_outlives_the_ca(ca):
    issued = pki.issue_signing_certificate(
        ca,
        CA_PASSPHRASE,
        subject_name="李明",
        district_code="150603",
        district_name="康巴什区",
        username="leader.kangbashi",
        pin=PIN,
        valid_days=30 * 365,
        now=datetime.now(UTC) + timedelta(days=19 * 365),
    )
    assert issued.not_after == pki.certificate_info(ca.certificate_pem).not_after
