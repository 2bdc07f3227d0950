"""Fixtures: one migrated database per run (SQLite by default, PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import itertools
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from inspect_app import create_app
from inspect_app.adapters import migrate
from inspect_app.adapters.pki import SigningPin
from inspect_app.config import load_config
from inspect_app.db import Base, make_engine
from inspect_app.demo.seed import credit_code
from inspect_app.domain.audit import GENESIS
from inspect_app.domain.identity.permissions import Role
from inspect_app.models import AuditHead, District, Office, Station, User
from inspect_app.signing import keys

PASSWORD = "secret-pass-1"
KEEP_TABLES = {"districts", "alembic_version", "audit_head"}  # seeded by the migrations


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate a clean database once per run."""
    instance = tmp_path_factory.mktemp("instance")
    url = load_config({"INSTANCE_PATH": str(instance), "SECRET_KEY": "x"})["SQLALCHEMY_DATABASE_URI"]
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate.upgrade(url)
    return url


def wipe(url: str) -> None:
    """Delete every row a test made, keeping the districts the migration seeded."""
    engine = make_engine(url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEEP_TABLES:
                connection.execute(table.delete())
        # The audit chain starts again with its head as the migration left it.
        connection.execute(AuditHead.__table__.update().values(seq=0, last_hash=GENESIS))
    engine.dispose()


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_TIME_COST": 1,
        "PASSWORD_MEMORY_COST": 8 * 1024,
        # Sign-in throttling stays on, with counters in the test's own database (REDIS_URL would share them).
        "RATELIMIT_STORAGE_URI": "database://",
        # No sweep in the background of every test: tests of the sweep run it, or turn the schedule on.
        "SWEEP_INTERVAL_MINUTES": 0,
    }


@pytest.fixture
def app(app_config: dict[str, Any], database_url: str):
    application = create_app(app_config)
    yield application
    application.extensions["db_engine"].dispose()
    wipe(database_url)


@pytest.fixture
def session(app) -> Session:
    """The test's own session, apart from the ones requests open (so no identity map is shared)."""
    # No app context stays pushed: requests must get their own, as in production.
    own = app.extensions["db_sessionmaker"]()
    own.info["passwords"] = app.extensions["passwords"]
    yield own
    own.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def today() -> date:
    return date(2026, 11, 22)


def district(session: Session, code: str) -> District:
    return session.query(District).filter_by(code=code).one()


_numbers = itertools.count(1)


def make_user(
    session: Session,
    role: Role | str,
    district_code: str | None = None,
    username: str | None = None,
    password: str = PASSWORD,
    active: bool = True,
) -> User:
    role = Role(role)
    user = User(
        username=username or f"{role.value}{next(_numbers)}",
        display_name=f"测试{role.label}",
        role=role,
        district_id=district(session, district_code).id if district_code else None,
        password_hash=session.info["passwords"].hash(password),
        active=active,
    )
    session.add(user)
    session.commit()
    return user


def station_row(district_code: str = "150602", **overrides: Any) -> dict[str, Any]:
    """Raw station fields as a form or an import row would carry them."""
    import random

    n = next(_numbers)
    row = {
        "number": f"{district_code}-T{n:04d}",
        "name": f"测试{n}号12315消费维权服务站",
        "host_organisation": f"鄂尔多斯市测试商贸有限公司{n}",
        "credit_code": credit_code(random.Random(n), district_code),
        "host_type": "超市",
        "district": district_code,
        "office": "",
        "address": "东胜区天骄路1号",
        "latitude": "39.82",
        "longitude": "109.96",
        "head_name": "王敏",
        "phone": "0477-8123456",
        "staff_full_time": "1",
        "staff_part_time": "2",
        "established_on": "2020-05-01",
        "is_odr": "否",
        "is_demonstration": "否",
        "status": "在册",
        "notes": "",
    }
    row.update(overrides)
    return row


def make_station(
    session: Session, district_code: str = "150602", office: str | None = None, **overrides: Any
) -> Station:
    """A station stored directly, bypassing the use case (for tests of other things)."""
    from inspect_app.domain.directory.stations import parse_station

    fields, errors = parse_station(station_row(district_code, office=office or "", **overrides), date(2026, 11, 22))
    assert fields is not None, errors.messages
    the_district = district(session, district_code)
    the_office = None
    if office:
        the_office = session.query(Office).filter_by(district_id=the_district.id, name=office).one_or_none()
        if the_office is None:
            the_office = Office(district=the_district, name=office)
    from inspect_app.directory.operations import apply_fields

    station = Station()
    apply_fields(station, fields, the_district, the_office)
    session.add(station)
    session.commit()
    return station


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username: str, password: str = PASSWORD):
        return self._client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def login_as(session, auth):
    """Create a user of `role` (in `district_code`) and sign the test client in as that user."""

    def _login(role: Role | str, district_code: str | None = None, **kwargs: Any) -> User:
        user = make_user(session, role, district_code, **kwargs)
        response = auth.login(user.username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return _login


def keyed(app, pin: str) -> SigningPin:
    """A signing PIN as the sign-off pages pass it on: keyed with the app's CA passphrase."""
    return keys.signing_pin(pin, app.config["PKI_CA_PASSPHRASE"])


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


os.environ.setdefault("APP_ENV", "development")
