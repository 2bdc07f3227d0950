"""A checklist draft as people edit it: the editor's form fields, its structural edits, and where each problem
of the one validator (domain/checklist.py) shows on the page.

A draft is template data that may be wrong anywhere: what an admin typed that is no number stays as typed, so
the validator can name it and the page can show it again. Form fields are named by the path of their value in
that data ("sections.0.items.2.points"), the same paths the validator's problems carry.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Iterable, Mapping

from inspect_app.domain.checklists.checklist import Problem
from inspect_app.domain.numbers import whole_number

ITEM_TEXTS = ("code", "text", "guidance", "scoring")
ITEM_FLAGS = ("critical", "na_allowed")
EDITOR_FIELDS = ("name", "version", "total_points")  # always on the editor's form
CHECKED = {"1", "on", "y", "yes", "true"}
_LEVEL = re.compile(r"\s*(\S+?)(分)?(?:\s*[：:]\s*|\s+|$)(.*)")
_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")
MAX_INDEX = 10**6


class EditError(ValueError):
    """A structural edit that does not fit the draft (a stale page, a hand-made request)."""


# ---- numbers and levels as typed ------------------------------------------------------------------------


def typed_number(text: str) -> int | str:
    """A whole number typed in a field, or the text itself (stripped) for the validator to name."""
    text = text.strip()
    negative = text.startswith("-")
    value = whole_number(text[1:] if negative else text, maximum=10**15)
    if value is None:
        return text
    return -value if negative else value


def levels_text(levels: Any) -> str:
    """A graded item's levels as one line each: "8分 和解率≥90%"."""
    if not isinstance(levels, list):
        return ""
    lines = []
    for level in levels:
        level = level if isinstance(level, dict) else {}
        label = _text(level.get("label"))
        # A label that starts with a colon gets the colon separator too, or reading it back would take its colon
        # for the separator.
        lines.append(f"{level.get('points', '')}分{'：' if label[:1] in '：:' and label else ' '}{label}".rstrip())
    return "\n".join(lines)


def levels_from_text(text: str) -> list[dict[str, Any]]:
    """Levels from lines of "分值 说明" ("8分 和解率≥90%", "4：一半"); blank lines are skipped."""
    levels = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _LEVEL.match(line)
        points, label = (match.group(1), match.group(3)) if match else (line, "")
        levels.append({"points": typed_number(points), "label": label.strip()})
    return levels


# ---- form fields <-> draft ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _rows(node: Any) -> list[Any]:
    return node if isinstance(node, list) else []


def form_values(draft: Mapping[str, Any]) -> dict[str, str]:
    """What the editor's form posts for this draft (a ticked box as "1", an unticked one not at all)."""
    values = {key: _text(draft.get(key)) for key in EDITOR_FIELDS}
    for k, slot in enumerate(_rows(draft.get("photo_slots"))):
        values.update(
            {f"photo_slots.{k}.code": _text(slot.get("code")), f"photo_slots.{k}.label": _text(slot.get("label"))}
        )
    for b, band in enumerate(_rows(draft.get("outcome_bands"))):
        values.update(
            {
                f"outcome_bands.{b}.min_score": _text(band.get("min_score")),
                f"outcome_bands.{b}.outcome": _text(band.get("outcome")),
            }
        )
    for s, section in enumerate(_rows(draft.get("sections"))):
        values.update(
            {f"sections.{s}.code": _text(section.get("code")), f"sections.{s}.title": _text(section.get("title"))}
        )
        for i, item in enumerate(_rows(section.get("items"))):
            at = f"sections.{s}.items.{i}"
            values.update({f"{at}.{key}": _text(item.get(key)) for key in (*ITEM_TEXTS, "points")})
            values.update({f"{at}.{key}": "1" for key in ITEM_FLAGS if item.get(key) is True})
            values[f"{at}.levels"] = levels_text(item.get("levels"))
            for p, photo in enumerate(_rows(item.get("photos"))):
                values[f"{at}.photos.{p}.slot"] = _text(photo.get("slot"))
                if photo.get("required") is True:
                    values[f"{at}.photos.{p}.required"] = "1"
    return values


def _nest(form: Mapping[str, str]) -> dict[str, Any]:
    """Dotted keys to nested dicts; numbered parts stay dict keys (ints) until _ordered lists them."""
    tree: dict[Any, Any] = {}
    for key, value in form.items():
        parts: list[Any] = key.split(".")
        for n, part in enumerate(parts):
            if part.isdecimal():
                number = whole_number(part, MAX_INDEX)
                if number is None:
                    break
                parts[n] = number
        else:
            node = tree
            for part in parts[:-1]:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    break
            else:
                if isinstance(value, str) and not isinstance(node.get(parts[-1]), dict):
                    node[parts[-1]] = value
    return tree


