"""The station directory (名录): field vocabularies and the validation of one station's fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Mapping

from inspect_app.domain.directory.credit_code import credit_code_error, normalise
from inspect_app.domain.numbers import whole_number


class HostType(StrEnum):
    MALL = "mall"
    SUPERMARKET = "supermarket"
    MARKET = "market"
    ENTERPRISE = "enterprise"
    SCENIC_AREA = "scenic_area"
    OTHER = "other"

    @property
    def label(self) -> str:
        return HOST_TYPE_LABELS[self]


HOST_TYPE_LABELS = {
    HostType.MALL: "商场",
    HostType.SUPERMARKET: "超市",
    HostType.MARKET: "市场",
    HostType.ENTERPRISE: "企业",
    HostType.SCENIC_AREA: "景区",
    HostType.OTHER: "其他",
}


class StationStatus(StrEnum):
    REGISTERED = "registered"
    RECTIFYING = "rectifying"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    StationStatus.REGISTERED: "在册",
    StationStatus.RECTIFYING: "整改中",
    StationStatus.RETIRED: "已撤销",
}

NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
PHONE_PATTERN = re.compile(r"^[0-9+()（）\- ]{7,20}$")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "", "无"}
# Generous box around China: catches swapped or missing-sign coordinates.
LAT_RANGE = (3.0, 54.0)
LON_RANGE = (73.0, 136.0)


@dataclass
class StationFields:
    """A station's validated fields, district and office still given by name or code."""

    number: str
    name: str
    host_organisation: str
    credit_code: str | None
    host_type: HostType
    district: str
    office: str | None
    address: str
    latitude: float | None
    longitude: float | None
    head_name: str | None
    phone: str | None
    staff_full_time: int
    staff_part_time: int
    established_on: date | None
    is_odr: bool
    status: StationStatus
    notes: str | None


@dataclass
class FieldErrors:
    """Errors by field name, each a Chinese message."""

    messages: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.messages.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.messages)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheet cells give 12.0 for a typed 12
    return str(value).strip()


def _vocabulary(value: str, enum: type[StrEnum], labels: Mapping[Any, str]) -> Any:
    for member, label in labels.items():
        if value in (label, member.value):
            return member
    return None


