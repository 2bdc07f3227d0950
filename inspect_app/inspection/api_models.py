"""The /api/v1 contract, declared once: typed request and response models (pydantic), the operations that use
them, and the OpenAPI document generated from both.

This module alone imports pydantic. The views parse a request body with `parse`, which refuses in the API's own
error shape (Invalid, one Chinese message per field); the response builders in api_json construct the models
here, and `plain` turns one into JSON-ready data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any, Iterable, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictFloat,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from pydantic.json_schema import models_json_schema

from inspect_app.domain.campaigns import CampaignState
from inspect_app.domain.checklists.checklist import Outcome
from inspect_app.domain.checklists.scoring import Verdict
from inspect_app.domain.directory.signboards import PlaqueFinding
from inspect_app.domain.findings import EXIF_TIME_LABEL, PHONE_TIME_LABEL, UPLOAD_TIME_LABEL
from inspect_app.domain.identity.permissions import Role
from inspect_app.domain.inspections import InspectionKind, InspectionStatus, PhotoState, SignatureRole
from inspect_app.domain.numbers import whole_number
from inspect_app.shared.errors import Invalid

MAX_INT = 2**31 - 1  # what an integer column holds on every backend
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=timezone.utc)  # 0 to 1e13 ms, as the page's photo form takes them
LATEST_TIME = EARLIEST_TIME + timedelta(milliseconds=1e13)


@dataclass(frozen=True)
class Refusal:
    """The Chinese message a field's value is refused with (pydantic keeps it in the field's metadata)."""

    message: str


# ---- value types ---------------------------------------------------------------------------------------------

Id = Annotated[StrictInt, Field(ge=1, le=MAX_INT)]
Version = Annotated[StrictInt, Field(ge=0, le=MAX_INT)]
Sha256 = Annotated[StrictStr, Field(pattern="^[0-9a-f]{64}$")]
ItemCode = Annotated[StrictStr, Field(pattern="^[A-Za-z0-9_-]{1,20}$")]
# Times go out as Python writes them (+00:00, not Z): what the offline app and the replayed responses hold.
Moment = Annotated[
    datetime,
    PlainSerializer(lambda value: value.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def _number(low: float, high: float):
    return Annotated[StrictFloat, Field(ge=low, le=high, allow_inf_nan=False)]


def _position_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    # The range the page's milliseconds allow: year 1 or 9999 in some zone is not a time in UTC or Beijing.
    if not EARLIEST_TIME <= moment <= LATEST_TIME:
        raise ValueError(value)
    return moment


def _whole(value: Any) -> int:
    number = whole_number(value, maximum=2**53)
    if number is None:
        raise ValueError(value)
    return number


WholeNumber = Annotated[int, BeforeValidator(_whole), WithJsonSchema({"type": "integer", "minimum": 0})]


# ---- requests ------------------------------------------------------------------------------------------------


class OpenInspectionInput(BaseModel):
    station_id: Annotated[
        Id | None, Refusal(f"station_id 应为 1 至 {MAX_INT} 之间的整数"), Field(description="要检查或抽查的服务站")
    ] = None
    order_id: Annotated[
        Id | None,
        Refusal(f"order_id 应为 1 至 {MAX_INT} 之间的整数"),
        Field(description="整改复查：要复查的整改通知（此时不写 station_id）"),
    ] = None
    kind: Annotated[
        Literal["own", "spot_check"],
        Refusal("kind 应为 own 或 spot_check"),
        Field(description="own：本旗区检查；spot_check：市级抽查"),
    ] = "own"
    campaign_id: Annotated[
        Id | None,
        Refusal(f"campaign_id 应为 1 至 {MAX_INT} 之间的整数"),
        Field(description="离线应用所在的批次（随记录一起发送，之后切换批次不会改变它）；不写则为当前批次"),
    ] = None


class AnswerInput(BaseModel):
    verdict: Annotated[Verdict, Refusal("verdict 应为 pass、fail 或 na")]
    # Whole numbers written as text or as 6.0 are read by the checklist's own rule (with its message per item).
    points: Annotated[Any, WithJsonSchema({"type": ["integer", "null"], "description": "评分项的得分"})] = None
    note: Annotated[Annotated[StrictStr, Field(max_length=500)] | None, Refusal("note 应为不超过 500 字的字符串")] = (
        None
    )
    base_version: Annotated[
        Version | None,
        Refusal(f"base_version 应为 0 至 {MAX_INT} 之间的整数"),
        Field(description="这次修改所依据的版本；与服务器不一致时视为冲突（null 表示依据未作答的状态）"),
    ] = None
    resolves: Annotated[
        Id | None, Refusal(f"resolves 应为 1 至 {MAX_INT} 之间的整数"), Field(description="以这次作答解决的冲突编号")
    ] = None


class PhotoInput(BaseModel):
    slot: Annotated[StrictStr, Refusal("slot 应为照片位置的代码")]
    sha256: Annotated[Sha256, Refusal("sha256 应为 64 位小写十六进制字符")]
    latitude: Annotated[_number(-90, 90) | None, Refusal("latitude 应为 -90 至 90 之间的数")] = None
    longitude: Annotated[_number(-180, 180) | None, Refusal("longitude 应为 -180 至 180 之间的数")] = None
    accuracy: Annotated[_number(0, 1e6) | None, Refusal("accuracy 应为 0 至 1000000 之间的数")] = None
    position_time: Annotated[
        datetime | None,
        BeforeValidator(_position_time),
        Refusal("position_time 应为 1970 至 2286 年之间的 ISO 8601 时间"),
        WithJsonSchema(
            {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "拍照时浏览器定位的时间（离线拍摄时为当时的时间）",
            }
        ),
    ] = None
    replaces: Annotated[Id | None, Refusal(f"replaces 应为 1 至 {MAX_INT} 之间的整数")] = None


class PlaqueInput(BaseModel):
    code: Annotated[
        StrictStr,
        Field(max_length=1000, description="扫描牌匾二维码所得的内容，或二维码下方的8位编码；空字符串清除核验"),
        Refusal("code 应为不超过 1000 字的字符串"),
    ]


class SignatureInput(BaseModel):
    name: Annotated[StrictStr, Field(min_length=1, max_length=30), Refusal("name 应为 1 至 30 字的签名人姓名")]
    image: Annotated[
        StrictStr, Field(description="data:image/png;base64,… 手写签名"), Refusal("image 应为 PNG 图片的 data URL")
    ]


class UploadInput(BaseModel):
    sha256: Annotated[Sha256, Refusal("sha256 应为 64 位小写十六进制字符")]
    size: Annotated[
        StrictInt,
        Field(ge=1, description="文件的字节数；上限由服务器设定（默认 20 MB），超过时返回 422"),
        Refusal("size 应为正整数（字节数）"),
    ]


class BootstrapQuery(BaseModel):
    campaign: Annotated[
        Annotated[int, Field(ge=1, le=MAX_INT)] | None,
        Refusal("campaign 应为批次编号"),
        Field(description="切换到该批次（本次登录内保持）"),
    ] = None


class ChunkQuery(BaseModel):
    offset: Annotated[WholeNumber, Refusal("offset 应为非负整数")]


# ---- responses -----------------------------------------------------------------------------------------------


class Shape(BaseModel):
    """A response: exactly the fields declared (the document says so, and the tests hold each reply to it)."""

    model_config = ConfigDict(extra="forbid")


class District(Shape):
    code: str
    name: str


class User(Shape):
    id: Id
    username: str
    display_name: str
    role: Role
    district: District | None


class Session(Shape):
    user: User
    csrf_token: str


class Station(Shape):
    id: Id
    number: str
    name: str
    address: str
    host_organisation: str
    phone: str | None
    latitude: float | None
    longitude: float | None


class Answer(Shape):
    item_code: str
    verdict: Verdict
    points: int | None
    note: str | None
    version: int


class ProposedAnswer(Answer):
    version: int | None = Field(description="这次修改所依据的版本（null 表示依据未作答的状态）")  # type: ignore[assignment]


class Conflict(Shape):
    id: Id
    item_code: str
    server: Answer | None = Field(description="服务器上现在的作答（尚未作答时为 null）")
    proposed: ProposedAnswer = Field(description="另一台设备提出的作答")
    proposed_by: str
    created_at: Moment


class Score(Shape):
    points: int
    maximum: int
    score: float
    outcome: Outcome
    outcome_label: str
    failed_critical: list[str]
    unanswered: list[str]
    complete: bool


class Finding(Shape):
    code: str
    message: str
    severity: Literal["warning", "error"]


class Photo(Shape):
    id: Id
    slot: str
    sha256: Sha256
    state: PhotoState = Field(
        description="processing：处理中（稍后再查询）；ready：已处理；rejected：未通过（见 rejected_reason）"
    )
    state_label: str = Field(description="state 的中文名称")
    rejected_reason: str | None = Field(description="未通过的原因（照片损坏、格式不对等），须重新拍摄或上传")
    thumbnail_url: str | None = Field(description="处理完毕前为 null")
    display_url: str | None = Field(description="处理完毕前为 null")
    taken_at: Moment | None = Field(description="照片EXIF中相机记录的拍摄时间")
    uploaded_at: Moment
    caption_time: Moment = Field(description="照片说明中显示的时间")
    caption_time_label: Literal[EXIF_TIME_LABEL, PHONE_TIME_LABEL, UPLOAD_TIME_LABEL] = Field(  # type: ignore[valid-type]
        description="caption_time 是什么时间"
    )
    caption_time_text: str = Field(description="caption_time 的北京时间，精确到分钟，如 2026-09-15 10:30")
    latitude: float | None
    longitude: float | None
    position_source: Literal["browser", "exif"] | None
    accuracy_m: float | None
    findings: list[Finding]


class PhotoList(Shape):
    photos: list[Photo]


class Signature(Shape):
    role: SignatureRole
    signer_name: str
    signed_at: Moment
    image_url: str


class PlaqueCheck(Shape):
    code: str = Field(description="牌匾的8位编码（找到牌匾时），否则为所扫描或输入的编码")
    shown_code: str = Field(description="编码的显示形式，如 7K3M-9PXQ")
    finding: PlaqueFinding
    finding_label: str
    belongs: bool = Field(description="牌匾属于本站（现行或已停用）")
    is_current: bool
    checked_at: Moment
    text: str = Field(
        description="一句话的核验结果，如：牌匾核验：牌匾属于本站，为现行牌匾（7K3M-9PXQ，12月3日 10:20）"
    )


class PlaqueResult(Shape):
    plaque: PlaqueCheck | None = Field(description="现场核验的牌匾；null 表示已清除")


class Inspection(Shape):
    id: Id
    key: int | str = Field(
        description="离线应用存放它的名字：本旗区检查为服务站编号 id，复查为 r+整改通知 id，抽查为 c+服务站 id"
    )
    kind: InspectionKind
    kind_label: str
    follows_id: Id | None = Field(description="复查或抽查所针对的检查")
    item_scope: list[str] | None = Field(description="复查只核查的项目；其他检查为 null（整张核查表）")
    station_id: Id
    campaign_id: Id
    status: InspectionStatus
    status_label: str
    editable: bool
    answers: dict[str, Answer]
    conflicts: list[Conflict]
    photos: list[Photo]
    signatures: dict[str, Signature]
    score: Score
    missing: list[str]
    submitted_at: Moment | None
    return_comment: str | None = Field(description="分管领导退回时写的补正意见")
    recommended_demonstration: bool
    plaque: PlaqueCheck | None = Field(description="现场核验的牌匾（标识内容 B1–B4 的佐证）；未核验为 null")


class AnswerResult(Shape):
    answer: Answer
    score: Score


class Campaign(Shape):
    id: Id
    name: str
    starts_on: date
    deadline: date
    state: CampaignState
    state_label: str


class BootstrapCampaign(Campaign):
    inspectable: bool = Field(description="本账号现在能否在该批次检查")
    notice: str | None = Field(description="不能检查时的原因（如批次已结束）")


class FollowUpOrder(Shape):
    id: Id
    number: str | None
    deadline: date
    items: list[str]


class FollowUp(Shape):
    key: str = Field(description="离线应用存放它的名字（与其检查的 key 相同）")
    kind: InspectionKind
    kind_label: str
    station: Station
    order: FollowUpOrder | None = Field(description="复查所依据的整改通知；抽查为 null")
    inspection_id: Id | None
    followed_answers: dict[str, Answer] | None = Field(
        description="复查所依据的检查的作答（复查按其计分，只改整改项目）；抽查为 null"
    )


class Bootstrap(Shape):
    server_time: Moment
    campaign: BootstrapCampaign | None
    campaigns: list[Campaign] = Field(description="可切换查看的批次，新的在前")
    checklist: dict[str, Any] | None = Field(description="核查表模板（版本内容）及其编号 id")
    stations: list[Station]
    inspections: list[Inspection]
    follow_ups: list[FollowUp] = Field(description="整改复查和市级抽查：本人要做的跟进检查")
    # Apart from `inspections`: an offline app from before follow-ups files every inspection by its station and
    # would take a re-check for the station's own inspection.
    follow_up_inspections: list[Inspection] = Field(description="已开始的整改复查和市级抽查（各以 key 存放）")
    rules: dict[str, Any] = Field(
        description="手机上显示的名称（结论、作答、签名人、状态、位置与时间的来源），按接口的代码"
    )


class Upload(Shape):
    sha256: Sha256
    size: int
    received: int
    complete: bool


class ErrorDetail(BaseModel):
    model_config = ConfigDict(json_schema_extra={"additionalProperties": True})

    code: str = Field(description="稳定的错误代码，如 invalid、conflict、not_found")
    message: str = Field(description="给用户看的中文说明")
    fields: dict[str, str] | None = Field(None, description="逐项的说明（键为字段名或核查项代码）")
    missing: list[str] | None = Field(None, description="提交时缺少的内容")
    conflict: Conflict | None = None
    received: int | None = Field(None, description="分块上传时服务器已收到的字节数")


class Error(BaseModel):
    error: ErrorDetail


# ---- parsing -------------------------------------------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: dict[str, Any]) -> M:
    """The request data as `model`, or Invalid with one Chinese message per refused field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for problem in exc.errors():
            name = str(problem["loc"][0]) if problem["loc"] else ""
            info = model.model_fields.get(name)
            refusal = next((m for m in info.metadata if isinstance(m, Refusal)), None) if info else None
            fields.setdefault(name, refusal.message if refusal else f"{name} 的内容不符合要求")
        raise Invalid(fields) from None


