"""The public station page at a plaque's address (/s/<token>, what its QR code holds) and the portraits it shows:
no sign-in, no session cookie, no script; cached briefly and limited per client address."""

from __future__ import annotations

import functools
import hashlib
import math
import time

from flask import Blueprint, Response, current_app, make_response, render_template, request
from flask_limiter import RequestLimit

from inspect_app.adapters.filestore import FileStore, MissingFile
from inspect_app.adapters.imaging import print_copy
from inspect_app.domain.directory.public_page import NOT_FOUND, TOO_MANY
from inspect_app.extensions import limiter
from inspect_app.signboards import public
from inspect_app.web import cookieless
from inspect_app.web.context import get_session

bp = Blueprint("public", __name__)

# Five minutes: a retired station's or a reissued plaque's page must say so soon, and a phone (or a proxy) keeps
# a copy at most this long; within it the ETag makes a revisit a 304 without the page. Longer would let an old
# plaque mislead for hours after a retirement; shorter would save consumers nothing.
MAX_AGE = 300
PORTRAIT_BOX = (160, 213)  # twice the 80 × 107 CSS pixels the page shows: sharp on a phone's screen


@bp.before_request
def _no_session_cookie() -> None:
    cookieless.mark()


def _notice(heading_and_message: tuple[str, str], status: int) -> Response:
    heading, message = heading_and_message
    response = make_response(render_template("public/notice.html", heading=heading, message=message), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _refuse(limit: RequestLimit) -> Response:
    response = _notice(TOO_MANY, 429)
    response.headers["Retry-After"] = str(max(1, math.ceil(limit.window.reset_time - time.time())))
    return response


def _setting(name: str):
    # Read at each request, so a changed setting (tests, a reloaded config) takes effect without re-decorating.
    return lambda: current_app.config[name]


def _cached(response: Response) -> Response:
    # A weak ETag: the compressor rewrites strong ones per encoding, and the page means the same either way.
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32], weak=True)
    return response.make_conditional(request)


@bp.route("/s/<token>")
@limiter.limit(_setting("PUBLIC_PAGE_LIMIT"), scope="public-page", on_breach=_refuse)
def station(token: str):
    page = public.public_station(get_session(), token)
    if page is None:
        return _notice(NOT_FOUND, 404)
    return _cached(make_response(render_template("public/station.html", page=page, token=token)))


@functools.lru_cache(maxsize=256)
def _small_copy(store: FileStore, key: str) -> bytes:
    # Keys name their content (filestore.py), so a copy made once stays right; 256 copies of ~8 KB each.
    return print_copy(store.read(key), PORTRAIT_BOX)


def _portrait(token: str, staff_number: int | None):
    key = public.portrait_key(get_session(), token, staff_number)
    if key is None:
        return _notice(NOT_FOUND, 404)
    try:
        data = _small_copy(current_app.extensions["filestore"], key)
    except MissingFile:
        return _notice(NOT_FOUND, 404)
    return _cached(Response(data, mimetype="image/jpeg"))


@bp.route("/s/<token>/staff/<int:number>.jpg")
@limiter.limit(_setting("PUBLIC_PORTRAIT_LIMIT"), scope="public-portrait", on_breach=_refuse)
def staff_portrait(token: str, number: int):
    return _portrait(token, number)


@bp.route("/s/<token>/officer.jpg")
@limiter.limit(_setting("PUBLIC_PORTRAIT_LIMIT"), scope="public-portrait", on_breach=_refuse)
def officer_portrait(token: str):
    return _portrait(token, None)
