"""Failed sign-ins: counted where every worker sees them, warned about before the lock, and every answer costs one
password check, so neither a deactivated account nor an unknown name answers faster than a real one."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from support import PASSWORD, make_user

from inspect_app import create_app

WRONG = "wrong-pass-1"

# A gunicorn worker of its own: a separate process with its own app, sharing only the database.
WORKER = """
import json, sys
from inspect_app import create_app
config, attempts = json.load(sys.stdin)
app = create_app(config)
client = app.test_client()
codes = [client.post("/login", data=data, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code for data in attempts]
app.extensions["db_engine"].dispose()
print(json.dumps(codes))
"""


def sign_in(client, username, password=PASSWORD, address="10.0.0.1"):
    return client.post(
        "/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


@pytest.fixture
def default_counters(app_config, monkeypatch):
    """The settings as a deployment without Redis has them: the counters' storage left to its default."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    return {k: v for k, v in app_config.items() if k != "RATELIMIT_STORAGE_URI"}


def in_another_worker(config: dict, attempts: list[dict]) -> list[int]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    done = subprocess.run(
        [sys.executable, "-c", WORKER],
        input=json.dumps([config, attempts]),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_workers_share_the_per_account_count(default_counters, session):
    make_user(session, "city", username="c.shared")
    wrong = {"username": "c.shared", "password": WRONG}
    assert in_another_worker(default_counters, [wrong] * 3) == [200, 200, 200]
    this_worker = create_app(default_counters)
    try:
        client = this_worker.test_client()
        assert [sign_in(client, "c.shared", WRONG).status_code for _ in range(2)] == [200, 200]
        refused = sign_in(client, "c.shared")  # the right password, after five failures in two workers
        assert refused.status_code == 429 and "登录尝试过多" in refused.get_data(as_text=True)
    finally:
        this_worker.extensions["db_engine"].dispose()
    assert in_another_worker(default_counters, [{"username": "c.shared", "password": PASSWORD}]) == [429]


def warnings_for(client, username: str) -> list[str]:
    """What the sign-in page warns after each of five failures in a row, one line per page ('' for none)."""
    found = []
    for _ in range(5):
        page = sign_in(client, username, WRONG).get_data(as_text=True)
        assert "用户名或密码错误" in page
        found.append(next((line.strip() for line in page.splitlines() if "锁定" in line), ""))
    return found


def test_the_page_warns_how_many_attempts_remain_before_the_last(client, session):
    make_user(session, "city", username="c.warn")
    shown = warnings_for(client, "c.warn")
    assert shown[:2] == ["", ""]
    assert "再输错2次，该账号将被暂时锁定15分钟。" in shown[2]
    assert "再输错1次，该账号将被暂时锁定15分钟。" in shown[3]
    assert "该账号已被暂时锁定，请15分钟后再试。" in shown[4]
    # An unknown name is warned alike: the warning tells nothing about whether the account exists.
    assert warnings_for(client, "c.nobody") == shown


def test_no_warning_when_throttling_is_off(app_config):
    off = create_app({**app_config, "RATELIMIT_ENABLED": False})
    try:
        client = off.test_client()
        for _ in range(6):
            assert "锁定" not in sign_in(client, "nobody", WRONG).get_data(as_text=True)
    finally:
        off.extensions["db_engine"].dispose()


def test_every_answer_checks_one_password_hash_of_the_same_cost(app, client, session, monkeypatch):
    real = make_user(session, "city", username="c.real")
    make_user(session, "city", username="c.gone", active=False)
    hasher = app.extensions["passwords"]
    checked: list[str] = []
    verify = hasher.verify
    monkeypatch.setattr(hasher, "verify", lambda stored, password: checked.append(stored) or verify(stored, password))
    cost = real.password_hash.split("$")[3]  # m=...,t=...,p=...
    for username, password, status in (
        ("c.real", WRONG, 200),
        ("c.gone", PASSWORD, 200),
        ("c.nobody", PASSWORD, 200),
        ("c.real", PASSWORD, 302),
    ):
        checked.clear()
        assert sign_in(client, username, password).status_code == status, username
        assert len(checked) == 1, username
        assert checked[0].startswith("$argon2id$") and checked[0].split("$")[3] == cost, username
        client.post("/logout")
