"""Stored files answered to a signed-in reader, after the view's permission check: streamed from the file store
(this machine's disk or the bucket, which is never readable from outside), cached privately, never sniffed."""

from __future__ import annotations

import io
import itertools
from pathlib import Path
from typing import BinaryIO, Iterator

from flask import Response, current_app, request, send_file
from werkzeug.wsgi import ClosingIterator, FileWrapper

from inspect_app.adapters.filestore import BLOCK, digest_of


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
    # A file on this machine is sent by its path (sendfile); a bucket's object as a stream read by ranges. Either
    # way a big download can resume (Range), and a lost file raises MissingFile: the error page says so.
    here = store.file_here(key)
    source = here if here is not None else store.open(key)
    response = send_file(
        source,
        mimetype=mimetype,
        as_attachment=download_name is not None if attachment is None else attachment,
        download_name=download_name,
        etag=digest_of(key),  # the content's own hash: a changed file is another key
        max_age=max_age,
        conditional=here is not None,
    )
    if not isinstance(source, Path):  # Werkzeug knows no stream's length: the store's stream can tell it
        size = source.seek(0, io.SEEK_END)
        source.seek(0)
        response.content_length = size
        # Werkzeug's own wrapper, in 1 MB reads, whatever the server offers: it can seek, which a range needs (with
        # gunicorn's, the object would be read from the bucket up to the range and thrown away).
        response.response = FileWrapper(source, BLOCK)
        try:
            response = response.make_conditional(request.environ, accept_ranges=True, complete_length=size)
            start, stop = 0, size
            if response.status_code == 206 and response.content_range.stop is not None:
                # Exactly the range asked for (a PDF viewer asks for many small ones): Werkzeug's range wrapper reads
                # whole blocks and cuts them, which would ask the bucket for a megabyte to send a hundred bytes.
                start, stop = response.content_range.start, response.content_range.stop
            if response.status_code in (200, 206) and request.method != "HEAD":
                # The first block is read before any header leaves: a bucket out of reach answers 503 with its page
                # instead of a 200 cut after its headers (a failure later on cuts the transfer; Range resumes it).
                response.response = ClosingIterator(_primed(_span(source, start, stop)), source.close)
        except BaseException:
            source.close()
            raise
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = f"private, max-age={max_age}" if max_age else "private, no-cache"
    return response


def _primed(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """The same blocks, the first of them read now."""
    first = next(blocks, None)
    return blocks if first is None else itertools.chain((first,), blocks)


def _span(stream: BinaryIO, start: int, stop: int) -> Iterator[bytes]:
    """The bytes from `start` to `stop` (exclusive) of a seekable stream, and no further."""
    stream.seek(start)
    left = stop - start
    while left > 0:
        block = stream.read(min(BLOCK, left))
        if not block:
            break
        left -= len(block)
        yield block
