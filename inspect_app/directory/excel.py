"""Use cases for the directory (名录) in Excel: import a whole file or nothing, export, the template."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inspect_app.adapters import spreadsheet
from inspect_app.audit import trail as audit
from inspect_app.directory.operations import (
    StationQuery,
    all_matching_stations,
    apply_fields,
    resolve_district,
    station_form_values,
)
from inspect_app.directory.staff_sheet import (
    STAFF_GUIDE,
    STAFF_HEADERS,
    STAFF_REQUIRED,
    STAFF_SHEET,
    STAFF_WIDTHS,
    apply_officer,
    plan_staff,
    staff_sheet,
    write_staff,
)
from inspect_app.domain.directory.credit_code import check_character
from inspect_app.domain.directory.staff import OfficerFields, parse_officer
from inspect_app.domain.directory.stations import HOST_TYPE_LABELS, STATUS_LABELS, StationFields, parse_station
from inspect_app.domain.identity.permissions import Action, Actor, Decision, decide, district_scope
from inspect_app.models import District, Office, Station
from inspect_app.shared.access import require

# Chinese header → station field, in the order of the 名录表.
COLUMNS: dict[str, str] = {
    "站点编号": "number",
    "服务站名称": "name",
    "依托单位": "host_organisation",
    "统一社会信用代码": "credit_code",
    "依托单位类型": "host_type",
    "所属旗区": "district",
    "所属监管所": "office",
    "地址": "address",
    "纬度": "latitude",
    "经度": "longitude",
    "负责人": "head_name",
    "联系电话": "phone",
    "专职人数": "staff_full_time",
    "兼职人数": "staff_part_time",
    "成立日期": "established_on",
    "ODR企业": "is_odr",
    "示范站": "is_demonstration",
    "状态": "status",
    "备注": "notes",
}
# The officer the station's plaque names instead of its 监管所's: both blank for the 监管所's.
OFFICER_COLUMNS: dict[str, str] = {"责任监管人员姓名": "name", "责任监管人员电话": "phone"}
REQUIRED_HEADERS = ("站点编号", "服务站名称", "依托单位", "依托单位类型", "所属旗区", "地址")
HEADERS = [*COLUMNS, *OFFICER_COLUMNS]
HEADER_OF = {name: header for header, name in COLUMNS.items()}
WIDTHS = [16, 34, 30, 22, 12, 12, 20, 36, 11, 11, 10, 16, 9, 9, 12, 9, 8, 8, 30, 14, 16]
CHUNK = 500  # keeps IN (...) lists well under every backend's parameter limit


@dataclass(frozen=True)
class RowError:
    """One problem in one row; row 0 means the file as a whole. `sheet` names a sheet other than the first."""

    row: int
    message: str
    sheet: str = ""

    @property
    def place(self) -> tuple[str, int]:
        """Where the problem is, in the order the file reads: the first sheet's rows, then the other sheet's."""
        return self.sheet, self.row

    def __str__(self) -> str:
        return f"{self.sheet}第{self.row}行：{self.message}" if self.row else self.message


class ImportRejected(Exception):
    """The file was not imported; `errors` lists every problem found."""

    def __init__(self, errors: list[RowError] | str):
        self.errors = [RowError(0, errors)] if isinstance(errors, str) else sorted(errors, key=lambda e: e.place)
        super().__init__("；".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class ImportResult:
    """How many stations the import created, changed and left as they were, and the offices it added."""

    created: int
    updated: int
    unchanged: int
    offices_created: int
    staff_replaced: int = 0  # stations whose staff list the 工作人员 sheet changed


@dataclass
class _Planned:
    fields: StationFields
    district: District
    station: Station | None
    officer: OfficerFields | None = None
    officer_given: bool = False  # the file has the officer columns; without them the station keeps its own
    officer_changed: bool = False


def _message(name: str, message: str) -> str:
    header = HEADER_OF[name]
    return message if header in message else f"{header}：{message}"


def _existing(session: Session, numbers: Iterable[str]) -> dict[str, Station]:
    wanted = sorted({n for n in numbers if n})
    found: dict[str, Station] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update((s.number, s) for s in session.scalars(select(Station).where(Station.number.in_(chunk))))
    return found


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # as parse_station reads a number typed into a cell
    return "" if value is None else str(value).strip()


def _raw(record: dict[str, Any], station: Station | None) -> dict[str, Any]:
    raw = {COLUMNS[h]: v for h, v in record.items() if h in COLUMNS}
    if station is not None and len(raw) < len(COLUMNS):
        # A column left out of the file keeps the station's value instead of blanking it.
        for name, value in station_form_values(station).items():
            raw.setdefault(name, value)
    return raw


def _plan(
    session: Session, actor: Actor, rows: list[tuple[int, dict[str, Any]]], today: date
) -> tuple[list[_Planned], list[RowError]]:
    """Validate every row before anything is written."""
    existing = _existing(session, (_cell_text(r.get("站点编号")) for _, r in rows))
    districts: dict[str, District | None] = {}
    own = session.get(District, actor.district_id) if district_scope(actor) is not None else None
    first_row: dict[str, int] = {}
    planned: list[_Planned] = []
    errors: list[RowError] = []
    for row, record in rows:
        number = _cell_text(record.get("站点编号"))
        if number in first_row:
            errors.append(RowError(row, f"站点编号 {number} 与第{first_row[number]}行重复"))
            continue
        if number:
            first_row[number] = row
        district_text = _cell_text(record.get("所属旗区"))
        if district_text and district_text not in districts:
            districts[district_text] = resolve_district(session, district_text)
        district = districts.get(district_text)
        if district is not None and decide(actor, Action.IMPORT_DIRECTORY, district.id) is not Decision.ALLOW:
            # Another 旗区's row: its other fields are none of this actor's business.
            errors.append(RowError(row, f"所属旗区{district.name}不属于本旗区（{own.name if own else ''}），不能导入"))
            continue
        if district_text and district is None:
            errors.append(RowError(row, f"所属旗区“{district_text}”不存在，请填写旗区名称或代码，如 东胜区 或 150602"))
        station = existing.get(number)
        visible = station is not None and decide(actor, Action.IMPORT_DIRECTORY, station.district_id) is Decision.ALLOW
        # 示范站 may come back as exported, or blank; a change is refused per row: the file is imported whole or
        # not at all, so refusing (rather than dropping the value) never lets a leader think it took.
        fields, problems = parse_station(
            _raw(record, station if visible else None),
            today,
            demonstration=station.is_demonstration if visible and station else False,
        )
        errors.extend(RowError(row, _message(n, m)) for n, m in problems.messages.items())
        officer_given = any(header in record for header in OFFICER_COLUMNS)
        officer, officer_problems = parse_officer({n: record.get(h) for h, n in OFFICER_COLUMNS.items()})
        errors.extend(
            RowError(row, m if "责任监管人员" in m else f"责任监管人员{m}") for m in officer_problems.values()
        )
        if station is not None and not visible:
            errors.append(RowError(row, f"站点编号 {number} 已被其他旗区的服务站使用，不能通过导入改动"))
        if fields is None or district is None or (station is not None and not visible) or officer_problems:
            continue
        planned.append(_Planned(fields, district, station, officer, officer_given))
    return planned, errors


def _write(session: Session, planned: list[_Planned]) -> ImportResult:
    district_ids = {p.district.id for p in planned}
    offices = (
        {
            (o.district_id, o.name): o
            for o in session.scalars(select(Office).where(Office.district_id.in_(district_ids)))
        }
        if district_ids
        else {}
    )
    created = updated = unchanged = offices_created = 0
    for plan in planned:
        office = None
        if plan.fields.office:
            key = (plan.district.id, plan.fields.office)
            office = offices.get(key)
            if office is None:
                office = offices[key] = Office(district=plan.district, name=plan.fields.office)
                session.add(office)
                offices_created += 1
        if plan.station is None:
            station = Station()
            apply_fields(station, plan.fields, plan.district, office)
            session.add(station)
            created += 1
            plan.station = station
            plan.officer_changed = plan.officer_given and apply_officer(station, plan.officer)
            continue
        plan.officer_changed = plan.officer_given and apply_officer(plan.station, plan.officer)
        if apply_fields(plan.station, plan.fields, plan.district, office) or plan.officer_changed:
            updated += 1
        else:
            unchanged += 1
    return ImportResult(created, updated, unchanged, offices_created)


def _audit_officers(session: Session, actor: Actor, planned: list[_Planned]) -> None:
    """An audit entry for each station whose own officer the import set or cleared."""
    session.flush()  # stations new in this import get their ids
    for plan in planned:
        station = plan.station
        if plan.officer_changed and station is not None:
            action, details = (
                ("set_station_officer", {"name": plan.officer.name, "phone": plan.officer.phone, "import": True})
                if plan.officer
                else ("clear_station_officer", {"import": True})
            )
            audit.record(session, actor, action, "station", station.id, station.district_id, details)


def import_directory(
    session: Session, actor: Actor, filename: str, data: bytes, today: date, max_rows: int
) -> ImportResult:
    """Create or update the stations of a 名录 file: every row valid, or nothing written."""
    require(actor, Action.IMPORT_DIRECTORY)
    try:
        rows = spreadsheet.read_rows(filename, data, REQUIRED_HEADERS, max_rows)
    except spreadsheet.SpreadsheetError as error:
        raise ImportRejected(str(error)) from error
    if not rows:
        raise ImportRejected("文件中只有表头，没有服务站数据")
    try:
        staff_rows = spreadsheet.read_named_rows(filename, data, STAFF_SHEET, STAFF_REQUIRED, max_rows)
    except spreadsheet.SpreadsheetError as error:
        raise ImportRejected(str(error)) from error
    try:
        planned, errors = _plan(session, actor, rows, today)
        staff_plan, staff_problems = plan_staff(staff_rows, [_cell_text(r.get("站点编号")) for _, r in rows])
        errors += [RowError(row, message, f"{STAFF_SHEET}表") for row, message in staff_problems]
        if errors:
            raise ImportRejected(errors)
        result = _write(session, planned)
        _audit_officers(session, actor, planned)
        if staff_plan is not None:
            stations = [p.station for p in planned if p.station is not None]
            result = replace(result, staff_replaced=write_staff(session, actor, stations, staff_plan))
        session.commit()
    except IntegrityError as error:
        session.rollback()  # someone saved the same station number or office meanwhile
        raise ImportRejected("导入期间名录被其他人修改，未导入任何数据，请重新上传") from error
    except BaseException:
        session.rollback()
        raise
    return result


def _yes_no(flag: bool) -> str:
    return "是" if flag else "否"


def _export_row(station: Station) -> list[Any]:
    return [
        station.number,
        station.name,
        station.host_organisation,
        station.credit_code,
        station.host_type.label,
        station.district.name,
        station.office.name if station.office else None,
        station.address,
        station.latitude,
        station.longitude,
        station.head_name,
        station.phone,
        station.staff_full_time,
        station.staff_part_time,
        station.established_on,
        _yes_no(station.is_odr),
        _yes_no(station.is_demonstration),
        station.status.label,
        station.notes,
        station.officer_name,
        station.officer_phone,
    ]


def export_workbook(stations: Iterable[Station]) -> bytes:
    """The 名录表 as .xlsx, with the import headers so that it can be edited and imported again, and the stations'
    staff on a second sheet."""
    stations = list(stations)
    return spreadsheet.write_workbook(
        "服务站名录", HEADERS, (_export_row(s) for s in stations), WIDTHS, extra_sheets=[staff_sheet(stations)]
    )


def export_directory(session: Session, actor: Actor, query: StationQuery, today: date) -> tuple[str, bytes]:
    """The download name and bytes of the stations the actor may see that match the query."""
    stations = all_matching_stations(session, actor, query)
    scope = district_scope(actor) or query.district_id
    district = session.get(District, scope) if scope else None
    place = district.name if district else "全市"
    return f"服务站名录-{place}-{today:%Y%m%d}.xlsx", export_workbook(stations)


_EXAMPLE_BODY = "91150602MA0R8K3T5"
EXAMPLE_ROW = [
    "150602-101",
    "东胜区示例超市12315消费维权服务站",
    "鄂尔多斯市示例商贸有限公司",
    _EXAMPLE_BODY + check_character(_EXAMPLE_BODY),
    "超市",
    "东胜区",
    "林荫市场监管所",
    "东胜区天骄北路18号",
    39.8212,
    109.9653,
    "张丽",
    "0477-8123456",
    1,
    2,
    date(2021, 3, 15),
    "是",
    "否",
    "在册",
    None,
    None,
    None,
]

_GUIDE = [
    (
        "站点编号",
        "必填",
        "本站唯一编号，建议“旗区代码-序号”，如 150602-001；只能用字母、数字、短横线、下划线，最长32位。"
        "导入时按编号匹配：编号已存在则更新该站，不存在则新增",
    ),
    ("服务站名称", "必填", "最长100字"),
    ("依托单位", "必填", "服务站所在的商场、超市、市场、企业或景区的单位全称，最长100字"),
    ("统一社会信用代码", "选填", "18位，系统会校验第18位校验码；不使用字母 I、O、Z、S、V"),
    ("依托单位类型", "必填", f"只能填：{'、'.join(HOST_TYPE_LABELS.values())}"),
    ("所属旗区", "必填", "旗区名称或代码，如 东胜区 或 150602；旗区用户只能导入本旗区的服务站"),
    ("所属监管所", "选填", "如 林荫市场监管所；本旗区还没有的监管所会自动新建"),
    ("地址", "必填", "最长200字"),
    ("纬度", "选填", "十进制度数（WGS-84），如 39.82；须与经度同时填写或同时留空"),
    ("经度", "选填", "十进制度数（WGS-84），如 109.96；注意不要与纬度填反"),
    ("负责人", "选填", "最长30字"),
    ("联系电话", "选填", "固定电话或手机，如 0477-8123456，7至20位"),
    ("专职人数", "选填", "0至999的整数，留空按0计"),
    ("兼职人数", "选填", "0至999的整数，留空按0计"),
    ("成立日期", "选填", "日期格式 2021-03-15（也可写 2021/3/15 或 2021年3月15日），不能晚于今天"),
    ("ODR企业", "选填", "只能填：是、否；留空按“否”"),
    (
        "示范站",
        "选填",
        "由市中心确认旗区的推荐后自动标记，不能通过导入更改。导出的值可原样保留，也可留空；"
        "填写与系统中不同的值，该行会被拒绝",
    ),
    ("状态", "选填", f"只能填：{'、'.join(STATUS_LABELS.values())}；留空按“在册”"),
    ("备注", "选填", "最长500字"),
    (
        "责任监管人员姓名",
        "选填",
        "牌匾上公示的责任监管人员，由所属监管所的负责人担任时留空；本站另由他人负责时填写其姓名（最长40字）。"
        "换了人的，原照片不再使用，请在服务站的“牌匾信息”页上传新照片",
    ),
    ("责任监管人员电话", "选填", "须同时填写姓名；格式同联系电话"),
    *STAFF_GUIDE,
    (
        "说明",
        "",
        "第一行是表头，请勿修改列名；从第二行起每行填写一个服务站，示例行请替换或删除。"
        "只要有一行有错，整个文件都不会导入，请按提示改正后重新上传。"
        "文件中没有的选填列，已有服务站保留原值",
    ),
]


def template_workbook() -> bytes:
    """The import template: the headers, one example row, and a sheet explaining every column."""
    guide = spreadsheet.Sheet("填写说明", ["列名", "是否必填", "填写说明"], [list(g) for g in _GUIDE], [16, 10, 90])
    # No example row here: one naming the example station would be refused once that row is replaced.
    staff = spreadsheet.Sheet(STAFF_SHEET, STAFF_HEADERS, [], STAFF_WIDTHS)
    return spreadsheet.write_workbook("服务站名录", HEADERS, [EXAMPLE_ROW], WIDTHS, extra_sheets=[staff, guide])
