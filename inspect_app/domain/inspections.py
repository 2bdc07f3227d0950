"""The inspection's workflow: its states, who may change it when, and what submission needs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Iterable, Mapping, Sequence

from inspect_app.domain.checklists.checklist import (
    OUTCOME_LABELS,
    ChecklistTemplate,
    Outcome,
    OutcomeBand,
    outcome_scores,
)
from inspect_app.domain.checklists.scoring import Answer, Verdict
from inspect_app.domain.identity.permissions import Action


class InspectionStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    InspectionStatus.IN_PROGRESS: "进行中",
    InspectionStatus.SUBMITTED: "已提交",
    InspectionStatus.RETURNED: "已退回",
    InspectionStatus.ACCEPTED: "已审核通过",
}
NOT_STARTED_LABEL = "未检查"


class InspectionKind(StrEnum):
    """Whose inspection of a station in a campaign this is. A station has one district inspection (本旗区检查) a
    campaign, the one its bundle reports; a re-check (整改复查) follows a rectification order and checks its items
    again; a spot check (市级抽查) is the city's own, compared with the district's. Every "the station's
    inspection" of the bundle, the report and the figures means the district's."""

    OWN = "own"
    RECHECK = "recheck"
    SPOT_CHECK = "spot_check"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    InspectionKind.OWN: "旗区检查",
    InspectionKind.RECHECK: "整改复查",
    InspectionKind.SPOT_CHECK: "市级抽查",
}


def phone_key(kind: InspectionKind, station_id: int, order_id: int | None = None) -> int | str:
    """Where the field app files a piece of work (static/pwa/sync_core.js parseKey reads it back): a station's
    own inspection under the station's id, as it always has; a re-check under 'r' and its order; a spot check
    under 'c' and its station."""
    if kind is InspectionKind.RECHECK:
        assert order_id is not None  # a re-check is filed under its order
        return f"r{order_id}"
    if kind is InspectionKind.SPOT_CHECK:
        return f"c{station_id}"
    return station_id


def app_link(key: int | str) -> str:
    """The field app's address of a piece of work."""
    return f"/inspect/app#/station/{key}"


def change_action(kind: InspectionKind) -> Action:
    """What changing an inspection of this kind takes: the city's spot checks are the city inspectors', the
    district's inspections and re-checks its inspectors'. Neither may touch the other's."""
    return Action.SPOT_CHECK if kind is InspectionKind.SPOT_CHECK else Action.INSPECT


def scored_answers(
    kind: InspectionKind, own: Mapping[str, Answer], followed: Mapping[str, Answer]
) -> dict[str, Answer]:
    """The answers an inspection is scored on: a re-check answers only the order's items, so the station is scored
    on the inspection it follows with those items answered again; any other inspection on its own answers."""
    return {**followed, **own} if kind is InspectionKind.RECHECK else dict(own)


def check_in_scope(scope: Sequence[str] | None, code: str) -> None:
    """A re-check answers the items of its order and no others."""
    if scope is not None and code not in scope:
        raise ScopeError(f"{code} 不在本次复查的整改项目中：复查只核查整改通知所列项目")


class ScopeError(ValueError):
    """An answer to an item outside a re-check's order; the message is Chinese."""


class SignatureRole(StrEnum):
    REPRESENTATIVE = "representative"
    INSPECTOR = "inspector"

    @property
    def label(self) -> str:
        return {SignatureRole.REPRESENTATIVE: "服务站代表", SignatureRole.INSPECTOR: "检查员"}[self]


class PhotoState(StrEnum):
    """A photo is kept at once and read (decoded, checked, copied) afterwards, off the inspector's request."""

    PROCESSING = "processing"
    READY = "ready"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {PhotoState.PROCESSING: "处理中", PhotoState.READY: "已处理", PhotoState.REJECTED: "未通过"}[self]


PHOTOS_PROCESSING_MESSAGE = "还有照片正在处理，请等处理完毕后再提交"


def counted_photo_slots(photos: Iterable[tuple[str, PhotoState]]) -> list[str]:
    """The slots a submission counts as photographed: a rejected photo is no photo of its slot."""
    return [slot for slot, state in photos if state is not PhotoState.REJECTED]


