"""JSON shapes of the API: one function per resource, matching the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import url_for

from inspect_app.campaigns import operations as campaigns
from inspect_app.domain.campaigns import change_refusal
from inspect_app.domain.checklists.checklist import OUTCOME_LABELS
from inspect_app.domain.checklists.scoring import Score
from inspect_app.domain.inspections import is_editable
from inspect_app.inspection import operations as inspections
from inspect_app.inspection import photos
from inspect_app.models import AnswerConflict, Campaign, Inspection, InspectionAnswer, Photo, Signature, Station, User


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "district": {"code": user.district.code, "name": user.district.name} if user.district else None,
    }


def score_json(result: Score) -> dict[str, Any]:
    return {
        "points": result.points,
        "maximum": result.maximum,
        "score": result.rounded,
        "outcome": result.outcome.value,
        "outcome_label": OUTCOME_LABELS[result.outcome],
        "failed_critical": list(result.failed_critical),
        "unanswered": list(result.unanswered),
        "complete": result.complete,
    }


def answer_json(row: InspectionAnswer) -> dict[str, Any]:
    return {
        "item_code": row.item_code,
        "verdict": row.verdict.value,
        "points": row.points,
        "note": row.note,
        "version": row.version,
    }


def conflict_json(conflict: AnswerConflict, current: InspectionAnswer | None, proposer: str) -> dict[str, Any]:
    return {
        "id": conflict.id,
        "item_code": conflict.item_code,
        "server": answer_json(current) if current is not None else None,
        "proposed": {
            "item_code": conflict.item_code,
            "verdict": conflict.verdict.value,
            "points": conflict.points,
            "note": conflict.note,
            "version": conflict.base_version,
        },
        "proposed_by": proposer,
        "created_at": _iso(conflict.created_at),
    }


def photo_json(photo: Photo) -> dict[str, Any]:
    browser = photo.browser_latitude is not None
    exif = photo.exif_latitude is not None
    caption = photo.capture_time  # decided in the domain, so the offline app captions as the pages do
    return {
        "id": photo.id,
        "slot": photo.slot,
        "sha256": photo.sha256,
        "thumbnail_url": url_for("files.photo", photo_id=photo.id, variant="thumbnail"),
        "display_url": url_for("files.photo", photo_id=photo.id, variant="display"),
        "taken_at": _iso(photo.exif_taken_at),
        "uploaded_at": _iso(photo.uploaded_at),
        "caption_time": _iso(caption.at),
        "caption_time_label": caption.label,
        "caption_time_text": caption.text,
        "latitude": photo.browser_latitude if browser else photo.exif_latitude,
        "longitude": photo.browser_longitude if browser else photo.exif_longitude,
        "position_source": "browser" if browser else ("exif" if exif else None),
        "accuracy_m": photo.browser_accuracy_m,
        "findings": [f.to_dict() for f in photos.findings_of(photo)],
    }


def signature_json(signature: Signature) -> dict[str, Any]:
    return {
        "role": signature.role.value,
        "signer_name": signature.signer_name,
        "signed_at": _iso(signature.signed_at),
        "image_url": url_for("files.signature", inspection_id=signature.inspection_id, role=signature.role.value),
    }


def inspection_json(inspection: Inspection, conflicts: list[AnswerConflict], names: dict[int, str]) -> dict[str, Any]:
    template = campaigns.template_of(inspection.checklist_version)
    answers = {a.item_code: a for a in inspection.answers}
    return {
        "id": inspection.id,
        "station_id": inspection.station_id,
        "campaign_id": inspection.campaign_id,
        "status": inspection.status.value,
        "status_label": inspection.status.label,
        "editable": is_editable(inspection.status)
        and change_refusal(inspection.campaign.name, inspection.campaign.state) is None,
        "answers": {code: answer_json(row) for code, row in answers.items()},
        "conflicts": [conflict_json(c, answers.get(c.item_code), names.get(c.proposed_by_id, "")) for c in conflicts],
        "photos": [photo_json(p) for p in inspection.photos],
        "signatures": {s.role.value: signature_json(s) for s in inspection.signatures},
        "score": score_json(inspections.score_of(inspection, template)),
        "missing": inspections.missing(inspection),
        "submitted_at": _iso(inspection.submitted_at),
        "return_comment": inspection.return_comment,
        "recommended_demonstration": inspection.recommended_demonstration,
    }


def station_json(station: Station) -> dict[str, Any]:
    return {
        "id": station.id,
        "number": station.number,
        "name": station.name,
        "address": station.address,
        "host_organisation": station.host_organisation,
        "phone": station.phone,
        "latitude": station.latitude,
        "longitude": station.longitude,
    }


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "starts_on": campaign.starts_on.isoformat(),
        "deadline": campaign.deadline.isoformat(),
        "state": campaign.state.value,
        "state_label": campaign.state.label,
    }
