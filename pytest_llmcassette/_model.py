"""The recorded traffic, as every cassette format reads it: immutable requests, responses, interactions.

Named tuples rather than frozen dataclasses: as immutable, and several times cheaper to define at import and to
build, which every replayed test does for every interaction it reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

Headers = tuple[tuple[str, str], ...]


class RecordedRequest(NamedTuple):
    """A request as sent: the body is the exact bytes the client wrote."""

    method: str
    url: str
    headers: Headers = ()
    body: bytes = b""


class RecordedResponse(NamedTuple):
    """A response as the client must see it: decoded body, split into the chunks replay yields one by one.

    A server-sent-events body has one chunk per event, so a replayed stream stays lazy.
    """

    status: int
    headers: Headers = ()
    chunks: tuple[bytes, ...] = ()

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


class Interaction(NamedTuple):
    request: RecordedRequest
    response: RecordedResponse


class Tape(NamedTuple):
    """The interactions of one cassette file, and which format they were read from."""

    path: Path
    format: str
    interactions: tuple[Interaction, ...] = ()

    @property
    def is_native(self) -> bool:
        return self.format == "native"
