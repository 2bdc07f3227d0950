"""Server-rendered SVG charts for the city center's dashboard and the city report PDF.

The same markup goes onto a 390 px phone screen and through WeasyPrint, so it keeps to SVG 1.1 presentation
attributes (no <style>, no script, no foreignObject, no external references) and scales by its viewBox alone.
Every piece of caller text is escaped here, so the result is safe to drop into a template as Markup.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from html import escape

from markupsafe import Markup

from inspect_app.domain.checklists.checklist import OUTCOME_LABELS

WIDTH = 460  # narrow enough that 14-unit text stays legible when a phone shows the chart 360 px wide
PAD = 4
ROW = 28
BAR = 18
LABEL_CHARS = 8
FONT = "Noto Sans CJK SC, sans-serif"
INK = "#1f2328"
MUTED = "#57606a"
CITY = (106.6, 111.5, 37.6, 40.9)  # lon min, lon max, lat min, lat max: the map never shows less
MAP_MARGIN = 0.2  # degrees around the outermost point, so edge dots are not cut in half
MAX_MAP_HEIGHT = 700  # a stray far-off point widens the map; it must not also make it a page tall

OUTCOME_COLOURS: dict[str, str] = {
    "demonstration_eligible": "#0b5cad",
    "pass": "#1e7d4f",
    "rectify": "#c0392b",
    "pending": "#8c959f",
}
# The outcomes as the domain names them, and one state that is no outcome yet.
OUTCOME_NAMES: dict[str, str] = {
    **{outcome.value: label for outcome, label in OUTCOME_LABELS.items()},
    "pending": "未提交",
}
# Drawn bottom to top: an unsubmitted station must not hide a result, and 需整改 is what the center acts on.
_DRAW_ORDER = ("pending", "pass", "demonstration_eligible", "rectify")


@dataclass(frozen=True)
class Segment:
    label: str
    count: int
    colour: str


@dataclass(frozen=True)
class MapPoint:
    latitude: float
    longitude: float
    outcome: str
    label: str


@dataclass(frozen=True)
class Seat:
    name: str
    latitude: float
    longitude: float


def bar_chart(
    title: str,
    rows: list[tuple[str, float | None]],
    *,
    maximum: float | None = None,
    unit: str = "",
    colour: str = "#1d4f91",
) -> Markup:
    """Horizontal bars, one per (label, value) row, the value printed at the bar's end; None prints '—'."""
    if not rows:
        return _empty(title)
    values = [None if v is None or not math.isfinite(v) else float(v) for _, v in rows]
    scale = maximum if maximum is not None else max([1.0] + [v for v in values if v is not None])
    if not scale > 0:
        raise ValueError(f"maximum must be positive, not {maximum!r}")
    texts = ["—" if v is None else _number(v) + unit for v in values]
    x0 = _label_column([label for label, _ in rows])
    span = max(120, WIDTH - PAD - max(_width(t) for t in texts) - 6 - x0)  # room left for the widest value
    top = 32
    parts = [_line(x0, top, x0, top + len(rows) * ROW)]
    for i, ((label, _), value, text) in enumerate(zip(rows, values, texts)):
        mid = top + i * ROW + ROW / 2
        # Values over the maximum are capped so the bar stays inside the chart; the text tells the truth.
        bar = 0.0 if value is None else span * min(max(value, 0.0), scale) / scale
        parts.append(f"<g><title>{_e(label)}：{_e(text)}</title>{_text(PAD, mid + 5, _short(label))}")
        if value is not None:
            parts.append(_rect(x0, mid - BAR / 2, bar, BAR, colour))
        parts.append(_text(x0 + bar + 6, mid + 5, text, fill=INK if value is not None else MUTED) + "</g>")
    return _svg(title, top + len(rows) * ROW + 6, parts)


