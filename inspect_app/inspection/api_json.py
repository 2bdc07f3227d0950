"""The API's responses built from the rows: one function per resource, each constructing its model from
api_models (whose models are also the OpenAPI document's schemas)."""

from __future__ import annotations

from flask import url_for
from sqlalchemy.orm import Session, object_session

from inspect_app.campaigns import operations as campaigns
from inspect_app.domain.checklists.checklist import OUTCOME_LABELS
from inspect_app.domain.checklists.scoring import Score
from inspect_app.domain.inspections import InspectionKind, is_editable
from inspect_app.domain.inspections import phone_key as filed_under
from inspect_app.follow_up import rechecks
from inspect_app.inspection import api_models as m
from inspect_app.inspection import operations as inspections
from inspect_app.inspection import photos
from inspect_app.inspection.follow_ups import FollowUp
from inspect_app.inspection.plaque_check import PlaqueCheck, plaque_check_of
from inspect_app.models import AnswerConflict, Campaign, Inspection, InspectionAnswer, Photo, Signature, Station, User


def user_json(user: User) -> m.User:
    return m.User(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        district=m.District(code=user.district.code, name=user.district.name) if user.district else None,
    )


def score_json(result: Score) -> m.Score:
    return m.Score(
        points=result.points,
        maximum=result.maximum,
        score=result.rounded,
        outcome=result.outcome,
        outcome_label=OUTCOME_LABELS[result.outcome],
        failed_critical=list(result.failed_critical),
        unanswered=list(result.unanswered),
        complete=result.complete,
    )


def answer_json(row: InspectionAnswer) -> m.Answer:
    return m.Answer(item_code=row.item_code, verdict=row.verdict, points=row.points, note=row.note, version=row.version)


def conflict_json(conflict: AnswerConflict, current: InspectionAnswer | None, proposer: str) -> m.Conflict:
    return m.Conflict(
        id=conflict.id,
        item_code=conflict.item_code,
        server=answer_json(current) if current is not None else None,
        proposed=m.ProposedAnswer(
            item_code=conflict.item_code,
            verdict=conflict.verdict,
            points=conflict.points,
            note=conflict.note,
            version=conflict.base_version,
        ),
        proposed_by=proposer,
        created_at=conflict.created_at,
    )


def _file_url(photo: Photo, variant: str) -> str | None:
    return url_for("files.photo", photo_id=photo.id, variant=variant) if photo.ready_key(variant) else None


def photo_json(photo: Photo) -> m.Photo:
    # Which time and which position count are decided in the domain, so the offline app captions as the pages do.
    caption = photo.capture_time
    at = photo.position
    return m.Photo(
        id=photo.id,
        slot=photo.slot,
        sha256=photo.sha256,
        state=photo.state,
        state_label=photo.state.label,
        rejected_reason=photo.rejected_reason,
        thumbnail_url=_file_url(photo, "thumbnail"),
        display_url=_file_url(photo, "display"),
        taken_at=photo.exif_taken_at,
        uploaded_at=photo.uploaded_at,
        caption_time=caption.at,
        caption_time_label=caption.label,
        caption_time_text=caption.text,
        latitude=at.lat if at else None,
        longitude=at.lon if at else None,
        position_source=at.source if at else None,
        accuracy_m=at.accuracy_m if at else None,
        findings=[m.Finding(**f.to_dict()) for f in photos.findings_of(photo)],
    )


def signature_json(signature: Signature) -> m.Signature:
    return m.Signature(
        role=signature.role,
        signer_name=signature.signer_name,
        signed_at=signature.signed_at,
        image_url=url_for("files.signature", inspection_id=signature.inspection_id, role=signature.role.value),
    )


def inspection_json(inspection: Inspection, conflicts: list[AnswerConflict], names: dict[int, str]) -> m.Inspection:
    template = campaigns.template_of(inspection.checklist_version)
    answers = {a.item_code: a for a in inspection.answers}
    return m.Inspection(
        id=inspection.id,
        key=phone_key(inspection),
        kind=inspection.kind,
        kind_label=inspection.kind.label,
        follows_id=inspection.follows_id,
        item_scope=inspection.item_scope,
        station_id=inspection.station_id,
        campaign_id=inspection.campaign_id,
        status=inspection.status,
        status_label=inspection.status.label,
        editable=is_editable(inspection.status) and inspections.frozen(session_of(inspection), inspection) is None,
        answers={code: answer_json(row) for code, row in answers.items()},
        conflicts=[conflict_json(c, answers.get(c.item_code), names.get(c.proposed_by_id, "")) for c in conflicts],
        photos=[photo_json(p) for p in inspection.photos],
        signatures={s.role.value: signature_json(s) for s in inspection.signatures},
        score=score_json(inspections.score_of(inspection, template)),
        missing=inspections.missing(inspection),
        submitted_at=inspection.submitted_at,
        return_comment=inspection.return_comment,
        recommended_demonstration=inspection.recommended_demonstration,
        plaque=plaque_json(plaque_check_of(inspection)),
    )


def plaque_json(check: PlaqueCheck | None) -> m.PlaqueCheck | None:
    if check is None:
        return None
    return m.PlaqueCheck(
        code=check.code,
        shown_code=check.shown_code,
        finding=check.finding,
        finding_label=check.finding.label,
        belongs=check.finding.belongs,
        is_current=check.finding.is_current,
        checked_at=check.checked_at,
        text=check.text,
    )


def phone_key(inspection: Inspection) -> int | str:
    """Where the phone files an inspection: the district's own under its station's id (as it always has), a
    re-check under its order, a spot check under 'c' and its station."""
    order_id = rechecks.order_of(inspection).id if inspection.kind is InspectionKind.RECHECK else None
    return filed_under(inspection.kind, inspection.station_id, order_id)


def session_of(inspection: Inspection) -> Session:
    found = object_session(inspection)
    assert found is not None  # the inspection was read through a session
    return found


def follow_up_json(work: FollowUp) -> m.FollowUp:
    order = work.order
    return m.FollowUp(
        key=work.key,
        kind=work.kind,
        kind_label=work.kind.label,
        station=station_json(work.station),
        order=m.FollowUpOrder(
            id=order.id, number=order.number, deadline=order.deadline, items=[i["code"] for i in order.items]
        )
        if order is not None
        else None,
        inspection_id=work.inspection.id if work.inspection is not None else None,
        followed_answers={a.item_code: answer_json(a) for a in order.inspection.answers} if order is not None else None,
    )


def station_json(station: Station) -> m.Station:
    return m.Station(
        id=station.id,
        number=station.number,
        name=station.name,
        address=station.address,
        host_organisation=station.host_organisation,
        phone=station.phone,
        latitude=station.latitude,
        longitude=station.longitude,
    )


def campaign_json(campaign: Campaign) -> m.Campaign:
    return m.Campaign(
        id=campaign.id,
        name=campaign.name,
        starts_on=campaign.starts_on,
        deadline=campaign.deadline,
        state=campaign.state,
        state_label=campaign.state.label,
    )
