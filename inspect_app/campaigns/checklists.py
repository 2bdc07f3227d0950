"""Use cases for checklist versions (验收核查表): load one published at once (the command line), copy a published
one into a draft, save and publish drafts, delete them (the printed .xlsx both ways: checklist_sheets.py).
Every change commits together with its audit entry.

A draft's row is held for the length of each change by a conditional update that also refuses a published row:
two admins publishing or saving at once take turns, and the second finds the draft already published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any, Mapping

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inspect_app.audit import trail as audit
from inspect_app.domain.audit import describe
from inspect_app.domain.checklists.checklist import (
    ChecklistTemplate,
    Problem,
    TemplateError,
    canonical_data,
    content_digest,
    parse_template,
    template_digest,
    template_problems,
)
from inspect_app.domain.checklists.checklist_edit import next_version_label
from inspect_app.domain.checklists.scoring import Answer, AnswerError, Score, check_answer, score
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.models import AuditEntry, Campaign, ChecklistVersion, User
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound
from inspect_app.shared.results import rowcount

TARGET = "checklist_version"
PUBLISHED_ALREADY = "该版本已发布，不能再修改；如需修改，请复制为新草稿"


@dataclass(frozen=True)
class DraftLine:
    id: int
    label: str
    based_on: str | None
    updated_at: datetime
    problem_count: int


@dataclass(frozen=True)
class VersionLine:
    id: int
    label: str
    published_at: datetime
    campaigns: list[str]


@dataclass(frozen=True)
class Listing:
    drafts: list[DraftLine]
    published: list[VersionLine]


def label_of(content: Any) -> str:
    """A version's name and label as its content gives them (a draft's may still be blank)."""
    parts = [content.get(key) for key in ("name", "version")] if isinstance(content, dict) else []
    text = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return text or "（未命名的核查表）"


def _published_with(session: Session, digest: str) -> ChecklistVersion | None:
    return session.scalar(select(ChecklistVersion).where(ChecklistVersion.content_sha256 == digest))


# ---- published versions ---------------------------------------------------------------------------------


def load_checklist_version(session: Session, data: Any) -> tuple[ChecklistVersion, bool]:
    """Store a validated template as a published version; the same content again returns the stored one.

    A published version is never edited: a change of content must carry a new version label.
    """
    template = parse_template(data)
    content = canonical_data(template)
    digest = content_digest(content)
    existing = _published_with(session, digest)
    if existing is not None:
        return existing, False
    clash = session.scalar(
        select(ChecklistVersion).where(
            ChecklistVersion.name == template.name, ChecklistVersion.version == template.version
        )
    )
    if clash is not None:
        raise Invalid(f"“{template.name}”的版本 {template.version} 已存在且内容不同：修改模板须使用新的版本号")
    now = utcnow()
    version = ChecklistVersion(
        name=template.name,
        version=template.version,
        content=content,
        content_sha256=digest,
        created_at=now,
        updated_at=now,
        published_at=now,
    )
    session.add(version)
    session.commit()
    return version, True


_parsed: dict[str, ChecklistTemplate] = {}


def template_of(version: ChecklistVersion) -> ChecklistTemplate:
    """The parsed template of a published version; those never change, so the parse is kept by digest."""
    if not version.is_published:
        return parse_template(version.content)
    digest = version.content_sha256
    assert digest is not None  # publishing sets it
    template = _parsed.get(digest)
    if template is None:
        template = _parsed[digest] = parse_template(version.content)
    return template


# ---- what the pages show --------------------------------------------------------------------------------


def get_version(session: Session, actor: Actor, version_id: int) -> ChecklistVersion:
    require(actor, Action.MANAGE_CHECKLISTS)
    version = session.get(ChecklistVersion, version_id)
    if version is None:
        raise NotFound()
    return version


def draft_problems(session: Session, content: Any) -> list[Problem]:
    """Every problem of a draft: the template's own, and a label a different published version holds."""
    problems = template_problems(content)
    name, label = (content.get("name"), content.get("version")) if isinstance(content, dict) else (None, None)
    if isinstance(name, str) and isinstance(label, str) and name.strip() and label.strip():
        holder = session.scalar(
            select(ChecklistVersion).where(
                ChecklistVersion.name == name.strip(), ChecklistVersion.version == label.strip()
            )
        )
        if holder is not None and (problems or template_digest(parse_template(content)) != holder.content_sha256):
            problems.append(
                Problem("version", f"版本号“{label.strip()}”已用于已发布的“{name.strip()}”，请改用新的版本号")
            )
    return problems


