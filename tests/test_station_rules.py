from datetime import date

import pytest
from support import station_row

from inspect_app.domain.directory.stations import HostType, StationStatus, parse_bool, parse_date, parse_station

TODAY = date(2026, 11, 22)


def test_a_good_row_parses_into_typed_fields():
    fields, errors = parse_station(
        station_row(host_type="景区", is_odr="是", status="整改中", credit_code=" 91350100m000100y43 "), TODAY
    )
    assert not errors
    assert fields.host_type is HostType.SCENIC_AREA
    assert fields.status is StationStatus.RECTIFYING
    assert fields.is_odr is True and not hasattr(fields, "is_demonstration")  # the city's to set, not a row's
    assert fields.credit_code == "91350100M000100Y43"
    assert fields.latitude == 39.82 and fields.staff_part_time == 2
    assert fields.established_on == date(2020, 5, 1)


@pytest.mark.parametrize(
    "value, current, refused",
    [
        ("", False, False),
        (None, True, False),
        ("否", False, False),
        ("是", True, False),
        (True, True, False),
        ("是", False, True),
        ("y", False, True),
        ("否", True, True),
        (False, True, True),
    ],
)
def test_demonstration_may_only_come_back_as_it_is(value, current, refused):
    fields, errors = parse_station(station_row(is_demonstration=value), TODAY, demonstration=current)
    assert (fields is None) is refused
    if refused:
        assert errors.messages["is_demonstration"].startswith(
            "示范站只能由市中心确认旗区的推荐后标记，不能在名录中改为"
        )
        assert f"本站目前为“{'是' if current else '否'}”" in errors.messages["is_demonstration"]


def test_a_demonstration_word_that_means_neither_is_refused():
    fields, errors = parse_station(station_row(is_demonstration="也许"), TODAY)
    assert fields is None and errors.messages["is_demonstration"] == "示范站应填“是”或“否”，或留空"


def test_codes_are_accepted_as_well_as_labels():
    fields, errors = parse_station(station_row(host_type="mall", status="retired"), TODAY)
    assert not errors and fields.host_type is HostType.MALL and fields.status is StationStatus.RETIRED


def test_every_bad_field_is_reported_at_once():
    row = station_row(
        number="",
        name="",
        credit_code="91350100M000100Y44",
        host_type="饭店",
        latitude="109.96",
        longitude="39.82",
        phone="call me",
        staff_full_time="-1",
        established_on="2030-01-01",
        is_odr="maybe",
        status="正常",
    )
    fields, errors = parse_station(row, TODAY)
    assert fields is None
    messages = errors.messages
    assert messages["number"] == "请填写站点编号"
    assert messages["name"] == "请填写服务站名称"
    assert "校验位" in messages["credit_code"]
    assert "商场、超市、市场、企业、景区、其他" in messages["host_type"]
    assert "填反" in messages["latitude"]
    assert "联系电话" in messages["phone"]
    assert "0至999" in messages["staff_full_time"]
    assert messages["established_on"] == "成立日期不能晚于今天"
    assert "是" in messages["is_odr"]
    assert "在册" in messages["status"]


def test_a_position_needs_both_coordinates():
    _, errors = parse_station(station_row(latitude="39.8", longitude=""), TODAY)
    assert errors.messages == {"longitude": "经度和纬度须同时填写或同时留空"}


def test_optional_fields_may_be_blank():
    fields, errors = parse_station(
        station_row(
            credit_code="", latitude="", longitude="", phone="", head_name="", established_on="", is_odr="", status=""
        ),
        TODAY,
    )
    assert not errors
    assert fields.credit_code is None and fields.latitude is None and fields.established_on is None
    assert fields.status is StationStatus.REGISTERED


def test_spreadsheet_numbers_arrive_as_floats():
    fields, errors = parse_station(station_row(staff_full_time=2.0, number="150602-009"), TODAY)
    assert not errors and fields.staff_full_time == 2


@pytest.mark.parametrize("text", ["2023-05-01", "2023/5/1", "2023.5.1", "2023年5月1日", "2023-05-01 00:00:00"])
def test_dates_as_people_type_them(text):
    assert parse_date(text) == date(2023, 5, 1)


def test_impossible_date_is_refused():
    with pytest.raises(ValueError):
        parse_date("2023-02-30")
    _, errors = parse_station(station_row(established_on="去年"), TODAY)
    assert "2023-05-01" in errors.messages["established_on"]


@pytest.mark.parametrize(
    "value, expected", [("是", True), ("Y", True), (1, True), ("否", False), ("", False), (None, False), ("也许", None)]
)
def test_yes_no_words(value, expected):
    assert parse_bool(value) is expected


def test_lengths_are_limited():
    _, errors = parse_station(station_row(name="站" * 101, notes="注" * 501), TODAY)
    assert errors.messages["name"] == "服务站名称不能超过100个字"
    assert errors.messages["notes"] == "备注不能超过500个字"
