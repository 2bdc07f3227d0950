"""The admin's checklist versions: the list, the draft editor (plain forms; checklist_editor.js checks as one
types), the inspector's page as a preview with a score simulator, publishing, and the printed .xlsx both ways."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from inspect_app.adapters.spreadsheet import XLSX
from inspect_app.campaigns import checklist_sheets, checklists
from inspect_app.domain.checklists.checklist import (
    OUTCOME_LABELS,
    SCORING_LABELS,
    TemplateError,
    band_descriptions,
    canonical_data,
    content_digest,
    parse_template,
    template_problems,
)
from inspect_app.domain.checklists.checklist_edit import (
    EditError,
    apply_edit,
    draft_from_form,
    error_targets,
    is_editor_post,
    levels_text,
    place,
)
from inspect_app.domain.identity.permissions import Action
from inspect_app.domain.numbers import whole_number
from inspect_app.shared.errors import Invalid
from inspect_app.web.context import actor, allow, get_session

bp = Blueprint("checklists", __name__, url_prefix="/admin/checklists")
SHOWN_PROBLEMS = 200  # a sheet with more bad rows than this is the wrong file; the count says so


class ImportForm(FlaskForm):
    file = FileField("从 Excel 导入为新草稿（.xlsx）", validators=[FileRequired("请选择要导入的核查表文件")])


@bp.before_request
@login_required
def _admins_only():
    allow(Action.MANAGE_CHECKLISTS)


def _index(form: ImportForm | None = None, rejected: list | None = None, status: int = 200):
    session = get_session()
    return render_template(
        "checklists/index.html",
        listing=checklists.list_versions(session, actor()),
        shipped=None
        if checklists.shipped_template_published(session)
        else parse_template(checklists.shipped_template()),
        form=form or ImportForm(),
        rejected=rejected,
        shown=SHOWN_PROBLEMS,
        action_form=FlaskForm(),
    ), status


@bp.route("/")
def index():
    return _index()


@bp.route("/import", methods=["POST"])
def import_sheet():
    form = ImportForm()
    if not form.validate_on_submit():
        return _index(form, status=400)
    limit = current_app.config["IMPORT_MAX_BYTES"]
    data = form.file.data.stream.read(limit + 1)
    if len(data) > limit:
        form.file.errors = [*form.file.errors, f"文件超过 {limit / 1024 / 1024:g} MB 的上限，这不像一份核查表"]
        return _index(form, status=400)
    try:
        draft = checklist_sheets.import_version(get_session(), actor(), form.file.data.filename or "", data)
    except checklist_sheets.ImportRejected as error:
        return _index(form, error.problems, status=400)
    flash(f"已导入为新草稿“{checklists.label_of(draft.content)}”，请检查后预览并发布。", "success")
    return redirect(url_for(".edit", version_id=draft.id))


@bp.route("/copy", methods=["POST"])
def copy():
    version_id = whole_number(request.form.get("version"))
    if not version_id:
        flash("请选择要复制的已发布版本。", "error")
        return redirect(url_for(".index"))
    draft = checklists.copy_version(get_session(), actor(), version_id)
    flash(f"已复制为新草稿“{checklists.label_of(draft.content)}”。修改后请预览，再发布。", "success")
    return redirect(url_for(".edit", version_id=draft.id))


@bp.route("/default/copy", methods=["POST"])
def copy_default():
    draft = checklists.copy_shipped(get_session(), actor())
    flash(
        f"已把系统自带的默认核查表复制为草稿“{checklists.label_of(draft.content)}”。修改后请预览，再发布。", "success"
    )
    return redirect(url_for(".edit", version_id=draft.id))


def _editor(version, problems):
    session = get_session()
    content = version.content
    return render_template(
        "checklists/edit.html",
        version=version,
        content=content,
        problems=problems,
        shown=place(problems, error_targets(content)),
        same=checklists.same_as_published(session, content),
        based_on=checklists.label_of(checklists.get_version(session, actor(), version.based_on_id).content)
        if version.based_on_id
        else None,
        levels_text=levels_text,
        scoring_options=[(k.value, v) for k, v in SCORING_LABELS.items()],
        outcome_options=[(k.value, v) for k, v in OUTCOME_LABELS.items()],
        slot_options=[
            (slot.get("code", ""), f"{slot.get('label', '')}（{slot.get('code', '')}）")
            for slot in content.get("photo_slots") or []
            if isinstance(slot, dict)
        ],
        events=checklists.version_history(session, actor(), version.id),
        action_form=FlaskForm(),
    )


@bp.route("/<id:version_id>/edit", methods=["GET", "POST"])
def edit(version_id: int):
    session = get_session()
    version = checklists.get_version(session, actor(), version_id)
    if version.is_published:
        flash("已发布的版本不能修改；如需修改，请复制为新草稿。", "warning")
        return redirect(url_for(".preview", version_id=version_id))
    if request.method == "GET":
        return _editor(version, checklists.draft_problems(session, version.content))
    if not is_editor_post(request.form):
        flash("提交的内容不完整（可能网络中断），草稿未改变，请重新保存。", "error")
        return redirect(url_for(".edit", version_id=version_id))
    content, anchor, op = draft_from_form(request.form), "", request.form.get("op", "save")
    if op not in ("save", "publish"):
        try:
            content, anchor = apply_edit(content, op)
        except EditError as error:
            flash(str(error), "error")
    try:
        problems = checklists.save_draft(session, actor(), version_id, content)
        if op == "publish":
            return _publish(version_id)
    except Invalid as error:
        flash(str(error), "error")
        return redirect(url_for(".index"))
    if op == "save":
        flash(
            f"已保存草稿{f'，还有{len(problems)}处需要修改' if problems else '，没有发现问题，可以预览并发布'}。",
            "warning" if problems else "success",
        )
    return redirect(url_for(".edit", version_id=version_id, _anchor=anchor or None))


def _publish(version_id: int, expected: str | None = None):
    try:
        version, created = checklists.publish_draft(get_session(), actor(), version_id, expected)
    except TemplateError as error:
        flash(f"未发布：草稿还有{len(error.problems)}处需要修改（见下方红字）。", "error")
        return redirect(url_for(".edit", version_id=version_id))
    if created:
        flash(f"已发布“{version.name}”{version.version}版：此后不能再修改，可在验收批次中选用。", "success")
    else:
        flash(f"草稿内容与已发布的“{version.name}”{version.version}版完全相同，未新建版本，草稿已删除。", "success")
    return redirect(url_for(".index"))


@bp.route("/<id:version_id>/check", methods=["POST"])
def check(version_id: int):
    """The editor's form checked without saving it: every problem, under the field it belongs to."""
    checklists.get_version(get_session(), actor(), version_id)
    if not is_editor_post(request.form):
        return jsonify({"error": "提交的内容不完整"}), 400
    content = draft_from_form(request.form)
    problems = checklists.draft_problems(get_session(), content)
    same = checklists.same_as_published(get_session(), content)
    return jsonify(
        {
            "count": len(problems),
            "messages": [p.message for p in problems],
            "fields": place(problems, error_targets(content)),
            "same_as": checklists.label_of(same.content) if same else None,
        }
    )


