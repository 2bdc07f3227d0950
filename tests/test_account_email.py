"""The e-mail address the to-do reminders go to: set by the admin on the users page, by anyone on their own account
page, or by the import's optional 邮箱 column; a bad address gets a Chinese message and changes nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from support import make_user, xlsx

from inspect_app.domain.identity.accounts import email_problem, normal_email
from inspect_app.models import AuditEntry, User


@pytest.mark.parametrize(
    "given, stored",
    [("wang.li@example.com", "wang.li@example.com"), ("  Wang.Li@Example.COM ", "Wang.Li@example.com"), ("", "")],
)
def test_good_addresses_are_kept_with_the_domain_in_lower_case(given, stored):
    assert normal_email(given) == stored and email_problem(normal_email(given)) is None


@pytest.mark.parametrize(
    "given",
    [
        "wang",
        "wang@",
        "@example.com",
        "wang@example",
        "wang li@example.com",
        "<wang@example.com>",
        "a@@b.cn",
        "王丽@example.com",
        "wang@-example.com",
        "x" * 65 + "@example.com",
        "w@" + "e" * 250 + ".cn",
        "a@b.cn\nBcc: x@y.cn",
    ],
)
def test_bad_addresses_are_refused_in_chinese(given):
    assert "邮箱地址" in (email_problem(normal_email(given)) or "")


def test_a_user_sets_and_clears_their_own_address(client, session, login_as):
    user = login_as("inspector", "150602")
    page = client.get("/account/email").get_data(as_text=True)
    assert "邮件提醒" in page and "没有配置邮件服务器" in page
    assert 'href="/account/email"' in client.get("/account/password").get_data(as_text=True)
    response = client.post("/account/email", data={"email": "Wang.Li@Example.com"})
    assert response.status_code == 302
    session.refresh(user)
    assert user.email == "Wang.Li@example.com"
    assert "新的待办会发邮件至 Wang.Li@example.com" in client.get("/").get_data(as_text=True)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "set_email")).one()
    assert entry.target_id == user.id and entry.details == {"before": None, "after": "Wang.Li@example.com"}

    refused = client.post("/account/email", data={"email": "wang@example"})
    assert refused.status_code == 200 and "邮箱地址格式不正确" in refused.get_data(as_text=True)
    session.refresh(user)
    assert user.email == "Wang.Li@example.com"

    client.post("/account/email", data={"email": ""})
    session.refresh(user)
    assert user.email is None


def test_the_admin_sets_anyones_address_on_the_users_page(client, session, login_as):
    login_as("admin")
    other = make_user(session, "leader", "150603", username="leader.email")
    response = client.post(f"/admin/users/{other.id}/email", data={"email": "li@ordos.gov.cn"}, follow_redirects=True)
    assert "已将 leader.email 的邮箱设为 li@ordos.gov.cn" in response.get_data(as_text=True)
    session.refresh(other)
    assert other.email == "li@ordos.gov.cn"
    refused = client.post(f"/admin/users/{other.id}/email", data={"email": "li at ordos"}, follow_redirects=True)
    assert "邮箱地址格式不正确" in refused.get_data(as_text=True)
    session.refresh(other)
    assert other.email == "li@ordos.gov.cn"
    assert 'value="li@ordos.gov.cn"' in client.get("/admin/users").get_data(as_text=True)


def test_nobody_else_sets_someone_elses_address(client, session, login_as):
    other = make_user(session, "inspector", "150602", username="insp.email")
    login_as("leader", "150602")
    assert client.post(f"/admin/users/{other.id}/email", data={"email": "x@example.com"}).status_code == 403
    session.refresh(other)
    assert other.email is None


def test_the_admin_gives_an_address_when_creating_an_account(client, session, login_as):
    login_as("admin")
    bad = client.post(
        "/admin/users",
        data={
            "username": "insp.new",
            "display_name": "新检查员",
            "role": "inspector",
            "district": "150602",
            "email": "x@",
        },
    )
    assert "邮箱地址格式不正确" in bad.get_data(as_text=True)
    assert session.scalar(select(User).where(User.username == "insp.new")) is None
    client.post(
        "/admin/users",
        data={
            "username": "insp.new",
            "display_name": "新检查员",
            "role": "inspector",
            "district": "150602",
            "email": "new@example.com",
        },
    )
    assert session.scalar(select(User.email).where(User.username == "insp.new")) == "new@example.com"


def test_the_import_reads_the_optional_column(client, session, login_as):
    login_as("admin")
    headers = ["登录名", "姓名", "角色", "所属旗区", "手机号", "邮箱"]
    rows = [
        headers,
        ["insp.mail1", "甲", "检查员", "东胜区", "", "jia@example.com"],
        ["insp.mail2", "乙", "检查员", "东胜区", "", ""],
    ]
    bad = xlsx([headers, ["insp.mail3", "丙", "检查员", "东胜区", "", "bing@"]])
    page = client.post(
        "/admin/users/import", data={"file": (io.BytesIO(bad), "a.xlsx")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "第2行：邮箱地址格式不正确" in page
    client.post(
        "/admin/users/import", data={"file": (io.BytesIO(xlsx(rows)), "a.xlsx")}, content_type="multipart/form-data"
    )
    emails = dict(session.execute(select(User.username, User.email).where(User.username.like("insp.mail%"))).all())
    assert emails == {"insp.mail1": "jia@example.com", "insp.mail2": None}
