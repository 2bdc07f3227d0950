"""Spreadsheets at the edge: read .xlsx and .csv uploads into rows, write .xlsx and .csv downloads.

The only module that imports openpyxl and csv, so the rest of the code speaks in rows of header → value.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generator, Iterable, Iterator, Protocol, Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # the media type of a .xlsx download
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls and .doc
PICTURE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"BM")
PDF_MAGIC = b"%PDF"
HEADER_SEARCH_ROWS = 10  # a merged title row or two often sits above the header in Chinese directories
DATE_FORMAT = "yyyy-mm-dd"
# What XML 1.0 cannot hold (openpyxl's own pattern misses U+FFFE and U+FFFF, and lxml then refuses the cell).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_UNPACKED_BYTES = 200 * 2**20  # 20,000 rows of a directory unpack to well under 50 MB
# What makes Excel (and its kin) read a typed cell as a formula: =, + and - start one, @ calls a function,
# and a leading tab or carriage return is skipped before it looks.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = tuple[int, dict[str, Any]]


class SpreadsheetError(ValueError):
    """A file that cannot be read as a table; the message is Chinese and meant for the user."""


@dataclass
class Sheet:
    """One sheet to write: a bold, frozen header row and data rows."""

    title: str
    headers: list[str]
    rows: Iterable[Sequence[Any]]
    widths: list[int] = field(default_factory=list)


def _header_text(value: Any) -> str:
    # People mark required columns with a * that is not part of the name.
    return "" if value is None else str(value).strip().strip("*＊").strip()


def _is_blank(values: Sequence[Any]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def _table(
    numbered: Iterator[tuple[int, Sequence[Any]]], required: Sequence[str], max_rows: int | None, sheet: str = ""
) -> list[Row]:
    """Find the header row, then key each following non-blank row by header text (`sheet` names the sheet in the
    messages, when it is not the first)."""
    header: list[str] | None = None
    missing: list[str] | None = None  # of the candidate row closest to a header
    seen = 0
    for _number, values in numbered:
        if _is_blank(values):
            continue
        seen += 1
        candidate = [_header_text(v) for v in values]
        lacking = [name for name in required if name not in candidate]
        if not lacking:
            header = candidate
            break
        if missing is None or len(lacking) < len(missing):
            missing = lacking
        if seen >= HEADER_SEARCH_ROWS:
            break
    where = f"“{sheet}”工作表：" if sheet else ""
    if header is None and missing is None and sheet:
        raise SpreadsheetError(f"“{sheet}”工作表是空的：请填写表头和数据，不需要时删除该工作表")
    if header is None and missing is None:
        raise SpreadsheetError("文件中没有任何内容，请在第一行填写表头，从第二行起每行填写一个服务站")
    if header is None:
        raise SpreadsheetError(
            where + f"表头缺少必填列：{'、'.join(missing or [])}。请使用导入模板，不要修改第一行的列名"
        )

    rows: list[Row] = []
    for number, values in numbered:
        if _is_blank(values):
            continue
        if max_rows is not None and len(rows) >= max_rows:
            raise SpreadsheetError(where + f"数据超过{max_rows}行的上限，请拆分成多个文件分批导入")
        record = {}
        padded = list(values[: len(header)]) + [None] * (len(header) - len(values))  # short rows: empty cells
        for name, value in zip(header, padded):
            if name and name not in record:
                record[name] = value.strip() if isinstance(value, str) else value
        rows.append((number, record))
    return rows


def _unpacked_size(data: bytes) -> int:
    """What the .xlsx zip claims its parts unpack to; 0 when it is no readable zip (openpyxl will say)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        return 0


