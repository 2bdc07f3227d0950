"""The OpenAPI 3 description of /api/v1: the contract the PWA (and a mini program) code against."""

from __future__ import annotations

from typing import Any

from inspect_app.domain.findings import EXIF_TIME_LABEL, PHONE_TIME_LABEL, UPLOAD_TIME_LABEL


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "请求有误",
        401: "未登录",
        403: "无权操作",
        404: "不存在或不在管辖范围内",
        409: "冲突",
        413: "内容过大",
        422: "内容不符合规则",
    }
    return {str(code): _json(_ref("Error"), text[code]) for code in codes}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
CAMPAIGN = {
    "id": ID,
    "name": {"type": "string"},
    "starts_on": {"type": "string", "format": "date"},
    "deadline": {"type": "string", "format": "date"},
    "state": {"type": "string", "enum": ["draft", "open", "closed"]},
    "state_label": {"type": "string"},
}
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "客户端生成的 UUID；同一键重复发送只生效一次，并返回第一次的结果",
    "schema": {"type": "string", "format": "uuid"},
}


def _path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": ID}


ITEM_CODE = {
    "name": "code",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,20}$"},
}
ROLE = {
    "name": "role",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": ["representative", "inspector"]},
}
UPLOAD = {"name": "sha256", "in": "path", "required": True, "schema": SHA256}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "description": "稳定的错误代码，如 invalid、conflict、not_found"},
                    "message": {"type": "string", "description": "给用户看的中文说明"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    "missing": {"type": "array", "items": {"type": "string"}},
                    "conflict": {"$ref": "#/components/schemas/Conflict"},
                    "received": {"type": "integer"},
                },
            }
        },
    },
    "Session": {
        "type": "object",
        "required": ["user", "csrf_token"],
        "properties": {
            "csrf_token": {"type": "string"},
            "user": {
                "type": "object",
                "properties": {
                    "id": ID,
                    "username": {"type": "string"},
                    "display_name": {"type": "string"},
                    "role": {"type": "string", "enum": ["inspector", "leader", "city", "admin"]},
                    "district": {
                        "type": ["object", "null"],
                        "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
                    },
                },
            },
        },
    },
    "Station": {
        "type": "object",
        "properties": {
            "id": ID,
            "number": {"type": "string"},
            "name": {"type": "string"},
            "address": {"type": "string"},
            "host_organisation": {"type": "string"},
            "phone": {"type": ["string", "null"]},
            "latitude": {"type": ["number", "null"]},
            "longitude": {"type": ["number", "null"]},
        },
    },
    "Answer": {
        "type": "object",
        "properties": {
            "item_code": {"type": "string"},
            "verdict": {"type": "string", "enum": ["pass", "fail", "na"]},
            "points": {"type": ["integer", "null"]},
            "note": {"type": ["string", "null"]},
            "version": {"type": "integer"},
        },
    },
    "AnswerInput": {
        "type": "object",
        "required": ["verdict"],
        "properties": {
            "verdict": {"type": "string", "enum": ["pass", "fail", "na"]},
            "points": {"type": ["integer", "null"], "description": "评分项的得分"},
            "note": {"type": ["string", "null"], "maxLength": 500},
            "base_version": {
                "type": ["integer", "null"],
                "description": "这次修改所依据的版本；与服务器不一致时视为冲突",
            },
            "resolves": {"type": ["integer", "null"], "description": "以这次作答解决的冲突编号"},
        },
    },
    "Conflict": {
        "type": "object",
        "properties": {
            "id": ID,
            "item_code": {"type": "string"},
            "server": _ref("Answer"),
            "proposed": _ref("Answer"),
            "proposed_by": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "Score": {
        "type": "object",
        "properties": {
            "points": {"type": "integer"},
            "maximum": {"type": "integer"},
            "score": {"type": "number"},
            "outcome": {"type": "string", "enum": ["rectify", "pass", "demonstration_eligible"]},
            "outcome_label": {"type": "string"},
            "failed_critical": {"type": "array", "items": {"type": "string"}},
            "unanswered": {"type": "array", "items": {"type": "string"}},
            "complete": {"type": "boolean"},
        },
    },
    "Finding": {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "severity": {"type": "string", "enum": ["warning", "error"]},
        },
    },
    "Photo": {
        "type": "object",
        "properties": {
            "id": ID,
            "slot": {"type": "string"},
            "sha256": SHA256,
            "thumbnail_url": {"type": "string"},
            "display_url": {"type": "string"},
            "taken_at": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "照片EXIF中相机记录的拍摄时间",
            },
            "uploaded_at": {"type": "string", "format": "date-time"},
            "caption_time": {"type": "string", "format": "date-time", "description": "照片说明中显示的时间"},
            "caption_time_label": {
                "type": "string",
                "enum": [EXIF_TIME_LABEL, PHONE_TIME_LABEL, UPLOAD_TIME_LABEL],
                "description": "caption_time 是什么时间",
            },
            "caption_time_text": {
                "type": "string",
                "description": "caption_time 的北京时间，精确到分钟，如 2026-09-15 10:30",
            },
            "latitude": {"type": ["number", "null"]},
            "longitude": {"type": ["number", "null"]},
            "position_source": {"type": ["string", "null"], "enum": ["browser", "exif", None]},
            "accuracy_m": {"type": ["number", "null"]},
            "findings": {"type": "array", "items": _ref("Finding")},
        },
    },
    "PhotoInput": {
        "type": "object",
        "required": ["slot", "sha256"],
        "properties": {
            "slot": {"type": "string"},
            "sha256": SHA256,
            "latitude": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
            "longitude": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
            "accuracy": {"type": ["number", "null"], "minimum": 0},
            "position_time": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "拍照时浏览器定位的时间（离线拍摄时为当时的时间）",
            },
            "replaces": {"type": ["integer", "null"]},
        },
    },
    "Signature": {
        "type": "object",
        "properties": {
            "role": {"type": "string"},
            "signer_name": {"type": "string"},
            "signed_at": {"type": "string", "format": "date-time"},
            "image_url": {"type": "string"},
        },
    },
    "SignatureInput": {
        "type": "object",
        "required": ["name", "image"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 30},
            "image": {"type": "string", "description": "data:image/png;base64,… 手写签名"},
        },
    },
    "Inspection": {
        "type": "object",
        "properties": {
            "id": ID,
            "station_id": ID,
            "campaign_id": ID,
            "status": {"type": "string", "enum": ["in_progress", "submitted", "returned", "accepted"]},
            "status_label": {"type": "string"},
            "editable": {"type": "boolean"},
            "answers": {"type": "object", "additionalProperties": _ref("Answer")},
            "conflicts": {"type": "array", "items": _ref("Conflict")},
            "photos": {"type": "array", "items": _ref("Photo")},
            "signatures": {"type": "object", "additionalProperties": _ref("Signature")},
            "score": _ref("Score"),
            "missing": {"type": "array", "items": {"type": "string"}},
            "submitted_at": {"type": ["string", "null"], "format": "date-time"},
            "return_comment": {"type": ["string", "null"], "description": "分管领导退回时写的补正意见"},
            "recommended_demonstration": {"type": "boolean"},
        },
    },
    "Bootstrap": {
        "type": "object",
        "properties": {
            "server_time": {"type": "string", "format": "date-time"},
            "campaign": {
                "type": ["object", "null"],
                "properties": {
                    **CAMPAIGN,
                    "inspectable": {"type": "boolean", "description": "本账号现在能否在该批次检查"},
                    "notice": {"type": ["string", "null"], "description": "不能检查时的原因（如批次已结束）"},
                },
            },
            "campaigns": {
                "type": "array",
                "description": "可切换查看的批次，新的在前",
                "items": {"type": "object", "properties": CAMPAIGN},
            },
            "checklist": {"type": ["object", "null"], "description": "核查表模板（版本内容）"},
            "stations": {"type": "array", "items": _ref("Station")},
            "inspections": {"type": "array", "items": _ref("Inspection")},
        },
    },
    "Upload": {
        "type": "object",
        "properties": {
            "sha256": SHA256,
            "size": {"type": "integer"},
            "received": {"type": "integer"},
            "complete": {"type": "boolean"},
        },
    },
    "UploadInput": {
        "type": "object",
        "required": ["sha256", "size"],
        "properties": {"sha256": SHA256, "size": {"type": "integer", "minimum": 1, "maximum": 20 * 2**20}},
    },
}


