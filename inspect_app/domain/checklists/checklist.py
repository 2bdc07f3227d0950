"""Acceptance checklist templates (验收核查表) as versioned data, and their validation.

One validator serves every way a template arrives (a JSON file, the editor, an Excel sheet): each problem is a
Chinese sentence naming the item and the field, with the path of the field it is about, so that the editor can
show it beside that field and an import can name the row.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Sequence


class ScoringMode(StrEnum):
    PASS_FAIL = "pass_fail"  # full points or none
    GRADED = "graded"  # any whole number from 0 to the item's points, or one of its levels


SCORING_LABELS = {ScoringMode.PASS_FAIL: "符合/不符合", ScoringMode.GRADED: "评分"}


class Outcome(StrEnum):
    RECTIFY = "rectify"
    PASS = "pass"
    DEMONSTRATION_ELIGIBLE = "demonstration_eligible"


OUTCOME_LABELS = {
    Outcome.RECTIFY: "需整改",
    Outcome.PASS: "合格",
    Outcome.DEMONSTRATION_ELIGIBLE: "可推荐示范站",
}

# Codes end up in URLs, form names and element ids (/answers/A1, #slot-signboard): plain ASCII only.
CODE = re.compile(r"[A-Za-z0-9_-]+")
# What no page or spreadsheet cell can show (and XML cannot hold).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
MAX_TOTAL_POINTS = 1000
MAX_ITEMS = 300  # a phone page of more is no longer a checklist one can work through on site
# Column sizes (name 100, version 40, answers' item code 20, photos' slot 30) and what a phone shows well.
LENGTHS = {
    "name": 100,
    "version": 40,
    "item_code": 20,
    "section_code": 20,
    "slot_code": 30,
    "slot_label": 30,
    "title": 60,
    "text": 300,
    "guidance": 1000,
    "level_label": 60,
}
MULTILINE = {"text", "guidance"}  # every other text is one line of a form field or a printed cell


class TemplateError(ValueError):
    """A malformed template; `problems` lists every precise reason."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__("；".join(str(problem) for problem in problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Problem:
    """One reason a template is refused, and the field it is about.

    `path` names the field as keys and list positions joined by dots ("sections.0.items.2.points"); a list
    ("outcome_bands") when the problem is the list's, "" when it is the whole template's.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return self.message


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


def content_digest(data: Any) -> str:
    """A stable SHA-256 of JSON data, whatever the order of its keys."""
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def canonical_data(template: ChecklistTemplate) -> dict[str, Any]:
    """The template as data with every default spelled out: the one form versions are stored and compared in.

    Two files that differ only in defaults left out, key order, band order or blanks around texts give the
    same data, so an exported and re-imported version is the same version.
    """
    return {
        "name": template.name,
        "version": template.version,
        "total_points": template.total_points,
        "photo_slots": [{"code": s.code, "label": s.label} for s in template.photo_slots],
        "outcome_bands": [{"min_score": b.min_score, "outcome": b.outcome.value} for b in template.outcome_bands],
        "sections": [
            {
                "code": s.code,
                "title": s.title,
                "items": [
                    {
                        "code": i.code,
                        "text": i.text,
                        "guidance": i.guidance,
                        "points": i.points,
                        "scoring": i.scoring.value,
                        "critical": i.critical,
                        "na_allowed": i.na_allowed,
                        "photos": [{"slot": p.slot, "required": p.required} for p in i.photos],
                        "levels": [{"points": lv.points, "label": lv.label} for lv in i.levels],
                    }
                    for i in s.items
                ],
            }
            for s in template.sections
        ],
    }


def template_digest(template: ChecklistTemplate) -> str:
    """What tells versions apart: the digest of the canonical data."""
    return content_digest(canonical_data(template))


def band_descriptions(bands: Sequence[OutcomeBand]) -> list[tuple[OutcomeBand, str]]:
    """Each band (highest first) with the scores it takes, as the printed sheet words them."""
    described = []
    for index, band in enumerate(bands):
        if index == 0:
            text = f"{band.min_score}分及以上"
        elif band.min_score == 0:
            text = f"{bands[index - 1].min_score}分以下"
        else:
            text = f"{band.min_score}至{bands[index - 1].min_score - 1}分"
        described.append((band, text))
    return described


def outcome_scores(bands: Sequence[OutcomeBand], outcome: Outcome) -> str | None:
    """The scores that give an outcome in these bands ("90分及以上"), None when no band gives it."""
    return next((text for band, text in band_descriptions(bands) if band.outcome is outcome), None)


def _subject(where: str, label: str) -> str:
    # "核查表名称", "第1节第2项（A2）的分值", "第3节第4项（C4）的第2档说明"
    return f"{where}{'的' if where and not where.endswith('档') else ''}{label}"


def _missing(where: str, label: str) -> str:
    return f"{where}缺少{label}"


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class _Reader:
    """Collects every problem, with its field's path, instead of stopping at the first one."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def _present(self, obj: Any, key: str) -> bool:
        return isinstance(obj, dict) and obj.get(key) is not None

    def text(
        self,
        obj: Any,
        key: str,
        path: str,
        where: str,
        label: str,
        limit: str,
        *,
        optional: bool = False,
        code: bool = False,
    ) -> str | None:
        if not self._present(obj, key):
            if optional:
                return ""
            self.add(path, _missing(where, label))
            return None
        value, subject = obj[key], _subject(where, label)
        if not isinstance(value, str):
            self.add(path, f"{subject}应为文字")
            return None
        value = value.strip()
        if not value and not optional:
            self.add(path, f"{subject}不能为空")
        elif len(value) > LENGTHS[limit]:
            self.add(path, f"{subject}不能超过{LENGTHS[limit]}个字，现有{len(value)}个字")
        elif CONTROL.search(value):
            self.add(path, f"{subject}含有无法显示的控制字符")
        elif limit not in MULTILINE and ("\n" in value or "\r" in value or "\t" in value):
            self.add(path, f"{subject}不能换行")
        elif code and not CODE.fullmatch(value):
            self.add(path, f"{subject}“{value}”只能由英文字母、数字、“-”和“_”组成")
        else:
            return value
        return None

    def whole(self, obj: Any, key: str, path: str, where: str, label: str) -> int | None:
        if not self._present(obj, key):
            self.add(path, _missing(where, label))
            return None
        value = obj[key]
        if value == "":
            self.add(path, f"{_subject(where, label)}不能为空")
        elif isinstance(value, bool) or not isinstance(value, int):
            self.add(path, f"{_subject(where, label)}应为整数，实为“{_shown(value)}”")
        else:
            return value
        return None

    def flag(self, obj: Any, key: str, path: str, where: str, label: str) -> bool | None:
        if not self._present(obj, key):
            return False
        if not isinstance(obj[key], bool):
            self.add(path, f"{_subject(where, label)}应为“是”或“否”")
            return None
        return obj[key]

    def rows(self, obj: Any, key: str, path: str, where: str, label: str, optional: bool = False) -> list[Any]:
        if not self._present(obj, key):
            if not optional:
                self.add(path, _missing(where, label))
            return []
        if not isinstance(obj[key], list):
            self.add(path, f"{_subject(where, label)}应为列表")
            return []
        return obj[key]


