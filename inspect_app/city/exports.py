"""The campaign's results for other tools: CSV for spreadsheets, GeoJSON for maps (WGS-84, as recorded)."""

from __future__ import annotations

import json

from inspect_app.adapters import spreadsheet
from inspect_app.city.figures import StationResult

COLUMNS = [
    "旗区代码",
    "旗区",
    "站点编号",
    "服务站名称",
    "依托单位",
    "依托单位类型",
    "所属监管所",
    "地址",
    "联系电话",
    "纬度",
    "经度",
    "ODR企业",
    "状态",
    "得分",
    "结论代码",
    "旗区推荐示范站",
    "市中心确认示范站",
]


def _row(r: StationResult) -> list:
    return [
        r.district_code,
        r.district_name,
        r.number,
        r.name,
        r.host,
        r.host_type,
        r.office,
        r.address,
        r.phone,
        r.latitude,
        r.longitude,
        "是" if r.is_odr else "否",
        r.state,
        r.score,
        r.outcome or "",
        "是" if r.recommended else "否",
        "是" if r.confirmed else "否",
    ]


def results_csv(results: list[StationResult]) -> bytes:
    """The results as CSV for Excel; text that Excel would run as a formula stays text."""
    return spreadsheet.write_csv(COLUMNS, (_row(r) for r in results))


def results_geojson(results: list[StationResult]) -> bytes:
    """A FeatureCollection of the stations that have a position, [longitude, latitude] as GeoJSON wants."""
    features = []
    for r in results:
        if r.latitude is None or r.longitude is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r.longitude, r.latitude]},
                "properties": {
                    "district_code": r.district_code,
                    "district": r.district_name,
                    "number": r.number,
                    "name": r.name,
                    "host": r.host,
                    "host_type": r.host_type,
                    "is_odr": r.is_odr,
                    "state": r.state,
                    "score": r.score,
                    "outcome": r.outcome,
                    "recommended_demonstration": r.recommended,
                    "confirmed_demonstration": r.confirmed,
                },
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")
