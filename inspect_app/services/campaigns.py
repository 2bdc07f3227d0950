"""Use cases for campaigns and checklist template versions."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.checklist import ChecklistTemplate, content_digest, parse_template
from ..models import Campaign, ChecklistVersion
from . import Invalid


def load_checklist_version(session: Session, data: Any) -> tuple[ChecklistVersion, bool]:
    """Store a validated template as a new version; the same content again returns the stored one.

    A stored version is never edited: a change of content must carry a new version label.
    """
    template = parse_template(data)
    digest = content_digest(data)
    existing = session.scalar(select(ChecklistVersion).where(ChecklistVersion.content_sha256 == digest))
    if existing is not None:
        return existing, False
    clash = session.scalar(select(ChecklistVersion).where(
        ChecklistVersion.name == template.name, ChecklistVersion.version == template.version))
    if clash is not None:
        raise Invalid(f"“{template.name}”的版本 {template.version} 已存在且内容不同：修改模板须使用新的版本号")
    version = ChecklistVersion(name=template.name, version=template.version, content=data, content_sha256=digest)
    session.add(version)
    session.commit()
    return version, True


_parsed: dict[str, ChecklistTemplate] = {}


def template_of(version: ChecklistVersion) -> ChecklistTemplate:
    """The parsed template of a version; versions never change, so the parse is kept by content hash."""
    template = _parsed.get(version.content_sha256)
    if template is None:
        template = _parsed[version.content_sha256] = parse_template(version.content)
    return template


def version_in_use(session: Session, version_id: int) -> bool:
    """True once a campaign uses the version: from then on it is frozen for good."""
    return bool(session.scalar(select(func.count()).where(Campaign.checklist_version_id == version_id)))


def create_campaign(session: Session, name: str, starts_on: date, deadline: date, version_id: int) -> Campaign:
    """Open a campaign on a checklist version."""
    name = name.strip()
    if not name:
        raise Invalid({"name": "请填写批次名称"})
    if deadline < starts_on:
        raise Invalid({"deadline": "截止日期不能早于开始日期"})
    if session.get(ChecklistVersion, version_id) is None:
        raise Invalid({"checklist_version": "核查表版本不存在"})
    if session.scalar(select(func.count()).where(Campaign.name == name)):
        raise Invalid({"name": f"批次“{name}”已存在"})
    campaign = Campaign(name=name, starts_on=starts_on, deadline=deadline, checklist_version_id=version_id)
    session.add(campaign)
    session.commit()
    return campaign


def current_campaign(session: Session) -> Campaign | None:
    """The campaign with the latest start date."""
    return session.scalar(select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc()).limit(1))


def list_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).order_by(Campaign.starts_on.desc())))


def get_campaign(session: Session, campaign_id: int) -> Campaign | None:
    return session.get(Campaign, campaign_id)