def parse_bool(value: Any) -> bool | None:
    """是/否 and friends; None when the value means neither."""
    if isinstance(value, bool):
        return value
    word = _text(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def parse_date(value: Any) -> date:
    """Dates as people type them: 2023-05-01, 2023/5/1, 2023.5.1, 2023年5月1日, or a spreadsheet date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    match = re.fullmatch(
        r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:0{2}(?::0{2})?)?", text
    )
    if not match:
        raise ValueError(text)
    return date(int(match[1]), int(match[2]), int(match[3]))


def _limited(
    raw: Mapping[str, Any], name: str, label: str, limit: int, errors: FieldErrors, required: bool = False
) -> str | None:
    text = _text(raw.get(name))
    if not text:
        if required:
            errors.add(name, f"请填写{label}")
        return None
    if len(text) > limit:
        errors.add(name, f"{label}不能超过{limit}个字")
    return text


def _count(raw: Mapping[str, Any], name: str, label: str, errors: FieldErrors) -> int:
    text = _text(raw.get(name))
    if not text:
        return 0
    count = whole_number(text, maximum=999)
    if count is None:
        errors.add(name, f"{label}应为0至999之间的整数")
        return 0
    return count


def _coordinate(
    raw: Mapping[str, Any], name: str, label: str, bounds: tuple[float, float], errors: FieldErrors
) -> float | None:
    text = _text(raw.get(name))
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        errors.add(name, f"{label}应为十进制度数，如 39.82")
        return None
    if not bounds[0] <= number <= bounds[1]:
        errors.add(name, f"{label}{text}不在中国境内（应在{bounds[0]:g}至{bounds[1]:g}之间），请检查是否填反了经纬度")
        return None
    return round(number, 7)


def demonstration_change_error(value: Any, current: bool) -> str | None:
    """Why a form or a 名录 row may not carry this 示范站 value, or None: blank or the station's current flag is
    fine (an exported file comes back with it), anything else is refused, for only the city's confirmation of a
    district's recommendation makes a station a 示范站 (and it is audited there)."""
    if not _text(value):
        return None
    wanted = parse_bool(value)
    if wanted is None:
        return "示范站应填“是”或“否”，或留空"
    if wanted == current:
        return None
    return (
        f"示范站只能由市中心确认旗区的推荐后标记，不能在名录中改为“{'是' if wanted else '否'}”"
        f"（本站目前为“{'是' if current else '否'}”）；请改回“{'是' if current else '否'}”或留空"
    )


def recommendation_text(campaign: str | None, recommended: bool, decision: bool | None) -> str | None:
    """What the directory says of a station's 示范站 recommendation in the current campaign (None without one):
    the leader's recommendation and the city's word on it, kept apart from the confirmed flag."""
    if campaign is None:
        return None
    if not recommended:
        return f"{campaign}：未推荐"
    verdict = {None: "待市中心确认", True: "市中心已确认", False: "市中心未予确认"}[decision]
    return f"{campaign}：旗区已推荐，{verdict}"


def parse_station(
    raw: Mapping[str, Any], today: date, demonstration: bool = False
) -> tuple[StationFields | None, FieldErrors]:
    """Validate one station's raw fields (form or spreadsheet row); fields or errors by field name.

    `demonstration` is the station's current 示范站 flag (False for a new one): no form or row may change it."""
    errors = FieldErrors()
    number = _limited(raw, "number", "站点编号", 32, errors, required=True)
    if number and not NUMBER_PATTERN.match(number):
        errors.add("number", "站点编号只能包含字母、数字、短横线和下划线，且不超过32位")
    name = _limited(raw, "name", "服务站名称", 100, errors, required=True)
    host = _limited(raw, "host_organisation", "依托单位", 100, errors, required=True)

    credit_code = normalise(_text(raw.get("credit_code"))) or None
    if credit_code:
        problem = credit_code_error(credit_code)
        if problem:
            errors.add("credit_code", problem)

    host_text = _text(raw.get("host_type"))
    host_type = _vocabulary(host_text, HostType, HOST_TYPE_LABELS)
    if host_type is None:
        allowed = "、".join(HOST_TYPE_LABELS.values())
        errors.add("host_type", f"依托单位类型应为{allowed}之一" if host_text else "请选择依托单位类型")

    district = _limited(raw, "district", "所属旗区", 20, errors, required=True)
    office = _limited(raw, "office", "所属监管所", 60, errors)
    address = _limited(raw, "address", "地址", 200, errors, required=True)

    latitude = _coordinate(raw, "latitude", "纬度", LAT_RANGE, errors)
    longitude = _coordinate(raw, "longitude", "经度", LON_RANGE, errors)
    if (latitude is None) != (longitude is None) and not errors.messages.keys() & {"latitude", "longitude"}:
        errors.add("latitude" if latitude is None else "longitude", "经度和纬度须同时填写或同时留空")

    head_name = _limited(raw, "head_name", "负责人", 30, errors)
    phone = _limited(raw, "phone", "联系电话", 20, errors)
    if phone and not PHONE_PATTERN.match(phone):
        errors.add("phone", "联系电话只能包含数字、空格、短横线和括号，7至20位")

    full_time = _count(raw, "staff_full_time", "专职人数", errors)
    part_time = _count(raw, "staff_part_time", "兼职人数", errors)

    established_on = None
    if _text(raw.get("established_on")) or isinstance(raw.get("established_on"), date):
        try:
            established_on = parse_date(raw.get("established_on"))
        except ValueError:
            errors.add("established_on", "成立日期格式应为 2023-05-01")
        else:
            if established_on > today:
                errors.add("established_on", "成立日期不能晚于今天")

    is_odr = parse_bool(raw.get("is_odr"))
    if is_odr is None:
        errors.add("is_odr", "ODR企业应填“是”或“否”")
    refused = demonstration_change_error(raw.get("is_demonstration"), demonstration)
    if refused:
        errors.add("is_demonstration", refused)

    status_text = _text(raw.get("status"))
    status = _vocabulary(status_text, StationStatus, STATUS_LABELS) if status_text else StationStatus.REGISTERED
    if status is None:
        errors.add("status", f"状态应为{'、'.join(STATUS_LABELS.values())}之一")

    notes = _limited(raw, "notes", "备注", 500, errors)

    if errors:
        return None, errors
    return StationFields(
        number=number or "",
        name=name or "",
        host_organisation=host or "",
        credit_code=credit_code,
        host_type=host_type,
        district=district or "",
        office=office,
        address=address or "",
        latitude=latitude,
        longitude=longitude,
        head_name=head_name,
        phone=phone,
        staff_full_time=full_time,
        staff_part_time=part_time,
        established_on=established_on,
        is_odr=bool(is_odr),
        status=status,
        notes=notes,
    ), errors
