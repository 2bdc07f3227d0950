"""Stored images (photos and signatures), served only to those who may see their inspection."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

from inspect_app.inspection import operations as inspections
from inspect_app.inspection import photos
from inspect_app.web.context import actor, get_session
from inspect_app.web.stored import send_stored

bp = Blueprint("files", __name__, url_prefix="/files")

VARIANTS = ("thumbnail", "display", "original")


@bp.route("/photos/<id:photo_id>/<variant>")
@login_required
def photo(photo_id: int, variant: str):
    if variant not in VARIANTS:
        abort(404)
    found = photos.get_photo(get_session(), actor(), photo_id)
    if variant == "original":
        name = f"{found.inspection.station.number}-{found.slot}-{found.id}.{found.original_key.rsplit('.', 1)[-1]}"
        return send_stored(found.original_key, found.mime, name)
    key = found.ready_key(variant)
    if key is None:  # still being read, or rejected: there is no copy to show (the page says why)
        abort(404)
    return send_stored(key, "image/jpeg")


@bp.route("/inspections/<id:inspection_id>/signatures/<role>")
@login_required
def signature(inspection_id: int, role: str):
    inspection = inspections.get_inspection(get_session(), actor(), inspection_id)
    found = next((s for s in inspection.signatures if s.role.value == role), None)
    if found is None:
        abort(404)
    return send_stored(found.image_key, "image/png")
