"""The SVG charts: well-formed, WeasyPrint-safe markup whose geometry matches the numbers."""

from __future__ import annotations

import ast
import math
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from markupsafe import Markup
from support import NS, assert_plain_svg, parse, rows_of, texts, width

from inspect_app.adapters import charts
from inspect_app.adapters.charts import (
    OUTCOME_COLOURS,
    OUTCOME_NAMES,
    MapPoint,
    Seat,
    Segment,
    bar_chart,
    scatter_map,
    share_bars,
)
from inspect_app.domain.directory.districts import DISTRICTS

BLUE = "#123456"
SEATS = [Seat(d.name, d.latitude, d.longitude) for d in DISTRICTS]


def segments(row: ET.Element) -> list[ET.Element]:
    return [r for r in row.iter(f"{NS}rect") if r.get("fill") in {"#1e7d4f", "#c0392b", "#8c959f"}]


def dots(root: ET.Element) -> dict[str, ET.Element]:
    """Map dots by station name (legend swatches are circles too, but without a tooltip)."""
    found = {}
    for c in root.iter(f"{NS}circle"):
        title = c.find(f"{NS}title")
        if title is not None:
            found[title.text.split("（")[0]] = c
    return found


def share_rows() -> list[tuple[str, list[Segment]]]:
    def three(ok: int, fix: int, pending: int) -> list[Segment]:
        return [
            Segment("合格", ok, "#1e7d4f"),
            Segment("需整改", fix, "#c0392b"),
            Segment("未提交", pending, "#8c959f"),
        ]

    return [("东胜区", three(6, 3, 1)), ("康巴什区", three(2, 0, 2)), ("空旗区", three(0, 0, 0))]


def city_points() -> list[MapPoint]:
    return [
        MapPoint(39.80, 109.90, "pass", "中心站"),
        MapPoint(39.80, 110.90, "demonstration_eligible", "东边站"),
        MapPoint(40.50, 109.90, "rectify", "北边站"),
        MapPoint(38.20, 107.50, "pending", "西南站"),
        MapPoint(39.00, 108.00, "pass", "鄂托克站"),
    ]


@pytest.mark.parametrize(
    "markup",
    [
        bar_chart("平均得分", [("东胜区", 87.5), ("康巴什区", None)], unit="分"),
        share_bars("核查结果", share_rows()),
        scatter_map("站点分布", city_points(), SEATS),
        bar_chart("平均得分", []),
        share_bars("核查结果", []),
        scatter_map("站点分布", [], SEATS),
    ],
)
def test_every_chart_is_one_scalable_plain_svg(markup: Markup) -> None:
    assert_plain_svg(markup)


def test_module_imports_only_the_standard_library_markupsafe_and_the_domain() -> None:
    tree = ast.parse(Path(charts.__file__).read_text(encoding="utf-8"))
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    ours = {m for m in modules if m.split(".")[0] == "inspect_app"}
    assert ours and all(m.startswith("inspect_app.domain.") for m in ours)  # its labels are the domain's
    assert {m.split(".")[0] for m in modules - ours} - set(sys.stdlib_module_names) == {"markupsafe"}


def test_outcome_names_are_the_domains_labels() -> None:
    from inspect_app.domain.checklists.checklist import OUTCOME_LABELS

    assert {charts.OUTCOME_NAMES[o.value] for o in OUTCOME_LABELS} == set(OUTCOME_LABELS.values())


def test_bar_chart_draws_one_bar_per_value_and_a_dash_for_none() -> None:
    root = parse(bar_chart("得分", [("甲", 45), ("乙", 90), ("丙", None), ("丁", 0)], colour=BLUE))
    bars = [r for r in root.iter(f"{NS}rect") if r.get("fill") == BLUE]
    assert len(bars) == 3
    rows = rows_of(root)
    assert [len([r for r in g.iter(f"{NS}rect")]) for g in rows] == [1, 1, 0, 1]
    assert texts(rows[2]) == ["丙", "—"]
    assert width(rows[3].find(f"{NS}rect")) == 0


def test_bar_width_is_proportional_to_value_against_maximum() -> None:
    def widths(**kwargs: float) -> list[float]:
        root = parse(bar_chart("得分", [("甲", 45), ("乙", 90)], colour=BLUE, **kwargs))
        return [width(r) for r in root.iter(f"{NS}rect") if r.get("fill") == BLUE]

    half, full = widths()  # maximum defaults to the largest value
    assert half == pytest.approx(full / 2, abs=0.02)
    assert widths(maximum=180) == pytest.approx([full / 4, full / 2], abs=0.02)
    assert widths(maximum=45) == pytest.approx([full, full], abs=0.02)  # over the maximum: capped


