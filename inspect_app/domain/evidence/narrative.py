"""A first draft of the district's 文字说明, written from the campaign's figures for the leader to edit."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from inspect_app.domain.checklists.checklist import OUTCOME_LABELS, Outcome
from inspect_app.domain.follow_up.orders import OrderCounts, orders_paragraph


@dataclass(frozen=True)
class StationResult:
    name: str
    host_type: str  # label, e.g. 超市
    outcome: Outcome | None  # None when not submitted
    score: float | None
    failed_items: tuple[str, ...]  # "A2 标识标志牌…" texts of items answered 不符合
    recommended: bool


def draft_narrative(
    district: str,
    campaign: str,
    stations_in_directory: int,
    results: list[StationResult],
    orders: OrderCounts | None = None,
) -> str:
    """Counts by host type and outcome, demonstration candidates, main problems, the rectification list and, when
    given, the rectification orders' counts and outcomes."""
    done = [r for r in results if r.outcome is not None]
    lines = [f"{district}{campaign}工作情况说明", ""]
    lines.append(
        f"一、基本情况。本旗区名录在册服务站{stations_in_directory}个，本次完成自查验收{len(done)}个"
        + (f"，尚有{stations_in_directory - len(done)}个未完成" if stations_in_directory > len(done) else "")
        + "。"
    )
    by_type: dict[str, int] = {}
    for r in done:
        by_type[r.host_type] = by_type.get(r.host_type, 0) + 1
    if by_type:
        lines.append("按依托单位类型：" + "，".join(f"{k}{v}个" for k, v in sorted(by_type.items())) + "。")
    by_outcome: dict[str, int] = {}
    for outcome in (r.outcome for r in done if r.outcome is not None):
        label = OUTCOME_LABELS[Outcome(outcome)]
        by_outcome[label] = by_outcome.get(label, 0) + 1
    if by_outcome:
        scores = [r.score for r in done if r.score is not None]
        average = f"，平均得分{sum(scores) / len(scores):.1f}分" if scores else ""
        lines.append("验收结论：" + "，".join(f"{k}{v}个" for k, v in sorted(by_outcome.items())) + average + "。")
    lines.append("")
    recommended = [r.name for r in done if r.recommended]
    lines.append(
        "二、示范站推荐。" + ("推荐" + "、".join(recommended) + "为示范站。" if recommended else "本次暂不推荐示范站。")
    )
    lines.append("")
    problems: dict[str, int] = {}
    for r in done:
        for item in r.failed_items:
            problems[item] = problems.get(item, 0) + 1
    top = sorted(problems.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    lines.append(
        "三、发现的主要问题。"
        + ("；".join(f"{item}（{n}个服务站）" for item, n in top) + "。" if top else "未发现不符合项。")
    )
    lines.append("")
    rectify = [r for r in done if r.failed_items and r.outcome is Outcome.RECTIFY]
    lines.append("四、整改清单。" + ("" if rectify else "无需整改的服务站。"))
    for n, r in enumerate(rectify, start=1):
        lines.append(f"{n}. {r.name}：{'；'.join(r.failed_items)}。")
    if orders is not None:
        lines.extend(["", orders_paragraph(orders)])
    return "\n".join(lines).strip() + "\n"


@dataclass(frozen=True)
class Figures:
    """A version's own figures, to hold the narrative's quoted ones against."""

    stations: int  # in the directory
    done: int  # inspections completed (submitted or accepted)
    outcomes: Mapping[Outcome, int] = field(default_factory=dict)
    average_score: float | None = None
    recommended: tuple[str, ...] = ()  # names recommended as 示范站


def _count_patterns(figures: Figures) -> list[tuple[re.Pattern[str], int]]:
    """Each "<words>N个" the draft writes, with the figure it stands for."""
    patterns = [
        (re.compile(r"名录在册服务站(\d+)个"), figures.stations),
        (re.compile(r"完成自查验收(\d+)个"), figures.done),
        (re.compile(r"尚有(\d+)个未完成"), max(figures.stations - figures.done, 0)),
    ]
    for outcome, label in OUTCOME_LABELS.items():  # an outcome the version has none of counts 0
        # 合格 is not 不合格.
        patterns.append((re.compile(rf"(?<!不){re.escape(label)}(\d+)个"), figures.outcomes.get(outcome, 0)))
    return patterns


def figure_mismatches(text: str, figures: Figures) -> list[str]:
    """Where the text quotes one of the draft's figures (名录在册服务站N个, 完成自查验收N个, 尚有N个未完成, an outcome
    count, 平均得分X分, the 示范站 recommended) with a value other than the version's own: one Chinese line each."""
    found: list[tuple[int, str]] = []
    for pattern, actual in _count_patterns(figures):
        for match in pattern.finditer(text):
            if int(match.group(1)) != actual:
                found.append((match.start(), f"文字说明中写“{match.group(0)}”，本版实际为{actual}个"))
    for match in re.finditer(r"平均得分(\d+(?:\.\d+)?)分", text):
        if figures.average_score is None:
            found.append((match.start(), f"文字说明中写“{match.group(0)}”，本版没有已完成的检查"))
        elif abs(float(match.group(1)) - figures.average_score) >= 0.05:
            found.append((match.start(), f"文字说明中写“{match.group(0)}”，本版实际为{figures.average_score:.1f}分"))
    found.extend(_recommendation_mismatches(text, figures.recommended))
    return [line for _, line in sorted(found, key=lambda pair: pair[0])]


def _recommendation_mismatches(text: str, recommended: tuple[str, ...]) -> list[tuple[int, str]]:
    actual = "本版推荐的是" + "、".join(recommended) if recommended else "本版没有推荐示范站"
    found = []
    for match in re.finditer(r"(?<!暂不)推荐([^。；，\n]+?)为示范站", text):
        if set(re.split(r"[、，,和及]", match.group(1))) != set(recommended):
            found.append((match.start(), f"文字说明中写“{match.group(0)}”，{actual}"))
    for match in re.finditer(r"暂不推荐示范站", text):
        if recommended:
            found.append((match.start(), f"文字说明中写“{match.group(0)}”，{actual}"))
    return found
