"""The spreadsheet edge: reading uploads and writing downloads, with no database."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from support import xlsx

from inspect_app.adapters.spreadsheet import Sheet, SpreadsheetError, read_rows, write_workbook

HEADERS = ["站点编号", "服务站名称", "成立日期"]


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def test_xlsx_round_trip_keeps_values_types_and_row_numbers():
    data = write_workbook(
        "名录",
        HEADERS,
        [["150602-001", "林荫超市服务站", date(2021, 3, 15)], ["150602-002", "  富兴市场服务站 ", None]],
        [16, 30, 12],
    )
    rows = read_rows("名录.xlsx", data, required=["站点编号"])
    assert [number for number, _ in rows] == [2, 3]
    assert rows[0][1]["服务站名称"] == "林荫超市服务站"
    assert rows[0][1]["成立日期"] == datetime(2021, 3, 15)
    assert rows[1][1]["服务站名称"] == "富兴市场服务站"  # surrounding blanks are trimmed


def test_xlsx_is_recognised_by_content_not_by_name():
    rows = read_rows("upload", xlsx([HEADERS, ["A1", "甲", None]]), required=HEADERS[:2])
    assert rows == [(2, {"站点编号": "A1", "服务站名称": "甲", "成立日期": None})]


def test_csv_utf8_with_bom_round_trip():
    data = "\ufeff".encode() + csv_bytes([HEADERS, ["150602-001", "林荫超市服务站", "2021-03-15"]])
    rows = read_rows("名录.CSV", data, required=["站点编号"])
    assert rows == [(2, {"站点编号": "150602-001", "服务站名称": "林荫超市服务站", "成立日期": "2021-03-15"})]


def test_csv_saved_by_chinese_excel_in_gb18030_is_decoded():
    data = csv_bytes([HEADERS, ["150621-003", "树林召镇市场服务站", ""]], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the test data really is not UTF-8
    rows = read_rows("名录.csv", data, required=["站点编号", "服务站名称"])
    assert rows[0][1]["服务站名称"] == "树林召镇市场服务站"


def test_blank_rows_are_skipped_but_row_numbers_stay_those_excel_shows():
    data = xlsx([HEADERS, ["A1", "甲", None], [None, "  ", None], [], ["A2", "乙", None]])
    assert [(n, r["站点编号"]) for n, r in read_rows("a.xlsx", data, HEADERS[:1])] == [(2, "A1"), (5, "A2")]
    text = csv_bytes([HEADERS, ["", "", ""], ["A3", "丙", ""]])
    assert [(n, r["站点编号"]) for n, r in read_rows("a.csv", text, HEADERS[:1])] == [(3, "A3")]


def test_a_title_row_above_the_header_is_tolerated():
    data = xlsx([["鄂尔多斯市12315消费维权服务站名录"], HEADERS, ["A1", "甲", None]])
    assert read_rows("a.xlsx", data, HEADERS) == [(3, {"站点编号": "A1", "服务站名称": "甲", "成立日期": None})]


def test_missing_headers_are_named_from_the_row_closest_to_a_header():
    data = xlsx([["服务站名录"], ["站点编号", "服务站名称"], ["A1", "甲"]])
    with pytest.raises(SpreadsheetError) as error:
        read_rows("a.xlsx", data, required=["站点编号", "服务站名称", "地址"])
    assert str(error.value).startswith("表头缺少必填列：地址。")


def test_missing_required_headers_are_named():
    data = xlsx([["站点编号", "名称"], ["A1", "甲"]])
    with pytest.raises(SpreadsheetError) as error:
        read_rows("a.xlsx", data, required=["站点编号", "服务站名称", "地址"])
    assert "服务站名称、地址" in str(error.value)
    assert "站点编号、" not in str(error.value)


@pytest.mark.parametrize(
    "filename, data, words",
    [
        ("名录.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "另存为"),
        ("名录.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Word"),
        ("照片.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 100, "图片"),
        ("说明.pdf", b"%PDF-1.7\n", "PDF"),
        ("名录.txt", "站点编号,服务站名称\n".encode(), "请上传 .xlsx 或 .csv"),
        ("名录.xlsx", "站点编号,服务站名称\n".encode(), "不是 Excel 工作簿"),
    ],
)
def test_wrong_file_types_are_refused_with_a_chinese_reason(filename, data, words):
    with pytest.raises(SpreadsheetError) as error:
        read_rows(filename, data, required=["站点编号"])
    assert words in str(error.value)


def test_broken_xlsx_is_refused():
    data = xlsx([HEADERS, ["A1", "甲", None]])
    with pytest.raises(SpreadsheetError) as error:
        read_rows("a.xlsx", data[: len(data) // 2], required=["站点编号"])
    assert "损坏" in str(error.value)


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(SpreadsheetError, match="另存为 .xlsx"):
        read_rows("a.xlsx", buffer.getvalue(), required=["站点编号"])


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (201 * 2**20))
    data = buffer.getvalue()
    assert len(data) < 2**20  # tiny on the wire
    with pytest.raises(SpreadsheetError, match="解压后超过 200 MB"):
        read_rows("bomb.xlsx", data, required=["站点编号"])


@pytest.mark.parametrize("data", [b"", b"  \r\n", "\n\n".encode()])
def test_empty_file_is_refused(data):
    with pytest.raises(SpreadsheetError, match="空"):
        read_rows("a.csv", data, required=["站点编号"])


def test_workbook_with_only_blank_rows_is_refused():
    with pytest.raises(SpreadsheetError, match="没有任何内容"):
        read_rows("a.xlsx", xlsx([[None, None], []]), required=["站点编号"])


def test_too_many_rows_are_refused():
    rows = [HEADERS] + [[f"A{i}", "甲", None] for i in range(4)]
    assert len(read_rows("a.xlsx", xlsx(rows), HEADERS[:1], max_rows=4)) == 4
    with pytest.raises(SpreadsheetError, match="3行"):
        read_rows("a.xlsx", xlsx(rows), HEADERS[:1], max_rows=3)
    with pytest.raises(SpreadsheetError, match="3行"):
        read_rows("a.csv", csv_bytes(rows), HEADERS[:1], max_rows=3)


def test_written_workbook_has_bold_frozen_header_widths_and_date_format():
    data = write_workbook(
        "服务站名录",
        HEADERS,
        [["A1", "甲", date(2020, 5, 1)]],
        [16, 34, 12],
        extra_sheets=[Sheet("填写说明", ["列名", "说明"], [["站点编号", "唯一"]], [12, 60])],
    )
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook["服务站名录"]
    assert workbook.sheetnames == ["服务站名录", "填写说明"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert all(c.font.b for c in sheet[1]) and not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
    assert [sheet.column_dimensions[c].width for c in "ABC"] == [16, 34, 12]
    assert sheet["C2"].number_format == "yyyy-mm-dd"
    assert sheet["C2"].value == datetime(2020, 5, 1)
    assert workbook["填写说明"]["B2"].value == "唯一"


def test_written_text_is_never_a_formula_and_control_characters_are_dropped():
    data = write_workbook("t", ["备注"], [['=HYPERLINK("http://x")'], ["甲\x07乙"], ["丙\ufffe丁\uffff"]], [20])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value == '=HYPERLINK("http://x")'
    assert sheet["A3"].value == "甲乙"
    assert sheet["A4"].value == "丙丁"
