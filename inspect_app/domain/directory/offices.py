"""A 市场监管所's fields: its name, address and the officer responsible for the area."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from inspect_app.domain.directory.stations import PHONE_PATTERN

NAME_LIMIT = 60  # what the directory import already stores as an office's name
ADDRESS_LIMIT = 120
OFFICER_LIMIT = 40


@dataclass(frozen=True)
class OfficeFields:
    name: str
    address: str | None
    officer_name: str | None
    officer_phone: str | None


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value).strip()


def parse_office(raw: Mapping[str, Any]) -> tuple[OfficeFields | None, dict[str, str]]:
    """Check an office's fields; Chinese messages keyed by field. Only the name is required: offices the
    directory import creates have nothing else until the admin fills it in."""
    errors: dict[str, str] = {}
    name = _text(raw, "name")
    if not name:
        errors["name"] = "请填写监管所名称"
    elif len(name) > NAME_LIMIT:
        errors["name"] = f"监管所名称不能超过{NAME_LIMIT}个字"
    address = _text(raw, "address")
    if len(address) > ADDRESS_LIMIT:
        errors["address"] = f"地址不能超过{ADDRESS_LIMIT}个字"
    officer = _text(raw, "officer_name")
    if len(officer) > OFFICER_LIMIT:
        errors["officer_name"] = f"负责人姓名不能超过{OFFICER_LIMIT}个字"
    phone = _text(raw, "officer_phone")
    if phone and not PHONE_PATTERN.match(phone):
        errors["officer_phone"] = "联系电话只能包含数字、空格、短横线和括号，7至20位"
    if errors:
        return None, errors
    return OfficeFields(name, address or None, officer or None, phone or None), {}
