"""The directory file's officer columns and its 工作人员 sheet: import, refusal by row, export and back."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select
from support import make_station, make_user, station_row, workbook_bytes

from inspect_app.directory.excel import (
    COLUMNS,
    HEADERS,
    OFFICER_COLUMNS,
    ImportRejected,
    export_workbook,
    import_directory,
    template_workbook,
)
from inspect_app.models import AuditEntry, Station, StationStaff

TODAY = date(2026, 11, 22)


def _book(stations: list[dict], staff: list[list] | None, officer: list[tuple] | None = None) -> bytes:
    """A directory file: the station rows (with officer columns when given) and, unless None, a 工作人员 sheet."""
    headers = HEADERS if officer is not None else list(COLUMNS)
    workbook = openpyxl.Workbook()
    main = workbook.active
    main.title = "服务站名录"
    main.append(headers)
    for n, row in enumerate(stations):
        values = [row.get(COLUMNS[h]) for h in COLUMNS]
        main.append(values + (list(officer[n]) if officer is not None else []))
    if staff is not None:
        sheet = workbook.create_sheet("工作人员")
        sheet.append(["服务站编号", "姓名", "职务", "电话"])
        for person in staff:
            sheet.append(person)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def leader(session):
    return make_user(session, "leader", "150602").actor


def _import(session, actor, data):
    return import_directory(session, actor, "名录.xlsx", data, TODAY, 1000)


def _staff(session, number):
    station = session.scalar(select(Station).where(Station.number == number))
    return [(m.name, m.duty, m.phone) for m in station.staff]


def test_the_staff_sheet_gives_new_stations_their_staff_and_officer(session, leader):
    row = station_row()
    staff = [[row["number"], "王丽", "站长", "13912345678"], [row["number"], "李强", None, 13800001111]]
    result = _import(session, leader, _book([row], staff, officer=[("钱敏", "0477-8123456")]))
    assert (result.created, result.staff_replaced) == (1, 1)
    assert _staff(session, row["number"]) == [("王丽", "站长", "13912345678"), ("李强", None, "13800001111")]
    station = session.scalar(select(Station).where(Station.number == row["number"]))
    assert (station.officer_name, station.officer_phone) == ("钱敏", "0477-8123456")
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"import_station_staff", "set_station_officer"} <= actions


def test_the_sheet_replaces_the_staff_and_a_member_who_stays_keeps_the_portrait(session, leader):
    station = make_station(session, "150602")
    station.staff.extend(
        [
            StationStaff(name="王丽", duty="站长", photo_key="aa/bb/x.jpg", position=0),
            StationStaff(name="旧人", position=1),
        ]
    )
    session.commit()
    row = station_row(number=station.number)
    staff = [[station.number, "新人", "调解员", None], [station.number, "王丽", "副站长", "13912345678"]]
    result = _import(session, leader, _book([row], staff))
    assert result.staff_replaced == 1
    session.expire_all()
    members = session.scalars(select(StationStaff).order_by(StationStaff.position)).all()
    assert [(m.name, m.duty, m.photo_key) for m in members] == [
        ("新人", "调解员", None),
        ("王丽", "副站长", "aa/bb/x.jpg"),
    ]


def test_without_the_sheet_the_staff_and_officer_stay(session, leader):
    station = make_station(session, "150602")
    station.staff.append(StationStaff(name="王丽", position=0))
    station.officer_name, station.officer_phone = "钱敏", "13800001111"
    session.commit()
    result = _import(session, leader, workbook_bytes([station_row(number=station.number, name="改名后的服务站")]))
    assert (result.updated, result.staff_replaced) == (1, 0)
    session.expire_all()
    assert _staff(session, station.number) == [("王丽", None, None)]
    assert session.get(Station, station.id).officer_name == "钱敏"


def test_a_station_the_sheet_names_nobody_for_keeps_its_staff(session, leader):
    """An empty 工作人员 sheet (the template's, say) loses nobody: only the stations it lists get new staff."""
    station = make_station(session, "150602")
    station.staff.append(StationStaff(name="王丽", position=0))
    listed = make_station(session, "150602")
    session.commit()
    rows = [station_row(number=station.number), station_row(number=listed.number)]
    _import(session, leader, _book(rows, [[listed.number, "赵敏", "站长", "13912345678"]]))
    session.expire_all()
    assert _staff(session, station.number) == [("王丽", None, None)]
    assert _staff(session, listed.number) == [("赵敏", "站长", "13912345678")]


def test_the_template_filled_with_stations_only_imports(session, leader):
    """The downloaded template, its station sheet filled and its 工作人员 sheet left as it came, goes in whole."""
    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    main = workbook["服务站名录"]
    main.delete_rows(2, main.max_row)
    main.append([station_row(number="150602-901").get(COLUMNS[h]) for h in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = _import(session, leader, buffer.getvalue())
    assert (result.created, result.staff_replaced) == (1, 0)


def test_blank_officer_columns_return_a_station_to_its_offices_officer(session, leader):
    station = make_station(session, "150602")
    station.officer_name, station.officer_phone, station.officer_photo_key = "钱敏", "13800001111", "aa/bb/y.jpg"
    session.commit()
    result = _import(session, leader, _book([station_row(number=station.number)], None, officer=[(None, None)]))
    assert result.updated == 1
    session.expire_all()
    again = session.get(Station, station.id)
    assert (again.officer_name, again.officer_phone, again.officer_photo_key) == (None, None, None)


def test_bad_rows_are_named_by_sheet_and_row_and_nothing_is_written(session, leader):
    kept = make_station(session, "150602")
    kept.staff.append(StationStaff(name="王丽", position=0))
    session.commit()
    first, second = station_row(number=kept.number), station_row()
    staff = [
        [kept.number, "", "站长", None],  # row 2: no name
        [second["number"], "李强", "职" * 31, None],  # row 3: duty too long
        [second["number"], "赵六", None, "phone?"],  # row 4: bad phone
        ["150602-NOPE", "孙七", None, None],  # row 5: not in the station sheet
        *[[kept.number, f"人员{n}", None, None] for n in range(7)],  # rows 6-12: the 7th (row 12) is one too many
    ]
    with pytest.raises(ImportRejected) as error:
        _import(session, leader, _book([first, second], staff, officer=[(None, "13800001111"), ("钱敏", None)]))
    messages = [str(e) for e in error.value.errors]
    assert messages == [
        "第2行：填写了责任监管人员电话，请同时填写姓名",
        "工作人员表第2行：请填写工作人员姓名",
        "工作人员表第3行：职务不能超过30个字",
        "工作人员表第4行：电话只能包含数字、空格、短横线和括号，7至20位",
        "工作人员表第5行：服务站编号 150602-NOPE 不在“服务站名录”工作表中：工作人员须随其服务站一起导入",
        f"工作人员表第12行：服务站 {kept.number} 的工作人员超过6人，牌匾放不下",
    ]
    session.expire_all()
    assert session.scalar(select(Station).where(Station.number == second["number"])) is None
    assert _staff(session, kept.number) == [("王丽", None, None)]


def test_the_import_page_lists_the_staff_sheets_problems(client, session, login_as):
    login_as("leader", "150602")
    row = station_row()
    data = _book([row], [[row["number"], "", None, None]])
    response = client.post(
        "/directory/import",
        data={"file": (io.BytesIO(data), "名录.xlsx")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "未导入任何数据" in page and "工作人员表第2行：请填写工作人员姓名" in page
    assert session.scalar(select(Station)) is None


def test_a_staff_sheet_without_its_headers_is_refused(session, leader):
    workbook = openpyxl.load_workbook(io.BytesIO(_book([station_row()], None)))
    workbook.create_sheet("工作人员").append(["编号", "名字"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ImportRejected, match="“工作人员”工作表：表头缺少必填列：服务站编号、姓名"):
        _import(session, leader, buffer.getvalue())


def test_export_and_import_again_changes_nothing(session, leader):
    station = make_station(session, "150602")
    station.staff.extend(
        [
            StationStaff(name="王丽", duty="站长", phone="13912345678", photo_key="aa/bb/x.jpg", position=0),
            StationStaff(name="李强", duty="调解员", phone="0477-8123456", position=1),
        ]
    )
    station.officer_name, station.officer_phone = "钱敏", "13800001111"
    session.commit()
    data = export_workbook([station])
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["服务站名录", "工作人员"]
    main = book["服务站名录"]
    assert [c.value for c in main[1]][-2:] == list(OFFICER_COLUMNS)
    assert [c.value for c in main[2]][-2:] == ["钱敏", "13800001111"]
    assert [[c.value for c in r] for r in book["工作人员"].iter_rows(min_row=2)] == [
        [station.number, "王丽", "站长", "13912345678"],
        [station.number, "李强", "调解员", "0477-8123456"],
    ]
    before = session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    result = _import(session, leader, data)
    assert (result.updated, result.unchanged, result.staff_replaced) == (0, 1, 0)
    session.expire_all()
    assert _staff(session, station.number)[0] == ("王丽", "站长", "13912345678")
    assert session.scalar(select(StationStaff.photo_key).where(StationStaff.name == "王丽")) == "aa/bb/x.jpg"
    assert session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) == before


def test_an_old_single_sheet_csv_still_imports(session, leader):
    row = station_row()
    text = ",".join(COLUMNS) + "\n" + ",".join(str(row[COLUMNS[h]]) for h in COLUMNS) + "\n"
    result = import_directory(session, leader, "名录.csv", text.encode("utf-8"), TODAY, 1000)
    assert result.created == 1 and result.staff_replaced == 0
