"""Signboards (标识标志牌) and their plaques: what a station's plaque must show (the 2011 opinion), what is still
missing before it can be printed, whom it names as the regulator's officer, and what a scanned or typed plaque code
says about the plaque in front of the inspector. Plain rules, no framework."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# The city's number every plaque shows (the 2011 opinion: 12315 on every signboard).
HOTLINE = "12315"

# Short codes are typed from a printed plaque: no 0/O, 1/I/L or U/V to misread. 8 characters of 29 make
# about 5 × 10^11 codes; printed as ABCD-EFGH.
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
SHORT_CODE_LENGTH = 8
# What the public page's address carries: an unguessable token (secrets.token_urlsafe(18) gives 24 characters).
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
PUBLIC_PATH = "/s/"

STAFF_LIMIT = 6  # the plaque's frame holds at most six portraits


class SignboardKind(StrEnum):
    """附件1 of the 2022 notice for every station, 附件2 only for a station the city confirmed as 示范站."""

    STATION = "station"
    DEMONSTRATION = "demonstration"

    @property
    def label(self) -> str:
        return SIGNBOARD_LABELS[self]

    @property
    def attachment(self) -> str:
        return "附件1" if self is SignboardKind.STATION else "附件2"


SIGNBOARD_LABELS = {
    SignboardKind.STATION: "消费维权服务站",
    SignboardKind.DEMONSTRATION: "消费维权示范站",
}


class PaperSize(StrEnum):
    A3 = "A3"
    A4 = "A4"


class PlaqueWithdrawal(StrEnum):
    """Why a plaque stopped being the station's current one."""

    REISSUED = "reissued"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return WITHDRAWAL_LABELS[self]


WITHDRAWAL_LABELS = {
    PlaqueWithdrawal.REISSUED: "牌匾已重新制作",
    PlaqueWithdrawal.RETIRED: "服务站已撤销",
}


class PlaqueFinding(StrEnum):
    """What the plaque the inspector scanned (or whose code was typed) turned out to be."""

    CURRENT = "current"
    WITHDRAWN = "withdrawn"
    OTHER_STATION = "other_station"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return FINDING_LABELS[self]

    @property
    def belongs(self) -> bool:
        """The plaque is this station's (current or not)."""
        return self in (PlaqueFinding.CURRENT, PlaqueFinding.WITHDRAWN)

    @property
    def is_current(self) -> bool:
        return self is PlaqueFinding.CURRENT


FINDING_LABELS = {
    PlaqueFinding.CURRENT: "牌匾属于本站，为现行牌匾",
    PlaqueFinding.WITHDRAWN: "牌匾属于本站，但已停用（旧牌匾）",
    PlaqueFinding.OTHER_STATION: "牌匾不属于本站",
    PlaqueFinding.UNKNOWN: "无法识别的牌匾编码",
}


def plaque_finding(plaque_station_id: int | None, withdrawn: bool, station_id: int) -> PlaqueFinding:
    """Judge a plaque found by its token or short code (None when no plaque has it) against the station inspected."""
    if plaque_station_id is None:
        return PlaqueFinding.UNKNOWN
    if plaque_station_id != station_id:
        return PlaqueFinding.OTHER_STATION
    return PlaqueFinding.WITHDRAWN if withdrawn else PlaqueFinding.CURRENT


def normalise_short_code(text: str) -> str | None:
    """A typed short code in its stored form (upper case, no separators), or None when it cannot be one."""
    code = re.sub(r"[\s\-_.·]", "", text or "").upper()
    if len(code) != SHORT_CODE_LENGTH or any(c not in SHORT_CODE_ALPHABET for c in code):
        return None
    return code


def printed_short_code(code: str) -> str:
    """The short code as printed under the QR code: ABCD-EFGH."""
    return f"{code[:4]}-{code[4:]}"


def token_in(text: str) -> str | None:
    """The public page's token in what a QR code holds (the page's whole address) or in a bare token."""
    value = (text or "").strip()
    if PUBLIC_PATH in value:
        value = value.rsplit(PUBLIC_PATH, 1)[1].split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return value if TOKEN_PATTERN.match(value) else None


@dataclass(frozen=True)
class Person:
    """Someone a plaque names: a staff member or the regulator's officer."""

    name: str
    phone: str | None
    photo_key: str | None
    duty: str | None = None


def responsible_officer(station_officer: Person | None, office_officer: Person | None) -> Person | None:
    """The officer a station's plaque names: the one set for the station, else its 监管所's (never a mix of both)."""
    if station_officer is not None and station_officer.name:
        return station_officer
    if office_officer is not None and office_officer.name:
        return office_officer
    return None


@dataclass(frozen=True)
class PlaqueFacts:
    """What a plaque would show for one station."""

    name: str
    retired: bool
    demonstration: bool
    staff: tuple[Person, ...]
    officer: Person | None


def plaque_gaps(facts: PlaqueFacts, kind: SignboardKind) -> list[str]:
    """What keeps a station's plaque from being printed, in Chinese; empty when it can go to the print shop."""
    gaps: list[str] = []
    if facts.retired:
        return ["服务站已撤销，不再制作牌匾"]
    if kind is SignboardKind.DEMONSTRATION and not facts.demonstration:
        gaps.append("未经市级确认为示范站，不能制作示范站牌匾（附件2）")
    if not facts.staff:
        gaps.append("没有登记工作人员")
    if len(facts.staff) > STAFF_LIMIT:
        gaps.append(f"工作人员超过 {STAFF_LIMIT} 人，牌匾放不下")
    for person in facts.staff:
        if not person.photo_key:
            gaps.append(f"工作人员{person.name}没有照片")
        if not person.phone:
            gaps.append(f"工作人员{person.name}没有电话")
    if facts.officer is None:
        gaps.append("没有责任监管人员（所属监管所未设置，本站也未指定）")
    else:
        if not facts.officer.photo_key:
            gaps.append(f"责任监管人员{facts.officer.name}没有照片")
        if not facts.officer.phone:
            gaps.append(f"责任监管人员{facts.officer.name}没有电话")
    return gaps


UNREADABLE_PLAQUE_CODE = "无法识别的牌匾编码：请扫描牌匾上的二维码，或输入二维码下方的8位编码"
PLAQUE_PENDING_LABEL = "已保存在本机，联网后核验"
PLAQUE_UNCHECKED_LABEL = "尚未核验牌匾"
PLAQUE_CHECK_ITEMS = ("B1", "B2", "B3", "B4")  # the checklist's items on the signboard the check is evidence for


def plaque_code_of(text: str) -> str | None:
    """What an inspector scanned or typed, in its stored form: the short code, or the token of a QR code's
    address; None when it can be neither."""
    return normalise_short_code(text) or token_in(text)


def shown_plaque_code(code: str) -> str:
    """A stored plaque code as a reader sees it: a short code as printed, a token shortened."""
    return printed_short_code(code) if normalise_short_code(code) == code else code[:8] + "…"


def plaque_check_text(finding: PlaqueFinding, code: str, when: str) -> str:
    """One line for a recorded plaque check: what it found, the code and when (in the reader's words)."""
    return f"牌匾核验：{finding.label}（{shown_plaque_code(code)}，{when}）"
