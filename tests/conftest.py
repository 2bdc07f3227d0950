"""Fixtures: one migrated database per run (SQLite by default, PostgreSQL when DATABASE_URL says so), and the
season the tests share. Plain helpers are in support.py."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import objectstore
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from support import (
    PIN,
    STATION,
    AuthActions,
    accepted_inspection,
    instance,
    make_station,
    make_user,
    new_campaign,
    wipe,
)

from inspect_app import create_app
from inspect_app.adapters import migrate
from inspect_app.config import load_config
from inspect_app.db import make_engine
from inspect_app.domain.identity.permissions import Role
from inspect_app.models import Campaign, Station, User
from inspect_app.signing import keys


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
        # Photos are read inside the request that keeps them, so a test reads its findings at once; the tests of
        # reading them later (test_photo_jobs.py) turn this off.
        "PHOTO_JOBS_INLINE": True,
        # Station parts are laid out by the builds that need them, not at every submit of every test; the tests
        # of laying them out ahead (test_report_ahead.py) turn this on.
        "REPORT_PARTS_AHEAD": False,
    }


@pytest.fixture
def app(app_config: dict[str, Any], database_url: str):
    application = create_app(app_config)
    yield application
    application.extensions["db_engine"].dispose()
    wipe(database_url)


@pytest.fixture(scope="session")
def s3_gateway(tmp_path_factory: pytest.TempPathFactory):
    """A real S3 server on loopback (tests/objectstore.py), started at the first test that needs it."""
    gateway = objectstore.start(tmp_path_factory.mktemp("s3"))
    yield gateway
    gateway.stop()


@pytest.fixture
def bucket(s3_gateway) -> str:
    """A new empty bucket for the test."""
    return s3_gateway.new_bucket()


@pytest.fixture
def s3_app(app_config: dict[str, Any], database_url: str, s3_gateway, bucket: str):
    """The app with its stored files and uploads in flight in the test's own bucket."""
    application = create_app({**app_config, **s3_gateway.settings(bucket)})
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


@pytest.fixture
def inline_jobs(app):
    """Bundle builds run inside the request that starts them, so a test reads the finished build without polling."""
    app.config["JOBS_INLINE"] = True
    return app


@pytest.fixture
def other(tmp_path):
    """Makes further instances under tmp_path and lets their connections go afterwards."""
    made = []

    def make(name: str, url: str | None = None, revision: str = "head", **settings):
        made.append(instance(tmp_path / name, url, revision, **settings))
        return made[-1]

    yield make
    for app in made:
        app.extensions["db_engine"].dispose()


# ---- the season ---------------------------------------------------------------------------------------------


@pytest.fixture
def make_campaign(session):
    """Campaigns on the default checklist: `make_campaign()` is the 2026 season, keywords change name, dates or version."""

    def make(**changes: Any) -> Campaign:
        return new_campaign(session, **changes)

    return make


@pytest.fixture
def campaign(make_campaign) -> Campaign:
    """The 2026 campaign, 2026-09-01 to 2026-12-15, on the default checklist."""
    return make_campaign()


@pytest.fixture
def station(session, campaign) -> Station:
    """One Dongsheng station at STATION, in the campaign's season."""
    return make_station(
        session, "150602", name="万达广场12315消费维权服务站", latitude=str(STATION[0]), longitude=str(STATION[1])
    )


@pytest.fixture
def season(app, session, campaign):
    """Dongsheng's two accepted inspections, its inspector and leader, Kangbashi's leader, both certificates."""
    inspector = make_user(session, "inspector", "150602", username="insp.ds")
    leader = make_user(session, "leader", "150602", username="leader.ds")
    other_leader = make_user(session, "leader", "150603", username="leader.kbs")
    stations = [
        make_station(session, "150602", name=name, latitude="39.82", longitude="109.96")
        for name in ("东胜万达广场12315消费维权服务站", "东胜维多利超市12315消费维权服务站")
    ]
    for n, station in enumerate(stations):
        accepted_inspection(session, app, campaign, station, inspector, leader, n + 1)
    passphrase = app.config["PKI_CA_PASSPHRASE"]
    ca = keys.init_authority(session, passphrase)
    keys.issue_certificate(session, passphrase, leader.id, PIN)
    keys.issue_certificate(session, passphrase, other_leader.id, PIN)
    return {
        "campaign": campaign,
        "leader": leader,
        "other_leader": other_leader,
        "ca": ca.certificate_pem,
        "stations": stations,
    }


@pytest.fixture
def city_season(app, session, campaign):
    """Two districts with two accepted inspections each, their leaders' certificates and the city's."""
    passphrase = app.config["PKI_CA_PASSPHRASE"]
    ca = keys.init_authority(session, passphrase)
    people = {}
    for code, prefix, lat, lon in (("150602", "ds", 39.82, 109.96), ("150603", "kbs", 39.61, 109.78)):
        inspector = make_user(session, "inspector", code, username=f"insp.{prefix}")
        leader = make_user(session, "leader", code, username=f"leader.{prefix}")
        stations = [
            make_station(
                session,
                code,
                name=f"{prefix}{n}号12315消费维权服务站",
                latitude=str(lat),
                longitude=str(lon + n * 0.01),
            )
            for n in (1, 2)
        ]
        found = [
            accepted_inspection(session, app, campaign, s, inspector, leader, 10 * len(people) + n)
            for n, s in enumerate(stations)
        ]
        keys.issue_certificate(session, passphrase, leader.id, PIN)
        people[prefix] = {"inspector": inspector, "leader": leader, "stations": stations, "inspections": found}
    city = make_user(session, "city", username="city.center")
    keys.issue_certificate(session, passphrase, city.id, PIN)
    return {"campaign": campaign, "ca": ca.certificate_pem, "city": city, **people}


os.environ.setdefault("APP_ENV", "development")
