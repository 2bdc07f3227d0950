"""`flask db ...`: schema migrations."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from inspect_app.adapters import migrate

group = click.Group("db", help="数据库迁移")


def _url() -> str:
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


@group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    migrate.upgrade(_url(), revision)
    click.echo(f"数据库已迁移到 {revision}")


@group.command("downgrade")
@click.argument("revision")
@with_appcontext
def downgrade(revision: str) -> None:
    """Migrate the database back to REVISION."""
    migrate.downgrade(_url(), revision)


@group.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def revision(message: str) -> None:
    """Write a new migration from the models (autogenerate)."""
    migrate.revision(_url(), message)
