"""Distances, the GCJ-02 shift and 高德 links, checked against hand-computed and published values."""

from __future__ import annotations

import math
from urllib.parse import parse_qs, urlsplit

import pytest

from inspect_app.domain.geo import LatLon, amap_url, distance_m, wgs84_to_gcj02

DONGSHENG = LatLon(39.82, 109.96)


def test_one_degree_of_latitude_is_about_111_2_km():
    # 2πR/360 with R = 6371008.8 m
    assert distance_m(LatLon(0, 0), LatLon(1, 0)) == pytest.approx(111195.08, abs=0.01)
    assert distance_m(LatLon(39, 109.96), LatLon(40, 109.96)) == pytest.approx(111195.08, abs=0.01)


def test_one_degree_of_longitude_shrinks_with_the_cosine_of_latitude():
    along_parallel = distance_m(LatLon(39.82, 109.0), LatLon(39.82, 110.0))
    # A great circle is a little shorter than the parallel (111195.08 × cos 39.82° = 85 404.5 m).
    assert 85_400 < along_parallel < 111195.08 * math.cos(math.radians(39.82))


def test_distance_is_symmetric_zero_for_the_same_point_and_half_the_globe_at_most():
    kangbashi = LatLon(39.61, 109.78)
    assert distance_m(DONGSHENG, kangbashi) == pytest.approx(distance_m(kangbashi, DONGSHENG))
    assert distance_m(DONGSHENG, DONGSHENG) == 0
    # 东胜 to 康巴什 is about 28 km on the map.
    assert 27_000 < distance_m(DONGSHENG, kangbashi) < 29_000
    assert distance_m(LatLon(0, 0), LatLon(0, 180)) == pytest.approx(math.pi * 6371008.8)


def test_gcj02_matches_the_published_reference_points():
    # Reference pairs used by the common open implementations (e.g. eviltransform).
    assert wgs84_to_gcj02(31.1774276, 121.5272106) == pytest.approx((31.17530398364597, 121.531541859215), abs=1e-9)
    assert wgs84_to_gcj02(39.911954, 116.377817) == pytest.approx((39.91334545536069, 116.38404722455657), abs=1e-9)


def test_gcj02_shift_in_dongsheng_is_a_few_hundred_metres():
    lat, lon = wgs84_to_gcj02(DONGSHENG.lat, DONGSHENG.lon)
    shift = distance_m(DONGSHENG, LatLon(lat, lon))
    assert 300 < shift < 700
    assert lat > DONGSHENG.lat and lon > DONGSHENG.lon  # north-east, as everywhere in Inner Mongolia


@pytest.mark.parametrize("point", [(48.8566, 2.3522), (-33.87, 151.21), (40.71, -74.01), (0.5, 110.0)])
def test_gcj02_leaves_points_outside_china_unchanged(point):
    assert wgs84_to_gcj02(*point) == point


def test_amap_url_shifts_to_gcj02_and_encodes_the_name():
    url = amap_url(39.82, 109.96, "东胜区 天骄路&1号站")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "uri.amap.com", "/marker")
    query = parse_qs(parts.query)
    lat, lon = wgs84_to_gcj02(39.82, 109.96)
    assert query["position"] == [f"{lon:.6f},{lat:.6f}"] == ["109.965616,39.820956"]
    assert query["name"] == ["东胜区 天骄路&1号站"]
    assert query["coordinate"] == ["gaode"] and query["callnative"] == ["0"]
    assert url.startswith("https://uri.amap.com/marker?position=109.965616,39.820956&name=%E4%B8%9C")
    assert "&1" not in url.split("&name=")[1].split("&coordinate")[0]  # the & in the name is escaped
