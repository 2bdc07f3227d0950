"""Geotag and evidence findings on one inspection photo: what a leader should look at twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Mapping, NamedTuple

from inspect_app.domain.clock import BEIJING
from inspect_app.domain.geo import LatLon, distance_m

WARNING = "warning"
ERROR = "error"

# Short names of the findings, for counting them across districts (the messages carry the particulars).
FINDING_LABELS = {
    "exif_unreadable": "EXIF信息损坏",
    "no_position": "照片无位置信息",
    "poor_accuracy": "定位精度差",
    "far_from_station": "拍摄地点距服务站过远",
    "positions_disagree": "照片GPS与手机定位不符",
    "stale_time": "拍摄时间早于验收开始",
    "future_time": "拍摄时间晚于上传时间",
    "duplicate_photo": "照片与其他检查重复",
    "near_duplicate_photo": "照片与其他检查高度相似",
}


@dataclass(frozen=True)
class Thresholds:
    max_accuracy_m: float = 100
    max_station_distance_m: float = 300
    max_exif_browser_distance_m: float = 200
    max_age_hours: float = 24
    future_tolerance_minutes: float = 10
    near_duplicate_distance: int = 6

    @classmethod
    def from_config(cls, mapping: Mapping[str, Any]) -> Thresholds:
        """Thresholds from the app config (PHOTO_* keys); missing keys keep their defaults."""
        keys = {
            "max_accuracy_m": ("PHOTO_MAX_ACCURACY_M", float),
            "max_station_distance_m": ("PHOTO_MAX_STATION_DISTANCE_M", float),
            "max_exif_browser_distance_m": ("PHOTO_MAX_EXIF_BROWSER_DISTANCE_M", float),
            "max_age_hours": ("PHOTO_MAX_AGE_HOURS", float),
            "future_tolerance_minutes": ("PHOTO_FUTURE_TOLERANCE_MINUTES", float),
            "near_duplicate_distance": ("PHOTO_NEAR_DUPLICATE_DISTANCE", int),
        }
        # Values may arrive as strings from the environment; a bad one should fail at start-up.
        return cls(**{field: convert(mapping[key]) for field, (key, convert) in keys.items() if key in mapping})


# What each source of a photo's position is called wherever it is shown: captions, findings, the report, the app.
POSITION_LABELS = {"browser": "拍摄时手机定位", "exif": "照片 GPS 位置"}


@dataclass(frozen=True)
class Position:
    lat: float
    lon: float
    accuracy_m: float | None
    taken_at: datetime | None
    source: str  # "exif" or "browser"

    @property
    def point(self) -> LatLon:
        """The position without its metadata."""
        return LatLon(self.lat, self.lon)

    @property
    def label(self) -> str:
        """Where the position comes from, in the words every caption and finding uses."""
        return POSITION_LABELS[self.source]

    @property
    def text(self) -> str:
        """The coordinates as captions write them: five decimals, about a metre."""
        return f"{self.lat:.5f}, {self.lon:.5f}"

    def to_dict(self) -> dict[str, Any]:
        """The position as plain JSON-ready data, its label included."""
        return {
            "latitude": self.lat,
            "longitude": self.lon,
            "accuracy_m": self.accuracy_m,
            "source": self.source,
            "label": self.label,
            "text": self.text,
        }


def photo_position(exif_position: Position | None, browser_position: Position | None) -> Position | None:
    """The position that counts for a photo: the phone's at the shutter when the app got one, else the photo's GPS.

    The browser position is taken by the app itself when the photo is taken or chosen; EXIF GPS may be a stale
    fix, and WeChat strips it. Captions, the report, the API and the findings all take this one choice."""
    return browser_position if browser_position is not None else exif_position


def stored_position(
    exif_latitude: float | None,
    exif_longitude: float | None,
    browser_latitude: float | None,
    browser_longitude: float | None,
    browser_accuracy_m: float | None,
) -> Position | None:
    """The position that counts, from a photo's stored coordinates (a half-stored pair counts as none)."""
    browser = exif = None
    if browser_latitude is not None and browser_longitude is not None:
        browser = Position(browser_latitude, browser_longitude, browser_accuracy_m, None, "browser")
    if exif_latitude is not None and exif_longitude is not None:
        exif = Position(exif_latitude, exif_longitude, None, None, "exif")
    return photo_position(exif, browser)