def test_maximum_is_at_least_one_when_values_are_small() -> None:
    root = parse(bar_chart("比例", [("甲", 0.5), ("乙", 0.25)], colour=BLUE))
    same = parse(bar_chart("比例", [("甲", 0.5), ("乙", 0.25)], colour=BLUE, maximum=1))
    assert [width(r) for r in root.iter(f"{NS}rect")] == [width(r) for r in same.iter(f"{NS}rect")]
    with pytest.raises(ValueError):
        bar_chart("比例", [("甲", 1)], maximum=0)


def test_values_are_printed_with_at_most_one_decimal_and_the_unit() -> None:
    root = parse(bar_chart("得分", [("a", 87.0), ("b", 87.25), ("c", 0.04), ("d", 100)], unit="%"))
    assert [texts(g)[1] for g in rows_of(root)] == ["87%", "87.3%", "0%", "100%"]


def test_long_labels_are_truncated_with_the_full_label_in_the_tooltip() -> None:
    name = "鄂尔多斯市东胜区富兴街道消费维权服务站"
    row = rows_of(parse(bar_chart("得分", [(name, 80), ("东胜区", 70)])))
    assert texts(row[0])[0] == "鄂尔多斯市东胜…" and len(texts(row[0])[0]) == 8
    assert row[0].find(f"{NS}title").text.startswith(name)
    assert texts(row[1])[0] == "东胜区"


def test_user_text_is_escaped() -> None:
    evil = "<script>alert(1)</script>"
    for markup in (
        bar_chart(evil, [(evil, 1)], unit="<b>"),
        share_bars(evil, [(evil, [Segment(evil, 1, '"><script>')])]),
        scatter_map(evil, [MapPoint(39.8, 109.9, "pass", evil)], [Seat(evil, 39.6, 109.7)]),
    ):
        assert "<script" not in str(markup) and "&lt;script&gt;" in str(markup)
        root = parse(markup)
        assert not list(root.iter(f"{NS}script")) and not list(root.iter("script"))
        assert root.get("aria-label") == evil


def test_share_segments_fill_the_bar_in_proportion_to_counts() -> None:
    root = parse(share_bars("核查结果", share_rows()))
    first, second, empty = rows_of(root)
    outline = [r for r in empty.iter(f"{NS}rect")]
    assert len(outline) == 1 and outline[0].get("stroke") and outline[0].get("fill") == "#ffffff"
    full = width(outline[0])
    parts = segments(first)
    assert [r.get("fill") for r in parts] == ["#1e7d4f", "#c0392b", "#8c959f"]
    assert sum(width(r) for r in parts) == pytest.approx(full, abs=0.03)
    assert [width(r) for r in parts] == pytest.approx([full * 0.6, full * 0.3, full * 0.1], abs=0.02)
    for a, b in zip(parts, parts[1:]):  # contiguous: each starts where the previous ends
        assert float(b.get("x")) == pytest.approx(float(a.get("x")) + width(a), abs=0.02)
    assert [width(r) for r in segments(second)] == pytest.approx([full / 2, full / 2], abs=0.02)  # 0 not drawn
    assert texts(first) == ["东胜区", "6", "3", "1", "10"]
    assert texts(second)[-1] == "4" and texts(empty) == ["空旗区", "0"]


def test_counts_are_only_written_into_segments_wide_enough() -> None:
    row = rows_of(
        parse(share_bars("结果", [("东胜区", [Segment("合格", 999, "#1e7d4f"), Segment("需整改", 1, "#c0392b")])]))
    )[0]
    assert texts(row) == ["东胜区", "999", "1000"]


def test_share_legend_is_drawn_once_from_the_first_row_with_segments() -> None:
    rows = [("空", [])] + share_rows()
    root = parse(share_bars("核查结果", rows))
    legend = [g for g in root.iter(f"{NS}g") if g.find(f"{NS}title") is None]
    assert [texts(g) for g in legend] == [["合格"], ["需整改"], ["未提交"]]
    assert [g.find(f"{NS}rect").get("fill") for g in legend] == ["#1e7d4f", "#c0392b", "#8c959f"]


def test_map_places_east_right_and_north_up() -> None:
    found = dots(parse(scatter_map("分布", city_points(), SEATS)))
    centre, east, north = found["中心站"], found["东边站"], found["北边站"]
    assert float(east.get("cx")) > float(centre.get("cx"))
    assert float(east.get("cy")) == pytest.approx(float(centre.get("cy")))
    assert float(north.get("cy")) < float(centre.get("cy"))
    assert float(north.get("cx")) == pytest.approx(float(centre.get("cx")))


def test_map_scales_longitude_by_the_cosine_of_latitude() -> None:
    root = parse(scatter_map("分布", city_points(), []))
    lines = list(root.iter(f"{NS}line"))
    xs = sorted({float(line.get("x1")) for line in lines if line.get("x1") == line.get("x2")})
    ys = sorted({float(line.get("y1")) for line in lines if line.get("y1") == line.get("y2")})
    assert len(xs) == 5 and len(ys) == 3  # 107..111°E, 38..40°N: the city extent
    assert (xs[1] - xs[0]) / (ys[1] - ys[0]) == pytest.approx(math.cos(math.radians((37.6 + 40.9) / 2)), rel=1e-3)
    labels = texts(root)
    assert {"107°E", "111°E", "38°N", "40°N"} <= set(labels) and "112°E" not in labels


