"""Directory import and export (placeholder until the import/export work lands)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("directory_io", __name__, url_prefix="/directory")


@bp.route("/import")
@login_required
def import_page():
    abort(404)


@bp.route("/export.xlsx")
@login_required
def export():
    abort(404)
