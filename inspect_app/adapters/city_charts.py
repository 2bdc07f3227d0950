"""The charts of a campaign's figures as SVG, the same on the city's dashboard and in the city report."""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup

from inspect_app.adapters.charts import (
    CITY,
    OUTCOME_COLOURS,
    OUTCOME_NAMES,
    MapPoint,
    Seat,
    Segment,
    bar_chart,
    paired_bars,
    scatter_map,
    share_bars,
)
from inspect_app.domain.directory.districts import DISTRICTS


def charts_for(board: Any) -> dict[str, Markup]:  # a city.figures.Dashboard
    """Average score and outcome shares per district, the most frequent problems, the stations on a map, and
    (when a district had one) each district's average against its previous campaign."""
    shares = [
        (
            f.name,
            [
                Segment(OUTCOME_NAMES["pass"], f.passed, OUTCOME_COLOURS["pass"]),
                Segment(OUTCOME_NAMES["rectify"], f.rectify, OUTCOME_COLOURS["rectify"]),
                Segment(OUTCOME_NAMES["pending"], f.not_submitted, OUTCOME_COLOURS["pending"]),
            ],
        )
        for f in board.districts
    ]
    seats = [
        Seat(d.name, d.latitude, d.longitude)
        for d in DISTRICTS
        if board.district is None or d.code == board.district.code
    ]
    points = [
        MapPoint(r.latitude, r.longitude, r.outcome or "pending", f"{r.name}（{r.state}）")
        for r in board.results
        if not r.retired and _placed(r.latitude, r.longitude)
    ]
    charts = {
        "scores": bar_chart(
            "各旗区平均得分", [(f.name, f.average_score) for f in board.districts], maximum=100, unit="分"
        ),
        "shares": share_bars("各旗区验收结论", shares),
        "findings": bar_chart("照片核验最常见的问题", board.findings, colour="#a86400"),
        "failed": bar_chart("最常不符合的核查项目", board.failed_items, colour="#c0392b"),
        "map": scatter_map("服务站分布与验收结论", points, seats, extent=CITY if board.district is None else None),
    }
    if board.compared:
        names = {c.previous for c in board.changes if c.previous}
        charts["compare"] = paired_bars(
            "各旗区平均得分：本批次与上一批次",
            [
                (f.name, f.average_score, then.average_score if then else None)
                for f, then in zip(board.districts, board.previous)
            ],
            (board.campaign.name, names.pop() if len(names) == 1 else "上一批次"),
            maximum=100,
            unit="分",
        )
    return charts


def _placed(latitude: float | None, longitude: float | None) -> bool:
    # A station without a registered position (or at 0, 0, a form left blank) has no place on the map.
    return (
        latitude is not None
        and longitude is not None
        and math.isfinite(latitude)
        and math.isfinite(longitude)
        and (latitude, longitude) != (0, 0)
    )