def _read_levels(r: _Reader, raw: Any, path: str, where: str, points: int | None) -> list[Level]:
    levels: list[Level] = []
    first_with: dict[int, int] = {}
    for n, raw_level in enumerate(r.rows(raw, "levels", f"{path}.levels", where, "档次", optional=True), start=1):
        at, name = f"{path}.levels.{n - 1}", f"{where}的第{n}档"
        level_points = r.whole(raw_level, "points", f"{at}.points", name, "分值")
        label = r.text(raw_level, "label", f"{at}.label", name, "说明", "level_label")
        if level_points is not None and points is not None and not 0 <= level_points <= points:
            r.add(f"{at}.points", f"{name}分值 {level_points} 超出 0 至 {points}")
        elif level_points is not None and level_points in first_with:
            r.add(f"{at}.points", f"{name}分值 {level_points} 与第{first_with[level_points]}档重复")
        if level_points is not None:
            first_with.setdefault(level_points, n)
        levels.append(Level(level_points or 0, label or ""))
    return levels


def _read_item(r: _Reader, raw: Any, path: str, where: str, slots: set[str]) -> tuple[Item | None, int | None]:
    """The item (None when any field is wrong) and its points (None when they are wrong)."""
    code = r.text(raw, "code", f"{path}.code", where, "项目代码", "item_code", code=True)
    where = f"{where}（{code}）" if code else where
    text = r.text(raw, "text", f"{path}.text", where, "核查内容", "text")
    guidance = r.text(raw, "guidance", f"{path}.guidance", where, "核查要点", "guidance", optional=True)
    points = r.whole(raw, "points", f"{path}.points", where, "分值")
    if points is not None and not 0 < points <= MAX_TOTAL_POINTS:
        r.add(
            f"{path}.points",
            f"{where}的分值应为正整数，实为 {points}" if points <= 0 else f"{where}的分值不能超过{MAX_TOTAL_POINTS}",
        )
        points = None
    scoring_raw = raw.get("scoring") if isinstance(raw, dict) else None
    scoring = ScoringMode.PASS_FAIL if scoring_raw is None else None
    if scoring_raw is not None:
        try:
            scoring = ScoringMode(scoring_raw)
        except ValueError:
            r.add(
                f"{path}.scoring",
                f"{where}的评分方式 “{_shown(scoring_raw)}” 未知，应为 pass_fail（符合/不符合）或 graded（评分）",
            )
    critical = r.flag(raw, "critical", f"{path}.critical", where, "关键项")
    na_allowed = r.flag(raw, "na_allowed", f"{path}.na_allowed", where, "可不适用")
    photos = []
    for n, raw_photo in enumerate(r.rows(raw, "photos", f"{path}.photos", where, "照片要求", optional=True)):
        at = f"{path}.photos.{n}"
        slot = r.text(raw_photo, "slot", f"{at}.slot", f"{where}的照片要求", "照片栏目", "slot_code")
        if slot is not None and slot not in slots:
            r.add(f"{at}.slot", f"{where}引用了未定义的照片栏目 “{slot}”")
        required = r.flag(raw_photo, "required", f"{at}.required", f"{where}的照片要求", "必拍")
        photos.append(PhotoRequirement(slot or "", bool(required)))
    levels = _read_levels(r, raw, path, where, points)
    if levels and scoring is ScoringMode.PASS_FAIL:
        r.add(f"{path}.levels", f"{where}为“符合/不符合”评分，不能设置档次")
    if (
        code is None
        or text is None
        or guidance is None
        or points is None
        or scoring is None
        or critical is None
        or na_allowed is None
    ):
        return None, points
    return Item(code, text, guidance, points, scoring, critical, na_allowed, tuple(photos), tuple(levels)), points


