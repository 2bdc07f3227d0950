"""Where a signer stands with their certificate, and what they are told to ask the admin for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Sequence

from inspect_app.domain.clock import BEIJING

ADMIN_HINT = "请联系系统管理员在“证书”页为您签发，然后在“我的签名证书”页自行设置签名PIN。"


class RevocationReason(StrEnum):
    REISSUED = "reissued"  # the holder made a newer certificate from a new enrolment
    ADMIN = "admin"  # the admin revoked it (on the 证书 page or with `flask pki revoke`)

    @property
    def label(self) -> str:
        return {"reissued": "已换发", "admin": "管理员撤销"}[self.value]


class Standing(StrEnum):
    NOT_A_SIGNER = "not_a_signer"
    NONE = "none"  # never had one, nothing waiting
    WAITING = "waiting"  # the admin enrolled the holder, who has not chosen the PIN yet
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class CertificateFacts:
    """What the rules need to know of one certificate."""

    serial: str
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None
    revocation_reason: RevocationReason | None


@dataclass(frozen=True)
class HolderStanding:
    """A signer's state, with the Chinese sentence that explains it to them."""

    state: Standing
    message: str
    enrolment_waiting: bool  # also beside a valid certificate: a re-issue waits for the holder's new PIN

    @property
    def can_sign(self) -> bool:
        return self.state is Standing.VALID


def is_usable(certificate: CertificateFacts, now: datetime) -> bool:
    """Neither revoked nor outside its validity."""
    return certificate.revoked_at is None and certificate.not_before <= now < certificate.not_after


def state_label(certificate: CertificateFacts, now: datetime) -> str:
    """有效, 已过期, or 已撤销（reason）, as the admin's and the holder's lists show it."""
    if certificate.revoked_at is not None:
        reason = certificate.revocation_reason
        return f"已撤销（{reason.label}）" if reason else "已撤销"
    return "有效" if is_usable(certificate, now) else "已过期"


def _day(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d")


def holder_standing(
    may_hold: bool, certificates: Sequence[CertificateFacts], enrolment_waiting: bool, now: datetime
) -> HolderStanding:
    """Where the holder stands; `certificates` newest first."""
    if not may_hold:
        return HolderStanding(Standing.NOT_A_SIGNER, "只有分管领导和市12315中心持有签名证书。", False)
    usable = next((c for c in certificates if is_usable(c, now)), None)
    if usable is not None:
        text = f"您的签名证书有效，至 {_day(usable.not_after)}。"
        if enrolment_waiting:
            text += "系统管理员已为您换发新证书：设置新证书的签名PIN后，新证书生效，本证书随之撤销。"
        return HolderStanding(Standing.VALID, text, enrolment_waiting)
    if enrolment_waiting:
        return HolderStanding(
            Standing.WAITING,
            "系统管理员已为您签发签名证书，尚待您本人设置签名PIN："
            "请在“我的签名证书”页输入两次签名PIN，证书随即生成，之后即可签字。",
            True,
        )
    if not certificates:
        return HolderStanding(Standing.NONE, "您还没有签名证书。" + ADMIN_HINT, False)
    latest = certificates[0]
    if latest.revoked_at is not None:
        reason = latest.revocation_reason.label if latest.revocation_reason else "未注明"
        return HolderStanding(
            Standing.REVOKED,
            f"您的签名证书（序列号 {latest.serial}）已于 {_day(latest.revoked_at)} "
            f"撤销，原因：{reason}。请联系系统管理员重新签发，然后在“我的签名证书”页设置新的签名PIN。",
            False,
        )
    return HolderStanding(
        Standing.EXPIRED,
        f"您的签名证书（序列号 {latest.serial}）已于 {_day(latest.not_after)} "
        "过期。请联系系统管理员重新签发，然后在“我的签名证书”页设置新的签名PIN。",
        False,
    )
