"""The directory (名录) in Excel: upload an import, download the template and the export."""

from __future__ import annotations

import io

from flask import Blueprint, current_app, render_template, request, send_file
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from inspect_app.adapters.spreadsheet import XLSX
from inspect_app.directory.excel import ImportRejected, export_directory, import_directory, template_workbook
from inspect_app.directory.views import query_from_args
from inspect_app.domain.identity.permissions import Action
from inspect_app.web.context import actor, allow, get_session, today

bp = Blueprint("directory_io", __name__, url_prefix="/directory")

SHOWN_ROWS = 1000  # a phone cannot usefully scroll more; the summary still counts every problem


class ImportForm(FlaskForm):
    file = FileField("名录文件（.xlsx 或 .csv）", validators=[FileRequired("请选择要导入的文件")])


def _upload(form: ImportForm) -> tuple[str, bytes] | None:
    """The uploaded file's name and bytes, or None (with a form error) when it is too large."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    storage = form.file.data
    data = storage.stream.read(limit + 1)
    if len(data) > limit:
        form.file.errors = [
            *form.file.errors,
            f"文件超过 {limit / 1024 / 1024:g} MB 的上限，请删除多余的工作表、图片或拆分后分批导入",
        ]
        return None
    return storage.filename or "", data


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_page():
    allow(Action.IMPORT_DIRECTORY)
    form = ImportForm()
    result = rejected = None
    if form.validate_on_submit() and (upload := _upload(form)) is not None:
        try:
            result = import_directory(get_session(), actor(), *upload, today(), current_app.config["IMPORT_MAX_ROWS"])
        except ImportRejected as error:
            rejected = error.errors
    return render_template("directory/import.html", form=form, result=result, rejected=rejected, shown_rows=SHOWN_ROWS)


@bp.route("/template.xlsx")
@login_required
def template():
    allow(Action.VIEW_DIRECTORY)
    return send_file(
        io.BytesIO(template_workbook()),
        mimetype=XLSX,
        as_attachment=True,
        download_name="服务站名录导入模板.xlsx",
        max_age=0,
    )


@bp.route("/export.xlsx")
@login_required
def export():
    allow(Action.EXPORT_DIRECTORY)
    query, _ = query_from_args(request.args)
    filename, data = export_directory(get_session(), actor(), query, today())
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=filename, max_age=0)
