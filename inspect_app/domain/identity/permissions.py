"""Who may do what: role × district × action, decided in one place."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum


class Role(StrEnum):
    INSPECTOR = "inspector"
    LEADER = "leader"
    CITY = "city"
    CITY_INSPECTOR = "city_inspector"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def needs_district(self) -> bool:
        return self in (Role.INSPECTOR, Role.LEADER)


ROLE_LABELS = {
    Role.INSPECTOR: "检查员",
    Role.LEADER: "分管领导",
    Role.CITY: "市12315中心",
    Role.CITY_INSPECTOR: "市级检查员",
    Role.ADMIN: "系统管理员",
}


class Action(StrEnum):
    VIEW_DIRECTORY = "view_directory"
    EXPORT_DIRECTORY = "export_directory"
    EDIT_STATION = "edit_station"  # create, edit and retire
    IMPORT_DIRECTORY = "import_directory"
    MANAGE_USERS = "manage_users"
    VIEW_CAMPAIGNS = "view_campaigns"
    MANAGE_CAMPAIGNS = "manage_campaigns"  # create, edit, open and close campaigns (验收批次)
    INSPECT = "inspect"  # start, answer, photograph, sign and submit a district's inspection or re-check
    FIELD_WORK = "field_work"  # use the field app: the board, its offline copy, photo uploads
    VIEW_INSPECTION = "view_inspection"  # read an inspection, its photos and signatures
    REVIEW = "review"  # accept, return and recommend the district's inspections
    SUBMIT_BUNDLE = "submit_bundle"  # send the district's signed bundle to the city
    VIEW_CITY = "view_city"  # the city's inbox, dashboard, exports and consolidated reports
    RECEIVE_BUNDLES = "receive_bundles"  # upload, accept or return bundles, confirm 示范站, sign the city report
    HOLD_CERTIFICATE = "hold_certificate"  # choose and change one's own signing PIN (我的签名证书)
    MANAGE_OFFICES = "manage_offices"  # the 市场监管所 of every 旗区: create, edit, retire
    MANAGE_CHECKLISTS = "manage_checklists"  # checklist drafts: copy, edit, publish, import and export
    RECTIFY = "rectify"  # draft, issue, extend and retire the district's rectification orders (整改通知)
    VIEW_ORDERS = "view_orders"  # read rectification orders and their 整改通知书
    SPOT_CHECK = "spot_check"  # inspect a station the city sampled (市级抽查); never a district's own inspection
    MANAGE_SPOT_CHECKS = "manage_spot_checks"  # draw the city's sample, assign it, read the comparisons
    ISSUE_NOTICE = "issue_notice"  # draft, sign and publish the city's results notice (通报)
    VIEW_NOTICES = "view_notices"  # read the published results notices
    PRINT_SIGNBOARDS = "print_signboards"  # the district's signboards: what each still lacks, their print-ready PDFs


class Decision(Enum):
    ALLOW = "allow"
    FORBIDDEN = "forbidden"  # the action is not the role's: 403
    NOT_FOUND = "not_found"  # the thing belongs to another 旗区: 404, its existence is not revealed


@dataclass(frozen=True)
class Actor:
    role: Role
    district_id: int | None
    user_id: int | None = None  # who, for the audit trail; permissions never depend on it


# What each role may do at all; district roles only inside their own 旗区.
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.INSPECTOR: frozenset(
        {
            Action.VIEW_DIRECTORY,
            Action.EXPORT_DIRECTORY,
            Action.VIEW_CAMPAIGNS,
            Action.INSPECT,
            Action.FIELD_WORK,
            Action.VIEW_INSPECTION,
            Action.VIEW_ORDERS,
        }
    ),
    Role.LEADER: frozenset(
        {
            Action.VIEW_DIRECTORY,
            Action.EXPORT_DIRECTORY,
            Action.EDIT_STATION,
            Action.IMPORT_DIRECTORY,
            Action.VIEW_CAMPAIGNS,
            Action.VIEW_INSPECTION,
            Action.REVIEW,
            Action.SUBMIT_BUNDLE,
            Action.HOLD_CERTIFICATE,
            Action.RECTIFY,
            Action.VIEW_ORDERS,
            Action.VIEW_NOTICES,
            Action.PRINT_SIGNBOARDS,
        }
    ),
    Role.CITY: frozenset(
        {
            Action.VIEW_DIRECTORY,
            Action.EXPORT_DIRECTORY,
            Action.VIEW_CAMPAIGNS,
            Action.VIEW_INSPECTION,
            Action.VIEW_CITY,
            Action.RECEIVE_BUNDLES,
            Action.MANAGE_CAMPAIGNS,
            Action.HOLD_CERTIFICATE,
            Action.VIEW_ORDERS,
            Action.MANAGE_SPOT_CHECKS,
            Action.ISSUE_NOTICE,
            Action.VIEW_NOTICES,
            Action.PRINT_SIGNBOARDS,
        }
    ),
    # The city's own inspectors: they check sampled stations anywhere in the city and read what they compare with,
    # but change nothing of a district's.
    Role.CITY_INSPECTOR: frozenset(
        {
            Action.VIEW_DIRECTORY,
            Action.VIEW_CAMPAIGNS,
            Action.VIEW_INSPECTION,
            Action.VIEW_ORDERS,
            Action.SPOT_CHECK,
            Action.FIELD_WORK,
        }
    ),
    Role.ADMIN: frozenset(Action),
}


def is_district_bound(actor: Actor) -> bool:
    """True for roles that see one 旗区 only."""
    return actor.role.needs_district


def decide(actor: Actor, action: Action, district_id: int | None = None) -> Decision:
    """Decide an action, on a thing of `district_id` when given."""
    if is_district_bound(actor) and district_id is not None and district_id != actor.district_id:
        return Decision.NOT_FOUND
    if is_district_bound(actor) and actor.district_id is None:
        return Decision.FORBIDDEN
    if action not in ROLE_ACTIONS[actor.role]:
        return Decision.FORBIDDEN
    return Decision.ALLOW


def may(actor: Actor, action: Action, district_id: int | None = None) -> bool:
    """Shorthand for navigation and buttons."""
    return decide(actor, action, district_id) is Decision.ALLOW


def is_whoever(actor: Actor, assignee_id: int | None) -> bool:
    """Work given to one person (a re-check's inspector, a spot check's city inspector) is theirs alone; the
    administrator may stand in for anybody."""
    return actor.role is Role.ADMIN or (assignee_id is not None and actor.user_id == assignee_id)


def district_scope(actor: Actor) -> int | None:
    """The only 旗区 the actor may see, or None when the actor sees all of them."""
    return actor.district_id if is_district_bound(actor) else None
