"""The leader's evidence bundle: narrative, build with progress, preview, sign off, download every version."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from inspect_app.bundles import builds as bundle_builds
from inspect_app.bundles import contents as bundle_contents
from inspect_app.bundles import jobs
from inspect_app.bundles import operations as bundles
from inspect_app.campaigns import operations as campaigns
from inspect_app.city import submissions
from inspect_app.db import get_session
from inspect_app.domain.evidence.bundles import BundleStatus
from inspect_app.domain.identity.permissions import Action
from inspect_app.shared.errors import Invalid
from inspect_app.signing import keys
from inspect_app.web.context import actor, allow, chosen_campaign, chosen_district, png_from_data_url, signing_pin
from inspect_app.web.stored import send_stored

bp = Blueprint("bundles", __name__, url_prefix="/review/bundle")


def _build_in_background(app: Flask, bundle_id: int, leader_name: str, token: str) -> None:
    """Builds run off the request path (an RQ worker, or a thread); the page polls their progress."""
    jobs.enqueue_bundle_build(app, bundle_id, leader_name, token)


@bp.route("/", methods=["GET"])
@login_required
def page():
    allow(Action.REVIEW)
    session = get_session()
    choice = chosen_campaign(required=True)
    campaign = choice.campaign
    district_id = chosen_district()[0].id
    history = bundles.versions(session, actor(), district_id, campaign.id)
    bundle_builds.mark_interrupted(session, history[:1], current_app.config["BUNDLE_BUILD_STALE_SECONDS"])
    draft = history[0] if history and history[0].status is not BundleStatus.SIGNED else None
    fresh = bundles.narrative_draft(session, actor(), district_id, campaign)
    # The leader's own text (a draft's, or the newest signed version's) is kept; an unedited one follows the figures,
    # and 重新起草 writes it afresh with the leader's text beside it.
    written = next((b for b in history if b.narrative), None)
    edited = written.narrative if written is not None and written.narrative_edited else ""
    redraft = bool(edited) and request.args.get("redraft") == "1"
    contents = (
        bundle_contents.check(session, current_app.extensions["filestore"], draft)
        if draft is not None and draft.status is BundleStatus.READY
        else None
    )
    sent = submissions.submissions_of(session, actor(), district_id, campaign.id)
    return render_template(
        "review/bundle.html",
        **choice.context(),
        history=history,
        draft=draft,
        frozen=campaigns.refusal(session, campaign, district_id),
        narrative=fresh if redraft or not edited else edited,
        drafted=redraft or not edited,
        fresh_draft=fresh,
        earlier=edited if redraft else "",
        changes=contents.changes if contents else (),
        warnings=(
            bundle_contents.figure_warnings(draft.narrative, contents.data) if contents and not contents.expired else []
        ),
        unbuildable=bundles.build_refusal(session, district_id, campaign.id),
        district_id=district_id,
        form=FlaskForm(),
        certificate=keys.usable_certificate(session, current_user),
        standing=keys.standing(session, current_user),
        sent={s.bundle_id: s for s in sent},
        latest_sent=sent[0] if sent else None,
        locked=bundles.new_version_refusal(session, district_id, campaign.id),
        events=submissions.history(session, actor(), district_id, campaign.id),
    )


@bp.route("/<id:bundle_id>/submit", methods=["POST"])
@login_required
def submit(bundle_id: int):
    session = get_session()
    try:
        submission = submissions.submit_bundle(session, actor(), current_app.extensions["filestore"], bundle_id)
    except Invalid as error:
        flash("未提交：" + str(error), "error")
        return redirect(url_for(".page", district=bundles.get_bundle(session, actor(), bundle_id).district_id))
    flash(f"第{submission.version}版证据包已提交市中心，验证通过。", "success")
    return redirect(url_for(".page", district=submission.district_id))


@bp.route("/build", methods=["POST"])
@login_required
def build():
    allow(Action.REVIEW)
    session = get_session()
    campaign = chosen_campaign(required=True).campaign  # the one the page showed (its form says which)
    district_id = chosen_district()[0].id
    try:
        bundle, token = bundles.begin_build(
            session,
            actor(),
            district_id,
            campaign.id,
            request.form.get("narrative", ""),
            current_app.config["BUNDLE_BUILD_STALE_SECONDS"],
            drafted_from=request.form.get("drafted_from"),
        )
    except Invalid as error:
        flash(str(error), "error")
        return redirect(url_for(".page", district=district_id))
    if token is None:  # a double click, or another leader of the district: one build, followed by both
        doing = (
            "正在生成中，无需重复生成" if bundle.status is BundleStatus.BUILDING else "正在签字，签字完成前不能重新生成"
        )
        flash(f"第{bundle.version}版证据包{doing}，请稍候。", "info")
    else:
        _build_in_background(current_app._get_current_object(), bundle.id, current_user.display_name, token)
        flash("正在生成证据包，请稍候。", "info")
    return redirect(url_for(".page", district=district_id, _anchor="progress"))


@bp.route("/<id:bundle_id>/status")
@login_required
def status(bundle_id: int):
    session = get_session()
    bundle = bundles.get_bundle(session, actor(), bundle_id)
    bundle_builds.mark_interrupted(session, [bundle], current_app.config["BUNDLE_BUILD_STALE_SECONDS"])
    label = bundle.status.label
    if (
        bundle.status is BundleStatus.READY
        and bundle_contents.check(session, current_app.extensions["filestore"], bundle).expired
    ):
        label = "已过期"  # built, but its contents changed since: not to be signed
    return jsonify({"status": bundle.status.value, "label": label, "progress": bundle.progress, "error": bundle.error})


@bp.route("/<id:bundle_id>/preview.pdf")
@login_required
def preview(bundle_id: int):
    bundle = bundles.get_bundle(get_session(), actor(), bundle_id)
    if not bundle.preview_key:
        abort(404)
    return send_stored(
        bundle.preview_key, "application/pdf", f"证据包预览-第{bundle.version}版.pdf", attachment=False, max_age=0
    )


@bp.route("/<id:bundle_id>/download")
@login_required
def download(bundle_id: int):
    bundle = bundles.get_bundle(get_session(), actor(), bundle_id)
    if not bundle.archive_key:
        abort(404)
    name = f"{bundle.district.name}-{bundle.campaign.name}-证据包-第{bundle.version}版.zip"
    return send_stored(bundle.archive_key, "application/zip", name, max_age=0)


@bp.route("/<id:bundle_id>/sign", methods=["POST"])
@login_required
def sign(bundle_id: int):
    png = png_from_data_url(request.form.get("signature", ""))
    session = get_session()
    try:
        bundle = bundles.sign_off(
            session,
            actor(),
            current_app.extensions["filestore"],
            current_user,
            bundle_id,
            signing_pin(),
            png,
            Path(current_app.instance_path),
            seen=request.form.get("fingerprint"),
        )
    except (Invalid, bundle_builds.BuildLost) as error:
        reason = str(error) if isinstance(error, Invalid) else "签字过程中这一版被重新生成了，请刷新页面后重新签字"
        flash("未签字：" + reason, "error")
        return redirect(
            url_for(".page", district=bundles.get_bundle(session, actor(), bundle_id).district_id, _anchor="sign")
        )
    flash(f"已签字，第{bundle.version}版证据包已生成，不可再修改。", "success")
    return redirect(url_for(".page", district=bundle.district_id))
