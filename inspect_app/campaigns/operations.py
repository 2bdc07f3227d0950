"""Use cases for campaigns (验收批次) and the checklist template versions they are scored on."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from inspect_app.audit import trail as audit
from inspect_app.campaigns.checklists import load_checklist_version, template_of  # noqa: F401  (used through this module too)
from inspect_app.domain.audit import describe
from inspect_app.domain.campaigns import (
    CampaignFields,
    CampaignState,
    change_refusal,
    default_choice,
    parse_fields,
    removal_refusal,
    settings_refusal,
    transition_refusal,
    visible,
)
from inspect_app.domain.identity.permissions import Action, Actor, Role, district_scope, may
from inspect_app.domain.numbers import whole_number
from inspect_app.models import (
    AuditEntry,
    Bundle,
    Campaign,
    ChecklistVersion,
    District,
    Inspection,
    Station,
    Submission,
    User,
)
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound

# Who prepares and opens a campaign made by a script (the command line, benchmarks, test fixtures).
SCRIPT = Actor(Role.ADMIN, None)
NEWEST_FIRST = (Campaign.starts_on.desc(), Campaign.id.desc())


def version_in_use(session: Session, version_id: int) -> bool:
    """True once a campaign uses the version: from then on it is frozen for good."""
    return bool(session.scalar(select(func.count()).where(Campaign.checklist_version_id == version_id)))


def published_versions(session: Session) -> list[ChecklistVersion]:
    """The checklist versions a campaign may be scored on (drafts never), newest first."""
    return list(
        session.scalars(
            select(ChecklistVersion)
            .where(ChecklistVersion.published_at.is_not(None))
            .order_by(ChecklistVersion.published_at.desc(), ChecklistVersion.id.desc())
        )
    )


# Which campaigns there are, and which one a page shows.


def _all(session: Session) -> list[Campaign]:
    # Every page asks this: the districts come along, the checklists (whole templates) only when read.
    return list(session.scalars(select(Campaign).options(selectinload(Campaign.districts)).order_by(*NEWEST_FIRST)))


def visible_campaigns(session: Session, actor: Actor) -> list[Campaign]:
    """The campaigns the actor may read, newest first: drafts only for those who manage campaigns, and for a
    district's people only campaigns that cover their district."""
    require(actor, Action.VIEW_CAMPAIGNS)
    manages, scope = may(actor, Action.MANAGE_CAMPAIGNS), district_scope(actor)
    return [c for c in _all(session) if visible(c.state, manages, scope is None or c.covers(scope))]


def default_campaign(choices: list[Campaign]) -> Campaign | None:
    """Of campaigns listed newest first, the one shown unless a person chooses another."""
    index = default_choice([c.state for c in choices])
    return None if index is None else choices[index]


def current_campaign(session: Session) -> Campaign | None:
    """The campaign shown to everybody unless chosen: the newest open one, else the newest ever opened."""
    return default_campaign(_all(session))


def get_campaign(session: Session, campaign_id: int) -> Campaign | None:
    return session.get(Campaign, campaign_id)


# The one rule every change of a campaign's record goes through.


def refusal(session: Session, campaign: Campaign, district_id: int | None = None) -> str | None:
    """Why the campaign's record (in the district, when given) may not change now, or None."""
    covers = district_id is None or campaign.covers(district_id)
    district = "" if covers else session.get_one(District, district_id).name
    return change_refusal(campaign.name, campaign.state, covers, district)


def require_changeable(session: Session, campaign_id: int, district_id: int | None = None) -> Campaign:
    """The campaign, if its record (in the district) may change now; else Invalid with the reason in Chinese.

    The row is read FOR SHARE (PostgreSQL): closing waits for the changes under way, and a change that waited
    for a close sees the campaign closed (read afresh, not the copy the session may hold). On SQLite the read
    takes no lock: a use case with a long step between its check and its commit (a photo being decoded, a
    sign-off) checks again in its final transaction, after its first write, when SQLite's write lock is held."""
    campaign = session.get(Campaign, campaign_id, with_for_update={"read": True}, populate_existing=True)
    if campaign is None:
        raise NotFound()
    message = refusal(session, campaign, district_id)
    if message:
        raise Invalid({"campaign": message})
    return campaign


# The city's (or the admin's) use cases.


def prepare_campaign(session: Session, actor: Actor, raw: Mapping[str, Any]) -> Campaign:
    """Create a campaign as a draft (invisible to inspectors until it opens) from the form's values."""
    require(actor, Action.MANAGE_CAMPAIGNS)
    fields = _checked(session, raw)
    campaign = Campaign(
        name=fields.name,
        starts_on=fields.starts_on,
        deadline=fields.deadline,
        checklist_version_id=fields.checklist_version_id,
        state=CampaignState.DRAFT,
        districts=_districts(session, fields.district_ids),
    )
    session.add(campaign)
    session.flush()
    _audit(session, actor, "create_campaign", campaign)
    session.commit()
    return campaign


