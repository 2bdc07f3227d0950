"""Whole numbers from forms, query strings and session tokens: decimal digits in range, else not a number."""

import pytest
from support import make_station

from inspect_app.domain.numbers import ROW_ID_MAX, whole_number
from inspect_app.inspection.operations import parse_choice


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0", 0),
        ("7", 7),
        ("0042", 42),
        (str(ROW_ID_MAX), ROW_ID_MAX),
        ("１２", 12),
        ("١٢", 12),
        (None, None),
        ("", None),
        (" 7", None),
        ("7 ", None),
        ("+7", None),
        ("-7", None),
        ("7.0", None),
        ("1e3", None),
        ("²", None),
        ("①", None),
        ("二", None),
        ("0x10", None),
        (str(ROW_ID_MAX + 1), None),
        ("9" * 19, None),
        ("9" * 5000, None),  # int() itself refuses 4,301 digits
    ],
)
def test_whole_number(text, expected):
    assert whole_number(text) == expected


def test_whole_number_maximum():
    assert whole_number("999", maximum=999) == 999
    assert whole_number("1000", maximum=999) is None


@pytest.mark.parametrize(
    "value, expected",
    [
        ("p:4", ("pass", 4)),
        ("p:0", ("pass", 0)),
        ("pass", ("pass", None)),
        ("p:²", ("p:²", None)),
        ("p:-1", ("p:-1", None)),
        ("p:" + "9" * 30, ("p:" + "9" * 30, None)),
    ],
)
def test_parse_choice_reads_points_strictly(value, expected):
    assert parse_choice(value) == expected  # anything else stays an unknown verdict, refused by the scoring rules


ODD = ["²", "①", "-1", "9" * 30, "9" * 5000]


@pytest.mark.parametrize("odd", ODD)
def test_odd_numbers_in_query_strings_are_ignored_not_errors(client, session, login_as, odd):
    login_as("city")
    make_station(session, "150602", name="万达广场12315消费维权服务站")
    page = client.get("/directory/", query_string={"page": odd, "district": odd})
    assert page.status_code == 200
    assert "万达广场12315消费维权服务站" in page.get_data(as_text=True)  # page 1, every district
    assert client.get("/city/dashboard", query_string={"district": odd}).status_code == 404


@pytest.mark.parametrize("odd", ODD)
def test_odd_upload_offsets_are_refused_in_chinese(client, login_as, odd):
    login_as("inspector", "150602")
    response = client.put(
        "/api/v1/uploads/" + "a" * 64, query_string={"offset": odd}, data=b"x", headers={"Accept": "application/json"}
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"offset": "offset 应为非负整数"}
