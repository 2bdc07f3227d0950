"""To-do e-mails through a real SMTP server (aiosmtpd on localhost): each person with an address gets the items not
yet mailed, in Chinese, with full links, once; without SMTP_HOST nothing is attempted."""

from __future__ import annotations

import email
import email.policy
import smtplib
import socket
from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import func, select
from support import cli, make_station, make_user
from todo_support import at, inspection

from inspect_app.config import ConfigError, load_config
from inspect_app.domain.inspections import InspectionStatus
from inspect_app.housekeeping import sweeper
from inspect_app.models import AuditEntry, MailedItem

BASE_URL = "https://12315.example.cn"


class Inbox:
    """What the server received: (envelope sender, recipients, parsed message); refuses the addresses in `refuse`."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for _, rcpt, m in self.received if address in rcpt]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(**options):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def smtp(app):
    """A local SMTP server, and the app configured to send through it."""
    with smtp_server() as (inbox, port):
        app.config.update(
            SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="noreply@12315.example.cn", APP_BASE_URL=BASE_URL
        )
        yield inbox


@pytest.fixture
def waiting(session, campaign):
    """A leader and an inspector with addresses and something waiting, and people who must get nothing."""
    insp = make_user(session, "inspector", "150602", username="mail.insp")
    leader = make_user(session, "leader", "150602", username="mail.leader")
    quiet = make_user(session, "inspector", "150602", username="mail.quiet")  # no address
    gone = make_user(session, "leader", "150602", username="mail.gone", active=False)
    idle = make_user(session, "city", username="mail.city")  # an address, nothing waiting
    insp.email, leader.email, gone.email, idle.email = (
        "wang@example.cn",
        "li@example.cn",
        "gone@example.cn",
        "city@example.cn",
    )
    session.commit()
    returned = inspection(
        session,
        campaign,
        make_station(session, name="东胜万达12315消费维权服务站"),
        insp,
        InspectionStatus.RETURNED,
        reviewed_at=at(3),
        comment="请补拍宣传栏",
    )
    inspection(session, campaign, make_station(session), quiet, InspectionStatus.RETURNED, reviewed_at=at(3))
    first, second = (
        inspection(
            session, campaign, make_station(session, name=name), insp, InspectionStatus.SUBMITTED, submitted_at=at(n)
        )
        for n, name in ((5, "东胜甲站"), (2, "东胜乙站"))
    )
    return {"insp": insp, "leader": leader, "returned": returned, "first": first, "second": second}


def test_each_person_gets_the_waiting_items_once_in_chinese_with_links(app, session, smtp, waiting):
    result = cli(app, "todo", "send-mail")

    assert result.exit_code == 0, result.output
    assert "已发送2封邮件，共3项待办" in result.output
    assert sorted(rcpt[0] for _, rcpt, _ in smtp.received) == ["li@example.cn", "wang@example.cn"]
    [to_leader] = smtp.to("li@example.cn")
    assert to_leader["Subject"] == "【12315服务站验收】您有2项新的待办事项"
    assert "noreply@12315.example.cn" in to_leader["From"] and "li@example.cn" in to_leader["To"]
    body = to_leader.get_content()
    assert body.startswith("测试分管领导，您好：")
    assert f"{BASE_URL}/inspect/inspections/{waiting['second'].id}#review" in body
    assert body.index("东胜乙站") < body.index("东胜甲站")  # newest first
    [to_inspector] = smtp.to("wang@example.cn")
    text = to_inspector.get_content()
    assert "【紧急】[退回补正] 东胜万达12315消费维权服务站\n" in text and "请补拍宣传栏" in text
    assert f"{BASE_URL}/inspect/inspections/{waiting['returned'].id}" in text
    assert session.scalar(select(func.count()).select_from(MailedItem)) == 3
    assert session.scalar(select(func.count()).where(AuditEntry.action == "mail_todo")) == 2

    again = cli(app, "todo", "send-mail")
    assert "已发送0封邮件" in again.output and len(smtp.received) == 2  # nothing twice

    later = inspection(
        session,
        waiting["first"].campaign,
        make_station(session, name="东胜丙站"),
        waiting["insp"],
        InspectionStatus.SUBMITTED,
        submitted_at=at(1),
    )
    cli(app, "todo", "send-mail")
    [_, newest] = smtp.to("li@example.cn")
    assert newest["Subject"] == "【12315服务站验收】您有1项新的待办事项"
    assert f"/inspect/inspections/{later.id}#review" in newest.get_content()
    assert "东胜甲站" not in newest.get_content()


def test_what_left_the_lists_is_forgotten_and_mailed_again_if_it_comes_back(app, session, smtp, waiting):
    cli(app, "todo", "send-mail")
    second = waiting["second"]
    keys = set(session.scalars(select(MailedItem.item_key)))
    assert len(keys) == 3
    second.status = InspectionStatus.ACCEPTED  # reviewed: off the leader's list
    session.commit()
    cli(app, "todo", "send-mail")
    left = set(session.scalars(select(MailedItem.item_key)))
    assert len(left) == 2 and left < keys  # its record went with it
    second.status = InspectionStatus.SUBMITTED  # returned and sent again: new work, a new e-mail
    session.commit()
    cli(app, "todo", "send-mail")
    assert "东胜乙站" in smtp.to("li@example.cn")[-1].get_content() and len(smtp.to("li@example.cn")) == 2
    assert set(session.scalars(select(MailedItem.item_key))) == keys
    waiting["insp"].email = None  # no e-mail any more: what was mailed to them is forgotten too
    session.commit()
    cli(app, "todo", "send-mail")
    assert set(session.scalars(select(MailedItem.user_id))) == {waiting["leader"].id}


def test_a_run_beside_another_keeps_the_others_record(app, session, smtp, waiting, monkeypatch):
    from inspect_app.todo import mailing

    plan = mailing._plan

    def raced(*args):
        planned = plan(*args)
        # Meanwhile another run mailed the inspector's item and recorded it.
        session.add(MailedItem(user_id=waiting["insp"].id, item_key=planned[0][4][0].key))
        session.commit()
        return planned

    monkeypatch.setattr(mailing, "_plan", raced)
    result = cli(app, "todo", "send-mail")
    assert result.exit_code == 0, result.output
    assert len(smtp.received) == 2
    assert session.scalar(select(func.count()).select_from(MailedItem)) == 3  # nothing recorded twice, nothing lost


def test_without_smtp_nothing_is_attempted(app, session, waiting, monkeypatch):
    def no_connection(*args, **kwargs):
        raise AssertionError("no SMTP connection may be opened without SMTP_HOST")

    monkeypatch.setattr(smtplib, "SMTP", no_connection)
    assert app.config["SMTP_HOST"] is None
    result = cli(app, "todo", "send-mail")
    assert result.exit_code == 0 and "未配置邮件服务器" in result.output
    assert sweeper.run(app).todo_mails_sent == 0
    assert session.scalar(select(func.count()).select_from(MailedItem)) == 0


def test_the_sweep_sends_them_too(app, session, smtp, waiting):
    assert sweeper.run(app).todo_mails_sent == 2
    assert len(smtp.received) == 2
    assert sweeper.run(app).todo_mails_sent == 0


def test_a_refused_address_is_tried_again_next_time_and_the_others_go(app, session, smtp, waiting):
    smtp.refuse.add("wang@example.cn")
    result = cli(app, "todo", "send-mail")
    assert result.exit_code == 1
    assert "邮件服务器拒收收件人 wang@example.cn" in result.output
    assert [rcpt for _, rcpt, _ in smtp.received] == [["li@example.cn"]]
    smtp.refuse.clear()
    cli(app, "todo", "send-mail")
    assert len(smtp.to("wang@example.cn")) == 1 and len(smtp.to("li@example.cn")) == 1


def test_a_server_that_is_down_sends_nothing_and_remembers_nothing(app, session, waiting):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_FROM="noreply@example.cn")
    result = cli(app, "todo", "send-mail")
    assert result.exit_code == 1 and "无法连接邮件服务器 127.0.0.1" in result.output
    assert session.scalar(select(func.count()).select_from(MailedItem)) == 0


def test_it_signs_in_with_smtp_user_and_password(app, waiting):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"mailer", b"s3cret")
        logins.append(ok)
        return AuthResult(success=ok, handled=False)

    with smtp_server(authenticator=authenticator, auth_require_tls=False) as (inbox, port):
        app.config.update(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=port,
            SMTP_FROM="noreply@example.cn",
            SMTP_USER="mailer",
            SMTP_PASSWORD="wrong",
            SMTP_STARTTLS=False,
        )
        refused = cli(app, "todo", "send-mail")
        assert refused.exit_code == 1 and "邮件服务器拒绝了SMTP_USER和SMTP_PASSWORD" in refused.output
        assert inbox.received == []
        app.config["SMTP_PASSWORD"] = "s3cret"
        assert cli(app, "todo", "send-mail").exit_code == 0
        assert len(inbox.received) == 2 and logins[-1] is True


def test_the_settings_come_from_the_environment(tmp_path):
    def settings(**env):
        return load_config({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"}, env=env)

    assert settings()["SMTP_HOST"] is None
    given = settings(SMTP_HOST="smtp.example.cn", SMTP_PORT="587", SMTP_USER="u@example.cn", SMTP_PASSWORD="p")
    assert (given["SMTP_PORT"], given["SMTP_FROM"], given["SMTP_STARTTLS"]) == (587, "u@example.cn", True)
    assert settings(SMTP_HOST="h", SMTP_FROM="a@b.cn")["SMTP_STARTTLS"] is False
    assert settings(SMTP_HOST="h", SMTP_USER="u", SMTP_FROM="a@b.cn", SMTP_STARTTLS="0")["SMTP_STARTTLS"] is False
    with pytest.raises(ConfigError, match="SMTP_FROM"):
        settings(SMTP_HOST="smtp.example.cn")
    with pytest.raises(ConfigError, match="APP_BASE_URL"):
        load_config(
            {"INSTANCE_PATH": str(tmp_path)},
            env={"APP_ENV": "production", "SECRET_KEY": "x", "SMTP_HOST": "h", "SMTP_FROM": "a@b.cn"},
        )
