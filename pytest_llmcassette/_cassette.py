"""One test's cassette: what it may replay, what it records, what it left unused, what is to be written."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from . import _redact, _wire
from ._errors import CassetteError, NoMatchingInteraction, UnusedInteractions
from ._matching import MatchRules, RequestIndex, body_diff, parse_json
from ._model import Headers, Interaction, RecordedRequest, RecordedResponse, Recording
from .formats import native


class RecordMode(StrEnum):
    NONE = "none"  # replay only
    ONCE = "once"  # record a missing cassette, else replay only
    NEW_EPISODES = "new_episodes"  # replay what matches, record and append the rest
    ALL = "all"  # record everything anew, replace the cassette
    REWRITE = "rewrite"  # the same as ``all``, as pytest-recording names it


@dataclass(frozen=True, slots=True)
class CassetteOptions:
    """How a test's cassette behaves: from the ``llm_cassette_config`` fixture, the marker and the command line."""

    record_mode: RecordMode = RecordMode.NONE
    rules: MatchRules = field(default_factory=MatchRules)
    filter_headers: tuple[str, ...] = ()
    allow_unused: bool = False


class Cassette:
    """The interactions a test may replay, the ones it played, and the ones it recorded.

    ``play`` answers a request from the recording, returns None when the request is to go to the server and
    be ``record``-ed, or raises the plugin's failure. A failure is also kept, so that a test which catches it
    still fails. Requests may come from several threads at once.
    """

    def __init__(
        self, path: Path, options: CassetteOptions, recording: Recording | None, index: RequestIndex | None
    ) -> None:
        self.path = path
        self.options = options
        self.recording = recording
        mode = options.record_mode
        replaying = recording is not None and mode not in (RecordMode.ALL, RecordMode.REWRITE)
        self.records = mode in (RecordMode.ALL, RecordMode.REWRITE, RecordMode.NEW_EPISODES) or (
            mode is RecordMode.ONCE and recording is None
        )
        self.interactions: tuple[Interaction, ...] = recording.interactions if replaying and recording else ()
        self._index = index if replaying else None
        self.played = [False] * len(self.interactions)
        self.recorded: list[Interaction] = []
        self.errors: list[CassetteError] = []
        self._lock = threading.Lock()

    def play(self, method: str, url: str, body: bytes) -> RecordedResponse | None:
        if self._index is not None:
            with self._lock:
                position = self._index.take(method, url, body, self.played)
            if position is not None:
                return self.interactions[position].response
        if self.records:
            return None
        error = NoMatchingInteraction(self._no_match_message(method, url, body))
        with self._lock:
            self.errors.append(error)
        raise error

    def record(self, request: RecordedRequest, status: int, headers: Headers, raw_body: bytes) -> None:
        """Keep a live exchange: credentials and transport headers out, body decoded, events split."""
        try:
            response = _wire.response(status, headers, raw_body)
        except ValueError:  # a body that does not decode as its content-encoding says: kept as it came
            response = RecordedResponse(status, _wire.without(headers, _wire.FRAMING), (raw_body,))
        interaction = _redact.interaction(Interaction(request, response), self.options.filter_headers)
        with self._lock:
            self.recorded.append(interaction)

    @property
    def unused(self) -> list[int]:
        return [position for position, played in enumerate(self.played) if not played]

    def verify(self) -> None:
        """Fail for a mismatch the test swallowed, then for interactions it never used."""
        if self.errors:
            raise self.errors[0]
        unused = self.unused
        if unused and not self.options.allow_unused:
            raise UnusedInteractions(self._unused_message(unused))

    def text_to_write(self, existing_text: str | None) -> str | None:
        """The cassette's new text, or None when the file is to stay as it is."""
        if not self.records:
            return None
        if self.options.record_mode is RecordMode.NEW_EPISODES and existing_text is not None:
            return native.append(existing_text, self.recorded) if self.recorded else None
        return native.write(self.recorded)

    def _describe(self) -> str:
        if self.recording is None:
            return f"{self.path} (no cassette file)"
        count = len(self.interactions)
        return (
            f"{self.path} ({self.recording.format}, {count} interaction{'s' * (count != 1)}, {sum(self.played)} used)"
        )

    def _no_match_message(self, method: str, url: str, body: bytes) -> str:
        lines = [
            "llm_cassette: no recorded interaction matches this request",
            f"  cassette: {self._describe()}",
            f"  request:  {method.upper()} {_redact.url(url)}",
        ]
        if body:
            lines.append(f"  body:     {_short(body, 300)}")
        unused = self.unused
        nearest = self._index.nearest(method, url, body, self.played) if self._index is not None else None
        if nearest is not None:
            recorded = self.interactions[nearest].request
            lines.append(f"closest unused recording: #{nearest} {recorded.method} {_redact.url(recorded.url)}")
            diff = body_diff(recorded.body, body, self.options.rules)
            lines.extend("  " + line for line in diff.splitlines()[:60])
        elif self.interactions:
            lines.append(f"no unused recording has this method and URL ({len(unused)} unused)")
        if self.recording is not None and not self.recording.is_native:
            lines.append(f"To record anew, convert it first: `python -m pytest_llmcassette convert {self.path}`.")
        else:
            lines.append(
                "Re-record with `pytest --record-mode=rewrite`, or add new requests with `--record-mode=new_episodes`."
            )
        return "\n".join(lines)

    def _unused_message(self, unused: list[int]) -> str:
        count = len(unused)
        lines = [
            f"llm_cassette: {count} recorded interaction{'s were' if count != 1 else ' was'} never requested",
            f"  cassette: {self._describe()}",
        ]
        for position in unused:
            request = self.interactions[position].request
            lines.append(f"  #{position} {request.method} {_redact.url(request.url)} {_summary(request.body)}")
        lines.append("Re-record with `pytest --record-mode=rewrite` if the test no longer makes these requests.")
        return "\n".join(lines)


def _short(body: bytes, limit: int) -> str:
    value = parse_json(body)
    text = (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if value is not None
        else body.decode("utf-8", "replace")
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _summary(body: bytes) -> str:
    """A glimpse of a request body: the model and the last message of a chat request, else its start."""
    value = parse_json(body)
    if isinstance(value, dict) and isinstance(value.get("messages"), list) and value["messages"]:
        last = value["messages"][-1]
        content = last.get("content") if isinstance(last, dict) else last
        role = last.get("role", "?") if isinstance(last, dict) else "?"
        return f"model={value.get('model')!s} last {role} message: {_short(json.dumps(content).encode(), 60)}"
    return _short(body, 80) if body else ""
