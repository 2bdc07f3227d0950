"""The JSON API under /api/v1: session auth, a CSRF header, Idempotency-Key, errors as JSON with a stable code."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from functools import wraps
from typing import Any, Callable

from flask import Blueprint, Response, current_app, jsonify, make_response, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import RequestEntityTooLarge

from inspect_app.accounts import operations as users
from inspect_app.bundles import jobs
from inspect_app.campaigns import operations as campaigns
from inspect_app.domain.identity.permissions import Action, may
from inspect_app.domain.inspections import PhotoState
from inspect_app.domain.offline import offline_rules
from inspect_app.inspection import api_models as m
from inspect_app.inspection import conflicts, follow_ups, photo_jobs, photos, plaque_check, sync
from inspect_app.inspection import operations as inspections
from inspect_app.inspection.api_json import (
    answer_json,
    campaign_json,
    conflict_json,
    follow_up_json,
    inspection_json,
    photo_json,
    plaque_json,
    score_json,
    signature_json,
    station_json,
    user_json,
)
from inspect_app.inspection.bootstrap import district_inspections
from inspect_app.shared.errors import Conflict, Forbidden, Invalid, NotFound
from inspect_app.web.context import actor, allow, chosen_campaign, get_session, png_from_data_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
OPERATIONS: dict[str, m.Operation] = {}  # endpoint -> its contract, for the OpenAPI document


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
    return error(422, "invalid", str(exc), **({"fields": fields} if fields else {}))


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


def operation(**declared: Any) -> Callable[[Callable], Callable]:
    """Declare a view's contract (see api_models.Operation): its JSON body and query arrive parsed as the
    `body` and `query` arguments, and an idempotent one replays a repeated Idempotency-Key."""
    requires: Action | None = declared.pop("requires", None)  # checked first: a refused account learns nothing
    # An inspection in the path is checked next (403, or 404 for another 旗区's), before its body is read.
    changes_inspection: bool = declared.pop("changes_inspection", False)
    contract = m.Operation(**declared)

    def decorate(view: Callable) -> Callable:
        OPERATIONS[f"{bp.name}.{view.__name__}"] = contract

        @wraps(view)
        def parsed(*args: Any, **kwargs: Any):
            if requires is not None:
                allow(requires)
            if changes_inspection:
                inspections.get_inspection(get_session(), actor(), kwargs["inspection_id"], Action.INSPECT)
            if contract.query is not None:
                kwargs["query"] = m.parse(contract.query, request.args.to_dict())
            if contract.body is not None:
                kwargs["body"] = m.parse(contract.body, _body())
            return view(*args, **kwargs)

        return idempotent(parsed) if contract.idempotent else parsed

    return decorate


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


def _inspection_response(inspection) -> m.Inspection:
    session = get_session()
    waiting = conflicts.open_conflicts(session, inspection)
    names = users.display_names(session, {c.proposed_by_id for c in waiting})
    return inspection_json(inspection, waiting, names)


def _json(model: m.BaseModel) -> Response:
    return jsonify(m.plain(model))


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI document, generated from the operations declared below and the models they name."""
    prefix = bp.url_prefix or ""
    routes = [
        (rule.rule.removeprefix(prefix), method, OPERATIONS[rule.endpoint])
        for rule in current_app.url_map.iter_rules()
        if rule.endpoint in OPERATIONS
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    return jsonify(m.document(routes))


@bp.route("/session")
@operation(operation_id="getSession", summary="当前用户与 CSRF 令牌", response=m.Session)
def session_info():
    return _json(m.Session(user=user_json(current_user), csrf_token=generate_csrf()))


@bp.route("/bootstrap")
@operation(
    operation_id="getBootstrap",
    summary="离线所需的全部数据：批次、核查表、本旗区服务站及其检查",
    query=m.BootstrapQuery,
    response=m.Bootstrap,
    errors=(403, 404, 422),
    requires=Action.FIELD_WORK,
)
def bootstrap(query: m.BootstrapQuery):
    """Everything the offline app needs: the campaign (the chosen one, `?campaign=<id>` to switch), whether it may
    be inspected and why not, the others to switch to, its checklist, the district's stations and inspections."""
    session = get_session()
    choice = chosen_campaign()  # reads ?campaign= itself, as the pages do
    campaign = choice.campaign
    body = m.Bootstrap(
        server_time=datetime.now(timezone.utc),
        campaign=None,
        campaigns=[campaign_json(c) for c in choice.choices],
        checklist=None,
        stations=[],
        inspections=[],
        follow_ups=[],
        follow_up_inspections=[],
        rules=offline_rules(),  # the labels the phone shows, so that it copies none
    )
    if campaign is not None:
        version = campaign.checklist_version
        body.campaign = m.BootstrapCampaign(
            **dict(campaign_json(campaign)), inspectable=choice.notice is None, notice=choice.notice
        )
        body.checklist = {**version.content, "id": version.id}
        if may(actor(), Action.INSPECT):  # a city inspector's board holds the sampled stations only
            board = district_inspections(session, actor(), campaign)
            body.stations = [station_json(s) for s in board.stations]
            body.inspections = [inspection_json(i, board.conflicts[i.id], board.names) for i in board.inspections]
        work = follow_ups.follow_ups(session, actor(), campaign)
        body.follow_ups = [follow_up_json(w) for w in work]
        begun = [w.inspection for w in work if w.inspection is not None]
        waiting = conflicts.open_conflicts_of(session, [i.id for i in begun])
        names = users.display_names(session, {c.proposed_by_id for pending in waiting.values() for c in pending})
        body.follow_up_inspections = [inspection_json(i, waiting.get(i.id, []), names) for i in begun]
    return _json(body)


@bp.route("/inspections", methods=["POST"])
@operation(
    operation_id="openInspection",
    summary="打开某服务站在当前批次的检查（不存在则开始；重复调用返回同一检查）",
    body=m.OpenInspectionInput,
    response=m.Inspection,
    errors=(400, 403, 404, 422),
    idempotent=True,
)
def open_inspection(body: m.OpenInspectionInput):
    session = get_session()
    # The campaign the offline app bootstrapped (sent with the entry, so a later switch cannot redirect it).
    if body.campaign_id is None:
        campaign = chosen_campaign().campaign
        if campaign is None:
            raise Invalid("目前没有验收批次")
    else:
        campaign = next((c for c in campaigns.visible_campaigns(session, actor()) if c.id == body.campaign_id), None)
        if campaign is None:
            raise NotFound()
    if body.order_id is not None:
        inspection = follow_ups.open_recheck(session, actor(), body.order_id)
    elif body.station_id is None:
        raise Invalid({"station_id": "请写明要检查的服务站（station_id）或要复查的整改通知（order_id）"})
    elif body.kind == "spot_check":
        inspection = follow_ups.open_spot_check(session, actor(), body.station_id, campaign)
    else:
        inspection = inspections.open_inspection(session, actor(), body.station_id, campaign)
    return _json(_inspection_response(inspections.get_inspection(session, actor(), inspection.id)))


@bp.route("/inspections/<id:inspection_id>")
@operation(operation_id="getInspection", summary="一次检查的全部内容", response=m.Inspection, errors=(403, 404))
def get_inspection(inspection_id: int):
    return _json(_inspection_response(inspections.get_inspection(get_session(), actor(), inspection_id)))


@bp.route("/inspections/<id:inspection_id>/answers/<code>", methods=["PUT"])
@operation(
    operation_id="putAnswer",
    changes_inspection=True,
    summary="作答一项；base_version 与服务器不一致且内容不同则保留双方并返回 409",
    body=m.AnswerInput,
    response=m.AnswerResult,
    errors=(400, 403, 404, 409, 422),
    idempotent=True,
)
def put_answer(inspection_id: int, code: str, body: m.AnswerInput):
    """Record one item's answer; returns it with the recomputed score, or 409 with both edits."""
    # Left out, the base is not known (a page form); null is "from unanswered" (the offline app).
    base = body.base_version if "base_version" in body.model_fields_set else inspections.NOT_GIVEN
    session = get_session()
    try:
        row, result = inspections.answer_item(
            session,
            actor(),
            inspection_id,
            code,
            str(body.verdict),
            body.points,
            body.note,
            base_version=base,
            resolves=body.resolves,
        )
    except Conflict as exc:
        conflict = exc.details["conflict"]
        inspection = inspections.get_inspection(session, actor(), inspection_id)
        current = next((a for a in inspection.answers if a.item_code == code), None)
        names = users.display_names(session, {conflict.proposed_by_id})
        shown = conflict_json(conflict, current, names.get(conflict.proposed_by_id, ""))
        raise Conflict(str(exc), {"conflict": m.plain(shown)})
    return _json(m.AnswerResult(answer=answer_json(row), score=score_json(result)))


@bp.route("/inspections/<id:inspection_id>/photos", methods=["POST"])
@operation(
    operation_id="addPhoto",
    changes_inspection=True,
    summary="以已上传完毕的文件（按 SHA-256）添加照片；返回 202，照片处理中（state=processing），处理完毕后可查询",
    body=m.PhotoInput,
    response=m.Photo,
    errors=(400, 403, 404, 422),
    idempotent=True,
    success=202,
    responses={200: "同一照片此前已添加"},
)
def add_photo(inspection_id: int, body: m.PhotoInput):
    """Keep a finished upload as a photo of a slot (with the position of the moment it was taken) and answer at
    once: it is read off the request (photo_jobs), and the phone asks for its findings later."""
    browser = None
    if body.latitude is not None and body.longitude is not None:
        browser = photos.BrowserPosition(body.latitude, body.longitude, body.accuracy, body.position_time)
    app = current_app._get_current_object()
    session = get_session()
    photo, new = photos.add_uploaded_photo(
        session,
        actor(),
        app.extensions["filestore"],
        app.extensions["uploads"],
        inspection_id,
        body.slot,
        body.sha256,
        browser,
        app.config["PHOTO_MAX_BYTES"],
        body.replaces,
    )
    if not new:
        return _json(photo_json(photo))
    photo_id = photo.id
    photo_jobs.enqueue_photo(app, photo_id)
    session.expire_all()  # read inline (tests) it is ready already: answer what it is now
    response = _json(photo_json(photos.get_photo(session, actor(), photo_id)))
    response.status_code = 202
    return response


@bp.route("/inspections/<id:inspection_id>/photos")
@operation(
    operation_id="listPhotos",
    summary="检查的照片及其处理状态与发现（供上传后轮询）；长时间未处理的照片会重新排队",
    response=m.PhotoList,
    errors=(403, 404),
)
def list_photos(inspection_id: int):
    session = get_session()
    inspection = inspections.get_inspection(session, actor(), inspection_id)
    if any(p.state is PhotoState.PROCESSING for p in inspection.photos):
        app = current_app._get_current_object()
        if photo_jobs.requeue_stalled(app, inspection_id):
            session.expire_all()
            inspection = inspections.get_inspection(session, actor(), inspection_id)
    return _json(m.PhotoList(photos=[photo_json(p) for p in inspection.photos]))


@bp.route("/photos/<id:photo_id>", methods=["DELETE"])
@operation(
    operation_id="deletePhoto",
    summary="删除照片（提交前）",
    errors=(403, 404, 422),
    idempotent=True,
    success=204,
    responses={204: "已删除"},
)
def delete_photo(photo_id: int):
    photos.remove_photo(get_session(), actor(), current_app.extensions["filestore"], photo_id)
    return Response(status=204)


@bp.route("/inspections/<id:inspection_id>/signatures/<role>", methods=["PUT"])
@operation(
    operation_id="putSignature",
    changes_inspection=True,
    summary="现场签名",
    body=m.SignatureInput,
    response=m.Signature,
    errors=(400, 403, 404, 422),
    idempotent=True,
)
def put_signature(inspection_id: int, role: str, body: m.SignatureInput):
    png = png_from_data_url(body.image)
    filestore = current_app.extensions["filestore"]
    signature = inspections.sign(get_session(), actor(), filestore, inspection_id, role, body.name, png)
    return _json(signature_json(signature))


@bp.route("/inspections/<id:inspection_id>/plaque", methods=["PUT"])
@operation(
    operation_id="putPlaqueCheck",
    changes_inspection=True,
    summary="现场核验牌匾：扫描的二维码内容或输入的8位编码；空字符串清除",
    body=m.PlaqueInput,
    response=m.PlaqueResult,
    errors=(400, 403, 404, 422),
    idempotent=True,
)
def put_plaque(inspection_id: int, body: m.PlaqueInput):
    """Record what the plaque on the station's wall turned out to be (evidence for B1–B4)."""
    check = plaque_check.record_plaque_check(get_session(), actor(), inspection_id, body.code)
    return _json(m.PlaqueResult(plaque=plaque_json(check)))


@bp.route("/inspections/<id:inspection_id>/submit", methods=["POST"])
@operation(
    operation_id="submitInspection",
    summary="提交检查；不完整时返回 422 与缺少的内容，仍有照片在处理时返回 409（photos_processing）",
    response=m.Inspection,
    errors=(403, 404, 409, 422),
    idempotent=True,
)
def submit(inspection_id: int):
    session = get_session()
    try:
        inspection = inspections.submit(session, actor(), inspection_id)
    except inspections.PhotosProcessing as exc:
        return error(409, "photos_processing", str(exc), **exc.details)
    except Invalid as exc:
        return error(422, "incomplete", "还不能提交：" + str(exc), missing=list(exc.errors.values()))
    jobs.enqueue_station_part(current_app._get_current_object(), inspection_id)
    return _json(_inspection_response(inspection))


# Only inspectors' photos arrive through the uploads: no other account may fill the disk.


@bp.route("/uploads", methods=["POST"])
@operation(
    operation_id="startUpload",
    summary="开始或继续一个分块上传（以文件的 SHA-256 为键；可重复调用，返回当前进度）",
    body=m.UploadInput,
    response=m.Upload,
    errors=(400, 403, 413, 422),
    requires=Action.FIELD_WORK,
)
def start_upload(body: m.UploadInput):
    """Begin or continue an upload: naturally repeatable, so no Idempotency-Key (a replay would be stale)."""
    config = current_app.config
    upload = sync.start_upload(
        get_session(),
        current_app.extensions["uploads"],
        current_user.id,
        body.sha256,
        body.size,
        config["PHOTO_MAX_BYTES"],
        config["UPLOAD_OPEN_MAX_BYTES"],
    )
    return _json(_upload_json(upload))


@bp.route("/uploads/<sha256>")
@operation(
    operation_id="getUpload", summary="上传进度", response=m.Upload, errors=(403, 404), requires=Action.FIELD_WORK
)
def get_upload(sha256: str):
    return _json(_upload_json(sync.get_upload(get_session(), current_user.id, sha256)))


@bp.route("/uploads/<sha256>", methods=["PUT"])
@operation(
    operation_id="putUploadChunk",
    summary="从 offset 处写入一块（约 512 KB）；offset 须等于已接收的字节数",
    query=m.ChunkQuery,
    response=m.Upload,
    errors=(400, 403, 404, 409, 413, 422),
    binary_body=True,
    requires=Action.FIELD_WORK,
)
def put_chunk(sha256: str, query: m.ChunkQuery):
    data = request.get_data(cache=False)
    upload = sync.put_chunk(
        get_session(), current_app.extensions["uploads"], current_user.id, sha256, query.offset, data
    )
    return _json(_upload_json(upload))


def _upload_json(upload) -> m.Upload:
    return m.Upload(
        sha256=upload.sha256, size=upload.size, received=upload.received, complete=upload.completed_at is not None
    )
