"""Checklist template versions and the campaigns (年度验收批次) that use them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, String, Table, UniqueConstraint, event, inspect, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inspect_app.domain.campaigns import CampaignState
from inspect_app.models.base import Base
from inspect_app.models.district import District
from inspect_app.models.types import UTCDateTime, str_enum, utcnow


class ChecklistVersion(Base):
    """A checklist template version: a draft the admin edits, or published and never changed again.

    `name`, `version` and `content_sha256` are a published version's identity, unique among versions; a draft
    has none of them until it is published (its name and label are in its content, which may be wrong anywhere
    while it is a draft). A published version's content is the template's canonical data
    (domain.checklist.canonical_data) and `content_sha256` its digest.
    """

    __tablename__ = "checklist_versions"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[str | None] = mapped_column(String(40))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_versions.id"))  # the copy's source

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


# The districts a campaign covers (all nine unless the city chooses fewer).
campaign_districts = Table(
    "campaign_districts",
    Base.metadata,
    Column("campaign_id", ForeignKey("campaigns.id"), primary_key=True),
    Column("district_id", ForeignKey("districts.id"), primary_key=True),
)


class Campaign(Base):
    """A year's acceptance inspection (年度验收批次): prepared as a draft, opened, closed for good."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    starts_on: Mapped[date]
    deadline: Mapped[date]
    checklist_version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[CampaignState] = mapped_column(str_enum(CampaignState), default=CampaignState.DRAFT)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    checklist_version: Mapped[ChecklistVersion] = relationship()
    districts: Mapped[list[District]] = relationship(secondary=campaign_districts, order_by=District.code)

    def covers(self, district_id: int) -> bool:
        return any(d.id == district_id for d in self.districts)


def _published(connection: Any, version_id: int | None) -> bool:
    # Asked of the database, not of the object: publishing is the one change a draft's row may go through.
    table = ChecklistVersion.__table__
    return (
        version_id is not None
        and connection.scalar(select(table.c.published_at).where(table.c.id == version_id)) is not None
    )


@event.listens_for(ChecklistVersion, "before_update")
def _refuse_version_change(_mapper: Any, connection: Any, target: ChecklistVersion) -> None:
    # A published version is the record inspections were scored on: a change must become a new version.
    if _published(connection, target.id):
        raise ValueError(
            f"checklist version {target.name} {target.version} is published and immutable; copy it into a draft"
        )


@event.listens_for(ChecklistVersion, "before_delete")
def _refuse_version_removal(_mapper: Any, connection: Any, target: ChecklistVersion) -> None:
    if _published(connection, target.id):
        raise ValueError(f"checklist version {target.name} {target.version} is published: it is never deleted")


@event.listens_for(Campaign, "before_insert")
@event.listens_for(Campaign, "before_update")
def _refuse_draft_checklist(_mapper: Any, connection: Any, target: Campaign) -> None:
    # A draft may still change: scoring a campaign on it would let its inspections' rules change under them.
    if inspect(target).attrs.checklist_version_id.history.has_changes() and not _published(
        connection, target.checklist_version_id
    ):
        raise ValueError("a campaign is scored on a published checklist version only")
