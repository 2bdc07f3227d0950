"""The audit trail's rules: each entry holds the hash of the one before, so no entry can be edited, inserted or
deleted without the chain showing where."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Iterable

GENESIS = "0" * 64  # the "previous hash" of the first entry
# How an entry's hash was made. Plain SHA-256 anyone can recompute after rewriting the database; HMAC-SHA256
# under AUDIT_HMAC_KEY only whoever holds the key. Entries written before the key was set stay plain.
PLAIN, KEYED = "sha256", "hmac-sha256"

ACTION_LABELS = {
    "sign_in": "登录",
    "start_bundle": "开始证据包",
    "sign_in_failed": "登录失败",
    "answer": "填写核查项",
    "add_photo": "上传照片",
    "remove_photo": "删除照片",
    "sign_inspection": "现场签名",
    "check_plaque": "核验牌匾",
    "clear_plaque_check": "清除牌匾核验",
    "issue_plaque": "制作牌匾",
    "reissue_plaque": "重新制作牌匾",
    "print_signboards": "打印牌匾",
    "submit_inspection": "提交检查",
    "accept_inspection": "审核通过",
    "return_inspection": "退回检查",
    "recommend_demonstration": "推荐示范站",
    "sign_bundle": "签字证据包",
    "submit_bundle": "提交证据包",
    "receive_bundle": "接收上传的证据包",
    "accept_bundle": "接收证据包",
    "return_bundle": "退回证据包",
    "confirm_demonstration": "确认示范站",
    "build_city_report": "生成全市汇总报告预览",
    "sign_city_report": "签字全市汇总报告",
    "create_campaign": "创建验收批次",
    "update_campaign": "修改验收批次",
    "open_campaign": "开放验收批次",
    "close_campaign": "结束验收批次",
    "init_authority": "创建根证书",
    "init_time_stamping": "创建时间戳服务证书",
    "enrol_certificate": "签发证书（待本人设置签名PIN）",
    "cancel_enrolment": "取消证书签发",
    "issue_certificate": "生成签名证书",
    "revoke_certificate": "撤销签名证书",
    "change_signing_pin": "修改签名PIN",
    "signing_pin_failed": "签名PIN错误",
    "signing_locked": "签名已锁定（签名PIN输错过多）",
    "unlock_signing": "解除签名锁定",
    "create_user": "创建账号",
    "reset_password": "重置密码",
    "change_password": "修改密码",
    "activate_user": "启用账号",
    "deactivate_user": "停用账号",
    "create_office": "新增监管所",
    "update_office": "修改监管所",
    "retire_office": "撤销监管所",
    "copy_checklist": "复制核查表为草稿",
    "save_checklist_draft": "保存核查表草稿",
    "import_checklist": "从Excel导入核查表草稿",
    "publish_checklist": "发布核查表",
    "delete_checklist_draft": "删除核查表草稿",
    "draft_order": "起草整改通知",
    "discard_order": "撤销整改通知草稿",
    "update_order": "修改整改通知草稿",
    "issue_order": "签发整改通知书",
    "escalate_order": "整改逾期，待决定",
    "extend_order": "延期整改",
    "retire_order": "撤销服务站（整改未完成）",
    "retire_station": "撤销服务站",
    "add_station_staff": "新增牌匾工作人员",
    "update_station_staff": "修改牌匾工作人员",
    "remove_station_staff": "删除牌匾工作人员",
    "move_station_staff": "调整牌匾工作人员顺序",
    "set_station_officer": "指定本站责任监管人员",
    "clear_station_officer": "恢复使用监管所的责任监管人员",
    "import_station_staff": "通过名录导入更新牌匾工作人员",
    "draw_spot_check_sample": "抽取市级抽查样本",
    "assign_spot_check": "指派市级抽查检查员",
}


# Entries whose details name the person a plaque shows, named in the history line too.
_NAMES_A_PERSON = {"add_station_staff", "update_station_staff", "remove_station_staff", "set_station_officer"}


@dataclass(frozen=True)
class Entry:
    """One audit entry as stored: the fields the hash covers, and the hashes."""

    seq: int
    at: str  # ISO 8601 with offset, as stored
    user_id: int | None
    action: str
    target_type: str
    target_id: int | None
    district_id: int | None
    details: dict[str, Any]
    prev_hash: str
    hash: str
    scheme: str = PLAIN


def entry_hash(
    prev_hash: str,
    seq: int,
    at: str,
    user_id: int | None,
    action: str,
    target_type: str,
    target_id: int | None,
    district_id: int | None,
    details: dict[str, Any],
    key: bytes | None = None,
) -> str:
    """SHA-256 (HMAC-SHA256 under `key`) over the previous hash and the entry's fields, in one canonical JSON form."""
    body = json.dumps(
        [prev_hash, seq, at, user_id, action, target_type, target_id, district_id, details],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")
    if key:
        return hmac.new(key, body, hashlib.sha256).hexdigest()
    return hashlib.sha256(body).hexdigest()


def _scheme_problem(entry: Entry, key: bytes | None, keyed_since: int | None) -> str | None:
    """Why an entry's hash cannot be recomputed, or is made in a way it may not be at its place in the chain."""
    if entry.scheme not in (PLAIN, KEYED):
        return f"第{entry.seq}条记录的哈希方式“{entry.scheme}”未知（记录被改动）"
    if entry.scheme == KEYED and not key:
        return (
            f"第{entry.seq}条起的记录用密钥（AUDIT_HMAC_KEY）计算哈希，未配置该密钥无法验证："
            "请在配置了同一密钥的服务器上运行"
        )
    if entry.scheme == PLAIN and keyed_since is not None:
        return f"第{entry.seq}条记录未加密钥，却在第{keyed_since}条加密钥的记录之后（可能是不知道密钥的人重写了日志）"
    return None


def chain_problems(
    entries: Iterable[Entry], head_seq: int | None, head_hash: str | None, key: bytes | None = None
) -> list[str]:
    """Every break in the chain, in Chinese: an edited entry, a gap or an insertion, a missing tail; with `key`,
    also a plain entry after keyed ones, or a chain that ends unkeyed (rewritten by someone without the key)."""
    problems: list[str] = []
    expected_seq, previous = 1, GENESIS
    keyed_since: int | None = None
    unverifiable = False
    last: Entry | None = None
    for entry in entries:
        last = entry
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                problems.append(f"缺少第{expected_seq}至第{entry.seq - 1}条记录（被删除）")
            else:
                problems.append(f"第{entry.seq}条记录重复或顺序被改动")
        if entry.prev_hash != previous:
            problems.append(f"第{entry.seq}条记录与前一条不衔接（前面的记录被删除、插入或修改）")
        scheme = _scheme_problem(entry, key, keyed_since)
        if scheme and not unverifiable:
            problems.append(scheme)
            unverifiable = entry.scheme == KEYED and not key  # said once for the whole keyed stretch
        keyed_since = entry.seq if entry.scheme == KEYED and keyed_since is None else keyed_since
        if entry.scheme == KEYED and not key:
            expected_seq, previous = entry.seq + 1, entry.hash
            continue
        recomputed = entry_hash(
            entry.prev_hash,
            entry.seq,
            entry.at,
            entry.user_id,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.district_id,
            entry.details,
            key if entry.scheme == KEYED else None,
        )
        if recomputed != entry.hash:
            problems.append(f"第{entry.seq}条记录的内容被修改（哈希不符）")
        expected_seq, previous = entry.seq + 1, entry.hash
    if key and last is not None and last.scheme != KEYED:
        problems.append(
            f"配置了密钥（AUDIT_HMAC_KEY），最后一条记录（第{last.seq}条）却未加密钥：日志被不知道密钥的人"
            "重写；如果刚刚配置密钥、还没有新记录，在下一次操作之后再验证"
        )
    last_seq = expected_seq - 1
    if head_seq is not None and head_seq != last_seq:
        problems.append(f"日志应有{head_seq}条记录，实际最后一条是第{last_seq}条（末尾的记录被删除或插入）")
    elif head_hash is not None and head_seq and head_hash != previous:
        problems.append("最后一条记录的哈希与日志头不符（末尾的记录被替换）")
    return problems


def describe(action: str, details: dict[str, Any]) -> str:
    """One line of a history: what was done, with the version, item or comment it concerns."""
    text = ACTION_LABELS.get(action, action)
    if details.get("version"):
        text += f"（第{details['version']}版）"
    if details.get("item"):
        text += f" {details['item']}"
    if action in ("accept_bundle", "return_bundle", "return_inspection") and details.get("comment"):
        text += f"：{details['comment']}"
    if action in _NAMES_A_PERSON and details.get("name"):
        text += f"：{details['name']}"
    stations = details.get("stations")
    if action == "return_bundle" and stations:
        text += f"（{len(stations)}个服务站有具体意见）"
    if action in ("submit_bundle", "receive_bundle") and "verified" in details:
        text += "，验证通过" if details["verified"] else "，验证未通过"
    return text