def _read_slots(r: _Reader, data: dict) -> list[PhotoSlot]:
    slots: list[PhotoSlot] = []
    for n, raw_slot in enumerate(r.rows(data, "photo_slots", "photo_slots", "核查表", "照片栏目"), start=1):
        at, where = f"photo_slots.{n - 1}", f"第{n}个照片栏目"
        code = r.text(raw_slot, "code", f"{at}.code", where, "代码", "slot_code", code=True)
        label = r.text(raw_slot, "label", f"{at}.label", where, "名称", "slot_label")
        if code is not None and code in {s.code for s in slots}:
            r.add(f"{at}.code", f"照片栏目代码 “{code}” 重复")
        slots.append(PhotoSlot(code or "", label or ""))
    return slots


def _read_sections(r: _Reader, data: dict, slot_codes: set[str]) -> tuple[list[Section], list[int | None]]:
    """The sections, and every item's points as read (None where they are wrong)."""
    sections: list[Section] = []
    all_points: list[int | None] = []
    seen_items: dict[str, str] = {}
    for s_index, raw_section in enumerate(r.rows(data, "sections", "sections", "核查表", "节"), start=1):
        at, where = f"sections.{s_index - 1}", f"第{s_index}节"
        s_code = r.text(raw_section, "code", f"{at}.code", where, "节代码", "section_code", code=True)
        title = r.text(raw_section, "title", f"{at}.title", where, "节标题", "title")
        if s_code is not None and s_code in {s.code for s in sections}:
            r.add(f"{at}.code", f"{where}的节代码 “{s_code}” 重复")
        raw_items = r.rows(raw_section, "items", f"{at}.items", where, "项目")
        if not raw_items and isinstance(raw_section, dict) and isinstance(raw_section.get("items"), list):
            r.add(f"{at}.items", f"{where}没有任何项目")
        items = []
        for i_index, raw_item in enumerate(raw_items, start=1):
            item_at, item_where = f"{at}.items.{i_index - 1}", f"{where}第{i_index}项"
            item, points = _read_item(r, raw_item, item_at, item_where, slot_codes)
            all_points.append(points)
            if item is None:
                continue
            if item.code in seen_items:
                r.add(f"{item_at}.code", f"项目代码 “{item.code}” 重复（{seen_items[item.code]}与{item_where}）")
            seen_items.setdefault(item.code, item_where)
            items.append(item)
        sections.append(Section(s_code or "", title or "", tuple(items)))
    return sections, all_points