def _ordered(node: Any, key: str) -> list[dict[str, Any]]:
    rows = node.get(key) if isinstance(node, dict) else None
    if not isinstance(rows, dict):
        return []
    return [rows[n] for n in sorted(k for k in rows if isinstance(k, int)) if isinstance(rows[n], dict)]


def _field(node: Mapping[str, Any], key: str) -> str:
    value = node.get(key)
    return value.strip() if isinstance(value, str) else ""


def _checked(node: Mapping[str, Any], key: str) -> bool:
    return _field(node, key).lower() in CHECKED


def _item(node: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "code": _field(node, "code"),
        "text": _field(node, "text"),
        "guidance": _field(node, "guidance"),
        "points": typed_number(_field(node, "points")),
        "scoring": _field(node, "scoring") or "pass_fail",
        "critical": _checked(node, "critical"),
        "na_allowed": _checked(node, "na_allowed"),
        "photos": [{"slot": _field(p, "slot"), "required": _checked(p, "required")} for p in _ordered(node, "photos")],
        "levels": levels_from_text(_field(node, "levels")),
    }


def draft_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """The draft the editor's form describes, rows in the order of their numbers; other keys are ignored."""
    tree = _nest(form)
    return {
        "name": _field(tree, "name"),
        "version": _field(tree, "version"),
        "total_points": typed_number(_field(tree, "total_points")),
        "photo_slots": [
            {"code": _field(r, "code"), "label": _field(r, "label")} for r in _ordered(tree, "photo_slots")
        ],
        "outcome_bands": [
            {"min_score": typed_number(_field(r, "min_score")), "outcome": _field(r, "outcome")}
            for r in _ordered(tree, "outcome_bands")
        ],
        "sections": [
            {"code": _field(s, "code"), "title": _field(s, "title"), "items": [_item(i) for i in _ordered(s, "items")]}
            for s in _ordered(tree, "sections")
        ],
    }


def is_editor_post(form: Mapping[str, str]) -> bool:
    """Whether a post carries the editor's form: one cut short or made by hand must not empty a draft."""
    return all(key in form for key in EDITOR_FIELDS)


# ---- where problems show --------------------------------------------------------------------------------


def error_targets(draft: Mapping[str, Any]) -> list[str]:
    """Every place a message can show: each field (ticked or not), each group, and "" for the whole draft."""
    targets = ["", *EDITOR_FIELDS, "photo_slots", "outcome_bands", "sections"]
    targets += [
        f"photo_slots.{k}.{key}" for k in range(len(_rows(draft.get("photo_slots")))) for key in ("code", "label")
    ]
    targets += [
        f"outcome_bands.{b}.{key}"
        for b in range(len(_rows(draft.get("outcome_bands"))))
        for key in ("min_score", "outcome")
    ]
    for s, section in enumerate(_rows(draft.get("sections"))):
        targets += [f"sections.{s}", f"sections.{s}.code", f"sections.{s}.title"]
        for i, item in enumerate(_rows(section.get("items") if isinstance(section, dict) else None)):
            at = f"sections.{s}.items.{i}"
            targets += [at, *(f"{at}.{key}" for key in (*ITEM_TEXTS, "points", *ITEM_FLAGS, "levels"))]
            photos = _rows(item.get("photos") if isinstance(item, dict) else None)
            targets += [f"{at}.photos.{p}.{key}" for p in range(len(photos)) for key in ("slot", "required")]
    return targets


def place(problems: Iterable[Problem], targets: Iterable[str]) -> dict[str, list[str]]:
    """Each problem's message under the nearest place that shows it: its field, else the group around it."""
    known = set(targets)
    shown: dict[str, list[str]] = {}
    for problem in problems:
        path = problem.path
        while path and path not in known:
            path = path.rpartition(".")[0]
        shown.setdefault(path, []).append(problem.message)
    return shown


# ---- structural edits -----------------------------------------------------------------------------------


def _blank_item(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "text": "",
        "guidance": "",
        "points": "",
        "scoring": "pass_fail",
        "critical": False,
        "na_allowed": False,
        "photos": [],
        "levels": [],
    }


def _codes(draft: Mapping[str, Any]) -> set[str]:
    return {str(item.get("code")) for section in draft["sections"] for item in section["items"]}