def spec() -> dict[str, Any]:
    """The document served at /api/v1/openapi.json."""
    inspection_id = _path_id("inspection_id")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "12315服务站验收 API",
            "version": "1.0.0",
            "description": "现场检查的 JSON 接口。会话登录（Cookie）；修改类请求须带 X-CSRFToken 请求头"
            "（取自 /session）和 Idempotency-Key。错误统一为 {error: {code, message}}。",
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
        "security": [{"session": [], "csrf": []}],
        "paths": {
            "/session": {
                "get": {
                    "summary": "当前用户与 CSRF 令牌",
                    "operationId": "getSession",
                    "responses": {"200": _json(_ref("Session")), **_errors(401)},
                }
            },
            "/bootstrap": {
                "get": {
                    "summary": "离线所需的全部数据：批次、核查表、本旗区服务站及其检查",
                    "operationId": "getBootstrap",
                    "parameters": [
                        {
                            "name": "campaign",
                            "in": "query",
                            "required": False,
                            "description": "切换到该批次（本次登录内保持）",
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    ],
                    "responses": {"200": _json(_ref("Bootstrap")), **_errors(401, 403, 404)},
                }
            },
            "/inspections": {
                "post": {
                    "summary": "打开某服务站在当前批次的检查（不存在则开始；重复调用返回同一检查）",
                    "operationId": "openInspection",
                    "parameters": [IDEMPOTENCY],
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["station_id"],
                            "properties": {"station_id": ID, "campaign_id": ID},
                        }
                    ),
                    "responses": {"200": _json(_ref("Inspection")), **_errors(400, 401, 403, 404, 422)},
                }
            },
            "/inspections/{inspection_id}": {
                "get": {
                    "summary": "一次检查的全部内容",
                    "operationId": "getInspection",
                    "parameters": [inspection_id],
                    "responses": {"200": _json(_ref("Inspection")), **_errors(401, 403, 404)},
                }
            },
            "/inspections/{inspection_id}/answers/{code}": {
                "put": {
                    "summary": "作答一项；base_version 与服务器不一致且内容不同则保留双方并返回 409",
                    "operationId": "putAnswer",
                    "parameters": [inspection_id, ITEM_CODE, IDEMPOTENCY],
                    "requestBody": _body(_ref("AnswerInput")),
                    "responses": {
                        "200": _json(
                            {"type": "object", "properties": {"answer": _ref("Answer"), "score": _ref("Score")}}
                        ),
                        **_errors(400, 401, 403, 404, 409, 422),
                    },
                }
            },
            "/inspections/{inspection_id}/photos": {
                "post": {
                    "summary": "以已上传完毕的文件（按 SHA-256）添加照片",
                    "operationId": "addPhoto",
                    "parameters": [inspection_id, IDEMPOTENCY],
                    "requestBody": _body(_ref("PhotoInput")),
                    "responses": {"200": _json(_ref("Photo")), **_errors(400, 401, 403, 404, 422)},
                }
            },
            "/photos/{photo_id}": {
                "delete": {
                    "summary": "删除照片（提交前）",
                    "operationId": "deletePhoto",
                    "parameters": [_path_id("photo_id"), IDEMPOTENCY],
                    "responses": {"204": {"description": "已删除"}, **_errors(401, 403, 404, 422)},
                }
            },
            "/inspections/{inspection_id}/signatures/{role}": {
                "put": {
                    "summary": "现场签名",
                    "operationId": "putSignature",
                    "parameters": [inspection_id, ROLE, IDEMPOTENCY],
                    "requestBody": _body(_ref("SignatureInput")),
                    "responses": {"200": _json(_ref("Signature")), **_errors(400, 401, 403, 404, 422)},
                }
            },
            "/inspections/{inspection_id}/submit": {
                "post": {
                    "summary": "提交检查；不完整时返回 422 与缺少的内容",
                    "operationId": "submitInspection",
                    "parameters": [inspection_id, IDEMPOTENCY],
                    "responses": {"200": _json(_ref("Inspection")), **_errors(401, 403, 404, 422)},
                }
            },
            "/uploads": {
                "post": {
                    "summary": "开始或继续一个分块上传（以文件的 SHA-256 为键；可重复调用，返回当前进度）",
                    "operationId": "startUpload",
                    "requestBody": _body(_ref("UploadInput")),
                    "responses": {"200": _json(_ref("Upload")), **_errors(400, 401, 413, 422)},
                }
            },
            "/uploads/{sha256}": {
                "get": {
                    "summary": "上传进度",
                    "operationId": "getUpload",
                    "parameters": [UPLOAD],
                    "responses": {"200": _json(_ref("Upload")), **_errors(401, 404)},
                },
                "put": {
                    "summary": "从 offset 处写入一块（约 512 KB）；offset 须等于已接收的字节数",
                    "operationId": "putUploadChunk",
                    "parameters": [
                        UPLOAD,
                        {
                            "name": "offset",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 0},
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    "responses": {"200": _json(_ref("Upload")), **_errors(400, 401, 404, 409, 413, 422)},
                },
            },
        },
    }