def plain(model: BaseModel) -> dict[str, Any]:
    """The model as JSON-ready data (what the views send and the pages embed)."""
    return model.model_dump(mode="json")


# ---- operations and the document -----------------------------------------------------------------------------

ERROR_TEXT = {
    400: "请求有误",
    401: "未登录",
    403: "无权操作",
    404: "不存在或不在管辖范围内",
    409: "冲突",
    413: "内容过大",
    422: "内容不符合规则",
    503: "文件存储暂时无法访问，请稍后重试",
}
PATH_TYPES: dict[str, Any] = {"code": ItemCode, "role": SignatureRole, "sha256": Sha256}
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "客户端生成的 UUID；同一键重复发送只生效一次，并返回第一次的结果",
    "schema": {"type": "string", "format": "uuid"},
}


@dataclass(frozen=True)
class Operation:
    """One endpoint's contract: what it takes, what it answers, and the errors it may answer with."""

    operation_id: str
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    idempotent: bool = False
    binary_body: bool = False  # a raw chunk of a file rather than JSON
    success: int = 200
    responses: dict[int, str] = field(default_factory=dict)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _parameters(operation: Operation, rule: str) -> list[dict[str, Any]]:
    parameters = []
    for converter, name in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule):
        kind = Id if converter == "id" else PATH_TYPES[name]
        parameters.append({"name": name, "in": "path", "required": True, "schema": TypeAdapter(kind).json_schema()})
    if operation.query is not None:
        schema = operation.query.model_json_schema()
        for name, info in operation.query.model_fields.items():
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": info.is_required(),
                    **({"description": info.description} if info.description else {}),
                    "schema": {
                        k: v for k, v in schema["properties"][name].items() if k not in ("description", "title")
                    },
                }
            )
    if operation.idempotent:
        parameters.append(IDEMPOTENCY)
    return parameters


