"""The directory file's second sheet, 工作人员: each station's staff as its plaque lists them, one row a person,
and the officer columns of the station sheet. Photos are not in the file; they are uploaded on the station's page."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from sqlalchemy.orm import Session

from inspect_app.adapters.spreadsheet import Row, Sheet
from inspect_app.audit import trail as audit
from inspect_app.domain.directory.signboards import STAFF_LIMIT
from inspect_app.domain.directory.staff import OfficerFields, StaffFields, parse_staff, portrait_stays
from inspect_app.domain.identity.permissions import Actor
from inspect_app.models import Station, StationStaff

STAFF_SHEET = "工作人员"
STAFF_COLUMNS = {"服务站编号": "station", "姓名": "name", "职务": "duty", "电话": "phone"}
STAFF_HEADERS = list(STAFF_COLUMNS)
STAFF_REQUIRED = ("服务站编号", "姓名")
STAFF_WIDTHS = [16, 12, 16, 16]
STAFF_GUIDE = [
    (
        "工作人员（工作表）",
        "选填",
        f"牌匾上公示的工作人员，每行一人，按牌匾上的顺序排列，每站最多{STAFF_LIMIT}人，例如“150602-101 | 李娜 | "
        "站长 | 13912345678”。本表列出的服务站，其工作人员按本表替换；本表没有列出的服务站，工作人员保持不变"
        "（删除人员请在服务站的“牌匾信息”页操作）。照片不在文件中，请在“牌匾信息”页上传：姓名不变的人员保留原照片",
    ),
    ("服务站编号", "必填（工作人员表）", "须是“服务站名录”表中的站点编号"),
    ("姓名", "必填（工作人员表）", "最长30字"),
    ("职务", "选填（工作人员表）", "如 站长、调解员，最长30字"),
    ("电话", "选填（工作人员表）", "固定电话或手机，7至20位；牌匾上须公示"),
]

StaffPlan = dict[str, list[StaffFields]]  # station number → its staff, in order


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def plan_staff(rows: list[Row] | None, numbers: Iterable[str]) -> tuple[StaffPlan | None, list[tuple[int, str]]]:
    """Each station's new staff from the sheet's rows (None when the file has no such sheet), and the problems by
    row. Only the stations the sheet lists are in the plan: one it names nobody for keeps its staff, so that an
    empty sheet (the template's) never loses anybody."""
    if rows is None:
        return None, []
    known = {number for number in numbers if number}
    plan: StaffPlan = {}
    errors: list[tuple[int, str]] = []
    for row, record in rows:
        number = _cell_text(record.get("服务站编号"))
        fields, problems = parse_staff({name: record.get(header) for header, name in STAFF_COLUMNS.items()})
        errors.extend((row, message) for message in problems.values())
        if not number:
            errors.append((row, "请填写服务站编号"))
        elif number not in known:
            errors.append((row, f"服务站编号 {number} 不在“服务站名录”工作表中：工作人员须随其服务站一起导入"))
        elif fields is not None:
            plan.setdefault(number, []).append(fields)
            if len(plan[number]) == STAFF_LIMIT + 1:
                errors.append((row, f"服务站 {number} 的工作人员超过{STAFF_LIMIT}人，牌匾放不下"))
    return plan, errors


def replace_staff(station: Station, wanted: Sequence[StaffFields]) -> bool:
    """Make the station's staff the given list, in its order; a member whose name stays keeps the portrait. True
    when anything changed."""
    if [(s.name, s.duty, s.phone) for s in station.staff] == [(f.name, f.duty, f.phone) for f in wanted]:
        return False
    pool = list(station.staff)
    kept = []
    for position, fields in enumerate(wanted):
        member = next((m for m in pool if m.name == fields.name), None)
        if member is None:
            member = StationStaff(name=fields.name)
        else:
            pool.remove(member)
        member.duty, member.phone, member.position = fields.duty, fields.phone, position
        kept.append(member)
    station.staff[:] = kept  # the others go (delete-orphan); their portraits' files go with the next sweep
    return True


def write_staff(session: Session, actor: Actor, stations: Iterable[Station], plan: StaffPlan) -> int:
    """Give each station its staff from the plan, auditing each change; how many stations changed."""
    session.flush()  # stations new in this import get their ids
    changed = 0
    for station in stations:
        wanted = plan.get(station.number)
        if wanted is not None and replace_staff(station, wanted):
            changed += 1
            names = [f.name for f in wanted]
            audit.record(
                session, actor, "import_station_staff", "station", station.id, station.district_id, {"names": names}
            )
    return changed


def apply_officer(station: Station, officer: OfficerFields | None) -> bool:
    """Set the station's own officer from an import row (None: the 监管所's); another name drops the portrait,
    which was of someone else. True when anything changed."""
    name, phone = (officer.name, officer.phone) if officer else (None, None)
    if (station.officer_name, station.officer_phone) == (name, phone):
        return False
    if not portrait_stays(station.officer_name, name):
        station.officer_photo_key = None
    station.officer_name, station.officer_phone = name, phone
    return True


def staff_sheet(stations: Iterable[Station]) -> Sheet:
    """The 工作人员 sheet of an export: every station's staff, in the plaque's order."""
    rows = [[s.number, m.name, m.duty, m.phone] for s in stations for m in s.staff]
    return Sheet(STAFF_SHEET, STAFF_HEADERS, rows, STAFF_WIDTHS)
