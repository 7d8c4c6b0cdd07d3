"""A response body as replay serves it, from what a server sent or a cassette stored.

Shared by the format readers (a stored body) and the recorder (a live one): framing headers are dropped, since
whoever serves the body frames it again; a gzip/deflate body is decoded once, so the client never decodes twice;
a server-sent-events body is split into one chunk per event, so a replayed stream stays lazy. Problems are
``ValueError``s: a reader reports them as a fault of the file, the recorder keeps the body as it came.
"""

from __future__ import annotations

import zlib

from . import _sse
from ._model import Headers, RecordedResponse

FRAMING = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})
_FRAMING_AND_ENCODING = FRAMING | {"content-encoding"}


def response(status: int, headers: Headers, body: bytes) -> RecordedResponse:
    """The response with its body decoded and split as replay serves it; ``ValueError`` for a body that does not
    decode as its ``content-encoding`` says."""
    body, headers = _decoded(body, headers)
    kept = without(headers, FRAMING)
    content_type = next((value for name, value in kept if name.lower() == "content-type"), None)
    chunks = _sse.split_events(body) if _sse.is_event_stream(content_type) else (body,) if body else ()
    return RecordedResponse(status, kept, chunks)


def response_of_events(status: int, headers: Headers, chunks: tuple[bytes, ...]) -> RecordedResponse:
    """A response whose body is already one chunk per server-sent event (stored decoded)."""
    return RecordedResponse(status, without(headers, _FRAMING_AND_ENCODING), chunks)


def complete(headers: Headers, raw_body: bytes, response: RecordedResponse) -> bool:
    """Whether a body the client closed early was whole after all: its ``content-length`` all there, or a stream
    whose last event ends it (``data: [DONE]``, Anthropic's ``message_stop``)."""
    length = next((value for name, value in headers if name.lower() == "content-length"), None)
    if length is not None and length.isdigit():
        return len(raw_body) >= int(length)
    return bool(response.chunks) and _sse.ends_stream(response.chunks[-1])


def without(headers: Headers, names: frozenset[str]) -> Headers:
    return tuple((name, value) for name, value in headers if name.lower() not in names)


def _decoded(body: bytes, headers: Headers) -> tuple[bytes, Headers]:
    """Undo a gzip/deflate ``content-encoding``; other encodings stay as they are, with their header."""
    encoding = next((value.strip().lower() for name, value in headers if name.lower() == "content-encoding"), "")
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return body, headers
    rest = without(headers, frozenset({"content-encoding"}))
    if encoding != "deflate" and body[:2] != b"\x1f\x8b":
        return body, rest  # stored decoded by the recording tool, which left the header behind
    # gzip header (31), zlib header (15), or a bare deflate stream (-15), as servers send "deflate" both ways
    for window in (31,) if encoding != "deflate" else (15, -15):
        try:
            return zlib.decompress(body, window), rest
        except zlib.error as error:
            problem = str(error)
    raise ValueError(f"the response body is not valid {encoding}: {problem}")
