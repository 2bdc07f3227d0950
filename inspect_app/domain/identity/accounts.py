"""Rules of accounts: a login name, a role and its 旗区, a phone, and the one-time password nobody chose."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from inspect_app.domain.directory.districts import DISTRICTS
from inspect_app.domain.directory.stations import PHONE_PATTERN
from inspect_app.domain.identity.password_policy import password_problem
from inspect_app.domain.identity.permissions import ROLE_LABELS, Role

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
# An address the to-do e-mails can go to: one @, no spaces or angle brackets, a dotted domain. Deliberately plain:
# whether the mailbox exists only the mail server knows.
EMAIL_PATTERN = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
EMAIL_LIMIT = 254  # RFC 5321's longest forward path, and the column's width
NAME_LIMIT = 40
# What people write in a spreadsheet's 角色 column besides the labels the pages show.
ROLE_ALIASES = {
    "检查人员": Role.INSPECTOR,
    "领导": Role.LEADER,
    "市中心": Role.CITY,
    "市12315消费维权服务中心": Role.CITY,
    "管理员": Role.ADMIN,
}
# No 0/O, 1/l/I: a one-time password is read off paper and typed on a phone.
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "23456789"
_GROUPS, _GROUP_LENGTH = 3, 4


@dataclass(frozen=True)
class AccountFields:
    """An account's validated fields; the 旗区 by its code (None for the city's roles)."""

    username: str
    display_name: str
    role: Role
    district_code: str | None
    phone: str | None
    email: str | None = None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet gives 13800000000.0 for a typed phone number
    return str(value).strip()


def normal_username(value: Any) -> str:
    """A login name as it is stored: trimmed, lower case."""
    return _text(value).lower()


def parse_role(value: Any) -> Role | None:
    """A role from its code (leader) or its label (分管领导), or None."""
    text = _text(value)
    for role, label in ROLE_LABELS.items():
        if text in (role.value, label):
            return role
    return ROLE_ALIASES.get(text)


def district_code_of(value: Any) -> str | None:
    """The code of a 旗区 given by code (150602) or name (东胜区), or None."""
    text = _text(value)
    return next((d.code for d in DISTRICTS if text in (d.code, d.name)), None)


def phone_problem(phone: str) -> str | None:
    """Why a phone number is not acceptable, or None."""
    if phone and not PHONE_PATTERN.match(phone):
        return "手机号只能包含数字、空格、短横线和括号，7至20位"
    return None


def normal_email(value: Any) -> str:
    """An e-mail address as it is stored: trimmed, the domain in lower case (the mailbox part is the server's)."""
    text = _text(value)
    local, at, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}" if at else text


def email_problem(email: str) -> str | None:
    """Why an e-mail address (already normalised; empty means none) is not acceptable, or None."""
    if not email:
        return None
    if len(email) > EMAIL_LIMIT:
        return f"邮箱地址不能超过{EMAIL_LIMIT}个字符"
    if not EMAIL_PATTERN.fullmatch(email) or len(email.partition("@")[0]) > 64:
        return "邮箱地址格式不正确，应类似 wang.li@example.com"
    return None


def parse_account(
    username: Any, display_name: Any, role: Any, district: Any, phone: Any, email: Any = None
) -> tuple[AccountFields | None, dict[str, str]]:
    """Check an account's fields (not whether the login is taken); Chinese messages keyed by field."""
    errors: dict[str, str] = {}
    login = normal_username(username)
    if not USERNAME_PATTERN.match(login):
        errors["username"] = "用户名为3至40位小写字母、数字、点、短横线或下划线，以字母或数字开头"
    name = _text(display_name)
    if not name or len(name) > NAME_LIMIT:
        errors["display_name"] = f"请填写姓名（不超过{NAME_LIMIT}个字）"
    the_role = parse_role(role)
    if the_role is None:
        shown = _text(role)
        errors["role"] = (
            f"角色“{shown}”无效，只能填：{'、'.join(ROLE_LABELS.values())}" if shown else "请选择有效的角色"
        )
    district_text = _text(district)
    code = district_code_of(district_text) if district_text else None
    if district_text and code is None:
        errors["district"] = f"旗区“{district_text}”不存在，请填写旗区名称或代码，如 东胜区 或 150602"
    if the_role is not None and the_role.needs_district and code is None:
        errors.setdefault("district", "检查员和分管领导必须属于一个旗区")
    if the_role is not None and not the_role.needs_district:
        code = None  # the city's roles see every 旗区: a 旗区 given anyway means nothing
    number = _text(phone)
    if problem := phone_problem(number):
        errors["phone"] = problem
    address = normal_email(email)
    if problem := email_problem(address):
        errors["email"] = problem
    if errors or the_role is None:
        return None, errors
    return AccountFields(login, name, the_role, code, number or None, address or None), {}


def one_time_password(username: str, choice: Callable[[Sequence[str]], str] = secrets.choice) -> str:
    """A random password the policy accepts, in groups of four (Kp7m-Q3xr-9Twa): shown once to the admin, typed
    once by the user, then changed."""
    while True:
        groups = []
        for _ in range(_GROUPS):
            groups.append("".join(choice(_LOWER + _UPPER + _DIGITS) for _ in range(_GROUP_LENGTH)))
        password = "-".join(groups)
        has_all = all(any(c in kind for c in password) for kind in (_LOWER, _UPPER, _DIGITS))
        if has_all and password_problem(password, username) is None:
            return password
