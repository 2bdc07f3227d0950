"""Use cases for accounts: create (with a one-time password), sign in, reset, change a password, deactivate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inspect_app.accounts import user_sessions
from inspect_app.adapters.passwords import Passwords
from inspect_app.audit import trail as audit
from inspect_app.domain.identity.accounts import (
    AccountFields,
    email_problem,
    normal_email,
    one_time_password,
    parse_account,
)
from inspect_app.domain.identity.password_policy import password_problem
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.models import District, User
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid, NotFound


@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    role: str
    district_code: str | None
    password: str = ""  # chosen by its user (the command line); the admin's pages give a one-time password instead
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class OneTimeLogin:
    """An account and the password it was just given: shown once to the admin, changed at the first sign-in."""

    user: User
    password: str


def checked_account(session: Session, new: NewUser) -> AccountFields:
    """The account's fields once every rule holds, the login name not yet taken included; Invalid otherwise."""
    fields, errors = parse_account(new.username, new.display_name, new.role, new.district_code, new.phone, new.email)
    username = fields.username if fields else new.username.strip().lower()
    if "username" not in errors and session.scalar(select(func.count()).where(User.username == username)):
        errors["username"] = f"用户名 {username} 已存在"
    if errors or fields is None:
        raise Invalid(errors)
    return fields


def _district_ids(session: Session) -> dict[str, int]:
    return dict(session.execute(select(District.code, District.id)).all())


def _add(
    session: Session,
    actor: Actor | None,
    fields: AccountFields,
    password_hash: str,
    must_change: bool,
    district_ids: dict[str, int],
    via: str,
) -> User:
    user = User(
        username=fields.username,
        display_name=fields.display_name,
        role=fields.role,
        phone=fields.phone,
        email=fields.email,
        district_id=district_ids[fields.district_code] if fields.district_code else None,
        password_hash=password_hash,
        must_change_password=must_change,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "create_user",
        "user",
        user.id,
        user.district_id,
        {"username": user.username, "role": user.role.value, "via": via},
    )
    return user


def create_user(session: Session, passwords: Passwords, new: NewUser, actor: Actor | None = None) -> User:
    """Create an account with the password its own user typed (the command line, e.g. the first admin)."""
    errors: dict[str, str] = {}
    try:
        fields = checked_account(session, new)
    except Invalid as error:
        errors, fields = dict(error.errors), None
    problem = password_problem(new.password, new.username.strip().lower())
    if problem:
        errors["password"] = problem
    if errors or fields is None:
        raise Invalid(errors)
    user = _add(session, actor, fields, passwords.hash(new.password), False, _district_ids(session), "command_line")
    session.commit()
    return user


def add_with_one_time_passwords(
    session: Session, passwords: Passwords, actor: Actor, accounts: Iterable[AccountFields], via: str
) -> list[OneTimeLogin]:
    """Add checked accounts to the caller's transaction, each with a one-time password to change at first sign-in."""
    district_ids = _district_ids(session)
    added = []
    for fields in accounts:
        password = one_time_password(fields.username)
        added.append(
            OneTimeLogin(_add(session, actor, fields, passwords.hash(password), True, district_ids, via), password)
        )
    return added


def create_account(
    session: Session, passwords: Passwords, new: NewUser, actor: Actor, via: str = "admin"
) -> OneTimeLogin:
    """Create an account with a one-time password (the admin's page): nobody but its user keeps a password."""
    [login] = add_with_one_time_passwords(session, passwords, actor, [checked_account(session, new)], via)
    session.commit()
    return login


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
        audit.record(
            session,
            None,
            "sign_in_failed",
            "user",
            user.id,
            user.district_id,
            {"reason": "inactive" if not user.active else "password"},
            user_id=user.id,
        )
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


def reset_password(session: Session, passwords: Passwords, user_id: int, actor: Actor | None = None) -> OneTimeLogin:
    """Give the account a new one-time password (to be changed at its next sign-in) and end all its sessions."""
    user = _get(session, user_id)
    password = one_time_password(user.username)
    user.password_hash = passwords.hash(password)
    user.must_change_password = True
    user_sessions.end_user_sessions(session, user.id, "password_reset")
    audit.record(session, actor, "reset_password", "user", user.id, user.district_id, {"username": user.username})
    session.commit()
    return OneTimeLogin(user, password)


def change_password(session: Session, passwords: Passwords, user: User, current: str, new: str, again: str) -> User:
    """The user's own new password, once the current one is confirmed; other signed-in browsers are signed out."""
    errors: dict[str, str] = {}
    if not passwords.verify(user.password_hash, current or ""):
        errors["current"] = "当前密码错误"
    problem = password_problem(new or "", user.username)
    if problem:
        errors["password"] = problem
    elif "current" not in errors and new == current:
        errors["password"] = "新密码不能与当前密码相同"
    if new != again:
        errors["password_again"] = "两次输入的新密码不一致"
    if errors:
        raise Invalid(errors)
    user.password_hash = passwords.hash(new)
    user.must_change_password = False
    user_sessions.end_other_sessions(session, user.id, user.session_token, "password_changed")
    audit.record(session, user.actor, "change_password", "user", user.id, user.district_id)
    session.commit()
    return user


def set_active(session: Session, user_id: int, active: bool, actor: Actor) -> User:
    """Deactivate (ending the user's sessions) or reactivate an account; nobody deactivates themselves."""
    user = _get(session, user_id)
    if not active and user.id == actor.user_id:
        raise Invalid("不能停用自己的账号")
    if user.active != active:
        user.active = active
        if not active:
            user_sessions.end_user_sessions(session, user.id, "deactivated")
        audit.record(
            session,
            actor,
            "activate_user" if active else "deactivate_user",
            "user",
            user.id,
            user.district_id,
            {"username": user.username},
        )
        session.commit()
    return user


def set_email(session: Session, actor: Actor, user_id: int, email: str) -> User:
    """Set or clear (empty) the address the to-do e-mails go to: the admin for anyone, everyone for themselves."""
    if actor.user_id != user_id:
        require(actor, Action.MANAGE_USERS)
    user = _get(session, user_id)
    address = normal_email(email)
    if problem := email_problem(address):
        raise Invalid({"email": problem})
    if (user.email or "") != address:
        before = user.email
        user.email = address or None
        audit.record(
            session, actor, "set_email", "user", user.id, user.district_id, {"before": before, "after": user.email}
        )
        session.commit()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.role, User.district_id, User.username)))


def find_user(session: Session, username: str) -> User | None:
    """The account signing in as `username`, for the command line's --as and --user."""
    return session.scalar(select(User).where(User.username == username))


def get_user(session: Session, user_id: int) -> User:
    """The account, or NotFound."""
    return _get(session, user_id)


def display_names(session: Session, user_ids: set[int]) -> dict[int, str]:
    """Names to show beside the edits people made."""
    if not user_ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all())
