"""The 验收核查表 as officials print it (title, sections, item rows, a 得分 column to fill, the outcome bands
below), and such a sheet, filled or edited, read back as a draft with every bad row named.

The layout is plain data; inspect_app/spreadsheet.py turns it into an .xlsx and an .xlsx back into rows. What a
cell means is decided here, and the template's own rules stay in domain/checklist.py: a sheet is first read
into template data, then that one validator checks it, and each of its problems is named by the row it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Sequence

from inspect_app.domain.checklists.checklist import (
    OUTCOME_LABELS,
    SCORING_LABELS,
    ChecklistTemplate,
    Outcome,
    ScoringMode,
    band_descriptions,
    template_problems,
)
from inspect_app.domain.checklists.checklist_edit import levels_from_text, levels_text, typed_number

MAIN_TITLE = "验收核查表"
SLOTS_TITLE = "照片栏目"
COLUMNS = (
    ("编号", 9),
    ("核查内容", 36),
    ("核查要点", 28),
    ("分值", 6),
    ("评分方式", 10),
    ("关键项", 7),
    ("可不适用", 8),
    ("照片", 16),
    ("档次", 18),
    ("得分", 7),
    ("备注", 12),
)
WIDTH = len(COLUMNS)
CODE, TEXT, GUIDANCE, POINTS, SCORING, CRITICAL, NA, PHOTOS, LEVELS = (name for name, _ in COLUMNS[:9])
REQUIRED = (CODE, TEXT, POINTS)
YES, TOTAL = "是", "合计"
VERSION_LABEL = "版本号"
BAND_HEADER = ("最低得分", "结论", "得分范围")
SLOT_HEADER = ("代码", "名称")
NOTES = (
    "关键项（“关键项”一栏为“是”）得0分的，无论总分多少，结论均为“需整改”。",
    "“不适用”的项目不计入得分和满分，总分按100分折算；“评分”项按档次或在0至分值之间给分，“符合/不符合”项符合得满分、不符合得0分。",
)
SECTION_ROW = re.compile(r"\s*([A-Za-z0-9_-]+)\s*[．.、]\s*(\S.*)", re.S)
PHOTO = re.compile(r"\s*(.*?)\s*[（(]\s*(必拍|选拍)\s*[）)]\s*", re.S)
TRUE_MARKS = {"是", "√", "✓", "✔", "y", "yes", "true", "1"}
FALSE_MARKS = {"", "否", "×", "✗", "n", "no", "false", "0"}
SCORING_BY_TEXT = {
    **{label: mode.value for mode, label in SCORING_LABELS.items()},
    **{mode.value: mode.value for mode in ScoringMode},
    "符合／不符合": "pass_fail",
}
OUTCOME_BY_TEXT = {
    **{label: outcome.value for outcome, label in OUTCOME_LABELS.items()},
    **{outcome.value: outcome.value for outcome in Outcome},
}


@dataclass(frozen=True)
class PrintedRow:
    """One row of a printed sheet: its style ("title", "info", "spacer", "header", "section", "item", "total",
    "band_header", "band", "note", "sign", "blank"), its cells from column A on, and the cells merged (1-based,
    inclusive).

    In "info" and "sign" rows a text ending in "：" is a label and an empty cell a line to write on.
    """

    style: str
    cells: tuple[Any, ...]
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class PrintedSheet:
    title: str
    widths: tuple[int, ...]
    rows: tuple[PrintedRow, ...]
    header_row: int | None = None  # repeated at the top of every printed page; the panes freeze below it
    centered: tuple[int, ...] = ()  # columns whose cells are centred (short numbers and marks)
    landscape: bool = False


@dataclass(frozen=True)
class RowProblem:
    """One reason an imported sheet was refused: its row (0 for the file as a whole) and sheet ("" the main one)."""

    row: int
    message: str
    sheet: str = ""

    def __str__(self) -> str:
        if not self.row:
            return self.message
        where = f"“{self.sheet}”工作表第{self.row}行" if self.sheet else f"第{self.row}行"
        return f"{where}：{self.message}"


# ---- writing --------------------------------------------------------------------------------------------


def _photos_text(template: ChecklistTemplate, photos: Sequence[Any]) -> str:
    return "\n".join(f"{template.slot_label(p.slot)}（{'必拍' if p.required else '选拍'}）" for p in photos)


def _item_row(template: ChecklistTemplate, item: Any) -> PrintedRow:
    levels = levels_text([{"points": lv.points, "label": lv.label} for lv in item.levels])
    return PrintedRow(
        "item",
        (
            item.code,
            item.text,
            item.guidance or None,
            item.points,
            SCORING_LABELS[item.scoring],
            YES if item.critical else None,
            YES if item.na_allowed else None,
            _photos_text(template, item.photos) or None,
            levels or None,
            None,
            None,
        ),
    )


def printed_sheets(template: ChecklistTemplate) -> tuple[PrintedSheet, PrintedSheet]:
    """The checklist sheet as printed, and the photo slots it names (their codes are what the app knows them by)."""
    rows = [
        PrintedRow("title", (template.name,), ((1, WIDTH),)),
        PrintedRow(
            "info",
            (
                f"{VERSION_LABEL}：",
                template.version,
                "服务站名称：",
                None,
                None,
                None,
                None,
                None,
                "检查日期：",
                None,
                None,
            ),
            ((4, 8), (10, 11)),
        ),
        PrintedRow("spacer", ()),
        PrintedRow("header", tuple(name for name, _ in COLUMNS)),
    ]
    header_row = len(rows)
    for section in template.sections:
        rows.append(PrintedRow("section", (f"{section.code}．{section.title}",), ((1, WIDTH),)))
        rows.extend(_item_row(template, item) for item in section.items)
    rows.append(PrintedRow("total", (TOTAL, None, None, template.total_points, *[None] * 7), ((1, 3),)))
    rows.append(PrintedRow("blank", ()))
    rows.append(PrintedRow("band_header", BAND_HEADER, ((3, WIDTH),)))
    rows.extend(
        PrintedRow("band", (band.min_score, OUTCOME_LABELS[band.outcome], text), ((3, WIDTH),))
        for band, text in band_descriptions(template.outcome_bands)
    )
    rows.extend(PrintedRow("note", (note,), ((1, WIDTH),)) for note in NOTES)
    rows.append(PrintedRow("blank", ()))
    rows.append(
        PrintedRow(
            "sign",
            ("检查人员签字：", None, None, "服务站负责人签字：", None, None, None, None, None, "日期：", None),
            ((1, 2), (4, 7), (8, 9)),
        )
    )
    main = PrintedSheet(
        MAIN_TITLE,
        tuple(width for _, width in COLUMNS),
        tuple(rows),
        header_row,
        centered=(1, 4, 6, 7, 10),
        landscape=True,
    )
    slots = PrintedSheet(
        SLOTS_TITLE,
        (20, 24),
        (
            PrintedRow(
                "note", ("照片栏目：代码供系统识别，已有的代码请勿改动；名称显示在核查表和检查员的手机上。",), ((1, 2),)
            ),
            PrintedRow("header", SLOT_HEADER),
            *(PrintedRow("item", (slot.code, slot.label)) for slot in template.photo_slots),
        ),
        header_row=2,
    )
    return main, slots


# ---- reading --------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if not value.time() else value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value).strip()


def _number(value: Any) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return typed_number(_text(value))


def _label(value: Any) -> str:
    return _text(value).strip("*＊：:").strip()


class _SheetReader:
    """Reads the rows of one workbook, noting which row each part of the draft came from."""

    def __init__(
        self,
        main: tuple[str, Sequence[tuple[int, Sequence[Any]]]],
        slots: tuple[str, Sequence[tuple[int, Sequence[Any]]]] | None,
    ) -> None:
        self.main, self.slots_sheet = main, slots
        self.problems: list[RowProblem] = []
        self.origin: dict[str, tuple[int, str]] = {}  # draft path → (row, sheet)
        self.slot_codes: dict[str, str] = {}  # label → code

    def bad(self, row: int, message: str, sheet: str = "") -> None:
        self.problems.append(RowProblem(row, message, sheet))

    def flag(self, row: int, value: Any, column: str) -> bool:
        text = _text(value).lower()
        if text in TRUE_MARKS:
            return True
        if text not in FALSE_MARKS:
            self.bad(row, f"{column}“{_text(value)}”应填“是”或留空")
        return False

    def read_slots(self) -> list[dict[str, Any]]:
        if self.slots_sheet is None:
            return []
        title, rows = self.slots_sheet
        columns: dict[str, int] | None = None
        slots: list[dict[str, Any]] = []
        for number, values in rows:
            labels = [_label(v) for v in values]
            if columns is None:
                if all(name in labels for name in SLOT_HEADER):
                    columns = {name: labels.index(name) for name in SLOT_HEADER}
                    self.origin["photo_slots"] = (number, title)
                continue
            cells = list(values) + [None] * (max(columns.values()) + 1 - len(values))
            code, label = _text(cells[columns["代码"]]), _text(cells[columns["名称"]])
            self.origin[f"photo_slots.{len(slots)}"] = (number, title)
            slots.append({"code": code, "label": label})
            self.slot_codes.setdefault(label, code)
        if columns is None:
            self.bad(0, f"“{title}”工作表找不到表头（代码、名称）")
        return slots

    def photos(self, row: int, value: Any) -> list[dict[str, Any]]:
        photos = []
        for line in _text(value).splitlines():
            parts = [line] if line.strip() else []
            if parts and not self._known(line):
                parts = [p for p in re.split(r"[、，,；;]", line) if p.strip()]  # written on one line
            for part in parts:
                match = PHOTO.fullmatch(part)
                label, required = (match.group(1), match.group(2) == "必拍") if match else (part.strip(), False)
                if label not in self.slot_codes:
                    self.bad(row, f"照片“{label}”不在“{SLOTS_TITLE}”工作表中")
                    continue
                photos.append({"slot": self.slot_codes[label], "required": required})
        return photos

    def _known(self, text: str) -> bool:
        match = PHOTO.fullmatch(text)
        return (match.group(1) if match else text.strip()) in self.slot_codes

    def item(self, row: int, cell: Any) -> dict[str, Any]:
        scoring_text = _text(cell(SCORING))
        scoring = SCORING_BY_TEXT.get(scoring_text, "pass_fail")
        if scoring_text and scoring_text not in SCORING_BY_TEXT:
            self.bad(row, f"评分方式“{scoring_text}”应为“符合/不符合”或“评分”")
        return {
            "code": _text(cell(CODE)),
            "text": _text(cell(TEXT)),
            "guidance": _text(cell(GUIDANCE)),
            "points": _number(cell(POINTS)),
            "scoring": scoring,
            "critical": self.flag(row, cell(CRITICAL), CRITICAL),
            "na_allowed": self.flag(row, cell(NA), NA),
            "photos": self.photos(row, cell(PHOTOS)),
            "levels": levels_from_text(_text(cell(LEVELS))),
        }

    def read_main(self, draft: dict[str, Any]) -> bool:
        """Fill the draft from the main sheet; False when the sheet has no checklist table at all."""
        title, rows = self.main
        columns: dict[str, int] | None = None
        phase = "top"
        for number, values in rows:
            labels = [_label(v) for v in values]

            def cell(name: str, values: Sequence[Any] = values) -> Any:
                index = columns.get(name) if columns else None
                return values[index] if index is not None and index < len(values) else None

            if phase == "top":
                if "name" not in self.origin:
                    draft["name"] = next((_text(v) for v in values if _text(v)), "")
                    self.origin["name"] = (number, "")
                if VERSION_LABEL in labels and "version" not in self.origin:
                    after = values[labels.index(VERSION_LABEL) + 1 :]
                    draft["version"] = next((_text(v) for v in after if _text(v)), "")
                    self.origin["version"] = (number, "")
                if all(name in labels for name in REQUIRED):
                    columns = {label: n for n, label in reversed(list(enumerate(labels))) if label}
                    self.origin["sections"] = (number, "")
                    phase = "table"
            elif phase == "table":
                phase = self._table_row(draft, number, values, cell)
            elif phase == "after" and all(name in labels for name in BAND_HEADER[:2]):
                band_columns = (labels.index(BAND_HEADER[0]), labels.index(BAND_HEADER[1]))
                self.origin["outcome_bands"] = (number, "")
                phase = "bands"
            elif phase == "bands":
                cells = list(values) + [None] * 2
                minimum, outcome = cells[band_columns[0]], _text(cells[band_columns[1]])
                if not outcome:
                    phase = "done"
                    continue
                if outcome not in OUTCOME_BY_TEXT:
                    self.bad(number, f"结论“{outcome}”应为可推荐示范站、合格或需整改")
                self.origin[f"outcome_bands.{len(draft['outcome_bands'])}"] = (number, "")
                draft["outcome_bands"].append(
                    {"min_score": _number(minimum), "outcome": OUTCOME_BY_TEXT.get(outcome, outcome)}
                )
        if columns is None:
            self.bad(0, "找不到核查表的表头（编号、核查内容、分值），请使用本系统导出的核查表填写")
            return False
        if "version" not in self.origin:
            self.bad(0, "找不到“版本号”，请在标题下一行写明，如“版本号：2027.1”")
        if phase == "table":
            self.bad(0, "找不到“合计”行（其“分值”一栏为总分）")
        elif "outcome_bands" not in self.origin:
            self.bad(0, "找不到结论档次表（最低得分、结论）")
        return True

    def _table_row(self, draft: dict[str, Any], number: int, values: Sequence[Any], cell: Any) -> str:
        first = _text(values[0]) if values else ""
        if first.replace(" ", "") == TOTAL:
            draft["total_points"] = _number(cell(POINTS))
            self.origin["total_points"] = (number, "")
            return "after"
        section = SECTION_ROW.fullmatch(first)
        # A section's row is its title alone (a note written in 得分 or 备注 does not make it an item).
        if section and not any(_text(cell(name)) for name, _ in COLUMNS[1:9]):
            self.origin[f"sections.{len(draft['sections'])}"] = (number, "")
            draft["sections"].append({"code": section.group(1), "title": section.group(2).strip(), "items": []})
            return "table"
        if not draft["sections"]:
            self.bad(number, "项目应写在某一节之下，请在它上面加一行节标题，如“A．基本条件”")
            return "table"
        items = draft["sections"][-1]["items"]
        self.origin[f"sections.{len(draft['sections']) - 1}.items.{len(items)}"] = (number, "")
        items.append(self.item(number, cell))
        return "table"


def read_printed(
    sheets: Sequence[tuple[str, Sequence[tuple[int, Sequence[Any]]]]],
) -> tuple[dict[str, Any] | None, list[RowProblem]]:
    """The draft a printed (and perhaps edited) sheet describes, or None and every bad row."""
    if not sheets:
        return None, [RowProblem(0, "文件中没有任何工作表")]
    slots_sheet = next((s for s in sheets[1:] if s[0] == SLOTS_TITLE), sheets[1] if len(sheets) > 1 else None)
    reader = _SheetReader(sheets[0], slots_sheet)
    draft: dict[str, Any] = {
        "name": "",
        "version": "",
        "total_points": "",
        "photo_slots": reader.read_slots(),
        "outcome_bands": [],
        "sections": [],
    }
    if not reader.read_main(draft):
        return None, [p for p in reader.problems if not p.row and not p.sheet]
    for problem in template_problems(draft):
        path = problem.path
        while path and path not in reader.origin:
            path = path.rpartition(".")[0]
        row, sheet = reader.origin.get(path, (0, ""))
        reader.bad(row, problem.message, sheet)
    if reader.problems:
        return None, sorted(reader.problems, key=lambda p: (bool(p.sheet), p.row))
    return draft, []
