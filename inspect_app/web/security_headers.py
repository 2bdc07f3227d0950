"""Security headers on every response: a strict Content-Security-Policy and the usual hardening."""

from __future__ import annotations

from flask import Flask, Response, request

# Scripts and styles come only from our own files: no inline <script>, on…= handler or style="…" attribute
# anywhere in the served templates (tests/test_security.py scans them). Photos shown by the offline app are
# blob: URLs of IndexedDB copies; data: covers small inline images. Every directive here is one WebKit knows
# (it reports any other on every page, e.g. manifest-src: the web app manifest falls under default-src).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    # The inspector's phone shares its position and takes photos; nothing here records sound.
    "Permissions-Policy": "geolocation=(self), camera=(self), microphone=()",
}
HSTS = "max-age=31536000"


def add_headers(response: Response) -> Response:
    """Add the headers a view has not set itself (a view may narrow or adapt its own policy)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    # Browsers ignore it on plain HTTP (RFC 6797). Behind a TLS-terminating proxy, is_secure needs ProxyFix.
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Register the headers for every response the app makes, error pages and files included."""
    app.after_request(add_headers)
