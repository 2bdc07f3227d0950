import pytest

from inspect_app import create_app
from inspect_app.config import ConfigError, load_config


def test_embedded_default_keeps_a_generated_secret(tmp_path):
    env = {"INSTANCE_PATH": str(tmp_path)}
    first = load_config(env=env)
    second = load_config(env=env)
    assert len(first["SECRET_KEY"]) == 64
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inspect.sqlite3'}"
    assert (tmp_path / "files").is_dir()


def test_production_refuses_to_start_without_a_secret(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(env={"INSTANCE_PATH": str(tmp_path), "APP_ENV": "production"})
    assert not (tmp_path / "secret_key").exists()


def test_production_with_a_secret_uses_secure_cookies(tmp_path):
    config = load_config(env={"INSTANCE_PATH": str(tmp_path), "APP_ENV": "production", "SECRET_KEY": "s" * 40})
    assert config["SECRET_KEY"] == "s" * 40
    assert config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("given", ["postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"])
def test_database_url_selects_psycopg3(tmp_path, given):
    config = load_config(env={"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": given})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_session_cookie_is_http_only_and_same_site(app, client, session, login_as):
    login_as("city")
    response = client.get("/")
    assert response.status_code == 200
    with app.test_request_context():
        assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_factory_takes_overrides(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k", "DIRECTORY_PAGE_SIZE": 5})
    assert app.config["DIRECTORY_PAGE_SIZE"] == 5 and app.instance_path == str(tmp_path)


def test_photo_jobs_settings_come_from_the_environment(tmp_path):
    defaults = load_config(env={"INSTANCE_PATH": str(tmp_path)})
    assert (defaults["PHOTO_JOB_THREADS"], defaults["PHOTO_JOB_NICE"], defaults["PHOTO_JOB_STALLED_SECONDS"]) == (
        1,
        10,
        600,
    )
    assert defaults["PHOTO_JOBS_INLINE"] is False
    env = {"INSTANCE_PATH": str(tmp_path), "PHOTO_JOB_THREADS": "2", "PHOTO_JOB_NICE": "0"}
    env["PHOTO_JOB_STALLED_SECONDS"] = "90"
    given = load_config(env=env)
    assert (given["PHOTO_JOB_THREADS"], given["PHOTO_JOB_NICE"], given["PHOTO_JOB_STALLED_SECONDS"]) == (2, 0, 90)
    with pytest.raises(ConfigError, match="PHOTO_JOB_THREADS"):
        load_config(env={"INSTANCE_PATH": str(tmp_path), "PHOTO_JOB_THREADS": "0"})
