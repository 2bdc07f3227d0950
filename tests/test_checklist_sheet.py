"""The 验收核查表 in Excel: laid out as officials print it, and read back as a draft with every bad row named."""

from __future__ import annotations

import io

import openpyxl
import pytest

from inspect_app.adapters import spreadsheet
from inspect_app.adapters.spreadsheet import SpreadsheetError, read_sheets, write_printed
from inspect_app.demo.seed import default_template
from inspect_app.domain.checklists.checklist import canonical_data, parse_template
from inspect_app.domain.checklists.checklist_sheet import printed_sheets, read_printed

TEMPLATE = parse_template(default_template())


def exported(template=TEMPLATE) -> bytes:
    return write_printed(printed_sheets(template))


def read_back(data: bytes):
    return read_printed(read_sheets("核查表.xlsx", data, max_rows=2000))


def edited(data: bytes, change) -> bytes:
    """The workbook after `change(main_sheet, slots_sheet)`, saved as Excel would."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    change(workbook.worksheets[0], workbook.worksheets[1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row_of(sheet, code: str) -> int:
    return next(cell.row for cell in sheet["A"] if cell.value == code)


def test_an_exported_version_reads_back_as_the_same_data():
    draft, problems = read_back(exported())
    assert problems == []
    assert draft == canonical_data(TEMPLATE)


def test_the_sheet_is_laid_out_as_officials_print_it():
    workbook = openpyxl.load_workbook(io.BytesIO(exported()))
    sheet = workbook["验收核查表"]
    assert sheet["A1"].value == "12315消费维权服务站验收核查表" and "A1:K1" in sheet.merged_cells
    assert (sheet["A2"].value, sheet["B2"].value, sheet["C2"].value, sheet["I2"].value) == (
        "版本号：",
        "2026.1",
        "服务站名称：",
        "检查日期：",
    )
    assert [c.value for c in sheet[4]] == [
        "编号",
        "核查内容",
        "核查要点",
        "分值",
        "评分方式",
        "关键项",
        "可不适用",
        "照片",
        "档次",
        "得分",
        "备注",
    ]
    assert sheet["A5"].value == "A．基本条件" and "A5:K5" in sheet.merged_cells
    a2 = [c.value for c in sheet[row_of(sheet, "A2")]]
    assert a2 == [
        "A2",
        "标识标志牌悬挂在醒目位置，完好无损",
        TEMPLATE.items[1].guidance,
        6,
        "符合/不符合",
        "是",
        None,
        "标识标志牌（必拍）",
        None,
        None,
        None,
    ]
    c4 = [c.value for c in sheet[row_of(sheet, "C4")]]
    assert c4[4:9] == ["评分", None, "是", None, "8分 和解率≥90%\n4分 80%≤和解率<90%\n0分 和解率<80%"]
    total = row_of(sheet, "合计")
    assert sheet.cell(total, 4).value == 100 and f"A{total}:C{total}" in sheet.merged_cells
    bands = [[c.value for c in row[:3]] for row in sheet.iter_rows(min_row=total + 2, max_row=total + 5)]
    assert bands == [
        ["最低得分", "结论", "得分范围"],
        [90, "可推荐示范站", "90分及以上"],
        [80, "合格", "80至89分"],
        [0, "需整改", "80分以下"],
    ]
    texts = [c.value for c in sheet["A"] if isinstance(c.value, str)]
    assert any("关键项" in t and "需整改" in t for t in texts)
    assert any("签字" in str(c.value) for row in sheet.iter_rows(min_row=total) for c in row)
    # A4 landscape, one page wide, the header row on every page.
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4) and sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0 and sheet.print_title_rows == "$4:$4"
    assert sheet.print_area == f"'验收核查表'!$A$1:$K${sheet.max_row}"
    assert sheet.freeze_panes == "A5"
    slots = workbook["照片栏目"]
    rows = [[c.value for c in row] for row in slots.iter_rows(min_row=2)]
    assert rows[0] == ["代码", "名称"] and rows[1:3] == [["signboard", "标识标志牌"], ["bulletin_board", "宣传栏"]]


def test_an_edited_sheet_reads_back_with_its_edits():
    def change(sheet, slots):
        a1, a5 = row_of(sheet, "A1"), row_of(sheet, "A5")
        sheet.cell(a1, 4).value = 10
        sheet.cell(row_of(sheet, "合计"), 4).value = 102
        sheet["B2"] = "2027.1"
        sheet.cell(a5, 6).value = "√"  # officials tick
        sheet.cell(a5, 8).value = "宣传栏（选拍）\n其他（必拍）"
        sheet.cell(a5, 10).value = 6  # a filled 得分 is no part of the template
        sheet.cell(row_of(sheet, "合计") + 4, 1).value = 85  # the 80 band
        slots["B3"] = "标识牌"  # a slot renamed, and so in the cell that names it
        sheet.cell(row_of(sheet, "A2"), 8).value = "标识牌（必拍）"

    draft, problems = read_back(edited(exported(), change))
    assert problems == []
    expected = canonical_data(TEMPLATE)
    expected["version"], expected["total_points"] = "2027.1", 102
    expected["sections"][0]["items"][0]["points"] = 10
    a5 = expected["sections"][0]["items"][4]
    a5["critical"] = True
    a5["photos"] = [{"slot": "bulletin_board", "required": False}, {"slot": "other", "required": True}]
    expected["outcome_bands"][1]["min_score"] = 85
    expected["photo_slots"][0]["label"] = "标识牌"
    assert draft == expected


def test_every_bad_row_is_named_with_its_reason():
    rows = {}

    def change(sheet, slots):
        rows.update(a3=row_of(sheet, "A3"), a6=row_of(sheet, "A6"), b1=row_of(sheet, "B1"), b2=row_of(sheet, "B2"))
        sheet.cell(rows["a3"], 4).value = "八"
        sheet.cell(rows["a6"], 5).value = "星级"
        sheet.cell(rows["b1"], 8).value = "门牌（必拍）"
        sheet.cell(rows["b2"], 1).value = "A1"
        sheet.cell(rows["b2"], 7).value = "也许"
        rows["band"] = row_of(sheet, "合计") + 3
        sheet.cell(rows["band"], 2).value = "优秀"
        slots["A4"] = "bulletin board"

    draft, problems = read_back(edited(exported(), change))
    assert draft is None
    shown = [str(p) for p in problems]
    assert f"第{rows['a3']}行：第1节第3项（A3）的分值应为整数，实为“八”" in shown
    assert f"第{rows['a6']}行：评分方式“星级”应为“符合/不符合”或“评分”" in shown
    assert f"第{rows['b1']}行：照片“门牌”不在“照片栏目”工作表中" in shown
    assert f"第{rows['b2']}行：可不适用“也许”应填“是”或留空" in shown
    assert any(s.startswith(f"第{rows['b2']}行：项目代码 “A1” 重复") for s in shown), shown
    assert f"第{rows['band']}行：结论“优秀”应为可推荐示范站、合格或需整改" in shown
    assert "“照片栏目”工作表第4行：第2个照片栏目的代码“bulletin board”只能由英文字母、数字、“-”和“_”组成" in shown
    assert [p.row for p in problems] == sorted(p.row for p in problems if not p.sheet) + [
        p.row for p in problems if p.sheet
    ]


def test_an_item_above_every_section_and_a_sheet_that_is_no_checklist():
    def change(sheet, slots):
        sheet.unmerge_cells("A5:K5")
        sheet["A5"] = "X9"
        sheet["B5"] = "没有节的项目"

    draft, problems = read_back(edited(exported(), change))
    assert draft is None and "第5行：项目应写在某一节之下，请在它上面加一行节标题，如“A．基本条件”" in [
        str(p) for p in problems
    ]
    directory = spreadsheet.write_workbook("名录", ["站点编号", "服务站名称"], [["150602-001", "服务站"]], [10, 10])
    draft, problems = read_back(directory)
    assert draft is None and [str(p) for p in problems] == [
        "找不到核查表的表头（编号、核查内容、分值），请使用本系统导出的核查表填写"
    ]


def test_what_is_no_workbook_or_too_large_is_refused_before_reading():
    with pytest.raises(SpreadsheetError, match="旧版 Excel"):
        read_sheets("核查表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, max_rows=10)
    with pytest.raises(SpreadsheetError, match="请上传从本系统导出的 .xlsx 核查表"):
        read_sheets("核查表.csv", "编号,核查内容\n".encode(), max_rows=10)
    with pytest.raises(SpreadsheetError, match="超过 30 行"):
        read_sheets("核查表.xlsx", exported(), max_rows=30)


def test_a_workbook_that_unpacks_too_large_is_refused_unread(monkeypatch):
    monkeypatch.setattr(spreadsheet, "MAX_UNPACKED_BYTES", 2000)
    with pytest.raises(SpreadsheetError, match="解压后超过"):
        read_sheets("核查表.xlsx", exported(), max_rows=2000)
