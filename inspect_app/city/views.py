"""The city center: the nine districts' inbox, verification verdicts, accept or return, 示范站, uploads."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm

from inspect_app.adapters import scratch
from inspect_app.campaigns import operations as campaigns
from inspect_app.city import demonstrations, submissions
from inspect_app.domain.evidence.submissions import SubmissionStatus
from inspect_app.domain.identity.permissions import Action
from inspect_app.shared.errors import Invalid
from inspect_app.web.context import actor, allow, chosen_campaign, get_session, today
from inspect_app.web.stored import send_stored

bp = Blueprint("city", __name__, url_prefix="/city")


@bp.route("/")
@login_required
def inbox():
    allow(Action.VIEW_CITY)
    choice = chosen_campaign(required=True)
    rows = submissions.inbox(get_session(), actor(), choice.campaign, today())
    return render_template(
        "city/inbox.html",
        **choice.context(),
        rows=rows,
        form=FlaskForm(),
        waiting=sum(1 for r in rows if r.latest and r.latest.status is SubmissionStatus.SUBMITTED),
    )


@bp.route("/districts/<id:district_id>")
@login_required
def district(district_id: int):
    allow(Action.VIEW_CITY)
    session = get_session()
    choice = chosen_campaign(required=True)
    campaign = choice.campaign
    row = next(
        (r for r in submissions.inbox(session, actor(), campaign, today()) if r.district.id == district_id), None
    )
    if row is None:
        abort(404)
    return render_template(
        "city/district.html",
        **choice.context(),
        row=row,
        form=FlaskForm(),
        frozen=campaigns.refusal(session, campaign, district_id),
        versions=submissions.submissions_of(session, actor(), district_id, campaign.id),
        history=submissions.history(session, actor(), district_id, campaign.id),
        candidates=demonstrations.candidates(session, actor(), campaign.id, district_id),
    )


@bp.route("/submissions/<id:submission_id>/decision", methods=["POST"])
@login_required
def decide(submission_id: int):
    allow(Action.RECEIVE_BUNDLES)
    session = get_session()
    submission = submissions.get_submission(session, actor(), submission_id)
    decision = request.form.get("decision", "")
    reasons = {key.removeprefix("reason-"): value for key, value in request.form.items() if key.startswith("reason-")}
    try:
        submissions.decide(session, actor(), submission_id, decision, request.form.get("comment", ""), reasons)
    except Invalid as error:
        flash(str(error), "error")
    else:
        flash(
            f"已接收{submission.district.name}第{submission.version}版证据包。"
            if decision == "accept"
            else f"已将{submission.district.name}第{submission.version}版证据包退回补正。",
            "success",
        )
    return redirect(url_for(".district", district_id=submission.district_id))


@bp.route("/submissions/<id:submission_id>/verify", methods=["POST"])
@login_required
def verify(submission_id: int):
    allow(Action.RECEIVE_BUNDLES)
    submission = submissions.verify_again(get_session(), actor(), current_app.extensions["filestore"], submission_id)
    flash(
        "重新验证：全部通过。" if submission.verified else "重新验证：未通过，详见验证结果。",
        "success" if submission.verified else "error",
    )
    return redirect(url_for(".district", district_id=submission.district_id))


@bp.route("/submissions/<id:submission_id>/download")
@login_required
def download(submission_id: int):
    allow(Action.VIEW_CITY)
    submission = submissions.get_submission(get_session(), actor(), submission_id)
    name = f"{submission.district.name}-{submission.campaign.name}-证据包-第{submission.version}版.zip"
    return send_stored(submission.archive_key, "application/zip", name, max_age=0)


@bp.url_value_preprocessor
def _allow_large_bundles(endpoint: str | None, values: dict | None) -> None:
    # A district's ZIP with its photos runs to gigabytes: the upload form takes more than the app-wide limit.
    # Set here because this runs before the app-wide CSRF check reads (and so limits) the request body.
    if endpoint == "city.upload":
        request.max_content_length = current_app.config["BUNDLE_UPLOAD_MAX_BYTES"]


@bp.route("/upload", methods=["GET", "POST"])
@login_required
def upload():
    allow(Action.RECEIVE_BUNDLES)
    form = FlaskForm()
    if form.validate_on_submit():
        received = _receive(request.files.get("bundle"))
        if received is not None:
            return redirect(url_for(".district", district_id=received.district_id))
    return render_template("city/upload.html", form=form)


def _receive(upload):
    if upload is None or not upload.filename:
        flash("请选择证据包 ZIP 文件", "error")
        return None
    work = Path(current_app.instance_path)
    with scratch.folder(work, "received") as folder:
        path = folder / "upload.zip"  # never the name the user gave
        upload.save(path)
        try:
            received = submissions.receive_upload(get_session(), actor(), current_app.extensions["filestore"], path)
        except Invalid as error:
            flash(str(error), "error")
            return None
    flash(f"已收到{received.district.name}第{received.version}版证据包，验证通过。", "success")
    return received


@bp.route("/demonstrations/<id:station_id>", methods=["POST"])
@login_required
def demonstration(station_id: int):
    allow(Action.RECEIVE_BUNDLES)
    session = get_session()
    campaign = chosen_campaign(required=True).campaign  # the one the page showed (its form says which)
    confirmed = request.form.get("confirmed") == "1"
    try:
        decision = demonstrations.decide_demonstration(session, actor(), campaign.id, station_id, confirmed)
    except Invalid as error:
        flash(str(error), "error")
        return redirect(request.referrer or url_for(".inbox"))
    flash(f"{decision.station.name}：{'已确认为示范站' if confirmed else '不确认为示范站'}。", "success")
    return redirect(url_for(".district", district_id=decision.station.district_id, _anchor="demonstrations"))
