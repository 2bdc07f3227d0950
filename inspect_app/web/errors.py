"""Error pages in Chinese."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from inspect_app.adapters.filestore import MissingFile, StoreUnreachable
from inspect_app.shared.errors import Forbidden, NotFound

STORE_UNREACHABLE = "文件存储暂时无法访问，请稍后重试；如果问题持续，请联系系统管理员。"
MISSING_FILE = "这个文件已丢失（文件存储中找不到），无法显示或下载。请联系系统管理员从备份中恢复。"

MESSAGES = {
    400: ("请求有误", "提交的内容无法处理，请返回后重试。"),
    403: ("无权操作", "您的账号没有进行此操作的权限。"),
    404: ("页面不存在", "您要找的内容不存在，或不在您的管辖范围内。"),
    405: ("操作方式不正确", "请通过页面上的按钮进行操作。"),
    413: ("文件过大", "上传的文件超过了允许的大小：照片不超过 20 MB，名录文件不超过 5 MB。"),
    500: ("系统出错", "服务器处理时出错，请稍后重试；如果问题持续，请联系系统管理员。"),
    503: ("暂时无法访问", "服务暂时无法访问，请稍后重试；如果问题持续，请联系系统管理员。"),
}


API_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    500: "server_error",
    503: "unavailable",
}


def _render(code: int, detail: str | None = None, api_code: str | None = None, heading: str | None = None):
    title, message = MESSAGES[code]
    title = heading or title
    if request.path.startswith("/api/"):
        # The API's clients read JSON, whatever failed (an unknown route, a stale CSRF token, ...).
        return jsonify({"error": {"code": api_code or API_CODES[code], "message": detail or message}}), code
    return render_template("error.html", code=code, title=title, message=detail or message), code


def init_app(app: Flask) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, lambda error, code=code: _render(code))
    # Use cases raise these; every view gets the same answer without wrapping its calls.
    app.register_error_handler(NotFound, lambda error: _render(404))
    app.register_error_handler(Forbidden, lambda error: _render(403))
    app.register_error_handler(MissingFile, _missing_file)
    app.register_error_handler(StoreUnreachable, _store_unreachable)
    app.register_error_handler(
        CSRFError, lambda error: _render(400, "页面已过期或表单校验失败，请刷新页面后重新提交。", "csrf_failed")
    )


def _missing_file(error: MissingFile):
    # A row names a file the store does not have: the reader gets a clear 404; the operator a log line to act on.
    current_app.logger.error("stored file missing: %s (%s %s)", error.key, request.method, request.path)
    return _render(404, MISSING_FILE, "file_missing", heading="文件已丢失")


def _store_unreachable(error: StoreUnreachable):
    # Nothing is lost and nothing was changed: the reader is asked to try again; the operator gets the cause.
    current_app.logger.error("file store unreachable: %s (%s %s)", error, request.method, request.path)
    return _render(503, STORE_UNREACHABLE, "store_unreachable")