@dataclass(frozen=True)
class DuplicateHit:
    kind: str  # "same" (identical bytes) or "similar" (perceptual hash close)
    station_name: str
    station_number: str
    same_station: bool
    distance: int


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    severity: str  # "warning" or "error"

    def to_dict(self) -> dict[str, str]:
        """The finding as plain JSON-ready data."""
        return {"code": self.code, "message": self.message, "severity": self.severity}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """A finding back from its stored JSON form."""
        return cls(code=str(data["code"]), message=str(data["message"]), severity=str(data["severity"]))


EXIF_TIME_LABEL = "相机记录的拍摄时间"
PHONE_TIME_LABEL = "在手机上拍摄或选取的时间"
UPLOAD_TIME_LABEL = "上传时间"


class CaptureTime(NamedTuple):
    """The time a photo's caption shows, and the Chinese label that says what that time is."""

    at: datetime
    label: str

    @property
    def text(self) -> str:
        """The time as every caption writes it: 北京时间, to the minute."""
        return _local(self.at)


def capture_time(
    browser_taken_at: datetime | None, exif_taken_at: datetime | None, uploaded_at: datetime
) -> CaptureTime:
    """The time every caption shows: the camera's own record when EXIF has one, else the phone's clock when the
    photo was taken or chosen in the app, else the upload.

    The phone's time is not the shutter's: a photo chosen from the gallery gets the moment it was chosen, so
    the camera's record comes first. EXIF without an offset was read as 北京时间 (see imaging.read_exif), so
    in 北京时间 it shows exactly what the camera's clock said."""
    if exif_taken_at is not None:
        return CaptureTime(exif_taken_at, EXIF_TIME_LABEL)
    if browser_taken_at is not None:
        return CaptureTime(browser_taken_at, PHONE_TIME_LABEL)
    return CaptureTime(uploaded_at, UPLOAD_TIME_LABEL)


def campaign_start(starts_on: date) -> datetime:
    """The moment a campaign begins: 00:00 北京时间 on its first day."""
    return datetime.combine(starts_on, time(0), BEIJING)


def format_distance(metres: float) -> str:
    """A distance as an inspector says it: whole 米 below a kilometre, 公里 with one decimal above."""
    if round(metres) < 1000:
        return f"{round(metres)} 米"
    return f"{metres / 1000:.1f} 公里"


def format_duration(delta: timedelta) -> str:
    """A time span in the largest sensible unit (分钟, 小时 or 天)."""
    minutes = delta.total_seconds() / 60
    if minutes < 120:
        return f"{round(minutes)} 分钟"
    if minutes < 48 * 60:
        return f"{round(minutes / 60)} 小时"
    return f"{round(minutes / 1440)} 天"


def _number(value: float) -> str:
    return f"{value:g}"


