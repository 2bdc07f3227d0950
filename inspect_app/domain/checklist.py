"""Acceptance checklist templates (验收核查表) as versioned data, and their validation."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ScoringMode(StrEnum):
    PASS_FAIL = "pass_fail"  # full points or none
    GRADED = "graded"  # any whole number from 0 to the item's points, or one of its levels


class Outcome(StrEnum):
    RECTIFY = "rectify"
    PASS = "pass"
    DEMONSTRATION_ELIGIBLE = "demonstration_eligible"


OUTCOME_LABELS = {
    Outcome.RECTIFY: "需整改",
    Outcome.PASS: "合格",
    Outcome.DEMONSTRATION_ELIGIBLE: "可推荐示范站",
}


class TemplateError(ValueError):
    """A malformed template; `problems` lists every precise reason."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PhotoSlot:
    code: str
    label: str


@dataclass(frozen=True)
class PhotoRequirement:
    slot: str
    required: bool


@dataclass(frozen=True)
class Level:
    points: int
    label: str


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    guidance: str
    points: int
    scoring: ScoringMode
    critical: bool
    na_allowed: bool
    photos: tuple[PhotoRequirement, ...]
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class OutcomeBand:
    min_score: int
    outcome: Outcome


@dataclass(frozen=True)
class ChecklistTemplate:
    name: str
    version: str
    total_points: int
    photo_slots: tuple[PhotoSlot, ...]
    sections: tuple[Section, ...]
    outcome_bands: tuple[OutcomeBand, ...]  # highest first

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    def slot_label(self, code: str) -> str:
        return next(slot.label for slot in self.photo_slots if slot.code == code)


