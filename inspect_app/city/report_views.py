"""The city's figures: dashboard with charts, exports, and the consolidated city report (build, preview, sign)."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from inspect_app.adapters.city_charts import charts_for
from inspect_app.city import exports
from inspect_app.city import report as city_report
from inspect_app.city.figures import dashboard as city_dashboard
from inspect_app.directory.operations import districts_for
from inspect_app.domain.evidence.city_report import CityReportStatus, confirmation_label
from inspect_app.domain.evidence.figures import share_text
from inspect_app.domain.identity.permissions import Action
from inspect_app.domain.numbers import whole_number
from inspect_app.shared.errors import Invalid
from inspect_app.signing import keys
from inspect_app.web.context import actor, allow, chosen_campaign, get_session, png_from_data_url, signing_pin, today
from inspect_app.web.stored import send_stored

bp = Blueprint("city_reports", __name__, url_prefix="/city")


def _district_id() -> int | None:
    """The district asked for, if any: 404 for one that does not exist."""
    raw = request.args.get("district")
    wanted = whole_number(raw)
    if raw is not None and wanted is None:
        abort(404)
    if wanted is not None and wanted not in {d.id for d in districts_for(get_session(), actor())}:
        abort(404)
    return wanted


@bp.route("/dashboard")
@login_required
def dashboard():
    allow(Action.VIEW_CITY)
    choice = chosen_campaign(required=True)
    board = city_dashboard(get_session(), actor(), choice.campaign, _district_id())
    return render_template(
        "city/dashboard.html",
        **choice.context(),
        board=board,
        charts=charts_for(board),
        share=share_text,
        districts=districts_for(get_session(), actor()),
    )


@bp.route("/export.<any(csv, geojson):kind>")
@login_required
def export(kind: str):
    allow(Action.VIEW_CITY)
    campaign = chosen_campaign(required=True).campaign
    board = city_dashboard(get_session(), actor(), campaign, _district_id())
    name = f"{board.total.name}-{campaign.name}-验收结果"
    if kind == "csv":
        data, mimetype = exports.results_csv(board.results), "text/csv"
    else:
        data, mimetype = exports.results_geojson(board.results), "application/geo+json"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=f"{name}.{kind}", max_age=0)


@bp.route("/report", methods=["GET"])
@login_required
def report():
    allow(Action.VIEW_CITY)
    session = get_session()
    choice = chosen_campaign(required=True)
    campaign = choice.campaign
    versions = city_report.reports(session, actor(), campaign.id)
    draft = versions[0] if versions and versions[0].status is not CityReportStatus.SIGNED else None
    changed = city_report.mark_if_stale(session, actor(), draft, today()) if draft else []
    missing = city_report.missing_districts(session, actor(), campaign, today())
    return render_template(
        "city/report.html",
        **choice.context(),
        form=FlaskForm(),
        versions=versions,
        draft=draft,
        changed=changed,
        missing=missing,
        confirm_label=confirmation_label(len(missing)),
        certificate=keys.usable_certificate(session, current_user),
        standing=keys.standing(session, current_user),
    )


@bp.route("/report", methods=["POST"])
@login_required
def build_report():
    allow(Action.RECEIVE_BUNDLES)
    campaign = chosen_campaign(required=True).campaign  # the one the page showed (its form says which)
    try:
        built = city_report.build_preview(
            get_session(),
            actor(),
            current_app.extensions["filestore"],
            current_user,
            campaign.id,
            Path(current_app.instance_path),
            today(),
        )
    except Invalid as error:
        flash("未生成：" + str(error), "error")
        return redirect(url_for(".report"))
    flash(f"第{built.version}版全市汇总报告预览已生成：请打开预览核对，再签字。", "success")
    return redirect(url_for(".report", _anchor="draft"))


@bp.route("/report/<id:report_id>/preview.pdf")
@login_required
def preview_report(report_id: int):
    allow(Action.VIEW_CITY)
    built = city_report.get_report(get_session(), actor(), report_id)
    if not built.preview_key:
        abort(404)
    return send_stored(
        built.preview_key,
        "application/pdf",
        f"全市汇总报告预览-第{built.version}版.pdf",
        attachment=False,
        max_age=0,
    )


@bp.route("/report/<id:report_id>/sign", methods=["POST"])
@login_required
def sign_report(report_id: int):
    allow(Action.RECEIVE_BUNDLES)
    # Every check of the request is made before the PIN is tried: the service checks the version first.
    png = png_from_data_url(request.form.get("signature", ""))
    try:
        built = city_report.sign_off(
            get_session(),
            actor(),
            current_app.extensions["filestore"],
            current_user,
            report_id,
            signing_pin(),
            png,
            Path(current_app.instance_path),
            today(),
            confirm_missing=request.form.get("confirm") == "1",
            seen=request.form.get("fingerprint"),
        )
    except Invalid as error:
        flash("未签字：" + str(error), "error")
        return redirect(url_for(".report", _anchor="draft"))
    flash(f"已签字，第{built.version}版全市汇总报告已生成。", "success")
    return redirect(url_for(".report"))


@bp.route("/report/<id:report_id>/download")
@login_required
def download_report(report_id: int):
    allow(Action.VIEW_CITY)
    built = city_report.get_report(get_session(), actor(), report_id)
    if not built.archive_key:
        abort(404)
    return send_stored(
        built.archive_key, "application/zip", f"全市汇总-{built.campaign.name}-第{built.version}版.zip", max_age=0
    )
