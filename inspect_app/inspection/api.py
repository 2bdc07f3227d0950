"""The JSON API under /api/v1: session auth, a CSRF header, Idempotency-Key, errors as JSON with a stable code."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from functools import wraps
from typing import Any, Callable

from flask import Blueprint, Response, current_app, jsonify, make_response, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import RequestEntityTooLarge

from inspect_app.accounts import operations as users
from inspect_app.campaigns import operations as campaigns
from inspect_app.domain.findings import Thresholds
from inspect_app.domain.identity.permissions import Action
from inspect_app.domain.numbers import whole_number
from inspect_app.inspection import conflicts, photos, sync
from inspect_app.inspection import operations as inspections
from inspect_app.inspection.api_json import (
    answer_json,
    campaign_json,
    conflict_json,
    inspection_json,
    photo_json,
    score_json,
    signature_json,
    station_json,
    user_json,
)
from inspect_app.inspection.openapi import spec
from inspect_app.shared.errors import Conflict, Forbidden, Invalid, NotFound
from inspect_app.web.context import actor, allow, chosen_campaign, get_session, png_from_data_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_INT = 2**31 - 1  # what an integer column holds on every backend
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=timezone.utc)  # 0 to 1e13 ms, as the page's photo form takes them
LATEST_TIME = EARLIEST_TIME + timedelta(milliseconds=1e13)


def error(status: int, code: str, message: str, **extra: Any):
    return jsonify({"error": {"code": code, "message": message, **extra}}), status


class BadBody(Exception):
    """The request body is not the JSON object the endpoint takes."""


@bp.errorhandler(BadBody)
def _bad_body(exc: BadBody):
    return error(400, "bad_request", str(exc))


@bp.errorhandler(NotFound)
def _not_found(_exc):
    return error(404, "not_found", "内容不存在，或不在您的管辖范围内")


@bp.errorhandler(Forbidden)
def _forbidden(_exc):
    return error(403, "forbidden", "您的账号没有进行此操作的权限")


@bp.errorhandler(Invalid)
def _invalid(exc: Invalid):
    fields = {k: v for k, v in exc.errors.items() if k}
    return error(422, "invalid", "；".join(exc.errors.values()), **({"fields": fields} if fields else {}))


@bp.errorhandler(Conflict)
def _conflict(exc: Conflict):
    return error(409, "conflict", str(exc), **exc.details)


@bp.errorhandler(sync.KeyReused)
def _key_reused(exc: sync.KeyReused):
    return error(422, "idempotency_key_reused", str(exc))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    return error(413, "too_large", "内容超过允许的大小")


@bp.before_request
def _signed_in():
    if request.endpoint == "api.openapi":
        return None
    if not current_user.is_authenticated:
        return error(401, "unauthenticated", "请先登录")
    return None


def idempotent(view: Callable) -> Callable:
    """Replay the first successful response to a request whose Idempotency-Key was seen before."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        key = request.headers.get("Idempotency-Key")
        if not key:
            return view(*args, **kwargs)
        session = get_session()
        digest = _body_digest()
        found = sync.replay(session, current_user.id, key, request.method, request.path, digest)
        if found is not None:
            replayed = Response(found.body or None, status=found.status_code, mimetype="application/json")
            replayed.headers["Idempotent-Replayed"] = "true"
            return replayed
        response = make_response(view(*args, **kwargs))
        if 200 <= response.status_code < 300:
            sync.remember(
                session,
                current_user.id,
                key,
                request.method,
                request.path,
                digest,
                response.status_code,
                response.get_data(as_text=True),
            )
        return response

    return wrapper


def _body_digest() -> str:
    """The SHA-256 of the request body, of its JSON in canonical form when it is JSON (key order and spacing do
    not make two bodies different)."""
    raw = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        raw = canonical.encode("utf-8")
    except (ValueError, RecursionError):
        pass  # not JSON (or too deep to read): the bytes as they came
    return hashlib.sha256(raw).hexdigest()


def _body() -> dict[str, Any]:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # "[[[[…": nested deeper than the parser goes; silent=True catches only ValueError
        body = None
    if not isinstance(body, dict):
        raise BadBody("请求内容应为 JSON 对象")
    return body