@bp.route("/<id:version_id>/preview")
def preview(version_id: int):
    version = checklists.get_version(get_session(), actor(), version_id)
    problems = template_problems(version.content)
    context = {}
    if not problems:
        template = checklists.template_of(version)
        score, answers = checklists.simulate(template, request.args)
        slot_uses = [
            (
                slot,
                [
                    f"{item.code}{'必拍' if p.required else '选拍'}"
                    for item in template.items
                    for p in item.photos
                    if p.slot == slot.code
                ],
            )
            for slot in template.photo_slots
        ]
        context = dict(
            template=template,
            score=score,
            answers=answers,
            outcomes=OUTCOME_LABELS,
            expected=content_digest(version.content),
            template_json=canonical_data(template),
            bands=band_descriptions(template.outcome_bands),
            slot_uses=slot_uses,
        )
    return render_template(
        "checklists/preview.html",
        version=version,
        problems=problems,
        label=checklists.label_of(version.content),
        action_form=FlaskForm(),
        **context,
    )


@bp.route("/<id:version_id>/publish", methods=["POST"])
def publish(version_id: int):
    """Publish what the preview showed (its digest comes with the form)."""
    expected = request.form.get("expected", "")
    if len(expected) != 64:
        flash("请在预览页面确认内容后再发布。", "error")
        return redirect(url_for(".preview", version_id=version_id))
    try:
        return _publish(version_id, expected)
    except Invalid as error:
        flash(str(error), "error")
        return redirect(url_for(".preview", version_id=version_id))


@bp.route("/<id:version_id>/delete", methods=["POST"])
def delete(version_id: int):
    session = get_session()
    label = checklists.label_of(checklists.get_version(session, actor(), version_id).content)
    try:
        checklists.delete_draft(session, actor(), version_id)
    except Invalid as error:
        flash(str(error), "error")
    else:
        flash(f"已删除草稿“{label}”。", "success")
    return redirect(url_for(".index"))


@bp.route("/<id:version_id>/export.xlsx")
def export(version_id: int) -> Response:
    try:
        filename, data = checklist_sheets.export_version(get_session(), actor(), version_id)
    except Invalid as error:
        flash(str(error), "error")
        return redirect(url_for(".edit", version_id=version_id))
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=filename, max_age=0)