def content_digest(data: dict[str, Any]) -> str:
    """A stable SHA-256 of a template's content, to tell versions apart."""
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _Reader:
    """Collects every problem instead of stopping at the first one."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def field(self, obj: Any, key: str, kind: type | tuple[type, ...], where: str, default: Any = ...) -> Any:
        if not isinstance(obj, dict) or key not in obj:
            if default is not ...:
                return default
            self.problems.append(f"{where}缺少字段 “{key}”")
            return None
        value = obj[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            self.problems.append(f"{where}的字段 “{key}” 类型错误")
            return None
        return value


def _read_item(r: _Reader, raw: Any, where: str, slots: set[str]) -> Item | None:
    code = r.field(raw, "code", str, where)
    where = f"{where}（{code}）" if code else where
    text = r.field(raw, "text", str, where)
    guidance = r.field(raw, "guidance", str, where, default="")
    points = r.field(raw, "points", int, where)
    scoring_raw = r.field(raw, "scoring", str, where, default=ScoringMode.PASS_FAIL.value)
    critical = r.field(raw, "critical", bool, where, default=False)
    na_allowed = r.field(raw, "na_allowed", bool, where, default=False)
    if points is not None and points <= 0:
        r.problems.append(f"{where}的分值应为正整数，实为 {points}")
    try:
        scoring = ScoringMode(scoring_raw) if scoring_raw is not None else None
    except ValueError:
        r.problems.append(f"{where}的评分方式 “{scoring_raw}” 未知，应为 pass_fail 或 graded")
        scoring = None
    photos = []
    for raw_photo in r.field(raw, "photos", list, where, default=[]) or []:
        slot = r.field(raw_photo, "slot", str, f"{where}的照片要求")
        if slot is not None and slot not in slots:
            r.problems.append(f"{where}引用了未定义的照片栏目 “{slot}”")
        photos.append(PhotoRequirement(slot or "", bool(r.field(raw_photo, "required", bool, where, default=False))))
    levels = []
    for raw_level in r.field(raw, "levels", list, where, default=[]) or []:
        level_points = r.field(raw_level, "points", int, f"{where}的档次")
        label = r.field(raw_level, "label", str, f"{where}的档次")
        if level_points is not None and points is not None and not 0 <= level_points <= points:
            r.problems.append(f"{where}的档次分值 {level_points} 超出 0 至 {points}")
        levels.append(Level(level_points or 0, label or ""))
    if levels and scoring is ScoringMode.PASS_FAIL:
        r.problems.append(f"{where}为“符合/不符合”评分，不能设置档次")
    if None in (code, text, points, scoring, critical, na_allowed):
        return None
    return Item(code, text, guidance or "", points, scoring, critical, na_allowed, tuple(photos), tuple(levels))


def parse_template(data: Any) -> ChecklistTemplate:
    """Validate a template's data and build it; raise TemplateError listing every problem."""
    r = _Reader()
    if not isinstance(data, dict):
        raise TemplateError(["模板应为一个 JSON 对象"])
    name = r.field(data, "name", str, "模板")
    version = r.field(data, "version", str, "模板")
    total = r.field(data, "total_points", int, "模板")

    slots: list[PhotoSlot] = []
    for raw_slot in r.field(data, "photo_slots", list, "模板") or []:
        code = r.field(raw_slot, "code", str, "照片栏目")
        label = r.field(raw_slot, "label", str, "照片栏目")
        if code in {s.code for s in slots}:
            r.problems.append(f"照片栏目代码 “{code}” 重复")
        slots.append(PhotoSlot(code or "", label or ""))
    slot_codes = {s.code for s in slots}

    sections: list[Section] = []
    seen_items: dict[str, str] = {}
    for s_index, raw_section in enumerate(r.field(data, "sections", list, "模板") or [], start=1):
        where = f"第{s_index}节"
        s_code = r.field(raw_section, "code", str, where)
        title = r.field(raw_section, "title", str, where)
        if s_code in {s.code for s in sections}:
            r.problems.append(f"{where}的节代码 “{s_code}” 重复")
        items = []
        for i_index, raw_item in enumerate(r.field(raw_section, "items", list, where) or [], start=1):
            item = _read_item(r, raw_item, f"{where}第{i_index}项", slot_codes)
            if item is None:
                continue
            if item.code in seen_items:
                r.problems.append(f"项目代码 “{item.code}” 重复（{seen_items[item.code]}与{where}第{i_index}项）")
            seen_items.setdefault(item.code, f"{where}第{i_index}项")
            items.append(item)
        if not items and isinstance(raw_section, dict) and raw_section.get("items") == []:
            r.problems.append(f"{where}没有任何项目")
        sections.append(Section(s_code or "", title or "", tuple(items)))
    if not sections and not r.problems:
        r.problems.append("模板没有任何节")

    item_sum = sum(item.points for s in sections for item in s.items)
    if total is not None and not r.problems and item_sum != total:
        r.problems.append(f"各项分值合计 {item_sum} 分，与总分 {total} 分不符")

    bands: list[OutcomeBand] = []
    for raw_band in r.field(data, "outcome_bands", list, "模板") or []:
        minimum = r.field(raw_band, "min_score", int, "结论档次")
        outcome_raw = r.field(raw_band, "outcome", str, "结论档次")
        try:
            outcome = Outcome(outcome_raw)
        except ValueError:
            r.problems.append(f"结论档次的结论 “{outcome_raw}” 未知，应为 {'、'.join(o.value for o in Outcome)}")
            continue
        if minimum is not None and not 0 <= minimum <= 100:
            r.problems.append(f"结论档次的最低分 {minimum} 应在 0 至 100 之间")
        bands.append(OutcomeBand(minimum or 0, outcome))
    bands.sort(key=lambda band: band.min_score, reverse=True)
    if bands and bands[-1].min_score != 0:
        r.problems.append("结论档次须有一个最低分为 0 的档次，使每个得分都有结论")
    if len({b.min_score for b in bands}) != len(bands):
        r.problems.append("结论档次的最低分重复")

    if r.problems:
        raise TemplateError(r.problems)
    return ChecklistTemplate(name, version, total, tuple(slots), tuple(sections), tuple(bands))