def share_bars(title: str, rows: list[tuple[str, list[Segment]]]) -> Markup:
    """One 100 % stacked bar per row with counts inside the segments, the total at its end and one legend."""
    if not rows:
        return _empty(title)
    first = next((segments for _, segments in rows if segments), [])
    legend, legend_height = _legend([(s.colour, s.label, "rect") for s in first], 30)
    parts = [legend]
    totals = [sum(max(s.count, 0) for s in segments) for _, segments in rows]
    x0 = _label_column([label for label, _ in rows])
    span = WIDTH - PAD - max(_width(str(t)) for t in totals) - 6 - x0
    top = 30 + legend_height + 2
    for i, ((label, segments), total) in enumerate(zip(rows, totals)):
        mid = top + i * ROW + ROW / 2
        y = mid - BAR / 2
        detail = "，".join(f"{s.label} {s.count}" for s in segments) or "0"
        parts.append(f"<g><title>{_e(label)}：{_e(detail)}</title>{_text(PAD, mid + 5, _short(label))}")
        if total == 0:
            parts.append(_rect(x0, y, span, BAR, "#ffffff", "#8c959f"))
        done = 0
        for s in segments:
            if s.count <= 0:
                continue
            # Edges come from the running sum, so rounding never opens a gap or overshoots the bar.
            left = x0 + span * done / total
            done += s.count
            width = x0 + span * done / total - left
            parts.append(_rect(left, y, width, BAR, s.colour))
            if width >= _width(str(s.count), 12) + 6:
                parts.append(_text(left + width / 2, mid + 4, str(s.count), size=12, fill="#ffffff", anchor="middle"))
        parts.append(_text(x0 + span + 6, mid + 5, str(total)) + "</g>")
    return _svg(title, top + len(rows) * ROW + 6, parts)


def paired_bars(
    title: str,
    rows: list[tuple[str, float | None, float | None]],
    names: tuple[str, str],
    *,
    maximum: float,
    unit: str = "",
    colours: tuple[str, str] = ("#1d4f91", "#8c959f"),
) -> Markup:
    """Two bars per (label, now, before) row, this campaign's above the previous one's, each with its value
    ('—' for None); one legend names both campaigns."""
    if not rows:
        return _empty(title)
    legend, legend_height = _legend([(colours[0], names[0], "rect"), (colours[1], names[1], "rect")], 30)
    texts = [
        ["—" if v is None or not math.isfinite(v) else _number(v) + unit for v in (now, before)]
        for _, now, before in rows
    ]
    x0 = _label_column([label for label, _, _ in rows])
    span = max(120, WIDTH - PAD - max(_width(t, 12) for pair in texts for t in pair) - 6 - x0)
    top, height, bar = 30 + legend_height + 4, 38, 14
    parts = [legend, _line(x0, top, x0, top + len(rows) * height)]
    for i, ((label, *values), pair) in enumerate(zip(rows, texts)):
        y = top + i * height
        parts.append(
            f"<g><title>{_e(label)}：{_e(names[0])} {_e(pair[0])}，{_e(names[1])} {_e(pair[1])}</title>"
            + _text(PAD, y + height / 2 + 5, _short(label))
        )
        for j, (value, text) in enumerate(zip(values, pair)):
            top_of_bar = y + 4 + j * (bar + 2)
            length = 0.0
            if text != "—":
                length = span * min(max(value, 0.0), maximum) / maximum
                parts.append(_rect(x0, top_of_bar, length, bar, colours[j]))
            parts.append(
                _text(x0 + length + 6, top_of_bar + bar - 2, text, size=12, fill=INK if text != "—" else MUTED)
            )
        parts.append("</g>")
    return _svg(title, top + len(rows) * height + 6, parts)


