"""A district's bundle on its way to the city: the district's state, what may happen next, the deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

# The city itself, where a certificate or a consolidated bundle needs a division code: 鄂尔多斯市.
CITY_CODE = "150600"
CITY_NAME = "鄂尔多斯市"
CITY_CENTER = "鄂尔多斯市12315消费维权服务中心"


class SubmissionStatus(StrEnum):
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"

    @property
    def label(self) -> str:
        return {"submitted": "已提交", "returned": "已退回补正", "accepted": "已接收"}[self.value]


class SubmissionSource(StrEnum):
    APP = "app"  # the leader pressed 提交至市中心
    UPLOAD = "upload"  # the city uploaded a ZIP that came by e-mail or on a USB stick

    @property
    def label(self) -> str:
        return {"app": "系统内提交", "upload": "市中心上传"}[self.value]


NOT_SUBMITTED_LABEL = "未提交"


class SubmissionRefused(ValueError):
    """A submission, decision or new version the district's state does not allow; the message is Chinese."""


@dataclass(frozen=True)
class Latest:
    """What the city holds of a district for a campaign: its newest submission, if any."""

    version: int
    status: SubmissionStatus


def check_submission(latest: Latest | None, version: int) -> None:
    """Whether a bundle of this version may be received now."""
    if latest is None:
        return
    if latest.status is SubmissionStatus.ACCEPTED:
        raise SubmissionRefused(f"市中心已接收第{latest.version}版证据包，不能再提交")
    if latest.status is SubmissionStatus.SUBMITTED:
        raise SubmissionRefused(f"第{latest.version}版证据包正在等待市中心审核，请等待接收或退回")
    if version <= latest.version:
        raise SubmissionRefused(f"第{version}版不晚于已提交的第{latest.version}版，请提交重新签字的新版本")


def check_decision(
    status: SubmissionStatus, verified: bool, decision: str, comment: str, station_reasons: dict[str, str]
) -> None:
    """Whether the city may accept or return this submission, with these reasons."""
    if status is not SubmissionStatus.SUBMITTED:
        raise SubmissionRefused(f"该证据包{status.label}，不能再次处理")
    if decision == "accept":
        if not verified:
            raise SubmissionRefused("验证未通过的证据包不能接收，请退回")
    elif decision == "return":
        if not comment.strip() and not any(reason.strip() for reason in station_reasons.values()):
            raise SubmissionRefused("退回时请写明需要补正的内容（总体意见或具体服务站的意见）")
        if len(comment) > 2000 or any(len(reason) > 500 for reason in station_reasons.values()):
            raise SubmissionRefused("退回意见过长：总体意见不超过2000字，每个服务站不超过500字")
    else:
        raise SubmissionRefused("未知的处理操作")


def check_new_version(latest: Latest | None, signed_version: int | None) -> None:
    """Whether the leader may start a new bundle version after signing `signed_version`."""
    if latest is None or signed_version is None or latest.version < signed_version:
        return  # the signed version has not reached the city yet
    if latest.status is SubmissionStatus.ACCEPTED:
        raise SubmissionRefused(f"市中心已接收第{latest.version}版证据包，不能再修改")
    if latest.status is SubmissionStatus.SUBMITTED:
        raise SubmissionRefused(f"第{latest.version}版证据包正在等待市中心审核，退回后才能修改")


def district_label(latest: Latest | None) -> str:
    """The district's state in the city's inbox: 未提交, 已提交, 已退回补正 or 已接收."""
    return NOT_SUBMITTED_LABEL if latest is None else latest.status.label


def days_left(deadline: date, today: date) -> int:
    """Days until the deadline (0 on the day itself, negative once it has passed)."""
    return (deadline - today).days


def is_overdue(latest: Latest | None, deadline: date, today: date) -> bool:
    """Past the deadline with nothing the city could accept: not submitted, or returned and not resubmitted."""
    waiting = latest is None or latest.status is SubmissionStatus.RETURNED
    return waiting and today > deadline


def lock_message(version: int) -> str:
    """Why a signed version's inspections cannot change."""
    return f"第{version}版证据包已签字，其中的检查已锁定；如需修改，请在证据包页面生成新版本"
