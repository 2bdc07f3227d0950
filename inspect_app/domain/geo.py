"""Positions on the Earth: distances, the WGS-84 → GCJ-02 shift, and links to 高德 maps."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import quote

EARTH_RADIUS_M = 6371008.8  # mean radius (IUGG); haversine error stays well under 0.5 % at our scales

# Constants of the published GCJ-02 transform (Krasovsky 1940 ellipsoid). They must stay exactly as
# published: 高德 and 腾讯 maps apply the same numbers, and any "improvement" would shift our markers.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


@dataclass(frozen=True)
class LatLon:
    lat: float
    lon: float


def distance_m(a: LatLon, b: LatLon) -> float:
    """Great-circle distance in metres between two WGS-84 points (haversine)."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    d_phi = phi2 - phi1
    d_lambda = math.radians(b.lon - a.lon)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    # min() guards against h creeping past 1 by rounding for antipodal points.
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def out_of_china(lat: float, lon: float) -> bool:
    """True where GCJ-02 does not apply (the rough bounding box every implementation uses)."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Shift a WGS-84 point to GCJ-02 (as Chinese map services expect); outside China it is unchanged."""
    if out_of_china(lat, lon):
        return lat, lon
    d_lat = _shift_lat(lon - 105.0, lat - 35.0)
    d_lon = _shift_lon(lon - 105.0, lat - 35.0)
    rad_lat = math.radians(lat)
    magic = 1 - _GCJ_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_GCJ_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lat + d_lat, lon + d_lon


def amap_url(lat: float, lon: float, name: str) -> str:
    """A 高德 map link with a marker for a WGS-84 point (shifted to GCJ-02 first, or it lands off by ~500 m)."""
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    # callnative=0 keeps the link inside the browser: inspectors often open it in WeChat, where a
    # jump to the 高德 app is blocked or asks awkward questions.
    return (
        f"https://uri.amap.com/marker?position={g_lon:.6f},{g_lat:.6f}"
        f"&name={quote(name, safe='')}&coordinate=gaode&callnative=0"
    )
