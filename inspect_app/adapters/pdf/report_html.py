"""The reports' HTML documents from their data, with a Jinja2 environment of its own (no request or app context).

The use cases gather the data (a district's ReportData, the city's figures) and hand it here to be laid out."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from inspect_app.adapters.city_charts import charts_for
from inspect_app.config import PROJECT_ROOT
from inspect_app.domain.clock import BEIJING
from inspect_app.domain.evidence.figures import share_text

# A station part holds one station (about four pages): it depends on that station's inspection alone, so it is
# laid out once, when the inspection is submitted, and kept until the inspection changes (bundles/report/ahead.py);
# and WeasyPrint, which keeps every laid-out page of a document in memory, never holds more than a few pages.
STATIONS_PER_PART = 1


def beijing_time(moment: datetime | None) -> str:
    """An aware datetime as Beijing wall-clock time, to the minute."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if moment else ""


def chinese_date(day: date | datetime | None) -> str:
    """A date as written in official documents: 2026年9月1日 (a datetime is taken in Beijing time)."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(BEIJING).date()
    return f"{day.year}年{day.month}月{day.day}日"


def file_url(path: Path | None) -> str:
    """A file:// URL WeasyPrint can load, independent of the base URL."""
    return Path(path).resolve().as_uri() if path else ""


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(PROJECT_ROOT / "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(beijing=beijing_time, cn_date=chinese_date, file_url=file_url)
    return env


def report_parts(
    data: Any,  # a bundles.report.data.ReportData: the templates read its fields
    *,
    leader_signature_png: Path | None,
    seal_png_path: Path | None,
    stations_per_part: int = STATIONS_PER_PART,
) -> list[str]:
    """The report as HTML documents laid out one by one and joined in order: the cover, narrative and
    directory; the stations (one a part by default); the sign-off page. A station part depends only on its
    stations (not on where they come in the report), so it stays the same from the preview to the signed report
    and from one version to the next while its stations' inspections do not change."""
    env = _environment()
    parts = [env.get_template("report/front.html").render(data=data)]
    parts.extend(
        station_part(data, data.stations[start : start + stations_per_part])
        for start in range(0, len(data.stations), stations_per_part)
    )
    parts.append(
        env.get_template("report/signoff.html").render(
            data=data, leader_signature_png=leader_signature_png, seal_png_path=seal_png_path
        )
    )
    return parts


def station_part(header: Any, stations: Sequence[Any]) -> str:
    """The HTML of a station part: `header` gives the running header's district and campaign and the file each
    photo is printed from (a ReportData or bundles.report.ahead's PartHeader), `stations` their StationReports."""
    return _environment().get_template("report/stations.html").render(data=header, stations=stations)


def footer_html(pieces: Sequence[str]) -> str:
    """A document of empty pages, each carrying one of the pieces as its footer (as 第 n 页 共 N 页 is printed), for
    pdf_pages.py to put each page's footer together from."""
    return _environment().get_template("report/footer.html").render(pieces=pieces)


def city_report_html(**context: Any) -> str:
    """The consolidated city report as one HTML document (a few pages: no parts needed), with the dashboard's
    charts of its `board`."""
    return (
        _environment()
        .get_template("report/city.html")
        .render(share=share_text, charts=charts_for(context["board"]), **context)
    )


def order_notice_html(**context: Any) -> str:
    """A one-page 整改通知书 (a rectification order as handed to its station)."""
    return _environment().get_template("report/order_notice.html").render(**context)


def notice_html(**context: Any) -> str:
    """The city's results notice (通报) as one HTML document laid out like an official document."""
    return _environment().get_template("report/results_notice.html").render(**context)


def signboards_html(**context: Any) -> str:
    """Station signboards (附件1 or 附件2 of the 2022 notice), one plaque a page, on A3 or A4."""
    return _environment().get_template("report/signboard.html").render(**context)
