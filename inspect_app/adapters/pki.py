"""The city's small PKI: a root CA and leaders' signing certificates bound to a user and a 旗区.

This is the only module that touches cryptography's X.509 and key code; callers get PEM bytes,
plain ints, strings and aware UTC datetimes back. Keys are RSA 3072 with SHA-256 signatures, which
poppler's pdfsig (NSS), `openssl cms` and pyHanko all accept.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

ROOT_COMMON_NAME = "鄂尔多斯市12315消费维权服务中心 根证书"
TSA_COMMON_NAME = "鄂尔多斯市12315消费维权服务中心 时间戳服务"
ORGANIZATION = "鄂尔多斯市市场监督管理局"
KEY_SIZE = 3072
CA_VALID_DAYS = 20 * 365
# A CRL embedded in a signed PDF speaks for the moment of signing; a verifier years later judges the signature at
# its timestamp, which falls inside this window.
CRL_VALID = timedelta(days=7)
# Certificates start a little in the past so a signer whose clock lags the server's is not refused.
BACKDATE = timedelta(minutes=5)
# The district and the user travel in the certificate as a SubjectAlternativeName URI of this form.
IDENTITY_URI_PREFIX = "urn:ordos-12315:district:"
_IDENTITY_URI = re.compile(r"urn:ordos-12315:district:(\d{6}):user:([a-z0-9][a-z0-9._-]*)")
_PIN = re.compile(r"[0-9]{6,12}")

# Document-signing purposes: RFC 9336 id-kp-documentSigning and Microsoft's, next to emailProtection,
# which NSS (and so pdfsig) requires for its "email signer" usage.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
MS_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")


class WrongPin(ValueError):
    """The signing PIN does not unlock the private key."""

    def __init__(self) -> None:
        super().__init__("签名PIN错误")


@dataclass(frozen=True)
class SigningPin:
    """A leader's signing PIN, keyed with a server secret kept outside the database (PKI_CA_PASSPHRASE).

    A 6-digit PIN has a million values: a key encrypted under the PIN alone falls to a search of them all in a
    copied database. Encrypted under the PIN keyed with the secret, the copy alone is not enough.
    """

    pin: str
    secret: str = ""

    def passphrase(self) -> bytes:
        if not self.secret:
            return self.pin.encode()
        return hmac.new(self.secret.encode(), b"signing-pin:" + self.pin.encode(), hashlib.sha256).hexdigest().encode()


Pin = str | SigningPin  # a bare string is a PIN used as it is, keyed with nothing


def _signing_pin(pin: Pin) -> SigningPin:
    return pin if isinstance(pin, SigningPin) else SigningPin(pin)


@dataclass(frozen=True)
class CertifiedKey:
    """A certificate and its private key, encrypted with a passphrase."""

    certificate_pem: bytes
    encrypted_key_pem: bytes


@dataclass(frozen=True)
class IssuedCertificate:
    """A leader's signing certificate with its key encrypted under the signing PIN."""

    serial: int
    certificate_pem: bytes
    encrypted_key_pem: bytes
    not_before: datetime
    not_after: datetime
    fingerprint_sha256: str


@dataclass(frozen=True)
class CertificateInfo:
    """What a verifier reads back from a signing certificate."""

    serial: int
    subject_name: str
    district_code: str | None
    district_name: str | None
    username: str | None
    issuer_name: str
    not_before: datetime
    not_after: datetime
    fingerprint_sha256: str


def pin_problem(pin: str) -> str | None:
    """Why a signing PIN is not acceptable, or None when it is."""
    if not _PIN.fullmatch(pin or ""):
        return "签名PIN须为6至12位数字"
    return None