def _int(body: dict[str, Any], name: str, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_INT:
        raise Invalid({name: f"{name} 应为 0 至 {MAX_INT} 之间的整数"})
    return value


def _inspection_response(inspection) -> dict[str, Any]:
    session = get_session()
    waiting = conflicts.open_conflicts(session, inspection)
    names = users.display_names(session, {c.proposed_by_id for c in waiting})
    return inspection_json(inspection, waiting, names)


@bp.route("/openapi.json")
def openapi():
    return jsonify(spec())


@bp.route("/session")
def session_info():
    return jsonify({"user": user_json(current_user), "csrf_token": generate_csrf()})


@bp.route("/bootstrap")
def bootstrap():
    """Everything the offline app needs: the campaign (the chosen one, `?campaign=<id>` to switch), whether it may
    be inspected and why not, the others to switch to, its checklist, the district's stations and inspections."""
    allow(Action.INSPECT)
    session = get_session()
    choice = chosen_campaign()
    campaign = choice.campaign
    body: dict[str, Any] = {
        "server_time": datetime.now(timezone.utc).isoformat(),
        "campaign": None,
        "campaigns": [campaign_json(c) for c in choice.choices],
        "checklist": None,
        "stations": [],
        "inspections": [],
    }
    if campaign is not None:
        rows = inspections.station_board(session, actor(), campaign)
        version = campaign.checklist_version
        body.update(
            campaign={**campaign_json(campaign), "inspectable": choice.notice is None, "notice": choice.notice},
            checklist={**version.content, "id": version.id},
            stations=[station_json(r.station) for r in rows],
            inspections=[
                _inspection_response(inspections.get_inspection(session, actor(), r.inspection.id))
                for r in rows
                if r.inspection is not None
            ],
        )
    return jsonify(body)


@bp.route("/inspections", methods=["POST"])
@idempotent
def open_inspection():
    body = _body()
    station_id = _int(body, "station_id")
    session = get_session()
    # The campaign the offline app bootstrapped (sent with the entry, so a later switch cannot redirect it).
    wanted = _int(body, "campaign_id", required=False)
    if wanted is None:
        campaign = chosen_campaign().campaign
        if campaign is None:
            raise Invalid("目前没有验收批次")
    else:
        campaign = next((c for c in campaigns.visible_campaigns(session, actor()) if c.id == wanted), None)
        if campaign is None:
            raise NotFound()
    inspection = inspections.open_inspection(session, actor(), current_user.id, station_id, campaign)
    return jsonify(_inspection_response(inspections.get_inspection(session, actor(), inspection.id)))


@bp.route("/inspections/<id:inspection_id>")
def get_inspection(inspection_id: int):
    return jsonify(_inspection_response(inspections.get_inspection(get_session(), actor(), inspection_id)))


@bp.route("/inspections/<id:inspection_id>/answers/<code>", methods=["PUT"])
@idempotent
def put_answer(inspection_id: int, code: str):
    """Record one item's answer; returns it with the recomputed score, or 409 with both edits."""
    body = _body()
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        raise Invalid({"note": "note 应为字符串"})
    base = _int(body, "base_version", required=False) if "base_version" in body else inspections.NOT_GIVEN
    session = get_session()
    try:
        row, result = inspections.answer_item(
            session,
            actor(),
            current_user.id,
            inspection_id,
            code,
            str(body.get("verdict", "")),
            body.get("points"),
            note,
            base_version=base,
            resolves=_int(body, "resolves", required=False),
        )
    except Conflict as exc:
        conflict = exc.details["conflict"]
        inspection = inspections.get_inspection(session, actor(), inspection_id)
        current = next((a for a in inspection.answers if a.item_code == code), None)
        names = users.display_names(session, {conflict.proposed_by_id})
        raise Conflict(str(exc), {"conflict": conflict_json(conflict, current, names.get(conflict.proposed_by_id, ""))})
    return jsonify({"answer": answer_json(row), "score": score_json(result)})


def _position_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        # The range the page's milliseconds allow: year 1 or 9999 in some zone is not a time in UTC or Beijing.
        if not EARLIEST_TIME <= moment <= LATEST_TIME:
            raise ValueError(value)
    except ValueError:
        raise Invalid({"position_time": "position_time 应为 1970 至 2286 年之间的 ISO 8601 时间"}) from None
    return moment


def _coordinate(body: dict[str, Any], name: str, low: float, high: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise Invalid({name: f"{name} 应为 {low:g} 至 {high:g} 之间的数"})
    return float(value)


@bp.route("/inspections/<id:inspection_id>/photos", methods=["POST"])
@idempotent
def add_photo(inspection_id: int):
    """Turn a finished upload into a photo of a slot, with the position of the moment it was taken."""
    body = _body()
    session = get_session()
    parts, config = current_app.extensions["uploads"], current_app.config
    sha256 = str(body.get("sha256", ""))
    existing = photos.photo_by_sha(session, actor(), inspection_id, sha256)
    if existing is not None:
        sync.discard_upload(session, parts, current_user.id, sha256)  # a re-sent upload of it is not needed
        return jsonify(photo_json(existing))  # the same photo again: already kept
    lat = _coordinate(body, "latitude", -90, 90)
    lon = _coordinate(body, "longitude", -180, 180)
    browser = None
    if lat is not None and lon is not None:
        browser = photos.BrowserPosition(
            lat, lon, _coordinate(body, "accuracy", 0, 1e6), _position_time(body.get("position_time"))
        )
    data = sync.completed_bytes(session, parts, current_user.id, sha256)
    try:
        photo = photos.add_photo(
            session,
            actor(),
            current_app.extensions["filestore"],
            current_user.id,
            inspection_id,
            str(body.get("slot", "")),
            data,
            browser,
            Thresholds.from_config(config),
            config["PHOTO_MAX_BYTES"],
            _int(body, "replaces", required=False),
        )
    except photos.PhotoRefused:
        # The bytes are no photo we keep: nothing of them stays (a wrong slot, by contrast, keeps the upload for
        # the corrected request).
        sync.discard_upload(session, parts, current_user.id, sha256)
        raise
    sync.discard_upload(session, parts, current_user.id, sha256)
    return jsonify(photo_json(photo))


@bp.route("/photos/<id:photo_id>", methods=["DELETE"])
@idempotent
def delete_photo(photo_id: int):
    photos.remove_photo(get_session(), actor(), current_app.extensions["filestore"], photo_id)
    return Response(status=204)


@bp.route("/inspections/<id:inspection_id>/signatures/<role>", methods=["PUT"])
@idempotent
def put_signature(inspection_id: int, role: str):
    body = _body()
    png = png_from_data_url(str(body.get("image", "")))
    signature = inspections.sign(
        get_session(), actor(), current_app.extensions["filestore"], inspection_id, role, str(body.get("name", "")), png
    )
    return jsonify(signature_json(signature))


@bp.route("/inspections/<id:inspection_id>/submit", methods=["POST"])
@idempotent
def submit(inspection_id: int):
    session = get_session()
    try:
        inspection = inspections.submit(session, actor(), inspection_id)
    except Invalid as exc:
        return error(
            422, "incomplete", "还不能提交：" + "；".join(exc.errors.values()), missing=list(exc.errors.values())
        )
    return jsonify(_inspection_response(inspection))


@bp.route("/uploads", methods=["POST"])
def start_upload():
    """Begin or continue an upload: naturally repeatable, so no Idempotency-Key (a replay would be stale)."""
    allow(Action.INSPECT)  # only inspectors' photos arrive this way: no other account may fill the disk
    body = _body()
    config = current_app.config
    upload = sync.start_upload(
        get_session(),
        current_app.extensions["uploads"],
        current_user.id,
        str(body.get("sha256", "")),
        body.get("size"),
        config["PHOTO_MAX_BYTES"],
        config["UPLOAD_OPEN_MAX_BYTES"],
    )
    return jsonify(_upload_json(upload))


@bp.route("/uploads/<sha256>")
def get_upload(sha256: str):
    allow(Action.INSPECT)
    return jsonify(_upload_json(sync.get_upload(get_session(), current_user.id, sha256)))


@bp.route("/uploads/<sha256>", methods=["PUT"])
def put_chunk(sha256: str):
    allow(Action.INSPECT)
    offset = whole_number(request.args.get("offset"), maximum=2**53)
    if offset is None:
        raise Invalid({"offset": "offset 应为非负整数"})
    data = request.get_data(cache=False)
    upload = sync.put_chunk(get_session(), current_app.extensions["uploads"], current_user.id, sha256, offset, data)
    return jsonify(_upload_json(upload))


def _upload_json(upload) -> dict[str, Any]:
    return {
        "sha256": upload.sha256,
        "size": upload.size,
        "received": upload.received,
        "complete": upload.completed_at is not None,
    }
