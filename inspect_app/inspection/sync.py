"""Use cases that let offline devices sync: idempotent replays and resumable chunked uploads."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal, overload

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inspect_app.adapters.filestore import PartialUploads
from inspect_app.models import IdempotentRequest, Upload
from inspect_app.models.types import utcnow
from inspect_app.shared.errors import Conflict, Invalid, NotFound

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SHA_PATTERN = re.compile(r"^[0-9a-f]{64}$")
MAX_CHUNK = 2 * 2**20


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: str


class KeyReused(Exception):
    """An Idempotency-Key seen before came with another body: replaying would drop the new one silently."""


def replay(session: Session, user_id: int, key: str, method: str, path: str, body_sha256: str) -> Replay | None:
    """The stored response for a key already used, or None; a key reused for another request is refused."""
    if not KEY_PATTERN.match(key):
        raise Invalid({"Idempotency-Key": "Idempotency-Key 应为 8 至 64 位字母、数字或短横线（如 UUID）"})
    found = session.scalar(
        select(IdempotentRequest).where(IdempotentRequest.user_id == user_id, IdempotentRequest.key == key)
    )
    if found is None:
        return None
    if (found.method, found.path) != (method, path):
        raise Invalid({"Idempotency-Key": "该 Idempotency-Key 已用于另一个请求"})
    if found.body_sha256 is not None and found.body_sha256 != body_sha256:
        raise KeyReused(
            "该 Idempotency-Key 已随另一份内容提交过，本次内容未保存：每次不同的修改须使用新的 Idempotency-Key"
        )
    return Replay(found.status_code, found.body)


def remember(
    session: Session, user_id: int, key: str, method: str, path: str, body_sha256: str, status_code: int, body: str
) -> None:
    """Keep the first response to a keyed request; a concurrent twin that won the race is left as it is."""
    session.add(
        IdempotentRequest(
            user_id=user_id,
            key=key,
            method=method,
            path=path,
            body_sha256=body_sha256,
            status_code=status_code,
            body=body,
        )
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()


def _checked_sha(sha256: str) -> str:
    if not SHA_PATTERN.match(sha256 or ""):
        raise Invalid({"sha256": "sha256 应为64位小写十六进制"})
    return sha256


def start_upload(
    session: Session, parts: PartialUploads, user_id: int, sha256: str, size: int, max_bytes: int, open_limit: int
) -> Upload:
    """Begin a chunked upload, or return the one already under way for the same file (as far as its part
    file really goes). A user's uploads not yet turned into photos may hold at most `open_limit` bytes."""
    sha256 = _checked_sha(sha256)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise Invalid({"size": "size 应为正整数（字节数）"})
    if size > max_bytes:
        raise Invalid({"size": f"照片超过 {max_bytes // 2**20} MB"})
    upload = get_upload(session, user_id, sha256, missing_ok=True)
    if upload is not None:
        if upload.size != size:
            raise Invalid({"size": "同一文件的大小与之前声明的不同"})
        _reconcile(session, parts, upload)
        upload.touched_at = utcnow()
        session.commit()
        return upload
    held = session.scalar(select(func.coalesce(func.sum(Upload.size), 0)).where(Upload.user_id == user_id)) or 0
    if held + size > open_limit:
        raise Invalid(
            {
                "size": f"您未完成的照片上传已占用 {_mb(held)}，再加这张（{_mb(size)}）将超过每个账号 "
                f"{_mb(open_limit)} 的上限：请先让等待中的照片上传完毕；"
                f"长时间未继续的上传会被自动清理"
            }
        )
    upload = Upload(user_id=user_id, sha256=sha256, size=size, received=0)
    session.add(upload)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return get_upload(session, user_id, sha256)
    parts.discard(user_id, sha256)  # leftovers of an upload whose row is gone
    return upload


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def _reconcile(session: Session, parts: PartialUploads, upload: Upload) -> None:
    """Believe the part file over the row: after a restore, a lost disk or a crash it may hold less than the
    row counts (or nothing), and the phone must then go on from what is really there, not be told it is done."""
    on_disk = parts.size(upload.user_id, upload.sha256)
    if on_disk < upload.received:
        upload.received, upload.completed_at = on_disk, None
        session.flush()


@overload
def get_upload(
    session: Session, user_id: int, sha256: str, missing_ok: Literal[False] = False, *, lock: bool = False
) -> Upload: ...
@overload
def get_upload(
    session: Session, user_id: int, sha256: str, missing_ok: bool, *, lock: bool = False
) -> Upload | None: ...
def get_upload(
    session: Session, user_id: int, sha256: str, missing_ok: bool = False, *, lock: bool = False
) -> Upload | None:
    """The user's upload of this file; NotFound unless `missing_ok`. With `lock`, its row is locked until the
    transaction ends (PostgreSQL): a chunk sent twice (a retry that reached another server while the first was
    still being written) waits for the first, reads what it left, and is answered from there."""
    query = select(Upload).where(Upload.user_id == user_id, Upload.sha256 == _checked_sha(sha256))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    upload = session.scalar(query)
    if upload is None and not missing_ok:
        raise NotFound()
    return upload


def put_chunk(session: Session, parts: PartialUploads, user_id: int, sha256: str, offset: int, data: bytes) -> Upload:
    """Append a chunk at `offset` (which must be what has arrived so far); checks the hash at the end."""
    upload = get_upload(session, user_id, sha256, lock=True)
    _reconcile(session, parts, upload)
    if upload.completed_at is not None:
        return upload  # a repeated last chunk after success
    upload.touched_at = utcnow()
    if offset != upload.received:
        session.commit()
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
        parts.sync(user_id, sha256)
        upload.completed_at = utcnow()
    session.commit()
    return upload


def completed_bytes(session: Session, parts: PartialUploads, user_id: int, sha256: str) -> bytes:
    """The bytes of a finished upload, for turning into a photo; refused (so that the phone sends the rest, or
    all of it again) when the part file does not hold the whole of it."""
    upload = get_upload(session, user_id, sha256, missing_ok=True, lock=True)
    if upload is not None:
        _reconcile(session, parts, upload)
        session.commit()
    if upload is None or upload.completed_at is None:
        raise Invalid({"sha256": "照片尚未上传完毕"})
    data = parts.read(user_id, sha256)
    if hashlib.sha256(data).hexdigest() != sha256:  # damaged on the disk since it was checked
        discard_upload(session, parts, user_id, sha256)
        raise Invalid({"sha256": "照片尚未上传完毕（服务器上的部分已损坏，请重新上传）"})
    return data


def discard_upload(session: Session, parts: PartialUploads, user_id: int, sha256: str) -> None:
    """Forget an upload and its bytes: its photo is stored, or was refused (then nothing of it stays)."""
    upload = get_upload(session, user_id, sha256, missing_ok=True, lock=True)
    if upload is not None:
        session.delete(upload)
        session.commit()
    parts.discard(user_id, sha256)
