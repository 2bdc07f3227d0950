"""Configuration from the environment, with an embedded default that needs nothing installed."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Any, Mapping

from inspect_app.domain.numbers import whole_number

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised at start-up when a required production setting is missing."""


def _secret_key(instance: Path, env: Mapping[str, str], production: bool) -> str:
    given = env.get("SECRET_KEY", "").strip()
    if given:
        return given
    if production:
        raise ConfigError("APP_ENV=production requires an explicit SECRET_KEY in the environment")
    # Embedded default: generate once and keep it, so sessions survive restarts.
    path = instance / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_hex(32)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


def _ca_passphrase(instance: Path, env: Mapping[str, str], production: bool) -> str:
    """The passphrase that encrypts the city CA's private key at rest."""
    given = env.get("PKI_CA_PASSPHRASE", "").strip()
    if given or production:
        return given  # production without one: `flask pki init` refuses with a clear message
    path = instance / "ca_passphrase"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _database_url(instance: Path, env: Mapping[str, str]) -> str:
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance / 'inspect.sqlite3'}"
    # Accept the common short forms and always use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    return default if not value else value not in ("0", "false", "no", "off")


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    number = whole_number(value, maximum=10**15)
    if number is None or number < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1, not {value!r}")
    return number


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    number = whole_number(value, maximum=10**15)
    if number is None:
        raise ConfigError(f"{name} must be a whole number, not {value!r}")
    return number


def _smtp(env: Mapping[str, str], production: bool) -> dict[str, Any]:
    """The SMTP server the to-do e-mails go through; without SMTP_HOST nothing is ever sent."""
    host = env.get("SMTP_HOST", "").strip() or None
    user = env.get("SMTP_USER", "").strip() or None
    sender = env.get("SMTP_FROM", "").strip() or user
    base_url = env.get("APP_BASE_URL", "").strip().rstrip("/")
    if host and not sender:
        raise ConfigError("SMTP_HOST is set: SMTP_FROM (the sender's address) is required too")
    if host and production and not base_url:
        raise ConfigError("SMTP_HOST is set: APP_BASE_URL (the address the e-mails' links start with) is required")
    return {
        "SMTP_HOST": host,
        "SMTP_PORT": _positive_int(env, "SMTP_PORT", 25),
        "SMTP_USER": user,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", "") or None,
        "SMTP_FROM": sender,
        # A password never goes over the wire in clear: with SMTP_USER, STARTTLS is on unless turned off.
        "SMTP_STARTTLS": _flag(env, "SMTP_STARTTLS", user is not None),
        "SMTP_TIMEOUT_SECONDS": _positive_int(env, "SMTP_TIMEOUT_SECONDS", 30),
        "APP_BASE_URL": base_url or "http://127.0.0.1:5000",
    }


def _object_store(env: Mapping[str, str], instance: Path) -> dict[str, Any]:
    url = env.get("FILE_STORE_URL", "").strip() or None
    if url is not None and not re.fullmatch(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9._/-]*)?", url):
        raise ConfigError(f"FILE_STORE_URL must be s3://bucket or s3://bucket/prefix (got {url!r})")
    prefix = url.split("/", 3)[3].strip("/") if url is not None and url.count("/") >= 3 else ""
    if prefix and any(segment in ("", ".", "..") for segment in prefix.split("/")):
        # Servers differ on `a/../b` and `a//b`: one spelling may name another folder than ours on another server.
        raise ConfigError(f"FILE_STORE_URL's prefix may not hold empty, '.' or '..' segments (got {url!r})")
    endpoint = env.get("FILE_STORE_ENDPOINT", "").strip() or None
    if endpoint is not None and not re.match(r"https?://[^/\s]", endpoint):
        raise ConfigError(f"FILE_STORE_ENDPOINT must start with http:// or https:// (got {endpoint!r})")
    addressing = env.get("FILE_STORE_ADDRESSING", "").strip() or "path"
    if addressing not in ("path", "virtual"):
        raise ConfigError("FILE_STORE_ADDRESSING must be path or virtual")
    access, secret = env.get("FILE_STORE_ACCESS_KEY", "").strip(), env.get("FILE_STORE_SECRET_KEY", "").strip()
    if bool(access) != bool(secret):
        raise ConfigError("FILE_STORE_ACCESS_KEY and FILE_STORE_SECRET_KEY go together")
    return {
        "FILE_STORE_URL": url,
        "FILE_STORE_ENDPOINT": endpoint,
        "FILE_STORE_REGION": env.get("FILE_STORE_REGION", "").strip() or "us-east-1",
        # Unset, boto3 looks for keys where it always does (AWS_ACCESS_KEY_ID..., the machine's role).
        "FILE_STORE_ACCESS_KEY": access or None,
        "FILE_STORE_SECRET_KEY": secret or None,
        # path: https://endpoint/bucket/key (most S3-compatible servers); virtual: https://bucket.endpoint/key
        # (Aliyun OSS, for one, answers only this way).
        "FILE_STORE_ADDRESSING": addressing,
        # Verified local copies of stored objects for tools that want a path (PDF layouts, ZIP readers); the sweep
        # removes copies unused for a day.
        "FILE_STORE_CACHE_PATH": env.get("FILE_STORE_CACHE_PATH", "").strip() or str(instance / "cache" / "files"),
    }


