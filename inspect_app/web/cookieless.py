"""Responses that must never carry the session cookie: pages a shared cache may keep (the public station page).

Flask writes the cookie again on every response of a permanent ("remember me") session; a Set-Cookie on a
response marked Cache-Control: public could be stored by a proxy and handed to the next reader. A view marks
its request, and the session is then neither refreshed nor written on its response.
"""

from __future__ import annotations

from flask import Flask, g
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from werkzeug.wrappers import Response

_FLAG = "cookieless"


def mark() -> None:
    """Send this request's response without the session cookie (whatever the session holds)."""
    g.setdefault(_FLAG, True)


def is_marked() -> bool:
    return bool(g.get(_FLAG))


class CookielessAwareSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, left unwritten on marked responses."""

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if is_marked():
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = CookielessAwareSessionInterface()