def scatter_map(
    title: str, points: list[MapPoint], seats: list[Seat], extent: tuple[float, float, float, float] | None = CITY
) -> Markup:
    """Stations as dots coloured by outcome on a plain equirectangular map with the district seats: at least
    `extent` (lon min, lon max, lat min, lat max; the whole city by default), or just around what is drawn."""
    if not points:
        return _empty(title)
    shown = [p for p in points if _on_earth(p.latitude, p.longitude)]
    unknown = {p.outcome for p in shown} - OUTCOME_COLOURS.keys()
    if unknown:
        raise ValueError(f"unknown outcome {sorted(unknown)!r}")
    seats = [s for s in seats if _on_earth(s.latitude, s.longitude)]
    lons = [p.longitude for p in shown] + [s.longitude for s in seats]
    lats = [p.latitude for p in shown] + [s.latitude for s in seats]
    if extent is None and lons:
        west, east, south, north = _around(lons, lats)
    else:
        extent = extent or CITY
        west = min([extent[0]] + [v - MAP_MARGIN for v in lons])
        east = max([extent[1]] + [v + MAP_MARGIN for v in lons])
        south = max(-90.0, min([extent[2]] + [v - MAP_MARGIN for v in lats]))
        north = min(90.0, max([extent[3]] + [v + MAP_MARGIN for v in lats]))
    # One degree of longitude is cos(latitude) degrees of latitude long; without this the city looks squat.
    shrink = math.cos(math.radians((north + south) / 2))
    counts = {key: sum(p.outcome == key for p in shown) for key in OUTCOME_COLOURS}
    items = [(OUTCOME_COLOURS[k], f"{OUTCOME_NAMES[k]} {counts[k]}", "circle") for k in OUTCOME_COLOURS]
    legend, legend_height = _legend(items + ([(INK, "旗区驻地", "rect")] if seats else []), 30)
    left, top, room = 38, 30 + legend_height + 4, WIDTH - 38 - 10
    scale = min(room / ((east - west) * shrink), MAX_MAP_HEIGHT / (north - south))
    plot_w, plot_h = (east - west) * shrink * scale, (north - south) * scale
    left += (room - plot_w) / 2

    def at(lat: float, lon: float) -> tuple[float, float]:
        return left + (lon - west) * shrink * scale, top + (north - lat) * scale

    parts = [legend, _rect(left, top, plot_w, plot_h, "#f6f8fa", "#d0d7de")]
    small = max(east - west, north - south) < 2  # one district: a grid in fractions of a degree
    steps = (0.02, 0.05, 0.1, 0.2, 0.5) if small else (1, 2, 5, 10, 20, 30, 60)
    step = next(s for s in steps if (east - west) / s <= 12 and (north - south) / s <= 12)
    for lon in _grid(west, east, step):
        x = at(north, lon)[0]
        parts.append(_line(x, top, x, top + plot_h, "#d8dee4"))
        text = f"{_degrees(lon, step)}°{'W' if lon < 0 else 'E'}"
        if PAD <= x - _width(text, 11) / 2 and x + _width(text, 11) / 2 <= WIDTH - PAD:
            parts.append(_text(x, top + plot_h + 14, text, size=11, fill=MUTED, anchor="middle"))
    for lat in _grid(south, north, step):
        y = at(lat, west)[1]
        parts.append(_line(left, y, left + plot_w, y, "#d8dee4"))
        text = f"{_degrees(lat, step)}°{'S' if lat < 0 else 'N'}"
        parts.append(_text(left - 4, y + 4, text, size=11, fill=MUTED, anchor="end"))
    # The seats go under the dots: a station next to its district's seat must still show its colour.
    parts.extend(_seats([(s, *at(s.latitude, s.longitude)) for s in seats], (left, top, plot_w, plot_h)))
    for p in sorted(shown, key=lambda p: _DRAW_ORDER.index(p.outcome)):
        x, y = at(p.latitude, p.longitude)
        parts.append(
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="5" fill="{OUTCOME_COLOURS[p.outcome]}" '
            f'stroke="#ffffff" stroke-width="1.5"><title>{_e(p.label)}（{OUTCOME_NAMES[p.outcome]}）'
            f"</title></circle>"
        )
    height = top + plot_h + 22
    if len(shown) < len(points):
        parts.append(
            _text(
                PAD, height + 10, f"另有 {len(points) - len(shown)} 个站点坐标无效，未在图上标出", size=12, fill=MUTED
            )
        )
        height += 16
    return _svg(title, height, parts)


def _seats(placed: list[tuple[Seat, float, float]], plot: tuple[float, float, float, float]) -> list[str]:
    """Seat squares with names, each name put where it overlaps no earlier name (康巴什 and 伊金霍洛 are 6 km apart)."""
    taken = [(x - 3, y - 3, x + 3, y + 3) for _, x, y in placed]

    def badness(box: tuple[float, float, float, float]) -> tuple[bool, bool]:
        # Leaving the map is worse than covering another name.
        outside = not (
            plot[0] <= box[0] and box[2] <= plot[0] + plot[2] and plot[1] <= box[1] and box[3] <= plot[1] + plot[3]
        )
        return outside, any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in taken)

    out = []
    for seat, x, y in placed:
        w = _width(seat.name, 12)
        candidates = [
            (x + 6, y + 4, "start", x + 5),
            (x - 6, y + 4, "end", x - 5 - w),
            (x, y - 7, "middle", x - w / 2),
            (x, y + 16, "middle", x - w / 2),
        ]
        tx, ty, anchor, bx = min(candidates, key=lambda c: badness((c[3], c[1] - 11, c[3] + w, c[1] + 3)))
        taken.append((bx, ty - 11, bx + w, ty + 3))
        # A translucent backing keeps the name legible over dots without hiding them entirely.
        out.append(
            f"<g><title>{_e(seat.name)}</title>"
            f'<rect x="{_n(bx - 1)}" y="{_n(ty - 11)}" width="{_n(w + 2)}" height="14" fill="#ffffff" '
            f'fill-opacity="0.7"/>{_rect(x - 3, y - 3, 6, 6, INK)}'
            f"{_text(tx, ty, seat.name, size=12, anchor=anchor)}</g>"
        )
    return out


