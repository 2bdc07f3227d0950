"""The admin's account import: upload a spreadsheet, get every bad row named or a printable list of one-time
passwords; and the template to fill in."""

from __future__ import annotations

import io

from flask import current_app, render_template, send_file
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from inspect_app.accounts.admin_views import shown_once
from inspect_app.accounts.user_import import MAX_ROWS, import_accounts, template_workbook
from inspect_app.adapters.spreadsheet import XLSX
from inspect_app.directory.excel import ImportRejected
from inspect_app.web.admin_area import bp
from inspect_app.web.context import actor, get_session, passwords


class AccountImportForm(FlaskForm):
    file = FileField("账号文件（.xlsx）", validators=[FileRequired("请选择要导入的文件")])


@bp.route("/users/import", methods=["GET", "POST"])
def import_users():
    form = AccountImportForm()
    rejected = None
    if form.validate_on_submit():
        limit = current_app.config["IMPORT_MAX_BYTES"]
        data = form.file.data.stream.read(limit + 1)
        if len(data) > limit:
            form.file.errors = [
                *form.file.errors,
                f"文件超过 {limit / 1024 / 1024:g} MB 的上限，请删除多余的工作表或图片后再导入",
            ]
        else:
            try:
                created = import_accounts(get_session(), passwords(), actor(), form.file.data.filename or "", data)
            except ImportRejected as error:
                rejected = error.errors
            else:
                return shown_once(
                    created,
                    f"已导入{len(created)}个账号",
                    "以下一次性密码只显示这一次：请打印本页或抄下，分别交给本人；本人首次登录时须修改密码。",
                )
    return render_template("admin/import.html", form=form, rejected=rejected, max_rows=MAX_ROWS)


@bp.route("/users/template.xlsx")
def import_template():
    return send_file(
        io.BytesIO(template_workbook()), mimetype=XLSX, as_attachment=True, download_name="账号导入模板.xlsx", max_age=0
    )
