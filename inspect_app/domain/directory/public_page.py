"""The public station page a plaque's QR code opens: which of its three forms a token gets, and what each says.
Plain rules, no framework."""

from __future__ import annotations

from enum import StrEnum

from inspect_app.domain.checklists.checklist import Outcome


class PageKind(StrEnum):
    """What the page at a plaque's address shows."""

    CURRENT = "current"  # the plaque on the wall of a live station: the whole page
    WITHDRAWN = "withdrawn"  # a plaque replaced by a newer one: a notice, the station's name and status
    RETIRED = "retired"  # any plaque of a retired station: its name and 已撤销, nothing else


WITHDRAWN_NOTICE = "此牌匾已停用，请以现场新牌匾为准"
RETIRED_NOTICE = "本服务站已撤销，不再受理消费投诉。如需维权，请拨打12315。"
NO_ACCEPTANCE = "暂无验收记录"
ACCEPTED = "已验收"  # an accepted inspection without an outcome (none is accepted unscored; said plainly anyway)
# The acceptance's outcome in the consumer's words. 可推荐示范站 is a step towards the city's decision, not the
# title: shown to the public it would read as 示范站 before the city confirmed it, which the page says on its own.
PUBLIC_OUTCOME_LABELS = {
    Outcome.RECTIFY: "需整改",
    Outcome.PASS: "合格",
    Outcome.DEMONSTRATION_ELIGIBLE: "合格",
}
NOT_FOUND = ("未找到该服务站", "二维码无法识别，请核对牌匾或拨打12315咨询。")
TOO_MANY = ("访问过于频繁", "请稍后再试。如需维权，请直接拨打12315。")


def page_kind(plaque_current: bool, station_retired: bool) -> PageKind:
    """The page a plaque's token opens: a retired station says so whatever plaque of it is scanned."""
    if station_retired:
        return PageKind.RETIRED
    return PageKind.CURRENT if plaque_current else PageKind.WITHDRAWN
