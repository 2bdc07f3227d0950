"""Geotag and evidence findings: each fires just past its threshold, never at it, with a specific message."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from inspect_app.domain.findings import (
    DuplicateHit,
    Finding,
    Position,
    Thresholds,
    format_distance,
    photo_findings,
    photo_position,
    stored_position,
)
from inspect_app.domain.geo import LatLon, distance_m

UTC = timezone.utc
STATION = LatLon(39.82, 109.96)
CAMPAIGN_STARTS_ON = date(2026, 9, 15)
STARTED = datetime(2026, 9, 14, 16, 0, tzinfo=UTC)  # the campaign's first day begins: 00:00 北京时间
NOW = datetime(2026, 9, 15, 3, 0, tzinfo=UTC)  # the upload: 11:00 北京时间
DEFAULTS = Thresholds()


def at(lat: float, lon: float, source: str = "browser", accuracy: float | None = 10) -> Position:
    return Position(lat, lon, accuracy if source == "browser" else None, NOW, source)


def findings(**overrides) -> list[Finding]:
    """Findings for a clean photo (browser fix at the station, EXIF fine) with some arguments changed."""
    arguments = dict(
        exif_position=None,
        browser_position=at(STATION.lat, STATION.lon),
        station_position=STATION,
        exif_time=NOW - timedelta(minutes=5),
        campaign_starts_on=CAMPAIGN_STARTS_ON,
        now=NOW,
        exif_unreadable=False,
        duplicates=[],
        thresholds=DEFAULTS,
    )
    arguments.update(overrides)
    return photo_findings(**arguments)


def codes(found: list[Finding]) -> list[str]:
    return [f.code for f in found]


def test_a_clean_photo_has_no_findings():
    assert findings() == []


def test_no_position_when_neither_browser_nor_exif_has_one():
    found = findings(browser_position=None)
    assert codes(found) == ["no_position"]
    assert found[0].severity == "warning" and "没有位置信息" in found[0].message
    assert findings(browser_position=None, exif_position=at(STATION.lat, STATION.lon, "exif")) == []


def test_poor_accuracy_fires_only_beyond_the_threshold():
    assert findings(browser_position=at(STATION.lat, STATION.lon, accuracy=100)) == []
    assert codes(findings(browser_position=at(STATION.lat, STATION.lon, accuracy=100.01))) == ["poor_accuracy"]
    found = findings(browser_position=at(STATION.lat, STATION.lon, accuracy=1500))
    assert found[0].message == "拍摄时手机定位精度约 1.5 公里（要求 100 米以内）"
    assert findings(browser_position=at(STATION.lat, STATION.lon, accuracy=None)) == []


def test_far_from_station_at_the_threshold_and_just_past_it():
    point = at(STATION.lat + 0.01, STATION.lon)  # 0.01° north: 1111.95 m
    away = distance_m(point.point, STATION)
    assert away == pytest.approx(1111.95, abs=0.01)
    assert findings(browser_position=point, thresholds=replace(DEFAULTS, max_station_distance_m=away)) == []
    found = findings(browser_position=point, thresholds=replace(DEFAULTS, max_station_distance_m=away - 0.01))
    assert codes(found) == ["far_from_station"]
    found = findings(browser_position=point)
    assert found == [Finding("far_from_station", "拍摄时手机定位距服务站登记位置 1.1 公里（超过 300 米）", "error")]


def test_far_from_station_uses_the_browser_position_when_there_is_one():
    far_exif, near_browser = at(STATION.lat + 0.01, STATION.lon, "exif"), at(STATION.lat, STATION.lon)
    assert "far_from_station" not in codes(findings(exif_position=far_exif, browser_position=near_browser))
    found = findings(exif_position=far_exif, browser_position=None)
    assert found[0].code == "far_from_station" and found[0].message.startswith("照片 GPS 位置距服务站登记位置 1.1 公里")


def test_far_from_station_is_skipped_without_a_registered_position():
    assert findings(browser_position=at(STATION.lat + 1, STATION.lon), station_position=None) == []


def test_positions_disagree_at_the_threshold_and_just_past_it():
    exif = at(STATION.lat + 0.004, STATION.lon, "exif")  # 444.78 m north of the browser fix
    apart = distance_m(exif.point, STATION)
    narrow = replace(DEFAULTS, max_station_distance_m=1000)
    assert findings(exif_position=exif, thresholds=replace(narrow, max_exif_browser_distance_m=apart)) == []
    found = findings(exif_position=exif, thresholds=replace(narrow, max_exif_browser_distance_m=apart - 0.01))
    assert codes(found) == ["positions_disagree"]
    assert (
        findings(exif_position=exif, thresholds=narrow)[0].message
        == "照片 GPS 位置与拍摄时手机定位相距 445 米（超过 200 米）"
    )


def test_stale_time_at_24_hours_before_the_campaign_start_and_one_second_more():
    assert findings(exif_time=STARTED - timedelta(hours=24)) == []
    assert codes(findings(exif_time=STARTED - timedelta(hours=24, seconds=1))) == ["stale_time"]
    found = findings(exif_time=datetime(2026, 9, 13, 0, 0, tzinfo=UTC))  # 08:00 北京时间, 40 hours before
    assert found[0].message == (
        "相机记录的拍摄时间 2026-09-13 08:00（北京时间）比本批次验收的开始日期（2026-09-15）"
        "早 40 小时（超过 24 小时），可能不是本次验收期间拍摄"
    )


def test_stale_time_counts_from_the_campaign_start_it_names_not_from_the_upload():
    gallery = datetime(2008, 10, 24, 2, 0, tzinfo=UTC)  # 10:00 北京时间
    starts_on = date(2026, 9, 1)
    for upload in (datetime(2026, 9, 1, 1, 0, tzinfo=UTC), datetime(2026, 12, 2, 2, 0, tzinfo=UTC)):
        found = findings(exif_time=gallery, campaign_starts_on=starts_on, now=upload)
        # 2026-09-01 00:00 北京时间 less 2008-10-24 10:00 is 6520 days 14 hours: 6521 days, whenever the upload.
        assert found[0].message == (
            "相机记录的拍摄时间 2008-10-24 10:00（北京时间）比本批次验收的开始日期（2026-09-01）"
            "早 6521 天（超过 24 小时），可能不是本次验收期间拍摄"
        )


def test_future_time_beyond_the_tolerance_counts_from_the_upload_it_names():
    assert findings(exif_time=NOW + timedelta(minutes=10)) == []
    assert codes(findings(exif_time=NOW + timedelta(minutes=10, seconds=1))) == ["future_time"]
    found = findings(exif_time=NOW + timedelta(hours=2))
    assert found[0].message == (
        "相机记录的拍摄时间 2026-09-15 13:00（北京时间）比照片上传到服务器的时间"
        "（2026-09-15 11:00）晚 2 小时，相机或手机的时间可能有误"
    )


def test_no_exif_time_gives_no_time_finding():
    assert findings(exif_time=None) == []


def test_exif_unreadable():
    assert codes(findings(exif_unreadable=True)) == ["exif_unreadable"]


def hit(kind: str = "same", number: str = "150602-0001", same_station: bool = False, distance: int = 0):
    return DuplicateHit(kind, f"测试{number}服务站", number, same_station, distance)


def test_duplicate_photo_names_the_other_station():
    found = findings(duplicates=[hit()])
    assert found == [Finding("duplicate_photo", "与测试150602-0001服务站（150602-0001）已上传的照片完全相同", "error")]
    assert findings(duplicates=[hit(same_station=True)])[0].message == "与本站以往验收已上传的照片完全相同"


def test_near_duplicate_within_the_distance_only():
    assert codes(findings(duplicates=[hit("similar", distance=6)])) == ["near_duplicate_photo"]
    assert findings(duplicates=[hit("similar", distance=7)]) == []
    assert findings(duplicates=[hit("similar", distance=6)])[0].severity == "warning"


def test_a_station_with_the_same_photo_is_not_named_again_as_similar():
    found = findings(duplicates=[hit("same", "A"), hit("similar", "A", distance=2), hit("similar", "B", distance=3)])
    assert codes(found) == ["duplicate_photo", "near_duplicate_photo"]
    assert "（A）" not in found[1].message and "（B）" in found[1].message


def test_many_duplicates_are_summarised():
    found = findings(duplicates=[hit(number=f"150602-000{n}") for n in range(1, 6)])
    assert found[0].message.endswith("等 5 处已上传的照片完全相同")
    assert found[0].message.count("服务站") == 3


def test_findings_come_in_a_stable_order():
    found = findings(
        browser_position=at(STATION.lat + 0.01, STATION.lon, accuracy=500),
        exif_position=at(STATION.lat + 0.02, STATION.lon, "exif"),
        exif_time=STARTED - timedelta(days=2),
        exif_unreadable=True,
        duplicates=[hit()],
    )
    assert codes(found) == [
        "poor_accuracy",
        "far_from_station",
        "positions_disagree",
        "stale_time",
        "exif_unreadable",
        "duplicate_photo",
    ]


def test_finding_round_trips_through_json():
    finding = Finding("far_from_station", "照片位置距服务站登记位置 1.2 公里（超过 300 米）", "error")
    stored = json.loads(json.dumps(finding.to_dict(), ensure_ascii=False))
    assert stored == {"code": "far_from_station", "message": finding.message, "severity": "error"}
    assert Finding.from_dict(stored) == finding


def test_thresholds_from_config_convert_and_keep_defaults():
    thresholds = Thresholds.from_config(
        {
            "PHOTO_MAX_STATION_DISTANCE_M": "500",
            "PHOTO_NEAR_DUPLICATE_DISTANCE": "4",
            "PHOTO_MAX_AGE_HOURS": 48,
            "UNRELATED": 1,
        }
    )
    assert thresholds == Thresholds(max_station_distance_m=500.0, near_duplicate_distance=4, max_age_hours=48.0)
    assert isinstance(thresholds.near_duplicate_distance, int)
    assert Thresholds.from_config({}) == Thresholds()
    with pytest.raises(ValueError):
        Thresholds.from_config({"PHOTO_MAX_ACCURACY_M": "a lot"})


@pytest.mark.parametrize(
    "metres, text",
    [(0, "0 米"), (300, "300 米"), (999.4, "999 米"), (999.6, "1.0 公里"), (1234, "1.2 公里"), (15_050, "15.1 公里")],
)
def test_distances_read_in_metres_then_kilometres(metres, text):
    assert format_distance(metres) == text


def test_capture_time_prefers_the_camera_then_the_phone_then_the_upload():
    from inspect_app.domain.findings import capture_time

    chosen, upload = (datetime(2026, 12, 2, h, tzinfo=UTC) for h in (1, 2))
    gallery = datetime(2008, 10, 24, 2, 0, tzinfo=UTC)
    # A photo chosen from the gallery: the phone's clock says when it was chosen, the camera when it was taken.
    assert capture_time(chosen, gallery, upload) == (gallery, "相机记录的拍摄时间")
    assert capture_time(chosen, None, upload) == (chosen, "在手机上拍摄或选取的时间")
    assert capture_time(None, None, upload) == (upload, "上传时间")
    assert capture_time(chosen, gallery, upload).text == "2008-10-24 10:00"  # 北京时间, as every caption shows it


def test_the_phones_position_counts_before_the_photos_gps_and_says_so():
    phone, gps = at(39.82, 109.96), at(39.83, 109.97, "exif")
    assert photo_position(gps, phone) == phone and phone.label == "拍摄时手机定位"
    assert photo_position(gps, None) == gps and gps.label == "照片 GPS 位置"
    assert photo_position(None, None) is None
    assert phone.to_dict() == {
        "latitude": 39.82,
        "longitude": 109.96,
        "accuracy_m": 10,
        "source": "browser",
        "label": "拍摄时手机定位",
        "text": "39.82000, 109.96000",
    }


def test_a_stored_position_needs_both_coordinates():
    assert stored_position(39.8, 109.9, 39.81, None, 5).source == "exif"  # half a phone fix is no fix
    assert stored_position(39.8, 109.9, 39.81, 109.91, 5) == Position(39.81, 109.91, 5, None, "browser")
    assert stored_position(None, 109.9, None, None, None) is None


def test_the_finding_and_the_caption_name_the_same_position():
    far = at(STATION.lat + 0.01, STATION.lon, "exif")
    (finding,) = findings(exif_position=far, browser_position=None)
    assert finding.message.startswith(photo_position(far, None).label + "距服务站登记位置")
