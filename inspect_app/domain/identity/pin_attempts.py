"""How many wrong signing PINs a certificate may take: a 6-digit PIN has a million values, so guessing must stop
long before it could succeed. Counted per certificate, whoever types and from wherever."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from inspect_app.domain.clock import BEIJING

SHORT_LIMIT = 5  # wrong PINs within SHORT_WINDOW lock signing for SHORT_LOCK
SHORT_WINDOW = timedelta(minutes=15)
SHORT_LOCK = timedelta(minutes=15)
DAILY_LIMIT = 10  # wrong PINs within DAILY_WINDOW lock signing until an admin unlocks it
DAILY_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class PinLock:
    """Where a certificate stands: locked or not, until when (None: until an admin unlocks), tries left."""

    locked: bool
    until: datetime | None
    remaining: int

    @property
    def needs_admin(self) -> bool:
        return self.locked and self.until is None

    @property
    def message(self) -> str:
        """What the signer reads when the PIN is not even tried."""
        if self.needs_admin:
            return f"签名PIN今日输错{DAILY_LIMIT}次，签名已锁定，请联系系统管理员解锁"
        if self.locked and self.until is not None:
            return f"签名PIN连续输错，签名已锁定至 {self.until.astimezone(BEIJING):%H:%M}（北京时间）"
        return ""

    @property
    def reason(self) -> str:
        """Why it is locked, as the admin's and the holder's pages show it."""
        if self.needs_admin:
            return f"24小时内签名PIN输错{DAILY_LIMIT}次，须系统管理员解除锁定"
        if self.locked and self.until is not None:
            return (
                f"15分钟内签名PIN输错{SHORT_LIMIT}次，"
                f"至 {self.until.astimezone(BEIJING):%Y-%m-%d %H:%M}（北京时间）自动解除"
            )
        return ""


def wrong_pin_message(lock: PinLock) -> str:
    """What the signer reads after a wrong PIN: the tries left, or the lock it has just caused."""
    return lock.message if lock.locked else f"签名PIN错误，还可尝试{lock.remaining}次"


def sign_in_notice(count: int, last_at: datetime) -> str:
    """The warning a holder reads at sign-in about wrong PINs typed on their certificate meanwhile."""
    return (
        f"您的签名证书自上次登录以来有{count}次签名PIN输入错误（最近一次 "
        f"{last_at.astimezone(BEIJING):%Y-%m-%d %H:%M}，北京时间），如非本人操作请联系系统管理员"
    )


def _span_ends(times: list[datetime], limit: int, window: timedelta) -> list[datetime]:
    """The moment of each `limit`-th failure that came within `window` of the failure `limit - 1` before it."""
    return [times[i + limit - 1] for i in range(len(times) - limit + 1) if times[i + limit - 1] - times[i] < window]


def pin_lock(failures: Iterable[datetime], now: datetime) -> PinLock:
    """The certificate's lock from the times of its wrong PINs (those an admin has not cleared)."""
    times = sorted(t for t in failures if t <= now)
    if _span_ends(times, DAILY_LIMIT, DAILY_WINDOW):
        return PinLock(True, None, 0)
    ends = _span_ends(times, SHORT_LIMIT, SHORT_WINDOW)
    if ends and max(ends) + SHORT_LOCK > now:
        return PinLock(True, max(ends) + SHORT_LOCK, 0)
    recent = sum(1 for t in times if t > now - SHORT_WINDOW)
    today = sum(1 for t in times if t > now - DAILY_WINDOW)
    return PinLock(False, None, max(0, min(SHORT_LIMIT - recent, DAILY_LIMIT - today)))
