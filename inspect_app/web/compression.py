"""Compressed text responses: the one module that imports Flask-Compress.

Pages, styles, scripts, JSON and SVG shrink to a fifth or less with gzip or Brotli, which is what a phone on a
weak mobile signal notices. Photos, PDFs, ZIP bundles and spreadsheets are compressed already: a second pass
costs the server time and saves nothing, so they are sent as stored.
"""

from __future__ import annotations

from flask import Flask, Response
from flask_compress import Compress

# By media type, not by route: a new page or API answer is compressed without anyone remembering to.
TEXT_TYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
]

DEFAULTS = {
    "COMPRESS_MIMETYPES": TEXT_TYPES,
    # Brotli where the browser offers it (every current one over HTTPS), gzip for the rest. The library's
    # defaults also try zstd and deflate, and leave gzip out of streamed files; static files are streamed, and
    # an older phone that offers only gzip should still get them small.
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],
    # Brotli 4 and gzip 6 compress as tightly as nginx's defaults at a few milliseconds per page.
    "COMPRESS_BR_LEVEL": 4,
    "COMPRESS_LEVEL": 6,
}


def init_app(app: Flask) -> None:
    """Compress text responses for clients that accept it; registered as the app's own after-request hook."""
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    # Not the library's own hook: ours decides first which responses it may touch at all.
    app.config["COMPRESS_REGISTER"] = False
    compress = Compress(app)

    @app.after_request
    def compress_text(response: Response) -> Response:
        # A range answers with identity bytes (Content-Range counts them): compressing one part would
        # break the download it resumes. no-transform is the sender's word that the bytes go as they are.
        if (
            response.status_code == 206
            or "Content-Range" in response.headers
            or "no-transform" in response.headers.get("Cache-Control", "")
        ):
            return response
        compressed = compress.after_request(response)
        if "Content-Encoding" in compressed.headers:
            # Ranges count identity bytes, which this representation is not: say none are offered for it.
            compressed.headers.pop("Accept-Ranges", None)
        return compressed
