"""The city report's rules: which districts it still lacks, what its sign-off must confirm, and how a change
since the preview is named to the city center."""

from __future__ import annotations

from enum import StrEnum
from typing import Iterable, Mapping

from inspect_app.domain.evidence.submissions import SubmissionStatus, district_label

# The parts of a city report version that its fingerprint covers, besides one part per district ("district:<code>").
PART_LABELS = {
    "figures": "全市统计数据",
    "demonstrations": "示范站名单",
    "directory": "全市名录表",
    "campaign": "验收批次信息",
    "spot_checks": "市级抽查可靠性",
    "orders": "整改通知",
}
DISTRICT_PART = "district:"


class CityReportStatus(StrEnum):
    BUILDING = "building"
    READY = "ready"  # previewed, not yet signed
    SIGNED = "signed"
    STALE = "stale"  # what it holds changed after the preview: build again
    FAILED = "failed"

    @property
    def label(self) -> str:
        return CITY_REPORT_STATUS_LABELS[self]


CITY_REPORT_STATUS_LABELS = {
    CityReportStatus.BUILDING: "生成中",
    CityReportStatus.READY: "待签字",
    CityReportStatus.SIGNED: "已签字",
    CityReportStatus.STALE: "已过期",
    CityReportStatus.FAILED: "生成失败",
}


def district_part(code: str) -> str:
    return DISTRICT_PART + code


def missing(rows: Iterable[tuple[str, SubmissionStatus | None]]) -> list[str]:
    """The districts (by name, in the order given) whose newest bundle the city has not accepted."""
    return [name for name, status in rows if status is not SubmissionStatus.ACCEPTED]


def missing_with_state(rows: Iterable[tuple[str, SubmissionStatus | None]]) -> list[str]:
    """The same districts, each with its state: 康巴什区（未提交）."""
    return [f"{name}（{_state_label(status)}）" for name, status in rows if status is not SubmissionStatus.ACCEPTED]


def _state_label(status: SubmissionStatus | None) -> str:
    if status is SubmissionStatus.SUBMITTED:
        return "已提交，待审核"
    return district_label(None) if status is None else status.label


def confirmation_label(count: int) -> str:
    """The checkbox a sign-off with districts missing needs ticked."""
    return f"仍然签字：{count}个旗区尚未接收"


def unconfirmed_message(names: list[str]) -> str:
    """Why a sign-off with districts missing and no confirmation signed nothing."""
    return (
        f"{len(names)}个旗区尚未接收（{'、'.join(names)}）。如确需现在签字，请勾选“{confirmation_label(len(names))}”"
        "后再签字"
    )


def change_labels(parts: Iterable[str], district_names: Mapping[str, str]) -> list[str]:
    """The changed parts in Chinese, in the order given: 东胜区的证据包, 全市统计数据..."""
    labels = []
    for part in parts:
        if part.startswith(DISTRICT_PART):
            code = part[len(DISTRICT_PART) :]
            labels.append(f"{district_names.get(code, code)}的证据包")
        else:
            labels.append(PART_LABELS.get(part, part))
    return labels


def expired_message(version: int, labels: list[str]) -> str:
    """Why a version may no longer be signed, and what to do."""
    return (
        f"第{version}版已过期：预览后{'、'.join(labels)}有变化，签字的内容必须是预览过的内容。"
        "请重新生成预览，核对后再签字"
    )
