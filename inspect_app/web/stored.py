"""Stored files answered to a signed-in reader, after the view's permission check: streamed from the file store
(this machine's disk or the bucket, which is never readable from outside), cached privately, never sniffed."""

from __future__ import annotations

from flask import Response, current_app, send_file

from inspect_app.adapters.filestore import digest_of


def send_stored(
    key: str,
    mimetype: str,
    download_name: str | None = None,
    *,
    attachment: bool | None = None,
    max_age: int = 3600,
) -> Response:
    """The stored file under `key`: a download when `download_name` is given (shown in the browser instead with
    attachment=False), cached `max_age` seconds by the reader's browser only (0: asked again every time)."""
    store = current_app.extensions["filestore"]
    # A file on this machine is sent by its path (ranges, so a big download can resume; sendfile); a bucket's
    # object is streamed (MissingFile either way: the error page says the file is lost).
    here = store.file_here(key)
    response = send_file(
        here if here is not None else store.open(key),
        mimetype=mimetype,
        as_attachment=download_name is not None if attachment is None else attachment,
        download_name=download_name,
        etag=digest_of(key),  # the content's own hash: a changed file is another key
        max_age=max_age,
        conditional=True,
    )
    if response.status_code == 200 and response.content_length is None:
        response.content_length = store.size(key)  # a bucket's stream cannot say its length; the bucket can
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = f"private, max-age={max_age}" if max_age else "private, no-cache"
    return response
