"""鄂尔多斯市12315消费维权服务站验收核查: the application factory."""

from __future__ import annotations

from typing import Any, Mapping

from flask import Blueprint, Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from inspect_app import db
from inspect_app.adapters.filestore import open_stores
from inspect_app.adapters.passwords import Passwords
from inspect_app.config import PROJECT_ROOT, load_config
from inspect_app.extensions import csrf, limiter, login_manager


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
    from inspect_app.accounts.login_throttle import check_limits

    check_limits(app.config)
    limiter.init_app(app)
    app.extensions["passwords"] = Passwords(app.config["PASSWORD_TIME_COST"], app.config["PASSWORD_MEMORY_COST"])
    app.extensions["filestore"], app.extensions["uploads"] = open_stores(app.config)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    from inspect_app.accounts import account_views, sign_in_views
    from inspect_app.bundles import views as bundle_views
    from inspect_app.campaigns import checklist_views
    from inspect_app.campaigns import views as campaign_views
    from inspect_app.city import report_views as city_report_views
    from inspect_app.city import views as city_views
    from inspect_app.directory import excel_views as directory_excel_views
    from inspect_app.directory import views as directory_views
    from inspect_app.follow_up import notice_views, order_views, spot_check_views
    from inspect_app.inspection import api, file_views, pwa
    from inspect_app.inspection import views as inspection_views
    from inspect_app.review import views as review_views
    from inspect_app.signboards import public_views, signboard_views, staff_views
    from inspect_app.web import home, template_helpers

    for module in (
        sign_in_views,
        home,
        directory_views,
        directory_excel_views,
        campaign_views,
        inspection_views,
        review_views,
        bundle_views,
        city_views,
        city_report_views,
        spot_check_views,
        file_views,
        api,
        pwa,
        account_views,
        checklist_views,
        order_views,
        notice_views,
        public_views,
        signboard_views,
        staff_views,
    ):
        app.register_blueprint(module.bp)
    app.register_blueprint(admin_area())
    template_helpers.init_app(app)


def admin_area() -> Blueprint:
    """The admin's blueprint, once the pages that live beside their features have added their routes to it."""
    from inspect_app.accounts import admin_views, import_views
    from inspect_app.directory import office_views
    from inspect_app.signing import views as certificate_views
    from inspect_app.web.admin_area import bp

    for module in (admin_views, import_views, office_views, certificate_views):
        assert module.bp is bp, module.__name__
    return bp


def register_request_hooks(app: Flask) -> None:
    from inspect_app.accounts import idle_timeout
    from inspect_app.web import compression, cookieless, security_headers

    cookieless.init_app(app)
    idle_timeout.init_app(app)
    security_headers.init_app(app)
    compression.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from inspect_app.web import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from inspect_app import db_cli
    from inspect_app.accounts import cli as account_cli
    from inspect_app.audit import cli as audit_cli
    from inspect_app.backup import cli as backup_cli
    from inspect_app.bundles import cli as bundle_cli
    from inspect_app.bundles import jobs_cli
    from inspect_app.campaigns import cli as checklist_cli
    from inspect_app.city import cli as city_cli
    from inspect_app.demo import cli as demo_cli
    from inspect_app.follow_up import cli as orders_cli
    from inspect_app.housekeeping import cli as uploads_cli
    from inspect_app.inspection import cli as photo_cli
    from inspect_app.signboards import cli as signboards_cli
    from inspect_app.signing import cli as pki_cli
    from inspect_app.todo import cli as todo_cli

    for module in (
        db_cli,
        account_cli,
        demo_cli,
        checklist_cli,
        photo_cli,
        pki_cli,
        bundle_cli,
        city_cli,
        audit_cli,
        jobs_cli,
        backup_cli,
        uploads_cli,
        orders_cli,
        todo_cli,
        signboards_cli,
    ):
        app.cli.add_command(module.group)
    app.cli.add_command(uploads_cli.files_group)


def register_housekeeping(app: Flask) -> None:
    from inspect_app.housekeeping import sweeper

    sweeper.init_app(app)