def _read_bands(r: _Reader, data: dict) -> list[OutcomeBand]:
    bands: list[OutcomeBand] = []
    for n, raw_band in enumerate(r.rows(data, "outcome_bands", "outcome_bands", "核查表", "结论档次"), start=1):
        at, where = f"outcome_bands.{n - 1}", f"第{n}个结论档次"
        minimum = r.whole(raw_band, "min_score", f"{at}.min_score", where, "最低分")
        outcome_raw = raw_band.get("outcome") if isinstance(raw_band, dict) else None
        if outcome_raw is None:
            r.add(f"{at}.outcome", f"{where}缺少结论")
            continue
        try:
            outcome = Outcome(outcome_raw)
        except ValueError:
            r.add(
                f"{at}.outcome",
                f"{where}的结论 “{_shown(outcome_raw)}” 未知，应为 demonstration_eligible"
                f"（可推荐示范站）、pass（合格）或 rectify（需整改）",
            )
            continue
        if minimum is not None and not 0 <= minimum <= 100:
            r.add(f"{at}.min_score", f"{where}的最低分 {minimum} 应在 0 至 100 之间")
        elif minimum is not None and minimum in {b.min_score for b in bands}:
            r.add(f"{at}.min_score", f"{where}的最低分 {minimum} 与其他档次重复")
        bands.append(OutcomeBand(minimum or 0, outcome))
    bands.sort(key=lambda band: band.min_score, reverse=True)
    if bands and bands[-1].min_score != 0:
        r.add("outcome_bands", "结论档次须有一个最低分为 0 的档次，使每个得分都有结论")
    return bands


def _read(data: Any) -> tuple[ChecklistTemplate | None, list[Problem]]:
    if not isinstance(data, dict):
        return None, [Problem("", "模板应为一个 JSON 对象")]
    r = _Reader()
    name = r.text(data, "name", "name", "", "核查表名称", "name")
    version = r.text(data, "version", "version", "", "版本号", "version")
    total = r.whole(data, "total_points", "total_points", "", "总分")
    if total is not None and not 0 < total <= MAX_TOTAL_POINTS:
        r.add("total_points", f"总分应在 1 至 {MAX_TOTAL_POINTS} 分之间，实为 {total}")
        total = None
    slots = _read_slots(r, data)
    sections, all_points = _read_sections(r, data, {s.code for s in slots})
    if "sections" in data and isinstance(data["sections"], list) and not data["sections"]:
        r.add("sections", "核查表没有任何节")
    if len(all_points) > MAX_ITEMS:
        r.add("sections", f"核查表不能超过{MAX_ITEMS}项，现有{len(all_points)}项")
    # Checked whenever every item's points could be read, so the editor shows it beside other problems.
    read_points = [p for p in all_points if p is not None]
    if total is not None and all_points and len(read_points) == len(all_points) and sum(read_points) != total:
        r.add("total_points", f"各项分值合计 {sum(read_points)} 分，与总分 {total} 分不符")
    bands = _read_bands(r, data)
    # Every missing value was reported as a problem; the None checks are what the type checker can see.
    if r.problems or name is None or version is None or total is None:
        return None, r.problems
    return ChecklistTemplate(name, version, total, tuple(slots), tuple(sections), tuple(bands)), []


def template_problems(data: Any) -> list[Problem]:
    """Every problem of a template's data, each with the path of its field; empty when it is valid."""
    return _read(data)[1]


def parse_template(data: Any) -> ChecklistTemplate:
    """Validate a template's data and build it; raise TemplateError listing every problem."""
    template, problems = _read(data)
    if template is None:
        raise TemplateError(problems)
    return template
