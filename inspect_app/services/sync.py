"""Use cases that let offline devices sync: idempotent replays and resumable chunked uploads."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..filestore import PartialUploads
from ..models import IdempotentRequest, Upload
from ..models.types import utcnow
from . import Conflict, Invalid, NotFound

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SHA_PATTERN = re.compile(r"^[0-9a-f]{64}$")
MAX_CHUNK = 2 * 2**20


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: str


def replay(session: Session, user_id: int, key: str, method: str, path: str) -> Replay | None:
    """The stored response for a key already used, or None; a key reused for another request is refused."""
    if not KEY_PATTERN.match(key):
        raise Invalid({"Idempotency-Key": "Idempotency-Key 应为 8 至 64 位字母、数字或短横线（如 UUID）"})
    found = session.scalar(select(IdempotentRequest).where(IdempotentRequest.user_id == user_id,
                                                           IdempotentRequest.key == key))
    if found is None:
        return None
    if (found.method, found.path) != (method, path):
        raise Invalid({"Idempotency-Key": "该 Idempotency-Key 已用于另一个请求"})
    return Replay(found.status_code, found.body)


def remember(session: Session, user_id: int, key: str, method: str, path: str, status_code: int, body: str) -> None:
    """Keep the first response to a keyed request; a concurrent twin that won the race is left as it is."""
    session.add(IdempotentRequest(user_id=user_id, key=key, method=method, path=path, status_code=status_code,
                                  body=body))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()


def _checked_sha(sha256: str) -> str:
    if not SHA_PATTERN.match(sha256 or ""):
        raise Invalid({"sha256": "sha256 应为64位小写十六进制"})
    return sha256


def start_upload(session: Session, parts: PartialUploads, user_id: int, sha256: str, size: int,
                 max_bytes: int) -> Upload:
    """Begin a chunked upload, or return the one already under way for the same file."""
    sha256 = _checked_sha(sha256)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise Invalid({"size": "size 应为正整数（字节数）"})
    if size > max_bytes:
        raise Invalid({"size": f"照片超过 {max_bytes // 2**20} MB"})
    upload = get_upload(session, user_id, sha256, missing_ok=True)
    if upload is not None:
        if upload.size != size:
            raise Invalid({"size": "同一文件的大小与之前声明的不同"})
        return upload
    upload = Upload(user_id=user_id, sha256=sha256, size=size, received=0)
    session.add(upload)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return get_upload(session, user_id, sha256)
    parts.discard(user_id, sha256)  # leftovers of an upload whose row is gone
    return upload


def get_upload(session: Session, user_id: int, sha256: str, missing_ok: bool = False) -> Upload | None:
    """The user's upload of this file; NotFound unless `missing_ok`."""
    upload = session.scalar(select(Upload).where(Upload.user_id == user_id, Upload.sha256 == _checked_sha(sha256)))
    if upload is None and not missing_ok:
        raise NotFound()
    return upload


def put_chunk(session: Session, parts: PartialUploads, user_id: int, sha256: str, offset: int, data: bytes) -> Upload:
    """Append a chunk at `offset` (which must be what has arrived so far); checks the hash at the end."""
    upload = get_upload(session, user_id, sha256)
    if upload.completed_at is not None:
        return upload  # a repeated last chunk after success
    if offset != upload.received:
        raise Conflict(f"应从第 {upload.received} 字节继续上传", {"received": upload.received})
    if not data:
        raise Invalid({"body": "分块内容为空"})
    if len(data) > MAX_CHUNK or offset + len(data) > upload.size:
        raise Invalid({"body": "分块超出文件声明的大小或单块上限"})
    upload.received = parts.append(user_id, sha256, offset, data)
    if upload.received == upload.size:
        if not parts.matches(user_id, sha256):
            parts.discard(user_id, sha256)
            session.delete(upload)
            session.commit()
            raise Invalid({"sha256": "文件内容与 SHA-256 不符，请重新上传"})
        upload.completed_at = utcnow()
    session.commit()
    return upload


def completed_bytes(session: Session, parts: PartialUploads, user_id: int, sha256: str) -> bytes:
    """The bytes of a finished upload, for turning into a photo."""
    upload = get_upload(session, user_id, sha256, missing_ok=True)
    if upload is None or upload.completed_at is None:
        raise Invalid({"sha256": "照片尚未上传完毕"})
    return parts.read(user_id, sha256)


def finish_upload(session: Session, parts: PartialUploads, user_id: int, sha256: str) -> None:
    """Forget an upload once its photo is stored."""
    upload = get_upload(session, user_id, sha256, missing_ok=True)
    if upload is not None:
        session.delete(upload)
        session.commit()
    parts.discard(user_id, sha256)
