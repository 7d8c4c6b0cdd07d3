"""The recorded traffic, as every cassette format reads it: immutable requests, responses and interactions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """A request as sent: the body is the exact bytes the client wrote."""

    method: str
    url: str
    headers: Headers = ()
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class RecordedError:
    """A transport error the client saw while recording (``ConnectError``, ``ReadTimeout``, ...), by its name in
    httpx and httpx2, and its message."""

    kind: str
    message: str = ""


@dataclass(frozen=True, slots=True)
class RecordedResponse:
    """A response as the client must see it: decoded body, split into the chunks replay yields one by one.

    A server-sent-events body has one chunk per event, so a replayed stream stays lazy. ``error`` is a transport
    error that ended the exchange: before any response when ``status`` is 0, else after the chunks.
    ``cut_by_client`` marks a body the client stopped reading while recording: the chunks are what it read.
    """

    status: int
    headers: Headers = ()
    chunks: tuple[bytes, ...] = ()
    error: RecordedError | None = None
    cut_by_client: bool = False

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


@dataclass(frozen=True, slots=True)
class Interaction:
    request: RecordedRequest
    response: RecordedResponse


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a recording came from (see ``_provenance``)."""

    by: str  # "pytest-llmcassette 0.1.0"
    date: datetime.date
    test: str
    sdks: tuple[str, ...] = ()  # "OpenAI/Python 3.60.0", from the requests' user agents
    models: tuple[str, ...] = ()  # the ``model`` of the requests, in order of first use

    def document(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "date": self.date.isoformat(),
            "test": self.test,
            "sdks": list(self.sdks),
            "models": list(self.models),
        }


@dataclass(frozen=True, slots=True)
class Recording:
    """What one cassette file holds: its interactions, the format (the tool) they were read from, and, for this
    plugin's own, where they came from."""

    path: Path
    format: str
    interactions: tuple[Interaction, ...] = ()
    provenance: Provenance | None = None

    @property
    def is_native(self) -> bool:
        return self.format == "native"
