"""The admin keeps each 旗区's 市场监管所: name, address, responsible officer; retire one no station names."""

from __future__ import annotations

import io

from sqlalchemy import select
from support import district, make_station, make_user, station_row, workbook_bytes

from inspect_app.models import AuditEntry, Office


def offices(session, code: str) -> dict[str, Office]:
    session.expire_all()
    return {o.name: o for o in session.scalars(select(Office).where(Office.district_id == district(session, code).id))}


def test_the_admin_creates_and_edits_an_office(client, session, login_as):
    login_as("admin")
    page = client.post("/admin/offices", data={"district": "", "name": "", "officer_phone": "ring"}).get_data(
        as_text=True
    )
    assert "请选择所属旗区" in page and "请填写监管所名称" in page and "联系电话只能包含数字" in page
    done = client.post(
        "/admin/offices",
        data={
            "district": "150602",
            "name": "林荫市场监管所",
            "address": "东胜区林荫路8号",
            "officer_name": "王建国",
            "officer_phone": "0477-8520001",
        },
        follow_redirects=True,
    )
    page = done.get_data(as_text=True)
    assert "已新增东胜区林荫市场监管所" in page and "东胜区林荫路8号" in page and "0477-8520001" in page
    office = offices(session, "150602")["林荫市场监管所"]
    same = client.post("/admin/offices", data={"district": "150602", "name": "林荫市场监管所"}).get_data(as_text=True)
    assert "本旗区已有名为“林荫市场监管所”的监管所" in same
    assert client.post("/admin/offices", data={"district": "150603", "name": "林荫市场监管所"}).status_code == 302

    edited = client.post(
        f"/admin/offices/{office.id}/edit",
        data={
            "name": "林荫街道市场监管所",
            "address": "东胜区林荫路10号",
            "officer_name": "李敏",
            "officer_phone": "13904770002",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已保存" in edited and "林荫街道市场监管所" in edited and "李敏" in edited
    office = offices(session, "150602")["林荫街道市场监管所"]
    assert (office.address, office.officer_name, office.officer_phone) == ("东胜区林荫路10号", "李敏", "13904770002")
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.target_type == "office").order_by(AuditEntry.seq)
    ).all()
    assert actions == ["create_office", "create_office", "update_office"]


def test_only_an_office_no_station_names_can_be_retired(client, session, login_as):
    login_as("admin")
    station = make_station(session, "150602", office="富兴市场监管所")
    used = offices(session, "150602")["富兴市场监管所"]
    client.post("/admin/offices", data={"district": "150602", "name": "空置市场监管所"})
    spare = offices(session, "150602")["空置市场监管所"]
    page = client.get("/admin/offices?district=" + str(used.district_id)).get_data(as_text=True)
    assert f"/admin/offices/{spare.id}/retire" in page and f"/admin/offices/{used.id}/retire" not in page
    refused = client.post(f"/admin/offices/{used.id}/retire", follow_redirects=True).get_data(as_text=True)
    assert "名录中有1个服务站属于富兴市场监管所，不能撤销" in refused
    done = client.post(f"/admin/offices/{spare.id}/retire", follow_redirects=True).get_data(as_text=True)
    assert "已撤销空置市场监管所" in done
    assert set(offices(session, "150602")) == {"富兴市场监管所"}
    session.refresh(station)
    assert station.office.name == "富兴市场监管所"


def test_the_directory_import_still_creates_offices_by_name(client, session, login_as):
    login_as("leader", "150602")
    row = station_row("150602", office="巴音敖包市场监管所")
    response = client.post(
        "/directory/import",
        data={"file": (io.BytesIO(workbook_bytes([row])), "名录.xlsx")},
        content_type="multipart/form-data",
    )
    assert "新建监管所1个" in response.get_data(as_text=True)
    client.post("/logout")
    make_user(session, "admin", username="admin.o")
    client.post("/login", data={"username": "admin.o", "password": "secret-pass-1"})
    page = client.get("/admin/offices").get_data(as_text=True)
    assert "巴音敖包市场监管所" in page and "1个" in page


def test_offices_are_the_admins(client, login_as):
    login_as("leader", "150602")
    assert client.get("/admin/offices").status_code == 403
    assert client.post("/admin/offices", data={"district": "150602", "name": "x"}).status_code == 403
