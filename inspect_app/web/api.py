"""The JSON API under /api/v1: session auth, a CSRF header, errors as JSON with a stable code."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from ..domain.checklist import OUTCOME_LABELS
from ..domain.scoring import Score
from ..models import InspectionAnswer
from ..services import Forbidden, Invalid, NotFound, inspections
from .context import actor, get_session

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def error(status: int, code: str, message: str, fields: dict[str, str] | None = None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


@bp.errorhandler(NotFound)
def _not_found(_error):
    return error(404, "not_found", "内容不存在，或不在您的管辖范围内")


@bp.errorhandler(Forbidden)
def _forbidden(_error):
    return error(403, "forbidden", "您的账号没有进行此操作的权限")


@bp.errorhandler(Invalid)
def _invalid(exc: Invalid):
    return error(422, "invalid", "；".join(exc.errors.values()), {k: v for k, v in exc.errors.items() if k})


@bp.before_request
def _signed_in():
    if not current_user.is_authenticated:
        return error(401, "unauthenticated", "请先登录")
    return None


def score_json(result: Score) -> dict:
    return {
        "points": result.points, "maximum": result.maximum, "score": result.rounded,
        "outcome": result.outcome.value, "outcome_label": OUTCOME_LABELS[result.outcome],
        "failed_critical": list(result.failed_critical), "unanswered": list(result.unanswered),
        "complete": result.complete,
    }


def answer_json(row: InspectionAnswer) -> dict:
    return {"item_code": row.item_code, "verdict": row.verdict.value, "points": row.points, "note": row.note,
            "version": row.version}


@bp.route("/inspections/<int:inspection_id>/answers/<code>", methods=["PUT"])
def put_answer(inspection_id: int, code: str):
    """Record one item's answer; returns it with the recomputed score."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "bad_request", "请求内容应为 JSON 对象")
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        return error(400, "bad_request", "note 应为字符串")
    row, result = inspections.answer_item(get_session(), actor(), current_user.id, inspection_id, code,
                                          str(body.get("verdict", "")), body.get("points"), note)
    return jsonify({"answer": answer_json(row), "score": score_json(result)})