def same_as_published(session: Session, content: Any) -> ChecklistVersion | None:
    """The published version whose content this draft's is, if any (publishing it then gives that version)."""
    if template_problems(content):
        return None
    return _published_with(session, template_digest(parse_template(content)))


def simulate(template: ChecklistTemplate, choices: Mapping[str, str]) -> tuple[Score, dict[str, Answer]]:
    """The score of the answers chosen on the preview (its controls' `answer-<code>` values, as the inspector's
    page posts them); a value the item does not allow counts as unanswered."""
    from inspect_app.inspection.operations import parse_choice

    answers = {}
    for item in template.items:
        value = choices.get(f"answer-{item.code}", "")
        if not value:
            continue
        try:
            answers[item.code] = check_answer(item, *parse_choice(value))
        except AnswerError:
            continue
    return score(template, answers), answers


def list_versions(session: Session, actor: Actor) -> Listing:
    """Drafts (last changed first, with how many problems each has) and published versions (newest first, with
    the campaigns that use them)."""
    require(actor, Action.MANAGE_CHECKLISTS)
    rows = list(
        session.scalars(
            select(ChecklistVersion).order_by(ChecklistVersion.updated_at.desc(), ChecklistVersion.id.desc())
        )
    )
    labels: dict[int | None, str] = {row.id: label_of(row.content) for row in rows}
    used: dict[int, list[str]] = {}
    for version_id, name in session.execute(
        select(Campaign.checklist_version_id, Campaign.name).order_by(Campaign.starts_on.desc())
    ):
        used.setdefault(version_id, []).append(name)
    drafts = [
        DraftLine(r.id, labels[r.id], labels.get(r.based_on_id), r.updated_at, len(draft_problems(session, r.content)))
        for r in rows
        if not r.is_published
    ]
    published = sorted(
        ((r, r.published_at) for r in rows if r.published_at is not None),
        key=lambda pair: (pair[1], pair[0].id),
        reverse=True,
    )
    return Listing(drafts, [VersionLine(r.id, labels[r.id], at, used.get(r.id, [])) for r, at in published])


def version_history(session: Session, actor: Actor, version_id: int) -> list[audit.HistoryLine]:
    """Who copied, changed, imported and published the version, and when."""
    require(actor, Action.MANAGE_CHECKLISTS)
    rows = list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.target_type == TARGET, AuditEntry.target_id == version_id)
            .order_by(AuditEntry.seq)
        )
    )
    names: dict[int | None, str] = dict(
        session.execute(
            select(User.id, User.display_name).where(User.id.in_({r.user_id for r in rows if r.user_id}))
        ).all()
    )
    return [
        audit.HistoryLine(r.at_time, names.get(r.user_id, "系统"), describe(r.action, {}), r.details or {})
        for r in rows
    ]


# ---- drafts ---------------------------------------------------------------------------------------------