def create_root_ca(
    common_name: str = ROOT_COMMON_NAME, *, passphrase: bytes, now: datetime | None = None
) -> CertifiedKey:
    """Create the city's self-signed root CA; its key is encrypted with the passphrase."""
    if not passphrase:
        raise ValueError("根证书私钥必须设置口令")
    now = _utc(now)
    key = _new_key()
    name = _name(common_name)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(_new_serial())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + timedelta(days=CA_VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    return CertifiedKey(_pem(certificate), _encrypt(key, passphrase))


def issue_tsa_certificate(ca: CertifiedKey, ca_passphrase: bytes, *, now: datetime | None = None) -> CertifiedKey:
    """The city's time-stamping certificate, issued by the CA; its key is encrypted with the CA's passphrase.

    RFC 3161 section 2.3: the certificate has exactly one extended key usage, timeStamping, marked critical, so
    that its key cannot pass for a signer's and no signer's key can pass for it.
    """
    ca_certificate = x509.load_pem_x509_certificate(ca.certificate_pem)
    ca_key = _load_key(ca.encrypted_key_pem, ca_passphrase, wrong="根证书口令错误")
    now = _utc(now)
    key = _new_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(TSA_COMMON_NAME))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(_new_serial())
        .not_valid_before((now - BACKDATE).replace(microsecond=0))
        .not_valid_after(ca_certificate.not_valid_after_utc)  # as long as the CA, so old tokens keep a valid chain
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return CertifiedKey(_pem(certificate), _encrypt(key, ca_passphrase))


def issue_crl(
    ca: CertifiedKey, ca_passphrase: bytes, revoked: dict[int, datetime], *, now: datetime | None = None
) -> bytes:
    """The CA's certificate revocation list (DER): every revoked serial with its time of revocation."""
    ca_certificate = x509.load_pem_x509_certificate(ca.certificate_pem)
    ca_key = _load_key(ca.encrypted_key_pem, ca_passphrase, wrong="根证书口令错误")
    now = _utc(now).replace(microsecond=0)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_certificate.subject)
        .last_update(now - BACKDATE)
        .next_update(now + CRL_VALID)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        # A number that grows with time: RFC 5280 asks for a monotonic CRL number and the CA keeps no counter.
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
    )
    for serial, revoked_at in sorted(revoked.items()):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(_utc(revoked_at).replace(microsecond=0))
            .build()
        )
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def load_authority_key(encrypted_key_pem: bytes, ca_passphrase: bytes) -> bytes:
    """Unlock a key the CA's passphrase protects (the time-stamping key); unencrypted PKCS#8 DER, to use and drop."""
    key = _load_key(encrypted_key_pem, ca_passphrase, wrong="根证书口令错误")
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def issue_signing_certificate(
    ca: CertifiedKey,
    ca_passphrase: bytes,
    *,
    subject_name: str,
    district_code: str,
    district_name: str,
    username: str,
    pin: Pin,
    valid_days: int = 3 * 365,
    now: datetime | None = None,
) -> IssuedCertificate:
    """Issue a leader's document-signing certificate bound to a user and a district."""
    pin = _signing_pin(pin)
    problem = pin_problem(pin.pin)
    if problem:
        raise ValueError(problem)
    uri = identity_uri(district_code, username)
    ca_certificate = x509.load_pem_x509_certificate(ca.certificate_pem)
    ca_key = _load_key(ca.encrypted_key_pem, ca_passphrase, wrong="根证书口令错误")
    now = _utc(now)
    not_before = (now - BACKDATE).replace(microsecond=0)
    # A certificate must not outlive the CA that vouches for it.
    not_after = min(now + timedelta(days=valid_days), ca_certificate.not_valid_after_utc).replace(microsecond=0)
    key = _new_key()
    serial = _new_serial()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(subject_name, district_name))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING, MS_DOCUMENT_SIGNING]),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(uri)]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return IssuedCertificate(
        serial=serial,
        certificate_pem=_pem(certificate),
        encrypted_key_pem=_encrypt(key, pin.passphrase()),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        fingerprint_sha256=certificate.fingerprint(hashes.SHA256()).hex(),
    )


def identity_uri(district_code: str, username: str) -> str:
    """The SubjectAlternativeName URI that names a leader's district and username."""
    uri = f"{IDENTITY_URI_PREFIX}{district_code}:user:{username}"
    if not _IDENTITY_URI.fullmatch(uri):
        raise ValueError(f"无法写入证书的旗区代码或用户名：{district_code} / {username}")
    return uri


def certificate_identity(certificate: bytes) -> tuple[str, str]:
    """The (district_code, username) a signing certificate is bound to; ValueError if it has none."""
    info = certificate_info(certificate)
    if info.district_code is None or info.username is None:
        raise ValueError("证书中没有旗区和用户信息")
    return info.district_code, info.username


