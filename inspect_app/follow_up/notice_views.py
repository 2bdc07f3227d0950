"""The results notice's pages: the city drafts, edits, previews, signs and publishes it (/city/notices); the
districts' leaders read the published ones (/notices)."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from inspect_app.domain.follow_up.notice import BODY_MAX, BUREAU, NUMBER_MAX, TITLE_MAX, NoticeStatus, digest
from inspect_app.domain.identity.permissions import Action
from inspect_app.follow_up import notices as use
from inspect_app.shared.errors import Invalid
from inspect_app.signing import keys
from inspect_app.web.context import actor, allow, chosen_campaign, get_session, signing_pin, today
from inspect_app.web.stored import send_stored

bp = Blueprint("notices", __name__)
LIMITS = {"number": NUMBER_MAX, "title": TITLE_MAX, "body": BODY_MAX}


def _page(notice_id: int | None = None) -> str:
    return url_for(".city_notices", _anchor=f"notice-{notice_id}" if notice_id else None)


@bp.route("/city/notices", methods=["GET"])
@login_required
def city_notices():
    allow(Action.ISSUE_NOTICE)
    session = get_session()
    choice = chosen_campaign(required=True)
    versions = use.notices(session, actor(), choice.campaign.id)
    draft = versions[0] if versions and versions[0].status is NoticeStatus.DRAFT else None
    return render_template(
        "follow_up/notices.html",
        **choice.context(),
        form=FlaskForm(),
        versions=versions,
        draft=draft,
        limits=LIMITS,
        digest=digest,
        certificate=keys.usable_certificate(session, current_user),
        standing=keys.standing(session, current_user),
    )


@bp.route("/city/notices", methods=["POST"])
@login_required
def start_notice():
    allow(Action.ISSUE_NOTICE)
    campaign = chosen_campaign(required=True).campaign
    try:
        notice = use.start_draft(get_session(), actor(), current_user, campaign.id, today())
    except Invalid as error:
        flash("未起草：" + str(error), "error")
        return redirect(_page())
    flash(f"第{notice.version}版通报草稿已按验收数据起草：请修改、预览后签发。", "success")
    return redirect(_page(notice.id))


@bp.route("/city/notices/<id:notice_id>/edit", methods=["POST"])
@login_required
def edit_notice(notice_id: int):
    allow(Action.ISSUE_NOTICE)
    form = request.form
    try:
        use.edit_notice(
            get_session(), actor(), notice_id, form.get("number", ""), form.get("title", ""), form.get("body", "")
        )
    except Invalid as error:
        flash("未保存：" + str(error), "error")
        return redirect(_page(notice_id))
    flash("通报草稿已保存。", "success")
    return redirect(_page(notice_id))


@bp.route("/city/notices/<id:notice_id>/redraft", methods=["POST"])
@login_required
def redraft_notice(notice_id: int):
    allow(Action.ISSUE_NOTICE)
    try:
        use.redraft(get_session(), actor(), notice_id)
    except Invalid as error:
        flash("未重新起草：" + str(error), "error")
        return redirect(_page(notice_id))
    flash("正文已按最新验收数据重新起草（文号和标题未变）。", "success")
    return redirect(_page(notice_id))


@bp.route("/city/notices/<id:notice_id>/preview.pdf")
@login_required
def preview_notice(notice_id: int):
    allow(Action.ISSUE_NOTICE)
    data = use.preview_pdf(get_session(), actor(), notice_id, Path(current_app.instance_path), today())
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name="通报预览.pdf", max_age=0)


@bp.route("/city/notices/<id:notice_id>/sign", methods=["POST"])
@login_required
def sign_notice(notice_id: int):
    allow(Action.ISSUE_NOTICE)
    try:
        notice = use.sign_notice(
            get_session(),
            actor(),
            current_app.extensions["filestore"],
            current_user,
            notice_id,
            signing_pin(),
            Path(current_app.instance_path),
            seen=request.form.get("seen"),
        )
    except Invalid as error:
        flash("未签发：" + str(error), "error")
        return redirect(_page(notice_id))
    flash(f"已签发：{notice.number}。核对签发的 PDF 后，请发布给各旗区。", "success")
    return redirect(_page(notice.id))


@bp.route("/city/notices/<id:notice_id>/publish", methods=["POST"])
@login_required
def publish_notice(notice_id: int):
    allow(Action.ISSUE_NOTICE)
    try:
        notice = use.publish_notice(get_session(), actor(), notice_id)
    except Invalid as error:
        flash("未发布：" + str(error), "error")
        return redirect(_page(notice_id))
    flash(f"已发布：各旗区分管领导现在可以在“通报”中查看{notice.number}。", "success")
    return redirect(_page(notice.id))


def _pdf(notice) -> object:
    return send_stored(notice.pdf_key, "application/pdf", f"{notice.number}.pdf", attachment=False, max_age=0)


@bp.route("/city/notices/<id:notice_id>/notice.pdf")
@login_required
def signed_notice(notice_id: int):
    allow(Action.ISSUE_NOTICE)
    notice = use.get_notice(get_session(), actor(), notice_id)
    if not notice.pdf_key:
        return redirect(_page(notice_id))
    return _pdf(notice)


@bp.route("/notices/")
@login_required
def published():
    allow(Action.VIEW_NOTICES)
    return render_template(
        "follow_up/published.html", bureau=BUREAU, notices=use.published_notices(get_session(), actor())
    )


@bp.route("/notices/<id:notice_id>.pdf")
@login_required
def published_pdf(notice_id: int):
    allow(Action.VIEW_NOTICES)
    return _pdf(use.get_published(get_session(), actor(), notice_id))
