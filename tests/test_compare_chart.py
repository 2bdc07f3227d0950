"""The comparison chart: this campaign's bar above the previous one's, per district, in plain scalable SVG."""

from __future__ import annotations

from support import NS, assert_plain_svg, parse, rows_of, texts, width

from inspect_app.adapters.charts import paired_bars

NOW, BEFORE = "#1d4f91", "#8c959f"


def chart():
    return paired_bars(
        "各旗区平均得分：本批次与上一批次",
        [("东胜区", 90.0, 80.0), ("康巴什区", 70.0, None), ("杭锦旗", None, None)],
        ("2026年度自查验收", "2025年度自查验收"),
        maximum=100,
        unit="分",
    )


def test_it_is_one_plain_scalable_svg():
    assert_plain_svg(chart())
    assert_plain_svg(paired_bars("空", [], ("甲", "乙"), maximum=100))


def test_two_bars_per_row_in_proportion_with_their_values_and_a_legend_naming_both_campaigns():
    root = parse(chart())
    rows = rows_of(root)
    assert [r.find(f"{NS}title").text for r in rows] == [
        "东胜区：2026年度自查验收 90分，2025年度自查验收 80分",
        "康巴什区：2026年度自查验收 70分，2025年度自查验收 —",
        "杭锦旗：2026年度自查验收 —，2025年度自查验收 —",
    ]
    bars = [[r for r in row.iter(f"{NS}rect") if r.get("fill") in (NOW, BEFORE)] for row in rows]
    assert [[b.get("fill") for b in found] for found in bars] == [[NOW, BEFORE], [NOW], []]
    assert abs(width(bars[0][0]) / width(bars[0][1]) - 90 / 80) < 0.01
    assert abs(width(bars[1][0]) / width(bars[0][0]) - 70 / 90) < 0.01
    assert float(bars[0][0].get("y")) < float(bars[0][1].get("y"))  # this campaign on top
    words = texts(root)
    assert "2026年度自查验收" in words and "2025年度自查验收" in words
    assert ["90分", "80分", "70分", "—", "—", "—"] == [t for t in words if t.endswith("分") or t == "—"]
