"""The station directory: search and filters, create, edit, retire, and the wall between 旗区."""

import pytest
from sqlalchemy import func, select
from support import district, make_station, station_row

from inspect_app.directory import operations as directory
from inspect_app.domain.directory.stations import HostType, StationStatus
from inspect_app.domain.identity.permissions import Actor, Role
from inspect_app.models import Station
from inspect_app.shared.errors import Forbidden, Invalid, NotFound

CITY = Actor(Role.CITY, None)


def leader_of(session, code):
    return Actor(Role.LEADER, district(session, code).id)


def test_search_matches_name_number_host_and_credit_code(session):
    a = make_station(session, "150602", name="万达广场12315消费维权服务站", host_organisation="万达商管有限公司")
    b = make_station(session, "150603", name="维多利超市12315消费维权服务站")
    for text, expected in (
        ("万达广场", {a.id}),
        ("商管", {a.id}),
        (b.number, {b.id}),
        (b.credit_code[-6:], {b.id}),
        ("12315", {a.id, b.id}),
    ):
        page = directory.search_stations(session, CITY, directory.StationQuery(text=text))
        assert {s.id for s in page.items} == expected, text


def test_like_wildcards_in_the_search_are_literal(session):
    make_station(session, "150602", name="百分百超市服务站")
    marked = make_station(session, "150602", name="A_B/50%超市服务站")
    for text, expected in (("%", {marked.id}), ("_", {marked.id}), ("/", {marked.id}), ("百_", set()), ("A%B", set())):
        page = directory.search_stations(session, CITY, directory.StationQuery(text=text))
        assert {s.id for s in page.items} == expected, text


def test_filters(session):
    odr = make_station(session, "150602", host_type="商场", is_odr="是")
    demo = make_station(session, "150603", host_type="景区")
    demo.is_demonstration = True  # as the city's confirmation leaves it
    session.commit()
    retired = make_station(session, "150602", status="已撤销")
    fixing = make_station(session, "150621", status="整改中")

    def ids(**kwargs):
        return {s.id for s in directory.search_stations(session, CITY, directory.StationQuery(**kwargs)).items}

    assert ids() == {odr.id, demo.id, fixing.id}  # retired stations leave the working list
    assert ids(status=StationStatus.RETIRED) == {retired.id}
    assert ids(host_type=HostType.SCENIC_AREA) == {demo.id}
    assert ids(is_odr=True) == {odr.id}
    assert ids(is_demonstration=True) == {demo.id}
    assert ids(district_id=district(session, "150621").id) == {fixing.id}


def test_pagination(session):
    for _ in range(7):
        make_station(session, "150602")
    query = directory.StationQuery()
    first = directory.search_stations(session, CITY, query, page=1, size=3)
    last = directory.search_stations(session, CITY, query, page=3, size=3)
    beyond = directory.search_stations(session, CITY, query, page=99, size=3)
    assert (first.total, first.pages, len(first.items), len(last.items)) == (7, 3, 3, 1)
    assert beyond.number == 3 and [s.id for s in beyond.items] == [s.id for s in last.items]


def test_district_roles_see_only_their_district(session):
    own = make_station(session, "150602")
    other = make_station(session, "150603")
    leader = leader_of(session, "150602")
    page = directory.search_stations(
        session, leader, directory.StationQuery(district_id=district(session, "150603").id)
    )
    assert [s.id for s in page.items] == [own.id]
    with pytest.raises(NotFound):
        directory.get_station(session, leader, other.id)


def test_create_validates_and_stores(session, today):
    leader = leader_of(session, "150602")
    station = directory.create_station(session, leader, station_row("150602", host_type="市场"), today)
    assert station.id and station.host_type is HostType.MARKET and station.district.code == "150602"


def test_create_reports_duplicate_number_and_unknown_office(session, today):
    leader = leader_of(session, "150602")
    existing = make_station(session, "150602")
    with pytest.raises(Invalid) as caught:
        directory.create_station(session, leader, station_row("150602", number=existing.number), today)
    assert caught.value.errors == {"number": f"站点编号 {existing.number} 已被其他服务站使用"}
    with pytest.raises(Invalid) as caught:
        directory.create_station(session, leader, station_row("150602", office="不存在监管所"), today)
    assert caught.value.errors == {"office": "东胜区没有名为“不存在监管所”的监管所"}
    assert session.scalar(select(func.count()).select_from(Station)) == 1


def test_leader_cannot_create_in_another_district_and_inspector_not_at_all(session, today):
    with pytest.raises(NotFound):
        directory.create_station(session, leader_of(session, "150602"), station_row("150603"), today)
    inspector = Actor(Role.INSPECTOR, district(session, "150602").id)
    with pytest.raises(Forbidden):
        directory.create_station(session, inspector, station_row("150602"), today)
    with pytest.raises(Forbidden):
        directory.create_station(session, CITY, station_row("150602"), today)


def test_edit_and_retire(session, today):
    leader = leader_of(session, "150602")
    station = make_station(session, "150602", office="林荫市场监管所")
    row = directory.station_form_values(station)
    row.update(name="改名后的服务站", office="林荫市场监管所", is_odr=True)
    directory.update_station(session, leader, station.id, row, today)
    session.refresh(station)
    assert station.name == "改名后的服务站" and station.is_odr and station.office.name == "林荫市场监管所"
    directory.retire_station(session, leader, station.id)
    assert station.status is StationStatus.RETIRED
    with pytest.raises(Invalid, match="已撤销"):
        directory.retire_station(session, leader, station.id)


def test_leader_cannot_move_a_station_out_of_the_district(session, today):
    leader = leader_of(session, "150602")
    station = make_station(session, "150602")
    row = directory.station_form_values(station) | {"district": "150603"}
    with pytest.raises(NotFound):
        directory.update_station(session, leader, station.id, row, today)
    session.refresh(station)
    assert station.district.code == "150602"


def test_summary_counts_within_scope(session):
    make_station(session, "150602", is_odr="是")
    make_station(session, "150602", status="整改中").is_demonstration = True  # confirmed by the city
    session.commit()
    make_station(session, "150602", status="已撤销")
    make_station(session, "150603")
    counts = directory.summary(session, leader_of(session, "150602"))
    assert counts == {"total": 2, "retired": 1, "rectifying": 1, "odr": 1, "demonstration": 1}
    assert directory.summary(session, CITY)["total"] == 3
