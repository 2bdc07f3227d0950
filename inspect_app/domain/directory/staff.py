"""The people a station's plaque names, as typed in a form or an import row: a staff member (name, duty, phone)
and the station's own responsible officer (name, phone). Plain rules, no framework."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from inspect_app.domain.directory.offices import OFFICER_LIMIT
from inspect_app.domain.directory.stations import PHONE_PATTERN

NAME_LIMIT = 30
DUTY_LIMIT = 30
PHONE_MESSAGE = "电话只能包含数字、空格、短横线和括号，7至20位"


@dataclass(frozen=True)
class StaffFields:
    name: str
    duty: str | None
    phone: str | None


@dataclass(frozen=True)
class OfficerFields:
    name: str
    phone: str | None


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed into a spreadsheet cell reads back as 13812345678.0
    return "" if value is None else str(value).strip()


def _phone(raw: Mapping[str, Any], errors: dict[str, str]) -> str | None:
    phone = _text(raw, "phone")
    if phone and not PHONE_PATTERN.match(phone):
        errors["phone"] = PHONE_MESSAGE
    return phone or None


def parse_staff(raw: Mapping[str, Any]) -> tuple[StaffFields | None, dict[str, str]]:
    """Check a staff member's fields; Chinese messages keyed by field. The name is required; a missing phone
    is left for the plaque's list of gaps to name."""
    errors: dict[str, str] = {}
    name, duty = _text(raw, "name"), _text(raw, "duty")
    if not name:
        errors["name"] = "请填写工作人员姓名"
    elif len(name) > NAME_LIMIT:
        errors["name"] = f"姓名不能超过{NAME_LIMIT}个字"
    if len(duty) > DUTY_LIMIT:
        errors["duty"] = f"职务不能超过{DUTY_LIMIT}个字"
    phone = _phone(raw, errors)
    if errors:
        return None, errors
    return StaffFields(name, duty or None, phone), {}


def parse_officer(raw: Mapping[str, Any]) -> tuple[OfficerFields | None, dict[str, str]]:
    """Check the officer a station names instead of its 监管所's: (None, {}) when both are blank (no officer of
    its own); a phone without a name is refused, since the plaque would show a number nobody answers to."""
    errors: dict[str, str] = {}
    name = _text(raw, "name")
    if len(name) > OFFICER_LIMIT:
        errors["name"] = f"责任监管人员姓名不能超过{OFFICER_LIMIT}个字"
    phone = _phone(raw, errors)
    if phone and not name:
        errors["name"] = "填写了责任监管人员电话，请同时填写姓名"
    if errors or not name:
        return None, errors
    return OfficerFields(name, phone), {}


def moved(order: Sequence[int], member: int, step: int) -> list[int]:
    """The order of a station's staff after moving one member up (step -1) or down (+1); unchanged at an end."""
    ids = list(order)
    at = ids.index(member)
    to = at + step
    if 0 <= to < len(ids):
        ids[at], ids[to] = ids[to], ids[at]
    return ids


def portrait_stays(old_name: str | None, new_name: str | None) -> bool:
    """A portrait is of the person named: it stays while the name does; another name without a new photo drops it
    (another face under the old one's photo would mislead a consumer; the gaps list then asks for a photo)."""
    return (old_name or "").strip() == (new_name or "").strip()
