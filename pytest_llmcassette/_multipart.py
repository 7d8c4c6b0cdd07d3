"""Multipart form bodies (file uploads, audio transcriptions, image edits): their parts, never their boundary.

A client draws a new boundary for every request, so a ``multipart/form-data`` body is matched, diffed and written
as its parts: a form field as its text, a file as its name, type and content (or, when shortened, its size and
SHA-256 alone). A recording is normalized once, when it is made: its body rebuilt around ``BOUNDARY`` and its
``content-type`` saying so, so that two recordings of the same upload are the same bytes.

A part stored without its content is rebuilt with an ``x-llm-cassette-omitted: size=<n>; sha256=<hex>`` header
and no content, and is matched by that size and hash. Parsing is the standard library's ``email`` package, which
reads MIME multipart bodies byte for byte.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ._model import RecordedRequest

BOUNDARY = "llm-cassette-boundary"
OMITTED = "x-llm-cassette-omitted"
_OMITTED_VALUE = re.compile(r"size=(\d+); sha256=([0-9a-f]{64})")


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a form: a field (no ``filename``) or a file. ``omitted`` (size, SHA-256) when the content was
    left out of the cassette, ``content`` then empty."""

    name: str
    content: bytes = b""
    filename: str | None = None
    content_type: str | None = None
    omitted: tuple[int, str] | None = None

    @property
    def size(self) -> int:
        return self.omitted[0] if self.omitted else len(self.content)

    @property
    def sha256(self) -> str:
        return self.omitted[1] if self.omitted else hashlib.sha256(self.content).hexdigest()

    def text(self) -> str | None:
        """The content as text, when it is UTF-8 and was kept."""
        if self.omitted:
            return None
        try:
            return self.content.decode()
        except UnicodeDecodeError:
            return None

    def without_content(self) -> Part:
        return Part(self.name, b"", self.filename, self.content_type, (self.size, self.sha256))


def parse(body: bytes) -> tuple[Part, ...] | None:
    """The parts of a multipart form body, or None when ``body`` is not one (it begins with its boundary line,
    as clients send it, and ends with the closing one)."""
    if not body.startswith(b"--"):
        return None
    boundary = body[2 : body.find(b"\r\n")]
    if not boundary or not body.rstrip(b"\r\n").endswith(b"--" + boundary + b"--") or b'"' in boundary:
        return None
    import email.parser  # with its policies, imported for the first form: most suites never send one
    import email.policy

    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    message = parser.parsebytes(b'content-type: multipart/form-data; boundary="' + boundary + b'"\r\n\r\n' + body)
    if not message.is_multipart() or message.defects:
        return None
    parts = []
    for item in message.iter_parts():
        name = item.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            return None
        payload, content_type = item.get_payload(decode=True), item.get("content-type")
        omitted = _OMITTED_VALUE.fullmatch(str(item.get(OMITTED, "")))
        parts.append(
            Part(
                name,
                payload if isinstance(payload, bytes) else b"",
                item.get_filename(),
                None if content_type is None else str(content_type),  # the header object, as its text
                (int(omitted[1]), omitted[2]) if omitted else None,
            )
        )
    return tuple(parts)


def build(parts: Sequence[Part]) -> bytes:
    """The form body of ``parts``, around ``BOUNDARY``."""
    pieces = []
    for part in parts:
        disposition = f'form-data; name="{_quoted(part.name)}"'
        if part.filename is not None:
            disposition += f'; filename="{_quoted(part.filename)}"'
        headers = [f"Content-Disposition: {disposition}"]
        if part.content_type is not None:
            headers.append(f"Content-Type: {part.content_type}")
        if part.omitted is not None:
            headers.append(f"{OMITTED}: size={part.omitted[0]}; sha256={part.omitted[1]}")
        head = "".join(f"{header}\r\n" for header in headers)
        pieces.append(f"--{BOUNDARY}\r\n{head}\r\n".encode() + part.content + b"\r\n")
    return b"".join(pieces) + f"--{BOUNDARY}--\r\n".encode()


def content_type() -> str:
    return f"multipart/form-data; boundary={BOUNDARY}"


def as_data(parts: Sequence[Part]) -> dict[str, Any]:
    """The form as matched and diffed: each field's text under its name, each file as its filename, type, size and
    SHA-256 (a name sent more than once holds a list)."""
    data: dict[str, Any] = {}
    for part in parts:
        text = part.text() if part.filename is None and part.content_type in (None, "text/plain") else None
        value: Any = text
        if text is None:
            value = {"size": part.size, "sha256": part.sha256}
            if part.filename is not None:
                value["filename"] = part.filename
            if part.content_type is not None:
                value["content_type"] = part.content_type
        if part.name in data:
            previous = data[part.name]
            data[part.name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[part.name] = value
    return data


def recorded(request: RecordedRequest, max_file_bytes: int | None) -> RecordedRequest:
    """``request`` as it is kept when it carries a form: rebuilt around ``BOUNDARY``, each file larger than
    ``max_file_bytes`` kept as its size and hash only. Any other request is returned as it is."""
    parts = parse(request.body)
    if parts is None:
        return request
    if max_file_bytes is not None:
        parts = tuple(
            part.without_content() if part.filename is not None and part.size > max_file_bytes else part
            for part in parts
        )
    headers = tuple(
        (name, content_type() if name.lower() == "content-type" else value) for name, value in request.headers
    )
    return replace(request, headers=headers, body=build(parts))


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