def is_editable(status: InspectionStatus) -> bool:
    """The inspector may change an inspection until it is submitted, and again once it is returned."""
    return status in (InspectionStatus.IN_PROGRESS, InspectionStatus.RETURNED)


class ReviewError(ValueError):
    """A review step the inspection's state does not allow; the message is Chinese."""


def check_review(status: InspectionStatus, decision: str, comment: str) -> None:
    """Whether the leader may accept or return an inspection in this state, with this comment."""
    if decision == "accept":
        if status is not InspectionStatus.SUBMITTED:
            raise ReviewError("只能审核通过已提交的检查")
    elif decision == "return":
        if not is_reviewable(status):
            raise ReviewError("只能退回已提交或已审核通过的检查")
        if not comment.strip():
            raise ReviewError("退回时请写明需要补正的内容")
        if len(comment) > 1000:
            raise ReviewError("退回意见不能超过1000个字")
    else:
        raise ReviewError("未知的审核操作")


def is_reviewable(status: InspectionStatus) -> bool:
    """The leader may act on an inspection once it is submitted (and return it again after accepting it)."""
    return status in (InspectionStatus.SUBMITTED, InspectionStatus.ACCEPTED)


def is_locked(status: InspectionStatus, reviewed_at: datetime | None, signed_at: datetime | None) -> bool:
    """An inspection the leader accepted before signing the district's newest bundle is in that signed version:
    it cannot change until a new version is begun. Ones accepted or submitted since are not in it."""
    # Signing times are whole seconds (as PDF and CMS carry them): compare at that resolution.
    return (
        signed_at is not None
        and status is InspectionStatus.ACCEPTED
        and reviewed_at is not None
        and reviewed_at.replace(microsecond=0) <= signed_at
    )


def may_recommend(status: InspectionStatus, outcome: Outcome | None, bands: Sequence[OutcomeBand]) -> str | None:
    """Why a station cannot be recommended as 示范站 now, or None when it can; the standard quoted is the one of
    the inspection's checklist version."""
    if not is_reviewable(status):
        return "只能推荐已提交的检查"
    if outcome is not Outcome.DEMONSTRATION_ELIGIBLE:
        scores = outcome_scores(bands, Outcome.DEMONSTRATION_ELIGIBLE)
        if scores is None:
            return f"本核查表版本没有“{OUTCOME_LABELS[Outcome.DEMONSTRATION_ELIGIBLE]}”的得分档次，不能推荐示范站"
        return f"得分达到示范站标准（{scores}且无关键项不符合）的服务站才能推荐为示范站"
    return None


def required_slots(
    template: ChecklistTemplate, answers: Mapping[str, Answer], scope: Sequence[str] | None = None
) -> list[str]:
    """Photo slots that must hold a photo: required by an item that is not 不适用 (of the scope's items, for a
    re-check)."""
    slots: list[str] = []
    for item in template.items:
        if scope is not None and item.code not in scope:
            continue
        answer = answers.get(item.code)
        if answer is not None and answer.verdict is Verdict.NA:
            continue
        for photo in item.photos:
            if photo.required and photo.slot not in slots:
                slots.append(photo.slot)
    return slots


def missing_for_submit(
    template: ChecklistTemplate,
    answers: Mapping[str, Answer],
    photo_slots: Iterable[str],
    signatures: Iterable[SignatureRole],
    scope: Sequence[str] | None = None,
) -> list[str]:
    """What still stands between the inspection and its submission, in Chinese; empty when complete. A re-check
    (`scope`: its order's item codes) needs those items answered and their photos only."""
    missing: list[str] = []
    unanswered = [
        item.code for item in template.items if item.code not in answers and (scope is None or item.code in scope)
    ]
    if unanswered:
        missing.append(f"还有{len(unanswered)}项未作答：{'、'.join(unanswered)}")
    present = set(photo_slots)
    for slot in required_slots(template, answers, scope):
        if slot not in present:
            items = [
                i.code
                for i in template.items
                if any(p.slot == slot and p.required for p in i.photos) and (scope is None or i.code in scope)
            ]
            missing.append(f"缺少必拍照片：{template.slot_label(slot)}（{'、'.join(items)}）")
    signed = set(signatures)
    for role in SignatureRole:
        if role not in signed:
            missing.append(f"缺少{role.label}签名")
    return missing
