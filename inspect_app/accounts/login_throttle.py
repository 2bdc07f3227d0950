"""Throttled sign-in: failed attempts counted per typed account and per client address (Flask-Limiter), with a
warning before the account's lock."""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Mapping

from flask import Response, current_app, g, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from limits import parse

from inspect_app.config import ConfigError
from inspect_app.extensions import limiter

ACCOUNT_SCOPE, ACCOUNT_KEY = "login-account", "account:"
ADDRESS_SCOPE, ADDRESS_KEY = "login-address", "address:"
NAME_KEY_LENGTH = 41  # one past the longest valid name: longer ones never sign in, so they may share a key


WARN_WHEN_LEFT = 2  # failures still allowed when the sign-in page starts saying how many


def _minutes(limit: RequestLimit) -> int:
    return max(1, math.ceil(limit.limit.get_expiry() / 60))


def refusal_message(limit: RequestLimit) -> str:
    """The Chinese message shown while sign-in is throttled, naming the window's length."""
    return f"登录尝试过多，请{_minutes(limit)}分钟后再试。"


def lock_warning(left: int, minutes: int) -> str | None:
    """What the sign-in page says after a failure that leaves `left` more before the account is locked."""
    if left <= 0:
        return f"该账号已被暂时锁定，请{minutes}分钟后再试。"
    if left <= WARN_WHEN_LEFT:
        return f"再输错{left}次，该账号将被暂时锁定{minutes}分钟。"
    return None


def _account_key() -> str:
    # The name as typed, normalised as sign-in normalises it: the lock follows the account, not the address,
    # so a locked account cannot be probed from many phones or proxies.
    return ACCOUNT_KEY + (request.form.get("username", "").strip().lower()[:NAME_KEY_LENGTH] or "-")


def _address_key() -> str:
    # The peer address as the WSGI server sees it; behind a reverse proxy that is the proxy's, unless the
    # deployment wraps the app in werkzeug's ProxyFix.
    return ADDRESS_KEY + get_remote_address()


def _failed(_response: Response) -> bool:
    # Only a wrong name or password counts: the successful sign-ins of a whole office behind one address
    # (the morning briefing of a district's inspectors) never add up to a lock.
    return bool(g.get("sign_in_failed"))


def record_failure() -> None:
    """Count this request's sign-in as failed (against the account and the address) when it finishes."""
    g.sign_in_failed = True


def failure_warning() -> str | None:
    """After this request's failed sign-in, the warning about the account's lock, if it is near (or None)."""
    for checked in limiter.current_limits:
        if any(arg.startswith(ACCOUNT_KEY) for arg in checked.request_args):
            # This failure is counted only once the view has answered (`deduct_when`), hence the one less.
            remaining = limiter.limiter.get_window_stats(checked.limit, *checked.request_args).remaining
            return lock_warning(remaining - 1, _minutes(checked))
    return None  # throttling switched off


def forget_account_failures() -> None:
    """After a successful sign-in, the account's earlier failures no longer count towards its lock."""
    for checked in limiter.current_limits:
        if any(arg.startswith(ACCOUNT_KEY) for arg in checked.request_args):
            limiter.limiter.clear(checked.limit, *checked.request_args)


def _configured(setting: str) -> Callable[[], str]:
    # Read at each request, so a changed setting (tests, a reloaded config) takes effect without re-decorating.
    return lambda: current_app.config[setting]


def limited(refuse: Callable[[str], Response]) -> Callable:
    """Decorate the sign-in view: POSTs over a limit get `refuse(message)` with 429 and never reach it."""

    def on_breach(limit: RequestLimit) -> Response:
        response = refuse(refusal_message(limit))
        response.status_code = 429
        response.headers["Retry-After"] = str(max(1, math.ceil(limit.window.reset_time - time.time())))
        return response

    def decorate(view: Callable) -> Callable:
        # The counters are only tested before the view and bumped after it, so a burst of parallel guesses can
        # pass the limit by at most the number of requests the server runs at once.
        for scope, setting, key in (
            (ACCOUNT_SCOPE, "LOGIN_LIMIT_PER_ACCOUNT", _account_key),
            (ADDRESS_SCOPE, "LOGIN_LIMIT_PER_ADDRESS", _address_key),
        ):
            view = limiter.limit(
                _configured(setting),
                key_func=key,
                scope=scope,
                methods=["POST"],
                deduct_when=_failed,
                on_breach=on_breach,
            )(view)
        return view

    return decorate


def check_limits(config: Mapping[str, Any]) -> None:
    """Refuse to start with a limit (sign-in, public pages) Flask-Limiter cannot read, rather than fail at the
    first request it would limit."""
    for setting in ("LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ADDRESS", "PUBLIC_PAGE_LIMIT", "PUBLIC_PORTRAIT_LIMIT"):
        try:
            parse(config[setting])
        except ValueError as error:
            raise ConfigError(f"{setting} must read like '5 per 15 minutes', not {config[setting]!r}") from error