def _around(lons: list[float], lats: list[float]) -> tuple[float, float, float, float]:
    """Bounds fitted to what is drawn (one district): a tenth of its spread beyond it on each side, at least about
    3 km each way from the middle, and no taller than wide, so a town's stations spread over the chart."""
    mid_lat = (min(lats) + max(lats)) / 2
    shrink = math.cos(math.radians(mid_lat))
    half_lat = max(0.03, (max(lats) - min(lats)) * 0.6)
    half_lon = max(0.03, (max(lons) - min(lons)) * 0.6, half_lat / shrink)
    mid_lon = (min(lons) + max(lons)) / 2
    return (mid_lon - half_lon, mid_lon + half_lon, max(-90.0, mid_lat - half_lat), min(90.0, mid_lat + half_lat))


def _grid(low: float, high: float, step: float) -> list[float]:
    """The multiples of `step` from low to high (counted in whole steps, so 0.1 steps do not drift)."""
    return [n * step for n in range(math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9) + 1)]


def _degrees(value: float, step: float) -> str:
    return f"{abs(value):.{0 if step >= 1 else 1 if step >= 0.1 else 2}f}"


def _on_earth(lat: float, lon: float) -> bool:
    # NaN fails every comparison, so it is skipped along with the out-of-range values.
    return -90 <= lat <= 90 and -180 <= lon <= 180


def _legend(items: list[tuple[str, str, str]], y: float) -> tuple[str, float]:
    """Swatches with labels laid out left to right, wrapping onto new lines; returns the markup and its height."""
    if not items:
        return "", 0
    x, line, out = PAD, 0, []
    for colour, label, shape in items:
        w = 18 + _width(label, 13) + 14
        if x > PAD and x + w > WIDTH - PAD:
            x, line = PAD, line + 1
        mid = y + line * 22 + 11
        swatch = (
            f'<circle cx="{_n(x + 6)}" cy="{_n(mid)}" r="5" fill="{_e(colour)}"/>'
            if shape == "circle"
            else _rect(x, mid - 6, 12, 12, colour)
        )
        out.append(f"<g>{swatch}{_text(x + 18, mid + 4.5, label, size=13)}</g>")
        x += w
    return "".join(out), (line + 1) * 22


def _empty(title: str) -> Markup:
    return _svg(title, 64, [_text(WIDTH / 2, 50, "暂无数据", fill=MUTED, anchor="middle")])


def _svg(title: str, height: float, parts: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {WIDTH} {_n(height)}" '
        f'role="img" aria-label="{_e(title)}" font-family="{FONT}"><title>{_e(title)}</title>'
        + _text(PAD, 20, title, size=16, weight="bold")
        + "".join(parts)
        + "</svg>"
    )


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _label_column(labels: list[str]) -> float:
    """Where bars start: just right of the widest (truncated) label."""
    return PAD + max(_width(_short(label)) for label in labels) + 8


def _text(
    x: float, y: float, text: str, *, size: int = 14, fill: str = INK, anchor: str = "start", weight: str | None = None
) -> str:
    extra = (f' text-anchor="{anchor}"' if anchor != "start" else "") + (f' font-weight="{weight}"' if weight else "")
    return f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" fill="{fill}"{extra}>{_e(text)}</text>'


def _rect(x: float, y: float, w: float, h: float, fill: str, stroke: str | None = None) -> str:
    outline = f' stroke="{stroke}"' if stroke else ""
    return f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{_e(fill)}"{outline}/>'


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str = "#d0d7de") -> str:
    return f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}" stroke-width="1"/>'


def _width(text: str, size: float = 14) -> float:
    """Estimated advance of text: CJK (and ambiguous-width marks like … and °) a full em, the rest 0.6 em."""
    return size * sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.6 for c in text)


def _number(value: float) -> str:
    # Decimal from the shortest repr rounds 87.25 up to 87.3, as a person would; float rounding gives 87.2.
    # The wide context lets even 1e308 be quantized instead of raising InvalidOperation.
    exact = Decimal(repr(value)).quantize(Decimal("0.1"), ROUND_HALF_UP, Context(prec=400))
    text = f"{exact:f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _e(text: object) -> str:
    return escape(str(text), quote=True)
