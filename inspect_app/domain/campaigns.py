"""Campaign (验收批次) states and what each allows: who sees a campaign, when it may change, which one is shown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Iterable, Mapping, Sequence

from inspect_app.domain.numbers import whole_number


class CampaignState(StrEnum):
    DRAFT = "draft"  # being prepared: seen only by those who manage campaigns
    OPEN = "open"  # inspectors inspect, leaders review and sign, the city receives
    CLOSED = "closed"  # everything read-only; bundles and reports stay downloadable

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {CampaignState.DRAFT: "筹备中", CampaignState.OPEN: "进行中", CampaignState.CLOSED: "已结束"}
NAME_LIMIT = 60  # the column's width
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def change_refusal(name: str, state: CampaignState, covers: bool = True, district: str = "") -> str | None:
    """Why nothing of the campaign (in `district`, when it is not covered) may change now; None while it may.

    The one rule behind every change of a campaign's record: answers, photos, signatures, submissions, reviews,
    bundles and the city's decisions. Reading and downloading never ask it."""
    if state is CampaignState.CLOSED:
        return f"“{name}”已结束，内容只读，不能再修改（证据包和报告仍可下载）"
    if state is CampaignState.DRAFT:
        return f"“{name}”尚未开始，还不能检查或提交"
    if not covers:
        return f"“{name}”不包括{district}"
    return None


def transition_refusal(state: CampaignState, target: CampaignState) -> str | None:
    """Why the campaign cannot move to `target` (only draft → open → closed), or None."""
    if target is CampaignState.OPEN:
        return {
            CampaignState.DRAFT: None,
            CampaignState.OPEN: "该批次已经开放",
            CampaignState.CLOSED: "已结束的批次不能重新开放",
        }[state]
    if target is CampaignState.CLOSED:
        return {
            CampaignState.DRAFT: "尚未开放的批次不能结束",
            CampaignState.OPEN: None,
            CampaignState.CLOSED: "该批次已经结束",
        }[state]
    return "批次不能退回筹备状态"


def settings_refusal(state: CampaignState) -> str | None:
    """Dates and districts may change until the campaign closes."""
    return "已结束的验收批次不能再修改" if state is CampaignState.CLOSED else None


def removal_refusal(districts_with_work: Sequence[str]) -> str | None:
    """A district whose inspections or bundles belong to the campaign cannot leave it."""
    if not districts_with_work:
        return None
    return f"{'、'.join(districts_with_work)}在本批次已有检查或证据包，不能移出"


def visible(state: CampaignState, manages: bool, covers: bool) -> bool:
    """Drafts only to those who manage campaigns; to a district's people, only campaigns that cover it."""
    if manages:
        return True
    return state is not CampaignState.DRAFT and covers


def default_choice(states: Sequence[CampaignState]) -> int | None:
    """Of campaigns listed newest first, the index of the one a page shows unless asked: the newest open one,
    else the newest that was ever opened (a draft is never shown unasked)."""
    for wanted in (CampaignState.OPEN, CampaignState.CLOSED):
        for index, state in enumerate(states):
            if state is wanted:
                return index
    return None


@dataclass(frozen=True)
class CampaignFields:
    """What the city gives a campaign on its form."""

    name: str
    starts_on: date
    deadline: date
    checklist_version_id: int
    district_ids: frozenset[int]


def parse_fields(
    raw: Mapping[str, Any], known_districts: Iterable[int]
) -> tuple[CampaignFields | None, dict[str, str]]:
    """The form's values checked: the fields, or every bad one named in Chinese."""
    errors: dict[str, str] = {}
    name = str(raw.get("name") or "").strip()
    if not name:
        errors["name"] = "请填写批次名称"
    elif len(name) > NAME_LIMIT:
        errors["name"] = f"批次名称不能超过{NAME_LIMIT}个字"
    starts_on = _date(raw.get("starts_on"), "开始日期", "starts_on", errors)
    deadline = _date(raw.get("deadline"), "截止日期", "deadline", errors)
    if starts_on and deadline and deadline < starts_on:
        errors["deadline"] = "截止日期不能早于开始日期"
    version = whole_number(str(raw.get("checklist_version") or ""))
    if version is None:
        errors["checklist_version"] = "请选择核查表版本"
    wanted = [whole_number(str(value)) for value in raw.get("districts") or [] if str(value)]
    known = set(known_districts)
    if not wanted:
        errors["districts"] = "请至少选择一个旗区"
    elif any(district not in known for district in wanted):
        errors["districts"] = "所选旗区不存在"
    # Every missing value was reported in errors; the None checks are what the type checker can see.
    if errors or starts_on is None or deadline is None or version is None:
        return None, errors
    return CampaignFields(name, starts_on, deadline, version, frozenset(d for d in wanted if d is not None)), {}


def _date(value: Any, label: str, key: str, errors: dict[str, str]) -> date | None:
    text = str(value or "").strip()
    if not text:
        errors[key] = f"请填写{label}"
        return None
    match = _DATE.match(text)
    try:
        found = date(*(int(part) for part in match.groups())) if match else None
    except ValueError:  # 2027-02-30
        found = None
    if found is None:
        errors[key] = f"{label}应写成 2027-09-01 这样的日期"
    elif not EARLIEST_YEAR <= found.year <= LATEST_YEAR:
        errors[key] = f"{label}应在{EARLIEST_YEAR}年至{LATEST_YEAR}年之间"
        return None
    return found