def certificate_info(certificate: bytes) -> CertificateInfo:
    """Read a certificate (PEM or DER) into plain values."""
    cert = _load_certificate(certificate)
    district_code = username = None
    try:
        uris = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.UniformResourceIdentifier
        )
    except x509.ExtensionNotFound:
        uris = []
    for uri in uris:
        if match := _IDENTITY_URI.fullmatch(uri):
            district_code, username = match.groups()
            break
    return CertificateInfo(
        serial=cert.serial_number,
        subject_name=_attribute(cert.subject, NameOID.COMMON_NAME) or "",
        district_code=district_code,
        district_name=_attribute(cert.subject, NameOID.ORGANIZATIONAL_UNIT_NAME),
        username=username,
        issuer_name=_attribute(cert.issuer, NameOID.COMMON_NAME) or "",
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
    )


def is_issued_by(certificate: bytes, ca_certificate: bytes) -> bool:
    """Whether the CA's key signed this certificate (PEM or DER for both)."""
    cert, ca = _load_certificate(certificate), _load_certificate(ca_certificate)
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def load_signing_key(encrypted_key_pem: bytes, pin: Pin) -> bytes:
    """Unlock a leader's key with the signing PIN; the unencrypted PKCS#8 DER, to be used and dropped."""
    key = _load_key(encrypted_key_pem, _signing_pin(pin).passphrase(), wrong=None)
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def current_key(encrypted_key_pem: bytes, pin: SigningPin) -> bytes:
    """The key to sign with: as it is when the keyed PIN opens it; re-encrypted under the keyed PIN when only the
    PIN alone opens it (keys issued before PINs were keyed); WrongPin when neither does."""
    try:
        _load_key(encrypted_key_pem, pin.passphrase(), wrong=None)
        return encrypted_key_pem
    except WrongPin:
        if not pin.secret:
            raise
    return _encrypt(_load_key(encrypted_key_pem, pin.pin.encode(), wrong=None), pin.passphrase())


def change_pin(encrypted_key_pem: bytes, old_pin: Pin, new_pin: Pin) -> bytes:
    """Re-encrypt a leader's key under a new signing PIN."""
    old_pin, new_pin = _signing_pin(old_pin), _signing_pin(new_pin)
    problem = pin_problem(new_pin.pin)
    if problem:
        raise ValueError(problem)
    return _encrypt(_load_key(encrypted_key_pem, old_pin.passphrase(), wrong=None), new_pin.passphrase())


def _load_key(encrypted_key_pem: bytes, passphrase: bytes, *, wrong: str | None) -> rsa.RSAPrivateKey:
    try:
        # Without the skip OpenSSL 3 checks the RSA key's arithmetic on every load, 0.17 s of CPU each, and a
        # sign-off loads several keys. These keys are the city's own, made here by rsa.generate_private_key and
        # kept encrypted; the signer's is compared with its certificate before it signs (signatures._signer).
        key = serialization.load_pem_private_key(
            encrypted_key_pem, password=passphrase, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError) as error:
        # cryptography reports a wrong passphrase as ValueError; a malformed PEM would be caught too,
        # which is fine: either way the passphrase cannot unlock this key.
        if wrong is None:
            raise WrongPin() from error
        raise ValueError(wrong) from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("不支持的私钥类型")
    return key


def _load_certificate(data: bytes) -> x509.Certificate:
    if data.lstrip().startswith(b"-----"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


def _new_serial() -> int:
    # 62 random bits under a fixed top bit: positive, unique enough, and fits a signed 64-bit column.
    return (1 << 62) | secrets.randbits(62)


def _name(common_name: str, unit: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
    ]
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _attribute(name: x509.Name, oid: ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _encrypt(key: rsa.RSAPrivateKey, passphrase: bytes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(passphrase)
    )


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _utc(now: datetime | None) -> datetime:
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC)


def signing_key(private_key_der: bytes) -> rsa.RSAPrivateKey:
    """An unencrypted key of ours (PKCS#8 DER, as load_signing_key gives it) ready to sign, loaded without OpenSSL's
    RSA check (see _load_key)."""
    key = serialization.load_der_private_key(private_key_der, password=None, unsafe_skip_rsa_key_validation=True)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("不支持的私钥类型")
    return key


def sign_pkcs1v15(key: rsa.RSAPrivateKey, data: bytes, hash_name: str) -> bytes:
    """An RSASSA-PKCS1-v1_5 signature of data with the named hash (sha256, sha384, sha512)."""
    return key.sign(data, padding.PKCS1v15(), PKCS1V15_HASHES[hash_name])


PKCS1V15_HASHES = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}
