"""The password policy: the plain rule, and the admin page and `flask users create` that apply it."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support import PASSWORD

from inspect_app.domain.identity.password_policy import character_classes, password_problem
from inspect_app.models import User


@pytest.mark.parametrize(
    "password, message",
    [
        ("Ab1!", "至少需要10位"),
        ("Ab1!efgh9", "至少需要10位"),  # nine characters, all four classes
        ("onlylowercase", "至少三类"),  # thirteen characters, one class
        ("lowercase123", "至少三类"),  # two classes
        ("x" * 129, "不能超过128位"),
        ("Password2026!", "过于常见"),  # a common word with a tail
        ("Demo12315!", "过于常见"),  # the demo password dressed up
        ("Qwertyuiop1!", "过于常见"),
        ("01234567890123", "过于常见"),  # fourteen characters, but a plain run
        ("aaaaaaaaaaaaaaaa", "过于常见"),  # one character repeated
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, message):
    problem = password_problem(password)
    assert problem is not None and message in problem


@pytest.mark.parametrize(
    "password",
    [
        "hangjin-2026",  # lower, symbol, digit
        "Kb7-wq2ZpL",  # exactly ten, four classes
        "青草地上的羊群2026年春天",  # long enough: no classes needed
        "correct horse battery staple",
    ],
)
def test_strong_passwords_pass(password):
    assert password_problem(password, "leader.hj") is None


def test_the_login_name_is_not_a_password():
    assert "登录名" in password_problem("Leader.DS-2026", "leader.ds")
    assert password_problem("Leader.DS-2026", "insp.x") is None


def test_common_passwords_are_refused_before_their_length_counts():
    for common in ("12345678", "password", "demo12315"):
        assert password_problem(common) is not None


def test_character_classes():
    assert character_classes("abc") == 1 and character_classes("aB1") == 3 and character_classes("aB1-") == 4
    assert character_classes("中文abc") == 2  # letters without case count as "other"


def test_the_change_password_page_shows_the_policy_and_keeps_a_weak_password_out(client, session, login_as):
    # The admin no longer types anyone's password (one-time passwords are made by the server): the policy
    # applies where a person chooses their own.
    user = login_as("inspector", "150602")
    before = user.password_hash
    page = client.get("/account/password").get_data(as_text=True)
    assert "至少10位" in page
    for weak, reason in (("Password2026!", "密码过于常见"), (f"{user.username}-2026-new", "密码不能包含登录名")):
        response = client.post(
            "/account/password", data={"current": PASSWORD, "password": weak, "password_again": weak}
        )
        assert response.status_code == 200 and reason in response.get_data(as_text=True)
        session.refresh(user)
        assert user.password_hash == before


def test_cli_shows_the_policy_and_creates_nothing(runner, session):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--username",
            "city.y",
            "--name",
            "市中心",
            "--role",
            "city",
            "--password",
            "lowercase123",
        ]
    )
    assert result.exit_code == 1 and "错误：password: " in result.output and "至少三类" in result.output
    assert session.scalars(select(User)).all() == []
    assert "至少10位" in runner.invoke(args=["users", "create", "--help"]).output
