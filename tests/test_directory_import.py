"""Directory import and export: the use cases on a real session, then the pages with the test client."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import openpyxl
import pytest
from sqlalchemy import func, select
from support import district, make_station, station_row, workbook_bytes

from inspect_app.directory import excel as io_service
from inspect_app.directory.excel import COLUMNS, HEADERS, ImportRejected, import_directory
from inspect_app.domain.directory.credit_code import is_valid_credit_code
from inspect_app.domain.identity.permissions import Actor, Role
from inspect_app.models import Office, Station
from inspect_app.shared.errors import Forbidden

MAX_ROWS = 100


def leader(session, code: str = "150602") -> Actor:
    return Actor(Role.LEADER, district(session, code).id)


ADMIN = Actor(Role.ADMIN, None)


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Station))


def run(session, actor: Actor, data: bytes, today, filename: str = "名录.xlsx"):
    return import_directory(session, actor, filename, data, today, MAX_ROWS)


def test_good_import_creates_stations_and_missing_offices(session, today):
    rows = [station_row(office="林荫市场监管所"), station_row(office="林荫市场监管所"), station_row(district="东胜区")]
    result = run(session, leader(session), workbook_bytes(rows), today)
    assert (result.created, result.updated, result.unchanged, result.offices_created) == (3, 0, 0, 1)
    stored = session.scalars(select(Station).order_by(Station.number)).all()
    assert [s.number for s in stored] == sorted(r["number"] for r in rows)
    assert {s.district.code for s in stored} == {"150602"}
    assert session.scalar(select(Office.name)) == "林荫市场监管所"


def test_reimporting_the_same_file_changes_nothing_and_an_edit_updates_one(session, today):
    rows = [station_row(), station_row(), station_row()]
    run(session, leader(session), workbook_bytes(rows), today)
    again = run(session, leader(session), workbook_bytes(rows), today)
    assert (again.created, again.updated, again.unchanged, again.offices_created) == (0, 0, 3, 0)
    rows[1]["phone"] = "13904770000"
    edited = run(session, leader(session), workbook_bytes(rows), today)
    assert (edited.created, edited.updated, edited.unchanged) == (0, 1, 2)
    assert session.scalar(select(Station.phone).where(Station.number == rows[1]["number"])) == "13904770000"


def test_two_bad_rows_among_good_ones_are_all_reported_and_nothing_is_written(session, today):
    kept = make_station(session, phone="0477-1111111")
    good_code = station_row()["credit_code"]
    rows = [
        station_row(number=kept.number, phone="0477-2222222"),  # row 2: a valid update
        station_row(credit_code=good_code[:17] + ("0" if good_code[17] != "0" else "1")),  # row 3
        station_row(),  # row 4
        station_row(host_type="饭店", latitude="109.96", longitude="39.82"),  # row 5
    ]
    before = count(session)
    with pytest.raises(ImportRejected) as rejected:
        run(session, leader(session), workbook_bytes(rows), today)
    messages = [str(e) for e in rejected.value.errors]
    assert {e.row for e in rejected.value.errors} == {3, 5}
    assert any(m.startswith("第3行：统一社会信用代码校验位错误") for m in messages)
    assert any(m.startswith("第5行：依托单位类型应为商场、超市") for m in messages)
    assert any(m.startswith("第5行：纬度109.96不在中国境内") for m in messages)
    assert count(session) == before
    session.expire_all()
    assert session.get(Station, kept.id).phone == "0477-1111111"


def test_leader_cannot_import_a_row_of_another_district(session, today):
    rows = [station_row("150602"), station_row("150603", address="康巴什区某路")]
    with pytest.raises(ImportRejected) as rejected:
        run(session, leader(session, "150602"), workbook_bytes(rows), today)
    assert [str(e) for e in rejected.value.errors] == ["第3行：所属旗区康巴什区不属于本旗区（东胜区），不能导入"]
    assert count(session) == 0


def test_duplicate_numbers_in_the_file_name_both_rows(session, today):
    first = station_row()
    rows = [first, station_row(), station_row(number=first["number"])]
    with pytest.raises(ImportRejected) as rejected:
        run(session, ADMIN, workbook_bytes(rows), today)
    assert [str(e) for e in rejected.value.errors] == [f"第4行：站点编号 {first['number']} 与第2行重复"]


def test_a_number_used_in_another_district_is_refused_for_a_leader_and_moved_by_admin(session, today):
    other = make_station(session, "150603")
    row = station_row("150602", number=other.number)
    with pytest.raises(ImportRejected) as rejected:
        run(session, leader(session, "150602"), workbook_bytes([row]), today)
    assert "已被其他旗区的服务站使用" in str(rejected.value.errors[0])
    assert "康巴什" not in str(rejected.value.errors[0])
    result = run(session, ADMIN, workbook_bytes([row]), today)
    assert result.updated == 1
    session.expire_all()
    assert session.get(Station, other.id).district.code == "150602"


def test_unknown_district_and_inspector_are_refused(session, today):
    with pytest.raises(ImportRejected, match="所属旗区“包头”不存在"):
        run(session, ADMIN, workbook_bytes([station_row(district="包头")]), today)
    with pytest.raises(Forbidden):
        run(session, Actor(Role.INSPECTOR, district(session, "150602").id), workbook_bytes([station_row()]), today)


def test_columns_left_out_of_the_file_keep_existing_values(session, today):
    station = make_station(session, phone="0477-3333333", head_name="李强")
    headers = ["站点编号", "服务站名称", "依托单位", "依托单位类型", "所属旗区", "地址"]
    row = station_row(number=station.number, name="改名后的服务站")
    result = run(session, leader(session), workbook_bytes([row], headers), today)
    assert (result.updated, result.created) == (1, 0)
    session.expire_all()
    changed = session.get(Station, station.id)
    assert (changed.name, changed.phone, changed.head_name) == ("改名后的服务站", "0477-3333333", "李强")


def test_gb18030_csv_imports(session, today):
    row = station_row(name="树林召镇中心市场12315消费维权服务站")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(list(COLUMNS))
    writer.writerow([row[name] for name in COLUMNS.values()])
    result = run(session, ADMIN, buffer.getvalue().encode("gb18030"), today, filename="名录.csv")
    assert result.created == 1
    assert session.scalar(select(Station.name)) == row["name"]


def test_file_level_problems_are_rejected_with_one_message(session, today):
    with pytest.raises(ImportRejected) as rejected:
        run(session, ADMIN, b"\x89PNG\r\n\x1a\n" + b"\0" * 50, today, filename="photo.png")
    assert [e.row for e in rejected.value.errors] == [0]
    assert "图片" in str(rejected.value)
    with pytest.raises(ImportRejected, match="没有服务站数据"):
        run(session, ADMIN, workbook_bytes([]), today)


def test_a_failure_while_writing_rolls_everything_back(session, today, monkeypatch):
    calls = []
    original = io_service.apply_fields

    def failing(*args):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(*args)

    monkeypatch.setattr(io_service, "apply_fields", failing)
    with pytest.raises(RuntimeError):
        run(session, ADMIN, workbook_bytes([station_row(office="林荫市场监管所"), station_row()]), today)
    assert len(calls) == 2
    assert count(session) == 0
    assert session.scalar(select(func.count()).select_from(Office)) == 0


def test_export_round_trip_reimports_unchanged(session, today):
    make_station(session, office="富兴市场监管所", established_on="2019-07-01", is_odr="是")
    make_station(session, "150626", credit_code="", latitude="", longitude="")
    data = io_service.export_workbook(session.scalars(select(Station)).all())
    result = run(session, ADMIN, data, today)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


# --- the pages ---------------------------------------------------------------------------------


def post_file(client, data: bytes, filename: str = "名录.xlsx"):
    return client.post(
        "/directory/import", data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )


def opened(response) -> openpyxl.Workbook:
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(response.data))


def test_inspector_may_not_import(client, login_as):
    login_as("inspector", "150602")
    assert client.get("/directory/import").status_code == 403
    assert post_file(client, workbook_bytes([station_row()])).status_code == 403


def test_leader_import_page_reports_success_and_row_problems(client, login_as, session):
    login_as("leader", "150602")
    page = client.get("/directory/import")
    assert page.status_code == 200 and 'accept=".xlsx,.csv' in page.get_data(as_text=True)
    response = post_file(client, workbook_bytes([station_row(office="林荫市场监管所"), station_row()]))
    assert "新增2个，更新0个，未变0个（新建监管所1个）" in response.get_data(as_text=True)
    bad = [station_row(), station_row(phone="电话"), station_row(is_odr="也许")]
    text = post_file(client, workbook_bytes(bad)).get_data(as_text=True)
    assert "共发现2处问题，未导入任何数据" in text
    assert "第3行：联系电话只能包含数字" in text and "第4行：ODR企业应填“是”或“否”" in text
    assert count(session) == 2


def test_oversized_upload_gets_a_chinese_message(app, client, login_as, session):
    app.config["IMPORT_MAX_BYTES"] = 2048
    login_as("leader", "150602")
    response = post_file(client, workbook_bytes([station_row() for _ in range(30)]))
    assert response.status_code == 200
    assert "文件超过" in response.get_data(as_text=True)
    assert count(session) == 0


def test_template_downloads_and_its_example_row_imports(client, login_as, session):
    login_as("leader", "150602")
    response = client.get("/directory/template.xlsx")
    assert quote("服务站名录导入模板.xlsx") in response.headers["Content-Disposition"]
    book = opened(response)
    assert book.sheetnames == ["服务站名录", "工作人员", "填写说明"]
    sheet = book["服务站名录"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.freeze_panes == "A2"
    assert is_valid_credit_code(sheet["D2"].value)
    guide = " ".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row)
    assert all(
        word in guide for word in ("商场、超市、市场、企业、景区、其他", "是、否", "在册、整改中、已撤销", "2021-03-15")
    )
    text = post_file(client, response.data, "模板.xlsx").get_data(as_text=True)
    assert "新增1个" in text
    station = session.scalar(select(Station))
    assert station.number == sheet["A2"].value
    assert station.staff == []  # the 工作人员 sheet comes empty (its example is in the guide): nobody imported
    assert [c.value for c in book["工作人员"][1]] == ["服务站编号", "姓名", "职务", "电话"] and book[
        "工作人员"
    ].max_row == 1


def test_city_export_holds_every_district_and_a_leader_only_their_own(client, login_as, auth, session):
    make_station(session, "150602", name="东胜甲站")
    make_station(session, "150627", name="伊旗乙站")
    make_station(session, "150602", name="东胜撤销站", status="已撤销")
    login_as("city")
    city = opened(client.get("/directory/export.xlsx")).active
    assert {row[5] for row in city.iter_rows(min_row=2, values_only=True)} == {"东胜区", "伊金霍洛旗"}
    assert [c.value for c in city[1]] == HEADERS
    everything = opened(client.get("/directory/export.xlsx?status=retired")).active
    assert [row[1] for row in everything.iter_rows(min_row=2, values_only=True)] == ["东胜撤销站"]
    auth.logout()
    login_as("leader", "150602")
    response = client.get(f"/directory/export.xlsx?district={district(session, '150627').id}")
    assert quote("服务站名录-东胜区-") in response.headers["Content-Disposition"]
    rows = list(opened(response).active.iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[5], r[15], r[17]) for r in rows] == [("东胜甲站", "东胜区", "否", "在册")]


def test_export_needs_sign_in(client):
    response = client.get("/directory/export.xlsx")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
