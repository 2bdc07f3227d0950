"""Stored images answered to a signed-in reader: from the file store, cached privately, never sniffed."""

from __future__ import annotations

from flask import Response, current_app, send_file


def send_stored(key: str, mimetype: str, download_name: str | None = None) -> Response:
    """The stored file under `key` (a download when `download_name` is given), for the reader's browser only."""
    response = send_file(
        current_app.extensions["filestore"].existing(key),
        mimetype=mimetype,
        as_attachment=download_name is not None,
        download_name=download_name,
        max_age=3600,
        conditional=True,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