def _open_workbook(data: bytes) -> Any:
    # A small upload may unpack to gigabytes of XML: refuse before openpyxl inflates anything.
    if _unpacked_size(data) > MAX_UNPACKED_BYTES:
        raise SpreadsheetError(f"该 Excel 文件解压后超过 {MAX_UNPACKED_BYTES // 2**20} MB，内容异常，已拒绝导入")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles other tools leave out
            return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds: bad zip, missing parts, malformed XML
        raise SpreadsheetError(
            "无法打开该 Excel 文件：文件可能已损坏，或不是 .xlsx 格式。请在 Excel 中打开后另存为 .xlsx 再导入"
        ) from error


def _xlsx_rows(data: bytes) -> Generator[tuple[int, Sequence[Any]], None, None]:
    return _workbook_rows(_open_workbook(data))


def _workbook_rows(workbook: Any, title: str | None = None) -> Generator[tuple[int, Sequence[Any]], None, None]:
    try:
        if not workbook.worksheets:
            return
        sheet = workbook[title] if title is not None else workbook.worksheets[0]
        sheet.reset_dimensions()  # other tools write wrong dimensions; read every row there is
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    except Exception as error:  # malformed sheet XML surfaces only while reading rows
        raise SpreadsheetError("无法读取该 Excel 文件的内容，请在 Excel 中打开后另存为 .xlsx 再导入") from error
    finally:
        workbook.close()


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # Excel in China saves CSV in GBK, which GB18030 contains
    except UnicodeDecodeError as error:
        raise SpreadsheetError("无法识别 CSV 文件的编码，请在 Excel 中另存为 .xlsx 后再导入") from error


def _csv_rows(data: bytes) -> Generator[tuple[int, Sequence[Any]], None, None]:
    if b"\x00" in data:
        raise SpreadsheetError("该文件不是文本格式的 CSV 文件，请上传 .xlsx 或 .csv 文件")
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    try:
        # Excel shows one record per row even when a quoted cell holds line breaks.
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise SpreadsheetError(
            f"CSV 文件格式有误（第{reader.line_num}行附近），请在 Excel 中另存为 .xlsx 后再导入"
        ) from error


def _wrong_type(filename: str, data: bytes) -> SpreadsheetError:
    lower = filename.lower()
    if data.startswith(OLE_MAGIC):
        if lower.endswith((".doc", ".docx", ".wps")):
            return SpreadsheetError("这是 Word 文档，不是表格。请上传 .xlsx 或 .csv 格式的名录表")
        return SpreadsheetError(
            "这是旧版 Excel（.xls）文件，暂不支持。请在 Excel 中“另存为”Excel 工作簿（.xlsx）后再导入"
        )
    if data.startswith(PICTURE_MAGIC) or lower.endswith((".jpg", ".jpeg", ".png", ".heic", ".gif", ".webp")):
        return SpreadsheetError("这是图片，不是表格。请上传 .xlsx 或 .csv 格式的名录表")
    if data.startswith(PDF_MAGIC):
        return SpreadsheetError("这是 PDF 文件，不是表格。请上传 .xlsx 或 .csv 格式的名录表")
    if lower.endswith(".xlsx"):
        return SpreadsheetError(
            "该文件扩展名是 .xlsx，但内容不是 Excel 工作簿（可能已损坏或被改了扩展名）。请在 Excel 中另存为 .xlsx 再导入"
        )
    if lower.endswith(".xls"):
        return SpreadsheetError("旧版 Excel（.xls）文件暂不支持，请在 Excel 中“另存为”Excel 工作簿（.xlsx）后再导入")
    return SpreadsheetError("不支持的文件类型，请上传 .xlsx 或 .csv 格式的名录表")