def test_map_extent_grows_to_hold_a_far_point() -> None:
    labels = texts(parse(scatter_map("分布", city_points() + [MapPoint(41.5, 113.2, "pass", "远")], [])))
    assert {"113°E", "41°N", "107°E"} <= set(labels)


def test_map_dots_are_coloured_by_outcome_and_stay_visible() -> None:
    found = dots(parse(scatter_map("分布", city_points(), SEATS)))
    for point in city_points():
        dot = found[point.label]
        assert dot.get("fill") == OUTCOME_COLOURS[point.outcome]
        assert dot.get("r") == "5" and dot.get("stroke") == "#ffffff"
        assert dot.find(f"{NS}title").text == f"{point.label}（{OUTCOME_NAMES[point.outcome]}）"


def test_map_paints_results_over_unsubmitted_stations() -> None:
    points = [
        MapPoint(39.8, 109.9, "rectify", "整改站"),
        MapPoint(39.8, 109.9, "pending", "未交站"),
        MapPoint(39.8, 109.9, "pass", "合格站"),
    ]
    assert list(dots(parse(scatter_map("分布", points, [])))) == ["未交站", "合格站", "整改站"]


def test_map_draws_the_nine_seats_under_the_dots() -> None:
    root = parse(scatter_map("分布", city_points(), SEATS))
    squares = [r for r in root.iter(f"{NS}rect") if r.get("width") == "6" and r.get("height") == "6"]
    assert len(squares) == 9
    assert {d.name for d in DISTRICTS} <= set(texts(root))
    order = [el for el in root.iter() if el in squares or el in dots(root).values()]
    assert order[:9] == squares  # every dot comes after every square: a station by its seat still shows its colour


def test_map_skips_invalid_coordinates_and_counts_only_what_it_draws() -> None:
    bad = [
        MapPoint(math.nan, 109.9, "pass", "无纬度"),
        MapPoint(39.8, math.nan, "rectify", "无经度"),
        MapPoint(91.0, 109.9, "pass", "纬度超界"),
        MapPoint(39.8, -181.0, "pass", "经度超界"),
    ]
    root = parse(scatter_map("分布", city_points() + bad, SEATS))
    assert set(dots(root)) == {p.label for p in city_points()}
    labels = texts(root)
    assert {"可推荐示范站 1", "合格 2", "需整改 1", "未提交 1"} <= set(labels)
    assert any("4 个站点坐标无效" in t for t in labels)


def test_map_legend_counts_outcomes() -> None:
    points = [MapPoint(39.8, 109.9, "rectify", f"站{i}") for i in range(3)]
    labels = texts(parse(scatter_map("分布", points, [])))
    assert [t for t in labels if t.split(" ")[0] in OUTCOME_NAMES.values()] == [
        "可推荐示范站 0",
        "合格 0",
        "需整改 3",
        "未提交 0",
    ]
    assert "旗区驻地" not in labels and not any("无效" in t for t in labels)


def test_map_rejects_an_unknown_outcome() -> None:
    with pytest.raises(ValueError):
        scatter_map("分布", [MapPoint(39.8, 109.9, "excellent", "站")], SEATS)


@pytest.mark.parametrize("markup", [bar_chart("得分", []), share_bars("结果", []), scatter_map("分布", [], SEATS)])
def test_empty_inputs_say_no_data(markup: Markup) -> None:
    root = parse(markup)
    assert "暂无数据" in texts(root)
    assert not list(root.iter(f"{NS}rect")) and not list(root.iter(f"{NS}circle"))


def test_a_district_map_fits_its_own_stations_rather_than_the_city() -> None:
    near = [
        MapPoint(39.80, 109.95, "pass", "甲站"),
        MapPoint(39.85, 110.05, "rectify", "乙站"),
        MapPoint(39.75, 109.90, "pending", "丙站"),
    ]
    seat = [Seat("东胜区", 39.817, 109.976)]
    city_xs = [float(c.get("cx")) for c in dots(parse(scatter_map("分布", near, seat))).values()]
    own_xs = [float(c.get("cx")) for c in dots(parse(scatter_map("分布", near, seat, extent=None))).values()]
    assert max(city_xs) - min(city_xs) < 20  # on the city's extent three stations 15 km apart are one blot
    assert max(own_xs) - min(own_xs) > 3 * (max(city_xs) - min(city_xs))
    labels = texts(parse(scatter_map("分布", near, seat, extent=None)))
    assert any(label.endswith("°E") and "." in label for label in labels)  # a finer grid, in tenths of a degree
