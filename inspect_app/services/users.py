"""Use cases for accounts: create, authenticate, reset a password, deactivate."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.password_policy import password_problem
from ..domain.permissions import Role
from ..models import District, User
from ..models.types import utcnow
from ..passwords import Passwords
from . import Invalid, NotFound, audit, user_sessions

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")


@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    role: str
    district_code: str | None
    password: str


def create_user(session: Session, passwords: Passwords, new: NewUser) -> User:
    """Create an account after checking name, role, district and password."""
    errors: dict[str, str] = {}
    username = new.username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        errors["username"] = "用户名为3至40位小写字母、数字、点、短横线或下划线，以字母或数字开头"
    elif session.scalar(select(func.count()).where(User.username == username)):
        errors["username"] = f"用户名 {username} 已存在"
    display_name = new.display_name.strip()
    if not display_name or len(display_name) > 40:
        errors["display_name"] = "请填写姓名（不超过40个字）"
    try:
        role = Role(new.role)
    except ValueError:
        errors["role"] = "请选择有效的角色"
        role = None
    district = None
    if new.district_code:
        district = session.scalar(select(District).where(District.code == new.district_code))
        if district is None:
            errors["district"] = f"旗区代码 {new.district_code} 不存在"
    if role is not None and role.needs_district and district is None:
        errors.setdefault("district", "检查员和分管领导必须属于一个旗区")
    if role is not None and not role.needs_district:
        district = None
    problem = password_problem(new.password, username)
    if problem:
        errors["password"] = problem
    if errors:
        raise Invalid(errors)
    user = User(username=username, display_name=display_name, role=role,
                district_id=district.id if district else None, password_hash=passwords.hash(new.password))
    session.add(user)
    session.commit()
    return user


def sign_in(session: Session, passwords: Passwords, username: str, password: str) -> User | None:
    """The active user with this name and password, signed in with a new session (its token on
    `user.session_token`), or None; upgrades an outdated hash."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    # One password check whatever the name, against a hash of the same cost when there is no account: an unknown
    # name or a deactivated account answers as slowly as a wrong password, so timing tells neither apart.
    matches = passwords.verify(user.password_hash if user is not None else passwords.dummy_hash, password)
    if user is None:
        return None
    if not user.active or not matches:
        audit.record(session, None, "sign_in_failed", "user", user.id, user.district_id,
                     {"reason": "inactive" if not user.active else "password"}, user_id=user.id)
        session.commit()
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    user.last_login_at = utcnow()
    user_sessions.start_session(session, user)
    audit.record(session, None, "sign_in", "user", user.id, user.district_id, user_id=user.id)
    session.commit()
    return user


def _get(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def reset_password(session: Session, passwords: Passwords, user_id: int, password: str) -> User:
    """Set a new password (if the policy accepts it) and end every session of the account."""
    user = _get(session, user_id)
    problem = password_problem(password, user.username)
    if problem:
        raise Invalid({"password": problem})
    user.password_hash = passwords.hash(password)
    user_sessions.end_user_sessions(session, user.id, "password_reset")
    session.commit()
    return user


def set_active(session: Session, user_id: int, active: bool, acting_user_id: int) -> User:
    """Deactivate (ending the user's sessions) or reactivate an account; nobody deactivates themselves."""
    user = _get(session, user_id)
    if not active and user.id == acting_user_id:
        raise Invalid("不能停用自己的账号")
    if user.active != active:
        user.active = active
        if not active:
            user_sessions.end_user_sessions(session, user.id, "deactivated")
        session.commit()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.role, User.district_id, User.username)))


def get_user(session: Session, user_id: int) -> User:
    """The account, or NotFound."""
    return _get(session, user_id)


def display_names(session: Session, user_ids: set[int]) -> dict[int, str]:
    """Names to show beside the edits people made."""
    if not user_ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all())
