"""Keys and evidence bundles: the city's authority, leaders' signing certificates, signed bundle versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inspect_app.domain.evidence.bundles import BundleStatus
from inspect_app.domain.identity.certificates import RevocationReason
from inspect_app.models.base import Base
from inspect_app.models.campaign import Campaign
from inspect_app.models.district import District
from inspect_app.models.types import UTCDateTime, str_enum, utcnow
from inspect_app.models.user import User


class CertificateAuthority(Base):
    """The city's root CA: its certificate and its private key, encrypted at rest."""

    __tablename__ = "certificate_authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_pem: Mapped[bytes] = mapped_column(LargeBinary)
    encrypted_key_pem: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The time-stamping authority the CA vouches for: its certificate, and its key encrypted like the CA's. Made
    # with the CA; a CA made before signatures were time-stamped gets it on first use.
    tsa_certificate_pem: Mapped[bytes | None] = mapped_column(LargeBinary)
    tsa_encrypted_key_pem: Mapped[bytes | None] = mapped_column(LargeBinary)


class SigningCertificate(Base):
    """A leader's certificate bound to the user and the district (the city's own has no district); the key is
    encrypted under the signing PIN."""

    __tablename__ = "signing_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    serial: Mapped[str] = mapped_column(String(60), unique=True)  # decimal text: x509 serials exceed 64 bits
    certificate_pem: Mapped[bytes] = mapped_column(LargeBinary)
    encrypted_key_pem: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint_sha256: Mapped[str] = mapped_column(String(64))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[RevocationReason | None] = mapped_column(str_enum(RevocationReason))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    district: Mapped[District | None] = relationship()


class CertificateEnrolment(Base):
    """The admin's go-ahead for a signer's certificate. The key and the certificate are made only when the holder
    chooses the signing PIN, so nobody but the holder ever knows it."""

    __tablename__ = "certificate_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: from the command line
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("signing_certificates.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    certificate: Mapped[SigningCertificate | None] = relationship()


class Bundle(Base):
    """One version of a district's evidence bundle for a campaign; once signed it never changes."""

    __tablename__ = "bundles"
    __table_args__ = (UniqueConstraint("district_id", "campaign_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    version: Mapped[int]
    status: Mapped[BundleStatus] = mapped_column(str_enum(BundleStatus), default=BundleStatus.BUILDING)
    progress: Mapped[int] = mapped_column(default=0)  # percent, for the progress bar
    narrative: Mapped[str] = mapped_column(Text, default="")
    # The draft from the figures the leader was shown when the narrative was saved: while the two are the same the
    # narrative is written again from the figures at each build; None (legacy rows, typed by a caller) or a
    # differing text is the leader's own, carried as written.
    narrative_draft: Mapped[str | None] = mapped_column(Text)
    # What the preview showed (domain/fingerprint.py): the whole version's digest and each named part's, so that a
    # version whose contents changed since is refused at sign-off and the page can say which parts changed.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    part_digests: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the preview's 材料生成时间, kept when signed
    error: Mapped[str | None] = mapped_column(Text)
    # The build or sign-off working on the bundle now (None: nobody), and when it last said it was alive
    # (see services/bundle_builds.py).
    claim_token: Mapped[str | None] = mapped_column(String(32))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    preview_key: Mapped[str | None] = mapped_column(String(120))  # the unsigned report.pdf
    archive_key: Mapped[str | None] = mapped_column(String(120))  # the signed ZIP
    archive_sha256: Mapped[str | None] = mapped_column(String(64))
    archive_size: Mapped[int | None] = mapped_column(BigInteger)  # a district's photos run to gigabytes
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("signing_certificates.id"))

    district: Mapped[District] = relationship()
    campaign: Mapped[Campaign] = relationship()
    certificate: Mapped[SigningCertificate | None] = relationship()

    @property
    def narrative_edited(self) -> bool:
        """Whether the narrative is the leader's own text rather than the draft written from the figures."""
        return self.narrative_draft is None or (self.narrative or "").strip() != self.narrative_draft.strip()
