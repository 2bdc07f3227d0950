"""The city's results notice (通报) of a campaign: drafted from the figures, edited, signed, published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inspect_app.domain.follow_up.notice import NoticeStatus
from inspect_app.models.base import Base
from inspect_app.models.bundle import SigningCertificate
from inspect_app.models.campaign import Campaign
from inspect_app.models.types import UTCDateTime, str_enum, utcnow
from inspect_app.models.user import User


class ResultsNotice(Base):
    """One version of a campaign's results notice; signed, its PDF is final, and published, the leaders read it."""

    __tablename__ = "results_notices"
    __table_args__ = (UniqueConstraint("campaign_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    version: Mapped[int]
    status: Mapped[NoticeStatus] = mapped_column(str_enum(NoticeStatus), default=NoticeStatus.DRAFT)
    number: Mapped[str] = mapped_column(String(40))  # 发文字号: 鄂市监消〔2026〕3号
    title: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    pdf_key: Mapped[str | None] = mapped_column(String(120))  # the signed PDF in the file store
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("signing_certificates.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    campaign: Mapped[Campaign] = relationship()
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    certificate: Mapped[SigningCertificate | None] = relationship()