def _local(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def photo_findings(
    *,
    exif_position: Position | None,
    browser_position: Position | None,
    station_position: LatLon | None,
    exif_time: datetime | None,
    campaign_starts_on: date,
    now: datetime,
    exif_unreadable: bool,
    duplicates: list[DuplicateHit],
    thresholds: Thresholds,
) -> list[Finding]:
    """Every finding for one photo, in a stable order (position, time, file, duplicates); `now` is the upload."""
    findings: list[Finding] = []
    findings += _position_findings(exif_position, browser_position, station_position, thresholds)
    findings += _time_findings(exif_time, campaign_starts_on, now, thresholds)
    if exif_unreadable:
        findings.append(Finding("exif_unreadable", "照片的 EXIF 信息已损坏，无法读取拍摄时间和位置", WARNING))
    findings += _duplicate_findings(duplicates, thresholds)
    return findings


def _position_findings(
    exif: Position | None, browser: Position | None, station: LatLon | None, t: Thresholds
) -> list[Finding]:
    if exif is None and browser is None:
        # Common in WeChat, which strips EXIF GPS; only the browser position could have saved it.
        return [Finding("no_position", "照片没有位置信息：拍摄时未获得手机定位，照片中也没有 GPS 信息", WARNING)]
    found = []
    if browser is not None and browser.accuracy_m is not None and browser.accuracy_m > t.max_accuracy_m:
        found.append(
            Finding(
                "poor_accuracy",
                f"{browser.label}精度约 {format_distance(browser.accuracy_m)}（要求 {format_distance(t.max_accuracy_m)}以内）",
                WARNING,
            )
        )
    best = photo_position(exif, browser)
    if station is not None and best is not None:
        away = distance_m(best.point, station)
        if away > t.max_station_distance_m:
            found.append(
                Finding(
                    "far_from_station",
                    f"{best.label}距服务站登记位置 {format_distance(away)}（超过 {format_distance(t.max_station_distance_m)}）",
                    ERROR,
                )
            )
    if exif is not None and browser is not None:
        apart = distance_m(exif.point, browser.point)
        if apart > t.max_exif_browser_distance_m:
            found.append(
                Finding(
                    "positions_disagree",
                    f"{exif.label}与{browser.label}相距 {format_distance(apart)}"
                    f"（超过 {format_distance(t.max_exif_browser_distance_m)}）",
                    WARNING,
                )
            )
    return found


def _time_findings(exif_time: datetime | None, starts_on: date, uploaded_at: datetime, t: Thresholds) -> list[Finding]:
    # Measured from the campaign's first day, which the message names: the inspection's own record may be
    # created only when the phone syncs, days after the visit, and would make a fresh photo look stale.
    if exif_time is None:
        return []
    found = []
    before = campaign_start(starts_on) - exif_time
    if before > timedelta(hours=t.max_age_hours):
        found.append(
            Finding(
                "stale_time",
                f"{EXIF_TIME_LABEL} {_local(exif_time)}（北京时间）比本批次验收的开始日期（{starts_on.isoformat()}）"
                f"早 {format_duration(before)}（超过 {_number(t.max_age_hours)} 小时），可能不是本次验收期间拍摄",
                WARNING,
            )
        )
    # The findings are kept with the photo, so "now" is named as what it is: the moment of the upload.
    ahead = exif_time - uploaded_at
    if ahead > timedelta(minutes=t.future_tolerance_minutes):
        found.append(
            Finding(
                "future_time",
                f"{EXIF_TIME_LABEL} {_local(exif_time)}（北京时间）比照片上传到服务器的时间（{_local(uploaded_at)}）"
                f"晚 {format_duration(ahead)}，相机或手机的时间可能有误",
                WARNING,
            )
        )
    return found


def _duplicate_findings(hits: list[DuplicateHit], t: Thresholds) -> list[Finding]:
    same = [h for h in hits if h.kind == "same"]
    # A photo that is byte-identical somewhere need not be reported there again as merely similar.
    same_numbers = {h.station_number for h in same}
    similar = [
        h
        for h in hits
        if h.kind == "similar" and h.distance <= t.near_duplicate_distance and h.station_number not in same_numbers
    ]
    found = []
    if same:
        found.append(Finding("duplicate_photo", f"与{_places(same)}已上传的照片完全相同", ERROR))
    if similar:
        found.append(Finding("near_duplicate_photo", f"与{_places(similar)}已上传的照片高度相似", WARNING))
    return found


def _places(hits: list[DuplicateHit]) -> str:
    """The stations named in a duplicate message: other stations first, at most three, then a count."""
    names: list[str] = []
    for hit in sorted(hits, key=lambda h: (h.same_station, h.distance, h.station_number)):
        name = "本站以往验收" if hit.same_station else f"{hit.station_name}（{hit.station_number}）"
        if name not in names:
            names.append(name)
    shown = "、".join(names[:3])
    return shown + (f"等 {len(names)} 处" if len(names) > 3 else "")
