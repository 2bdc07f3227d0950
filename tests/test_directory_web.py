"""The directory pages with the test client: what each role sees and may do."""

from sqlalchemy import select
from support import make_station, station_row

from inspect_app.domain.directory.stations import StationStatus
from inspect_app.models import Station


def test_list_search_and_filters_render(client, session, login_as):
    login_as("city")
    make_station(session, "150602", name="万达广场12315消费维权服务站")
    make_station(session, "150627", name="成吉思汗陵12315消费维权服务站", host_type="景区")
    page = client.get("/directory/?q=万达").get_data(as_text=True)
    assert "万达广场12315消费维权服务站" in page and "成吉思汗陵" not in page and "共 <b>1</b> 个服务站" in page
    page = client.get("/directory/?host_type=scenic_area").get_data(as_text=True)
    assert "成吉思汗陵" in page and "万达广场" not in page
    # Unknown filter values are ignored rather than failing.
    assert client.get("/directory/?host_type=bogus&page=x&district=abc").status_code == 200


def test_leader_sees_own_district_only_and_gets_404_for_another(client, session, login_as):
    login_as("leader", "150602")
    own = make_station(session, "150602", name="本旗区服务站")
    other = make_station(session, "150603", name="外旗区服务站")
    page = client.get("/directory/").get_data(as_text=True)
    assert "本旗区服务站" in page and "外旗区服务站" not in page
    assert client.get(f"/directory/{own.id}").status_code == 200
    for url in (f"/directory/{other.id}", f"/directory/{other.id}/edit"):
        assert client.get(url).status_code == 404
    assert client.post(f"/directory/{other.id}/retire").status_code == 404
    session.refresh(other)
    assert other.status is StationStatus.REGISTERED


def test_inspector_reads_but_cannot_change(client, session, login_as):
    login_as("inspector", "150602")
    station = make_station(session, "150602")
    page = client.get(f"/directory/{station.id}").get_data(as_text=True)
    assert station.name in page and "编辑" not in page
    assert client.get("/directory/new").status_code == 403
    assert client.get(f"/directory/{station.id}/edit").status_code == 403
    response = client.post(f"/directory/{station.id}/retire")
    assert response.status_code == 403 and "无权操作" in response.get_data(as_text=True)


def test_leader_creates_a_station_with_clear_messages(client, session, login_as):
    login_as("leader", "150602")
    bad = station_row("150602", credit_code="91350100M000100Y44", name="", host_type="")
    response = client.post("/directory/new", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请填写服务站名称" in page and "校验位错误" in page and "请选择依托单位类型" in page
    assert session.scalars(select(Station)).all() == []
    good = station_row("150602", host_type="supermarket", is_odr="y")
    response = client.post("/directory/new", data=good)
    assert response.status_code == 302
    station = session.scalars(select(Station)).one()
    assert station.number == good["number"] and station.is_odr


def test_edit_form_is_prefilled_and_saves(client, session, login_as):
    login_as("leader", "150602")
    station = make_station(session, "150602", office="林荫市场监管所")
    page = client.get(f"/directory/{station.id}/edit").get_data(as_text=True)
    assert f'value="{station.number}"' in page and "林荫市场监管所" in page
    row = station_row("150602", number=station.number, name="新名称服务站", office="林荫市场监管所")
    assert client.post(f"/directory/{station.id}/edit", data=row).status_code == 302
    session.refresh(station)
    assert station.name == "新名称服务站"


def test_retire_from_the_page(client, session, login_as):
    login_as("admin")
    station = make_station(session, "150625")
    response = client.post(f"/directory/{station.id}/retire", follow_redirects=True)
    assert "已撤销服务站" in response.get_data(as_text=True)
    session.refresh(station)
    assert station.status is StationStatus.RETIRED


def test_navigation_fits_the_role(client, login_as):
    login_as("inspector", "150602")
    page = client.get("/").get_data(as_text=True)
    assert "名录" in page and "账号管理" not in page and "导入名录" not in page and "新增服务站" not in page
    client.post("/logout")
    login_as("admin")
    page = client.get("/").get_data(as_text=True)
    assert "账号管理" in page and "导入名录" in page and "新增服务站" in page


def test_missing_station_is_a_chinese_404(client, login_as):
    login_as("city")
    response = client.get("/directory/999999")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)
