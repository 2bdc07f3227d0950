"""A first draft of the district's 文字说明, written from the campaign's figures for the leader to edit."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StationResult:
    name: str
    host_type: str  # label, e.g. 超市
    outcome: str | None  # label, None when not submitted
    score: float | None
    failed_items: tuple[str, ...]  # "A2 标识标志牌…" texts of items answered 不符合
    recommended: bool


def draft_narrative(district: str, campaign: str, stations_in_directory: int,
                    results: list[StationResult]) -> str:
    """Counts by host type and outcome, demonstration candidates, main problems and the rectification list."""
    done = [r for r in results if r.outcome is not None]
    lines = [f"{district}{campaign}工作情况说明", ""]
    lines.append(f"一、基本情况。本旗区名录在册服务站{stations_in_directory}个，本次完成自查验收{len(done)}个"
                 + (f"，尚有{stations_in_directory - len(done)}个未完成" if stations_in_directory > len(done) else "")
                 + "。")
    by_type: dict[str, int] = {}
    for r in done:
        by_type[r.host_type] = by_type.get(r.host_type, 0) + 1
    if by_type:
        lines.append("按依托单位类型：" + "，".join(f"{k}{v}个" for k, v in sorted(by_type.items())) + "。")
    by_outcome: dict[str, int] = {}
    for r in done:
        by_outcome[r.outcome] = by_outcome.get(r.outcome, 0) + 1
    if by_outcome:
        scores = [r.score for r in done if r.score is not None]
        average = f"，平均得分{sum(scores) / len(scores):.1f}分" if scores else ""
        lines.append("验收结论：" + "，".join(f"{k}{v}个" for k, v in sorted(by_outcome.items())) + average + "。")
    lines.append("")
    recommended = [r.name for r in done if r.recommended]
    lines.append("二、示范站推荐。" + ("推荐" + "、".join(recommended) + "为示范站。" if recommended
                                      else "本次暂不推荐示范站。"))
    lines.append("")
    problems: dict[str, int] = {}
    for r in done:
        for item in r.failed_items:
            problems[item] = problems.get(item, 0) + 1
    top = sorted(problems.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    lines.append("三、发现的主要问题。" + ("；".join(f"{item}（{n}个服务站）" for item, n in top) + "。" if top
                                         else "未发现不符合项。"))
    lines.append("")
    rectify = [r for r in done if r.failed_items and r.outcome == "需整改"]
    lines.append("四、整改清单。" + ("" if rectify else "无需整改的服务站。"))
    for n, r in enumerate(rectify, start=1):
        lines.append(f"{n}. {r.name}：{'；'.join(r.failed_items)}。")
    return "\n".join(lines).strip() + "\n"