def read_rows(filename: str, data: bytes, required: Sequence[str] = (), max_rows: int | None = None) -> list[Row]:
    """The data rows of an .xlsx or .csv file as (row number in Excel, {header: value}), blank rows skipped."""
    if not data.strip():
        raise SpreadsheetError("上传的文件是空的")
    if data.startswith(ZIP_MAGIC):
        if filename.lower().endswith((".docx", ".pptx", ".wps")):
            raise SpreadsheetError("这是 Word 或 PPT 文件，不是表格。请上传 .xlsx 或 .csv 格式的名录表")
        numbered = _xlsx_rows(data)
    elif filename.lower().endswith(".csv") and not data.startswith((OLE_MAGIC, PDF_MAGIC, *PICTURE_MAGIC)):
        numbered = _csv_rows(data)
    else:
        raise _wrong_type(filename, data)
    try:
        return _table(numbered, required, max_rows)
    finally:
        numbered.close()  # releases the workbook even when reading stops early


def read_named_rows(
    filename: str, data: bytes, title: str, required: Sequence[str] = (), max_rows: int | None = None
) -> list[Row] | None:
    """The data rows of the sheet named `title` of an .xlsx, as read_rows gives those of the first sheet; None when
    the file has no such sheet (a CSV has none). Call it after read_rows has accepted the file."""
    if not data.startswith(ZIP_MAGIC) or filename.lower().endswith((".docx", ".pptx", ".wps")):
        return None
    workbook = _open_workbook(data)
    if title not in workbook.sheetnames or title == workbook.sheetnames[0]:
        workbook.close()
        return None
    numbered = _workbook_rows(workbook, title)
    try:
        return _table(numbered, required, max_rows, title)
    finally:
        numbered.close()