def _hold_draft(session: Session, draft_id: int) -> ChecklistVersion:
    """The draft, its row held until the transaction ends; NotFound, or Invalid when it is published."""
    held = session.execute(
        update(ChecklistVersion)
        .where(ChecklistVersion.id == draft_id, ChecklistVersion.published_at.is_(None))
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if rowcount(held) != 1:
        session.rollback()
        if session.get(ChecklistVersion, draft_id) is None:
            raise NotFound()
        raise Invalid(PUBLISHED_ALREADY)
    return session.get_one(ChecklistVersion, draft_id, populate_existing=True)


def _new_draft(
    session: Session, actor: Actor, template: ChecklistTemplate, source: int | str, based_on_id: int | None
) -> ChecklistVersion:
    """A draft with the template's content under the next label free for its name (2026.1 → 2026.2)."""
    content = canonical_data(template)
    taken = {template.version} | set(
        session.scalars(select(ChecklistVersion.version).where(ChecklistVersion.name == template.name))
    )
    taken |= {
        row.content.get("version")
        for row in session.scalars(select(ChecklistVersion).where(ChecklistVersion.published_at.is_(None)))
        if isinstance(row.content, dict)
    }
    content["version"] = next_version_label(template.version, {t for t in taken if isinstance(t, str)})
    now = utcnow()
    draft = ChecklistVersion(content=content, based_on_id=based_on_id, created_at=now, updated_at=now)
    session.add(draft)
    session.flush()
    audit.record(
        session, actor, "copy_checklist", TARGET, draft.id, None, {"from": source, "label": content["version"]}
    )
    session.commit()
    return draft


def copy_version(session: Session, actor: Actor, version_id: int) -> ChecklistVersion:
    """A new draft with a published version's content and the next free version label."""
    require(actor, Action.MANAGE_CHECKLISTS)
    source = session.get(ChecklistVersion, version_id)
    if source is None or not source.is_published:
        raise NotFound()
    return _new_draft(session, actor, template_of(source), source.id, source.id)


def shipped_template() -> dict[str, Any]:
    """The default checklist the app ships with (inspect_app/data/checklist_default.json)."""
    text = resources.files("inspect_app").joinpath("data/checklist_default.json").read_text(encoding="utf-8")
    return json.loads(text)


def shipped_template_published(session: Session) -> bool:
    """Whether the shipped default is stored as a published version (a new install has none at all)."""
    return _published_with(session, template_digest(parse_template(shipped_template()))) is not None


def copy_shipped(session: Session, actor: Actor) -> ChecklistVersion:
    """A new draft of the shipped default: how a new install (no version yet) gets its first checklist."""
    require(actor, Action.MANAGE_CHECKLISTS)
    return _new_draft(session, actor, parse_template(shipped_template()), "default", None)


def save_draft(session: Session, actor: Actor, draft_id: int, content: dict[str, Any]) -> list[Problem]:
    """Keep the draft as given, right or wrong, and return what is still wrong with it."""
    require(actor, Action.MANAGE_CHECKLISTS)
    draft = _hold_draft(session, draft_id)
    draft.content = content
    problems = draft_problems(session, content)
    audit.record(
        session,
        actor,
        "save_checklist_draft",
        TARGET,
        draft.id,
        None,
        {"label": label_of(content), "problems": len(problems)},
    )
    session.commit()
    return problems


def publish_draft(
    session: Session, actor: Actor, draft_id: int, expected: str | None = None
) -> tuple[ChecklistVersion, bool]:
    """Publish the draft for good; TemplateError while any problem stands.

    `expected` is the digest of the content the admin previewed: a draft changed since is not published. A draft
    whose content is a published version's is that version: the draft goes and that version is returned (False).
    """
    require(actor, Action.MANAGE_CHECKLISTS)
    draft = _hold_draft(session, draft_id)
    if expected is not None and content_digest(draft.content) != expected:
        session.rollback()
        raise Invalid("草稿在您预览后又被修改，请重新预览后再发布")
    problems = draft_problems(session, draft.content)
    if problems:
        session.rollback()
        raise TemplateError(problems)
    template = parse_template(draft.content)
    content = canonical_data(template)
    digest = content_digest(content)
    same = _published_with(session, digest)
    if same is not None:
        audit.record(session, actor, "delete_checklist_draft", TARGET, draft.id, None, {"same_as": same.id})
        session.delete(draft)
        session.commit()
        return same, False
    draft.name, draft.version, draft.content, draft.content_sha256 = template.name, template.version, content, digest
    draft.published_at = utcnow()
    audit.record(
        session, actor, "publish_checklist", TARGET, draft.id, None, {"label": template.version, "sha256": digest}
    )
    try:
        session.commit()
    except IntegrityError:  # another draft of the same label or content was published a moment before
        session.rollback()
        raise Invalid(f"版本号“{template.version}”或相同内容刚刚已发布，请刷新页面") from None
    return draft, True


def delete_draft(session: Session, actor: Actor, draft_id: int) -> None:
    """Remove a draft (a published version is never removed)."""
    require(actor, Action.MANAGE_CHECKLISTS)
    draft = _hold_draft(session, draft_id)
    audit.record(session, actor, "delete_checklist_draft", TARGET, draft.id, None, {"label": label_of(draft.content)})
    session.delete(draft)
    session.commit()