def _operation(operation: Operation, rule: str) -> dict[str, Any]:
    described: dict[str, Any] = {"summary": operation.summary, "operationId": operation.operation_id}
    parameters = _parameters(operation, rule)
    if parameters:
        described["parameters"] = parameters
    if operation.body is not None:
        described["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(operation.body)}}}
    elif operation.binary_body:
        described["requestBody"] = {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    success = (
        _json(_ref(operation.response))
        if operation.response is not None
        else {"description": operation.responses.get(operation.success, "OK")}
    )
    also = {  # other successes with the same body (a repeated request answered from what was done before)
        str(code): _json(_ref(operation.response), text)
        for code, text in operation.responses.items()
        if code != operation.success and operation.response is not None
    }
    described["responses"] = {
        str(operation.success): success,
        **also,
        # Any operation may find the user signed out, or the file store out of reach.
        **{str(code): _json(_ref(Error), ERROR_TEXT[code]) for code in sorted({401, 503, *operation.errors})},
    }
    return described


def document(routes: Iterable[tuple[str, str, Operation]]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the operations, given as (rule below /api/v1, HTTP method, operation)."""
    paths: dict[str, dict[str, Any]] = {}
    models: list[type[BaseModel]] = [Error]
    for rule, method, operation in routes:
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule)
        paths.setdefault(path, {})[method.lower()] = _operation(operation, rule)
        models += [m for m in (operation.body, operation.response) if m is not None]
    unique = list(dict.fromkeys(models))
    _, schemas = models_json_schema(
        [(m, "validation" if m.__name__.endswith("Input") else "serialization") for m in unique],
        ref_template="#/components/schemas/{model}",
    )
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
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
        "security": [{"session": [], "csrf": []}],
        "paths": paths,
    }