def _suggested_item_code(draft: Mapping[str, Any], section: Mapping[str, Any]) -> str:
    prefix, taken, n = _text(section.get("code")), _codes(draft), len(section["items"]) + 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def _index(text: str, rows: list[Any], extra: int = 0) -> int:
    number = whole_number(text)
    if number is None or number >= len(rows) + extra:
        raise EditError("页面已过期，请刷新后再操作")
    return number


def _move_item(sections: list[dict[str, Any]], s: int, i: int, step: int) -> str:
    items = sections[s]["items"]
    if 0 <= i + step < len(items):
        items[i], items[i + step] = items[i + step], items[i]
        return f"item-{s}-{i + step}"
    # Past either end of its section, an item goes to the neighbouring section.
    target = s + step
    if not 0 <= target < len(sections):
        raise EditError("已经是第一项或最后一项，无法再移动")
    item = items.pop(i)
    if step < 0:
        sections[target]["items"].append(item)
        return f"item-{target}-{len(sections[target]['items']) - 1}"
    sections[target]["items"].insert(0, item)
    return f"item-{target}-0"


def apply_edit(draft: Mapping[str, Any], op: str) -> tuple[dict[str, Any], str]:
    """The draft after a structural edit ("add_item:1", "item_down:0:3"...), and the element to show after it."""
    changed = copy.deepcopy(dict(draft))
    for key in ("photo_slots", "outcome_bands", "sections"):
        changed[key] = _rows(changed.get(key))
    for section in changed["sections"]:
        section["items"] = _rows(section.get("items"))
    name, *args = op.split(":")
    sections, slots, bands = changed["sections"], changed["photo_slots"], changed["outcome_bands"]
    arity = {
        "add_section": 0,
        "add_slot": 0,
        "add_band": 0,
        "remove_slot": 1,
        "remove_band": 1,
        "add_item": 1,
        "remove_section": 1,
        "section_up": 1,
        "section_down": 1,
        "remove_item": 2,
        "item_up": 2,
        "item_down": 2,
        "add_photo": 2,
        "remove_photo": 3,
    }
    if arity.get(name) != len(args):
        raise EditError("无法识别的操作")
    if name == "add_section":
        used = {_text(s.get("code")) for s in sections}
        code = next((c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used), f"S{len(sections) + 1}")
        sections.append({"code": code, "title": "", "items": []})
        sections[-1]["items"].append(_blank_item(_suggested_item_code(changed, sections[-1])))
        return changed, f"section-{len(sections) - 1}"
    if name == "add_slot":
        slots.append({"code": "", "label": ""})
        return changed, "slots"
    if name == "add_band":
        bands.append({"min_score": "", "outcome": "pass"})
        return changed, "bands"
    if name in ("remove_slot", "remove_band"):
        rows = slots if name == "remove_slot" else bands
        rows.pop(_index(args[0], rows))
        return changed, "slots" if name == "remove_slot" else "bands"
    s = _index(args[0], sections)
    if name == "add_item":
        sections[s]["items"].append(_blank_item(_suggested_item_code(changed, sections[s])))
        return changed, f"item-{s}-{len(sections[s]['items']) - 1}"
    if name == "remove_section":
        sections.pop(s)
        return changed, "sections"
    if name in ("section_up", "section_down"):
        t = s + (-1 if name == "section_up" else 1)
        if not 0 <= t < len(sections):
            raise EditError("已经是第一节或最后一节，无法再移动")
        sections[s], sections[t] = sections[t], sections[s]
        return changed, f"section-{t}"
    items = sections[s]["items"]
    i = _index(args[1], items)
    if name == "remove_item":
        items.pop(i)
        return changed, f"section-{s}"
    if name in ("item_up", "item_down"):
        return changed, _move_item(sections, s, i, -1 if name == "item_up" else 1)
    photos = items[i].setdefault("photos", [])
    if name == "add_photo":
        photos.append({"slot": _text(slots[0].get("code")) if slots else "", "required": False})
    else:
        photos.pop(_index(args[2], photos))
    return changed, f"item-{s}-{i}"


# ---- labels ---------------------------------------------------------------------------------------------


def next_version_label(label: str, taken: set[str]) -> str:
    """The label a copy of `label` proposes: its trailing number counted on (2026.1 → 2026.2), never one taken."""
    match = _TRAILING_NUMBER.match(label)
    stem, n = (match.group(1), int(match.group(2))) if match else (f"{label}-", 1)
    n += 1
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"
