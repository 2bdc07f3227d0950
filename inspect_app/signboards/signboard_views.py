"""The district's signboards page (/signboards): which stations' plaques can be printed and what the others lack,
each plaque's PDF, the district's batch for the print shop, and a plaque reissued by the district's leader."""

from __future__ import annotations

import io

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.exceptions import NotFound as HttpNotFound

from inspect_app.domain.directory.signboards import PaperSize, SignboardKind, printed_short_code
from inspect_app.domain.identity.permissions import Action, may
from inspect_app.models import Station
from inspect_app.shared.errors import Invalid
from inspect_app.signboards import signboard_pdf as use
from inspect_app.web.context import actor, allow, chosen_district, get_session

bp = Blueprint("signboards", __name__)


def _store():
    return current_app.extensions["filestore"]


def _base_url() -> str:
    """Where the QR codes lead: the configured public address, else the one this request came to."""
    return current_app.config.get("PUBLIC_BASE_URL") or request.url_root


def _choice(kind: str, size: str) -> tuple[SignboardKind, PaperSize]:
    try:
        return SignboardKind(kind), PaperSize(size)
    except ValueError:
        raise HttpNotFound() from None


def _pdf(data: bytes, name: str):
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name, as_attachment=True, max_age=0)


@bp.route("/signboards/")
@login_required
def index():
    allow(Action.PRINT_SIGNBOARDS)
    district, districts = chosen_district()
    rows = use.readiness(get_session(), actor(), _store(), district.id)
    return render_template(
        "signboards/index.html",
        district=district,
        districts=districts,
        rows=rows,
        kinds=list(SignboardKind),
        sizes=list(PaperSize),
        may_reissue=may(actor(), Action.EDIT_STATION, district.id),
        form=FlaskForm(),
    )


@bp.route("/signboards/stations/<id:station_id>/<kind>-<size>.pdf")
@login_required
def station_pdf(station_id: int, kind: str, size: str):
    allow(Action.PRINT_SIGNBOARDS)
    chosen_kind, chosen_size = _choice(kind, size)
    try:
        station, pdf = use.station_pdf(
            get_session(), actor(), _store(), station_id, chosen_kind, chosen_size, _base_url()
        )
    except Invalid as error:
        station = get_session().get(Station, station_id)
        flash(f"未制作{chosen_kind.attachment}牌匾：{error}", "error")
        return redirect(url_for(".index", district=station.district_id if station else None))
    return _pdf(pdf, f"{station.number}-{chosen_kind.attachment}-{chosen_size.value}.pdf")


@bp.route("/signboards/batch/<kind>-<size>.pdf")
@login_required
def batch_pdf(kind: str, size: str):
    allow(Action.PRINT_SIGNBOARDS)
    chosen_kind, chosen_size = _choice(kind, size)
    district, _ = chosen_district()
    try:
        batch = use.district_batch(get_session(), actor(), _store(), district.id, chosen_kind, chosen_size, _base_url())
    except Invalid as error:
        flash(f"未制作：{error}", "error")
        return redirect(url_for(".index", district=district.id))
    # The stations left out are listed on the page before printing (and by the CLI after it).
    return _pdf(batch.pdf, f"{district.name}-{chosen_kind.attachment}-{chosen_size.value}-{len(batch.printed)}块.pdf")


@bp.route("/signboards/stations/<id:station_id>/reissue", methods=["POST"])
@login_required
def reissue(station_id: int):
    session = get_session()
    try:
        plaque = use.reissue(session, actor(), station_id)
    except Invalid as error:
        flash(f"未重新制作：{error}", "error")
    else:
        flash(
            f"已换发新牌匾（编码 {printed_short_code(plaque.short_code)}），旧牌匾的二维码和编码不再有效，请打印新牌匾。",
            "success",
        )
    station = session.get(Station, station_id)  # found: the use case answered 404 otherwise
    return redirect(url_for(".index", district=station.district_id, _anchor=f"station-{station_id}"))