def load_config(overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the settings dictionary: environment first, then explicit overrides."""
    env = os.environ if env is None else env
    overrides = dict(overrides or {})
    instance = Path(overrides.get("INSTANCE_PATH") or env.get("INSTANCE_PATH") or PROJECT_ROOT / "instance")
    instance.mkdir(parents=True, exist_ok=True)
    production = (overrides.get("APP_ENV") or env.get("APP_ENV", "development")) == "production"
    if production and not (overrides.get("SECRET_KEY") or env.get("SECRET_KEY", "").strip()):
        raise ConfigError("APP_ENV=production requires an explicit SECRET_KEY in the environment")

    config: dict[str, Any] = {
        "APP_ENV": "production" if production else "development",
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance, env),
        "FILE_STORE_PATH": env.get("FILE_STORE_PATH") or str(instance / "files"),
        "UPLOAD_PARTS_PATH": str(instance / "uploads"),
        # Stored files and uploads in flight in an S3-compatible bucket instead (adapters/objectstore.py), shared
        # by every app server and the worker: s3://bucket or s3://bucket/prefix, with the endpoint and keys below.
        **_object_store(env, instance),
        # Bundle builds go to the RQ worker when set (see jobs.py); without it, to a thread of the web process.
        "REDIS_URL": env.get("REDIS_URL", "").strip() or None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
        "BUNDLE_UPLOAD_MAX_BYTES": 8 * 1024**3,  # a district's bundle ZIP uploaded by the city
        "IMPORT_MAX_BYTES": 5 * 1024 * 1024,
        "IMPORT_MAX_ROWS": 20000,
        "DIRECTORY_PAGE_SIZE": 20,
        "PHOTO_MAX_BYTES": 20 * 1024 * 1024,
        # Uploads under way (not yet photos) per account, and how long an untouched one is kept (the sweep).
        "UPLOAD_OPEN_MAX_BYTES": _positive_int(env, "UPLOAD_OPEN_MAX_MB", 200) * 2**20,
        "UPLOAD_EXPIRY_DAYS": _positive_int(env, "UPLOAD_EXPIRY_DAYS", 7),
        # The sweep (services/housekeeping.py) runs in the background this often; 0 turns the automatic runs off.
        "SWEEP_INTERVAL_MINUTES": _whole(env, "SWEEP_INTERVAL_MINUTES", 60),
        # Photos are read after their upload is answered (inspection/photo_jobs.py): on the worker when REDIS_URL is
        # set, else in this many threads of the web process, at this lower priority (os.nice), so that answers
        # and page views keep the processor first. A photo still unread after PHOTO_JOB_STALLED_SECONDS is asked
        # for again (its worker died). PHOTO_JOBS_INLINE reads it inside the request (tests, scripts).
        "PHOTO_JOB_THREADS": _positive_int(env, "PHOTO_JOB_THREADS", 1),
        "PHOTO_JOB_NICE": _whole(env, "PHOTO_JOB_NICE", 10),
        "PHOTO_JOB_STALLED_SECONDS": _positive_int(env, "PHOTO_JOB_STALLED_SECONDS", 600),
        "PHOTO_JOBS_INLINE": _flag(env, "PHOTO_JOBS_INLINE", False),
        # A submitted inspection's station part of the district report is laid out at once, in the background
        # (bundles/report/ahead.py), so that builds find it ready; off, the builds lay every part out themselves.
        "REPORT_PARTS_AHEAD": _flag(env, "REPORT_PARTS_AHEAD", True),
        # A bundle build with many report parts to lay out lays them out in this many processes side by side
        # (bundles/report/build.py); 1 lays them out in the build's own process.
        "REPORT_LAYOUT_PROCESSES": _positive_int(env, "REPORT_LAYOUT_PROCESSES", min(2, os.cpu_count() or 1)),
        # A bundle build that has not said it is alive for this long is shown as interrupted (生成中断).
        "BUNDLE_BUILD_STALE_SECONDS": _positive_int(env, "BUNDLE_BUILD_STALE_SECONDS", 120),
        # Geotag findings (see domain/findings.py); override per deployment if the field needs it.
        "PHOTO_MAX_ACCURACY_M": 100,
        "PHOTO_MAX_STATION_DISTANCE_M": 300,
        "PHOTO_MAX_EXIF_BROWSER_DISTANCE_M": 200,
        "PHOTO_MAX_AGE_HOURS": 24,
        # Argon2id cost; tests lower it to stay fast.
        "PASSWORD_TIME_COST": 3,
        "PASSWORD_MEMORY_COST": 64 * 1024,
        # Sign-in throttling (Flask-Limiter, see web/login_throttle.py): failed sign-ins counted per typed
        # account and per client address, where every worker counts the same: in Redis when there is one, else
        # in the database (web/login_counters.py), never in one process's memory.
        "RATELIMIT_ENABLED": _flag(env, "RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL", "").strip() or "database://",
        "LOGIN_LIMIT_PER_ACCOUNT": env.get("LOGIN_LIMIT_PER_ACCOUNT", "").strip() or "5 per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": env.get("LOGIN_LIMIT_PER_ADDRESS", "").strip() or "20 per 15 minutes",
        # The public station pages a plaque's QR code opens, per client address (signboards/public_views.py).
        "PUBLIC_PAGE_LIMIT": env.get("PUBLIC_PAGE_LIMIT", "").strip() or "60 per minute",
        "PUBLIC_PORTRAIT_LIMIT": env.get("PUBLIC_PORTRAIT_LIMIT", "").strip() or "420 per minute",
        # A signed-in session ends after this long without a request, as the server noted it
        # (services/user_sessions.py).
        "IDLE_TIMEOUT_MINUTES": _positive_int(env, "IDLE_TIMEOUT_MINUTES", 30),
        # Reverse proxies in front of the app: their X-Forwarded-For/-Proto/-Host are believed (0: none).
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0") or 0),
        # Optional: the audit chain's hashes become HMAC-SHA256 under this key, so someone who can write the
        # database but not read the server's environment cannot recompute them (domain/audit.py). Keep it out
        # of backups; losing it leaves the keyed entries unverifiable, not lost.
        "AUDIT_HMAC_KEY": env.get("AUDIT_HMAC_KEY", "").strip() or None,
        # The site's address as printed in the plaques' QR codes (https://12315.example.cn): a plaque hangs for years,
        # so it should not depend on the address a leader happened to use; unset, the request's own is used.
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "").strip() or None,
        # To-do e-mails (inspect_app/todo/mailing.py): sent only when SMTP_HOST is set.
        **_smtp(env, production),
    }
    if "PKI_CA_PASSPHRASE" not in overrides:
        config["PKI_CA_PASSPHRASE"] = _ca_passphrase(instance, env, production)
    if "SECRET_KEY" not in overrides:
        config["SECRET_KEY"] = _secret_key(instance, env, production)
    config.update(overrides)
    if not config.get("FILE_STORE_URL"):
        Path(config["FILE_STORE_PATH"]).mkdir(parents=True, exist_ok=True)
    return config
