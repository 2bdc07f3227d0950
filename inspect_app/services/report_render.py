"""The report's HTML from its data, with a Jinja2 environment of its own: no request or app context needed."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..config import PROJECT_ROOT
from ..domain.findings import BEIJING
from .report_data import ReportData

TEMPLATE = "report/report.html"


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
    env = Environment(loader=FileSystemLoader(PROJECT_ROOT / "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(beijing=beijing_time, cn_date=chinese_date, file_url=file_url)
    return env


def render_report_html(data: ReportData, *, leader_signature_png: Path | None,
                       seal_png_path: Path | None) -> str:
    """The report as one HTML document (CSS inline, images as file URLs) ready for create_pdf."""
    return _environment().get_template(TEMPLATE).render(
        data=data, leader_signature_png=leader_signature_png, seal_png_path=seal_png_path)