def reads_as_formula(value: Any) -> bool:
    """Whether a spreadsheet would take this value for a formula: text (not empty) starting with FORMULA_STARTS."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _cell(sheet: Any, value: Any, bold: bool = False) -> Any:
    if isinstance(value, str):
        value = NOT_XML.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if reads_as_formula(value):
        cell.data_type = "s"  # text people typed, never a formula to run: an .xlsx can say so for each cell
    if isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
        cell.alignment = Alignment(vertical="center")
    return cell


def write_workbook(
    title: str, headers: list[str], rows: Iterable[Sequence[Any]], widths: list[int], extra_sheets: Sequence[Sheet] = ()
) -> bytes:
    """An .xlsx with a bold, frozen header row, set column widths and yyyy-mm-dd dates."""
    workbook = Workbook(write_only=True)
    for sheet in (Sheet(title, headers, rows, widths), *extra_sheets):
        worksheet = workbook.create_sheet(title=sheet.title[:31])
        for index, width in enumerate(sheet.widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        worksheet.freeze_panes = "A2"
        worksheet.append([_cell(worksheet, name, bold=True) for name in sheet.headers])
        for row in sheet.rows:
            worksheet.append([_cell(worksheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    # A CSV cannot mark a cell as text; the leading ' is what Excel itself writes for "this is text".
    return "'" + value if reads_as_formula(value) else value


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV in UTF-8 with a byte-order mark (so Excel opens the Chinese text correctly); None is an empty cell."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ---- printed forms: a sheet laid out to be printed on A4 (the 验收核查表), and such a sheet read back ---------


# Read-only members (properties), so that the domain's frozen dataclasses match them.
class PrintedRow(Protocol):
    """A row of a printed form (domain/checklist_sheet.py): style, cells from column A, merged (first, last)."""

    @property
    def style(self) -> str: ...
    @property
    def cells(self) -> tuple[Any, ...]: ...
    @property
    def spans(self) -> tuple[tuple[int, int], ...]: ...


class PrintedSheet(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def widths(self) -> tuple[int, ...]: ...
    @property
    def rows(self) -> tuple[PrintedRow, ...]: ...
    @property
    def header_row(self) -> int | None: ...
    @property
    def centered(self) -> tuple[int, ...]: ...
    @property
    def landscape(self) -> bool: ...


PRINT_FONT = "宋体"  # what official forms are set in; Excel and WPS fall back to their own CJK font without it
LINE_POINTS = 15  # the height of one line of 11-point CJK text
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRITE_ON = Border(bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="E7ECF2")
SECTION_FILL = PatternFill("solid", fgColor="F3F5F7")
BOXED = {"header", "section", "item", "total", "band_header", "band"}
FORM_ROWS = {"info", "sign"}  # a text ending in ： is a label, an empty cell a line to write on


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines_needed(value: Any, width: float) -> int:
    # Excel does not grow a row for wrapped text when the file says nothing: count the lines a cell needs.
    if value is None:
        return 1
    usable = max(width - 1.5, 1)
    return sum(max(1, math.ceil(_display_width(line) / usable)) for line in str(value).split("\n"))


def _style_cell(cell: Any, style: str, column: int, value: Any, centered: Sequence[int]) -> None:
    size = {"title": 16, "note": 10}.get(style, 11)
    label = style in FORM_ROWS and isinstance(value, str) and value.endswith("：")
    bold = style in ("title", "header", "section", "total", "band_header") or label
    cell.font = Font(name=PRINT_FONT, size=size, bold=bold)
    horizontal = (
        "center"
        if style in ("title", "header", "band_header") or (style in BOXED and style != "section" and column in centered)
        else ("right" if label else "left")
    )
    cell.alignment = Alignment(
        horizontal=horizontal, vertical="center" if style != "item" else "top", wrap_text=style not in FORM_ROWS
    )
    if style in BOXED:
        cell.border = BOX
    elif style in FORM_ROWS and value is None:
        cell.border = WRITE_ON
    if style in ("header", "band_header"):
        cell.fill = HEADER_FILL
    elif style == "section":
        cell.fill = SECTION_FILL


def _printed_row(worksheet: Any, number: int, row: PrintedRow, sheet: PrintedSheet) -> None:
    if row.style in ("blank", "spacer"):
        if row.style == "spacer":  # a narrow gap, so that a line to write on stands apart from the table below
            worksheet.row_dimensions[number].height = 8
        return
    spans = {first: last for first, last in row.spans}
    owner = {c: first for first, last in row.spans for c in range(first + 1, last + 1)}  # merged under `first`
    columns = len(sheet.widths) if row.style in BOXED else len(row.cells)
    lines = 1
    for column in range(1, columns + 1):
        given = row.cells[owner.get(column, column) - 1] if owner.get(column, column) <= len(row.cells) else None
        value = None if column in owner else given
        if isinstance(value, str):
            value = NOT_XML.sub("", value)
        cell = worksheet.cell(row=number, column=column, value=value)
        if reads_as_formula(value):
            cell.data_type = "s"  # text people typed, never a formula to run
        _style_cell(cell, row.style, column, given, sheet.centered)  # a merged cell looks like its first one
        if column not in owner and row.style not in FORM_ROWS:
            width = sum(sheet.widths[c - 1] for c in range(column, spans.get(column, column) + 1))
            lines = max(lines, _lines_needed(value, width * (0.62 if row.style == "title" else 1)))
    for first, last in row.spans:  # after styling: merging copies the first cell's border to the whole range
        worksheet.merge_cells(start_row=number, start_column=first, end_row=number, end_column=last)
    worksheet.row_dimensions[number].height = lines * (26 if row.style == "title" else LINE_POINTS) + 6


def write_printed(sheets: Sequence[PrintedSheet]) -> bytes:
    """An .xlsx of forms to print: A4, one page wide, the header row repeated on every page, rows tall enough
    for their wrapped text."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=sheet.title[:31])
        for index, width in enumerate(sheet.widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        for number, row in enumerate(sheet.rows, start=1):
            _printed_row(worksheet, number, row, sheet)
        if sheet.header_row:
            worksheet.print_title_rows = f"{sheet.header_row}:{sheet.header_row}"
            worksheet.freeze_panes = f"A{sheet.header_row + 1}"
        worksheet.print_area = f"A1:{get_column_letter(len(sheet.widths))}{len(sheet.rows)}"
        setup = worksheet.page_setup
        setup.paperSize = worksheet.PAPERSIZE_A4
        setup.orientation = "landscape" if sheet.landscape else "portrait"
        worksheet.sheet_properties.pageSetUpPr.fitToPage = True
        setup.fitToWidth, setup.fitToHeight = 1, 0  # one page wide, as many pages long as it takes
        worksheet.print_options.horizontalCentered = True
        worksheet.page_margins.left = worksheet.page_margins.right = 0.4
        worksheet.page_margins.top, worksheet.page_margins.bottom = 0.6, 0.8
        worksheet.page_margins.footer = 0.3  # room for the page numbers below the last row
        worksheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _not_a_workbook(filename: str, data: bytes) -> SpreadsheetError:
    lower = filename.lower()
    if data.startswith(OLE_MAGIC):
        if lower.endswith((".doc", ".docx", ".wps")):
            return SpreadsheetError("这是 Word 文档，不是表格。请上传从本系统导出的 .xlsx 核查表")
        return SpreadsheetError(
            "这是旧版 Excel（.xls）文件，暂不支持。请在 Excel 中“另存为”Excel 工作簿（.xlsx）后再导入"
        )
    if data.startswith(PICTURE_MAGIC) or data.startswith(PDF_MAGIC):
        return SpreadsheetError("这是图片或 PDF 文件，不是表格。请上传从本系统导出的 .xlsx 核查表")
    if data.startswith(ZIP_MAGIC):
        return SpreadsheetError("这是 Word 或 PPT 文件，不是表格。请上传从本系统导出的 .xlsx 核查表")
    if lower.endswith(".xlsx"):
        return SpreadsheetError(
            "该文件扩展名是 .xlsx，但内容不是 Excel 工作簿（可能已损坏或被改了扩展名）。请在 Excel 中另存为 .xlsx 再导入"
        )
    return SpreadsheetError("请上传从本系统导出的 .xlsx 核查表（其节标题和多行的单元格，CSV 等格式无法保存）")


def read_sheets(filename: str, data: bytes, max_rows: int) -> list[tuple[str, list[tuple[int, tuple[Any, ...]]]]]:
    """Every sheet of an .xlsx as (title, [(row number in Excel, cell values)]), blank rows skipped.

    For forms laid out by hand, where rows are told apart by what they hold rather than by a header; refused
    before anything is inflated when the file is no workbook, unpacks too large, or holds over `max_rows` rows.
    """
    if not data.strip():
        raise SpreadsheetError("上传的文件是空的")
    if not data.startswith(ZIP_MAGIC) or filename.lower().endswith((".docx", ".pptx", ".wps")):
        raise _not_a_workbook(filename, data)
    if _unpacked_size(data) > MAX_UNPACKED_BYTES:
        raise SpreadsheetError(f"该 Excel 文件解压后超过 {MAX_UNPACKED_BYTES // 2**20} MB，内容异常，已拒绝导入")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds: bad zip, missing parts, malformed XML
        raise SpreadsheetError(
            "无法打开该 Excel 文件：文件可能已损坏，或不是 .xlsx 格式。请在 Excel 中打开后另存为 .xlsx 再导入"
        ) from error
    sheets: list[tuple[str, list[tuple[int, tuple[Any, ...]]]]] = []
    count = 0
    try:
        for worksheet in workbook.worksheets:
            worksheet.reset_dimensions()  # other tools write wrong dimensions; read every row there is
            rows = []
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                if _is_blank(values):
                    continue
                count += 1
                if count > max_rows:
                    raise SpreadsheetError(f"该文件超过 {max_rows} 行的上限，不像一份核查表，已拒绝导入")
                rows.append((number, tuple(values)))
            sheets.append((worksheet.title, rows))
    except SpreadsheetError:
        raise
    except Exception as error:  # malformed sheet XML surfaces only while reading rows
        raise SpreadsheetError("无法读取该 Excel 文件的内容，请在 Excel 中打开后另存为 .xlsx 再导入") from error
    finally:
        workbook.close()
    return sheets
