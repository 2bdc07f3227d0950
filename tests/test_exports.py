"""The city's CSV export: empty where a value is empty, and text Excel would run as a formula kept as text."""

from __future__ import annotations

import csv
import io

import pytest

from inspect_app.city.exports import COLUMNS, results_csv
from inspect_app.city.figures import StationResult


def result(**overrides) -> StationResult:
    values = dict(
        district_code="150602",
        district_name="东胜区",
        number="150602-001",
        name="万达广场服务站",
        host="万达商管有限公司",
        host_type="商场",
        office="",
        address="天骄路1号",
        phone="",
        latitude=None,
        longitude=None,
        is_odr=False,
        retired=False,
        status=None,
        state="未检查",
        score=None,
        outcome=None,
        recommended=False,
        confirmed=False,
    )
    values.update(overrides)
    return StationResult(**values)


def rows_of(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_empty_values_are_empty_cells_not_a_lone_quote():
    row = rows_of(results_csv([result()]))[0]
    for column in ("所属监管所", "联系电话", "纬度", "经度", "得分", "结论代码"):
        assert row[column] == "", (column, row[column])
    assert row["状态"] == "未检查" and row["市中心确认示范站"] == "否"


@pytest.mark.parametrize("typed", ["=1+1", "+x", "-x", "@x", "\tx", "\rx"])
def test_text_that_would_run_as_a_formula_is_quoted(typed):
    row = rows_of(results_csv([result(name=typed, address=f"{typed}号")]))[0]
    assert row["服务站名称"] == "'" + typed
    assert row["地址"] == "'" + typed + "号"


def test_numbers_and_ordinary_text_are_written_as_they_are():
    row = rows_of(
        results_csv(
            [
                result(
                    latitude=-39.5,
                    longitude=109.96,
                    score=92.5,
                    outcome="pass",
                    name="A=B 服务站",
                    phone="0477-8123456",
                )
            ]
        )
    )[0]
    assert (row["纬度"], row["经度"], row["得分"], row["结论代码"]) == ("-39.5", "109.96", "92.5", "pass")
    assert (row["服务站名称"], row["联系电话"]) == ("A=B 服务站", "0477-8123456")
    assert list(row) == COLUMNS