def update_campaign(session: Session, actor: Actor, campaign_id: int, raw: Mapping[str, Any]) -> Campaign:
    """Change the dates and districts until the campaign closes (its name and checklist only while a draft)."""
    require(actor, Action.MANAGE_CAMPAIGNS)
    campaign = _locked(session, campaign_id)
    refused = settings_refusal(campaign.state)
    if refused:
        raise Invalid(refused)
    fields = _checked(session, raw, own_name=campaign.name)
    if campaign.state is not CampaignState.DRAFT and (
        fields.name != campaign.name or fields.checklist_version_id != campaign.checklist_version_id
    ):
        raise Invalid({"name": "批次开放后不能更改名称和核查表"})
    leaving = {d.id for d in campaign.districts} - fields.district_ids
    refused = removal_refusal(_with_work(session, campaign.id, leaving))
    if refused:
        raise Invalid({"districts": refused})
    campaign.name, campaign.starts_on, campaign.deadline = fields.name, fields.starts_on, fields.deadline
    campaign.checklist_version_id = fields.checklist_version_id
    campaign.districts = _districts(session, fields.district_ids)
    session.flush()
    session.expire(campaign, ["checklist_version"])  # the relationship follows the id just set
    _audit(session, actor, "update_campaign", campaign)
    session.commit()
    return campaign


def open_campaign(session: Session, actor: Actor, campaign_id: int) -> Campaign:
    """Open a draft: inspectors of its districts see it and inspect."""
    return _move(session, actor, campaign_id, CampaignState.OPEN, "open_campaign")


def close_campaign(session: Session, actor: Actor, campaign_id: int) -> Campaign:
    """Close an open campaign for good: from now on its record is read-only."""
    return _move(session, actor, campaign_id, CampaignState.CLOSED, "close_campaign")


def create_campaign(
    session: Session,
    name: str,
    starts_on: date,
    deadline: date,
    version_id: int,
    district_ids: Iterable[int] | None = None,
) -> Campaign:
    """A campaign prepared and opened at once (all nine districts unless given), for scripts: the command line,
    benchmarks and test fixtures. The city's pages prepare a draft and open it when it is ready."""
    if district_ids is None:
        district_ids = session.scalars(select(District.id))
    campaign = prepare_campaign(
        session,
        SCRIPT,
        {
            "name": name,
            "starts_on": starts_on.isoformat(),
            "deadline": deadline.isoformat(),
            "checklist_version": str(version_id),
            "districts": [str(d) for d in district_ids],
        },
    )
    return open_campaign(session, SCRIPT, campaign.id)


def campaign_history(session: Session, actor: Actor, campaign_id: int) -> list[audit.HistoryLine]:
    """Who created, changed, opened and closed the campaign, and when."""
    require(actor, Action.MANAGE_CAMPAIGNS)
    rows = list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.target_type == "campaign", AuditEntry.target_id == campaign_id)
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


def _checked(session: Session, raw: Mapping[str, Any], own_name: str | None = None) -> CampaignFields:
    """The form's fields, or Invalid naming every bad one: the domain's rules, a published checklist version and
    a name no other campaign has (`own_name`: the campaign's present name, which it may keep)."""
    fields, errors = parse_fields(raw, session.scalars(select(District.id)))
    name = str(raw.get("name") or "").strip()
    if (
        "name" not in errors
        and name != own_name
        and session.scalar(select(func.count()).select_from(Campaign).where(Campaign.name == name))
    ):
        errors["name"] = f"批次“{name}”已存在"
    version = whole_number(str(raw.get("checklist_version") or ""))
    if "checklist_version" not in errors and version not in {v.id for v in published_versions(session)}:
        errors["checklist_version"] = "核查表版本不存在或尚未发布"
    if errors:
        raise Invalid(errors)
    assert fields is not None  # parse_fields gives them whenever it finds no error
    return fields


def _districts(session: Session, ids: Iterable[int]) -> list[District]:
    return list(session.scalars(select(District).where(District.id.in_(list(ids))).order_by(District.code)))


def _locked(session: Session, campaign_id: int) -> Campaign:
    # FOR UPDATE: waits for the changes under way in the campaign (they hold it FOR SHARE) and for another edit.
    campaign = session.get(Campaign, campaign_id, with_for_update=True, populate_existing=True)
    if campaign is None:
        raise NotFound()
    return campaign


def _with_work(session: Session, campaign_id: int, district_ids: set[int]) -> list[str]:
    """The names of those districts that have inspections, bundles or submissions in the campaign."""
    if not district_ids:
        return []
    busy = set(
        session.scalars(
            select(Station.district_id)
            .join(Inspection, Inspection.station_id == Station.id)
            .where(Inspection.campaign_id == campaign_id, Station.district_id.in_(district_ids))
        )
    )
    busy |= set(
        session.scalars(
            select(Bundle.district_id).where(Bundle.campaign_id == campaign_id, Bundle.district_id.in_(district_ids))
        )
    )
    busy |= set(
        session.scalars(
            select(Submission.district_id).where(
                Submission.campaign_id == campaign_id, Submission.district_id.in_(district_ids)
            )
        )
    )
    return [d.name for d in _districts(session, busy)]


def _move(session: Session, actor: Actor, campaign_id: int, target: CampaignState, action: str) -> Campaign:
    require(actor, Action.MANAGE_CAMPAIGNS)
    campaign = _locked(session, campaign_id)
    refused = transition_refusal(campaign.state, target)
    if refused:
        raise Invalid({"state": refused})
    campaign.state = target
    if target is CampaignState.OPEN:
        campaign.opened_at = utcnow()
    else:
        campaign.closed_at = utcnow()
    _audit(session, actor, action, campaign)
    session.commit()
    return campaign


def _audit(session: Session, actor: Actor, action: str, campaign: Campaign) -> None:
    audit.record(
        session,
        actor,
        action,
        "campaign",
        campaign.id,
        None,
        {
            "name": campaign.name,
            "state": campaign.state.value,
            "starts_on": campaign.starts_on.isoformat(),
            "deadline": campaign.deadline.isoformat(),
            "checklist": f"{campaign.checklist_version.name} {campaign.checklist_version.version}",
            "districts": [d.code for d in campaign.districts],
        },
    )
