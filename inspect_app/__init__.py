"""鄂尔多斯市12315消费维权服务站验收核查: the application factory."""

from __future__ import annotations

from typing import Any, Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import db
from .config import PROJECT_ROOT, load_config
from .extensions import csrf, limiter, login_manager
from .filestore import FileStore, PartialUploads
from .passwords import Passwords


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, request hooks, error handlers, commands."""
    settings = load_config(config)
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(settings)
    if app.config["TRUSTED_PROXIES"]:
        # Behind nginx, the client's address (for the sign-in limit) and HTTPS (for HSTS and secure cookies)
        # come from the proxy's headers; believed only for as many hops as there are proxies.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_errorhandlers(app)
    register_commands(app)
    register_housekeeping(app)
    return app


class IdConverter(IntegerConverter):
    """Row ids in URLs: a number no database column can hold is simply not found."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=2**31 - 1)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    from .web.login_throttle import check_limits

    check_limits(app.config)
    limiter.init_app(app)
    app.extensions["passwords"] = Passwords(app.config["PASSWORD_TIME_COST"], app.config["PASSWORD_MEMORY_COST"])
    app.extensions["filestore"] = FileStore(app.config["FILE_STORE_PATH"])
    app.extensions["uploads"] = PartialUploads(app.config["UPLOAD_PARTS_PATH"])


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    from .web import (admin, api, auth, bundles, campaigns, city, city_reports, directory, directory_io, files, home,
                      inspect, pwa, review)

    for module in (auth, home, directory, directory_io, campaigns, inspect, review, bundles, city, city_reports, files,
                   api, pwa, admin):
        app.register_blueprint(module.bp)
    from .web import account  # one's own password and signing PIN

    app.register_blueprint(account.bp)
    from .web import checklists  # the admin's checklist versions: drafts, preview, publishing, Excel

    app.register_blueprint(checklists.bp)
    from .web import template_helpers

    template_helpers.init_app(app)


def register_request_hooks(app: Flask) -> None:
    from .web import idle_timeout, security_headers

    idle_timeout.init_app(app)
    security_headers.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from .web import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from .cli import audit, backup, bundle, checklist, city, database, demo, jobs, photos, pki, uploads, users

    for module in (database, users, demo, checklist, photos, pki, bundle, city, audit, jobs, backup, uploads):
        app.cli.add_command(module.group)


def register_housekeeping(app: Flask) -> None:
    from . import sweeper

    sweeper.init_app(app)
