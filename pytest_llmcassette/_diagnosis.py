"""The messages of a failed replay: what was asked, what is recorded, what differs, and the command that fixes it.

Built only when a test fails, from what the cassette knows; never shows a header or a known secret value.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _diff, _provenance, _scrub
from ._matching import RequestIndex, body_value
from ._model import Interaction, Provenance
from ._words import counted

_CANDIDATES_SHOWN = 3


@dataclass(frozen=True, slots=True)
class Situation:
    """What a message tells about: the test, its cassette file and mode, and what it has played so far."""

    test: str
    path: str
    mode: str
    format: str | None  # None: no cassette file
    interactions: tuple[Interaction, ...]
    played: list[bool]
    ignored: tuple[tuple[str, ...], ...]
    secrets: frozenset[str]
    provenance: Provenance | None = None
    sdk_now: str | None = None  # the SDK sending the request that failed, from its user agent

    def describe(self) -> str:
        if self.format is None:
            return f"{self.path} (no cassette file), record mode {self.mode}"
        recorded = counted(len(self.interactions), "interaction")
        return f"{self.path} ({self.format}, {recorded}, {sum(self.played)} used), record mode {self.mode}"

    def rerecord(self) -> str:
        if self.format not in (None, "native"):
            return f"To record anew, convert it first: `python -m pytest_llmcassette convert {self.path}`."
        return f"To re-record this test: `pytest '{self.test}' --record-mode=rewrite`"


def no_match(situation: Situation, index: RequestIndex | None, method: str, url: str, body: bytes) -> str:
    """The failure for a request no unplayed recording answers."""
    body = _scrub.data(body, situation.secrets)
    lines = [
        "llm_cassette: no recorded interaction matches this request",
        f"  test:     {situation.test}",
        f"  cassette: {situation.describe()}",
        f"  request:  {_diff.summary(method, _scrub.url(url, situation.secrets), body)}",
        *_what_moved(situation, url, body),
    ]
    if index is not None and index.recordings_of(method, url, body):
        count = index.recordings_of(method, url, body)
        lines.append(
            f"This request is recorded {counted(count, 'time')}, and this is call {count + 1}: the test now makes it "
            "more often than when it was recorded."
        )
        lines.append(situation.rerecord())
        return "\n".join(lines)
    candidates = index.same_endpoint(method, url) if index is not None else []
    sent = body_value(body)
    ranked = sorted(candidates, key=lambda p: -_likeness(situation.interactions[p], sent, body))
    for position in ranked[:_CANDIDATES_SHOWN]:
        request = situation.interactions[position].request
        state = "already used" if situation.played[position] else "unused"
        share = _likeness(situation.interactions[position], sent, body)
        lines.append(f"  recorded #{position} ({state}, {share:.0%} alike): {_diff.body_summary(request.body)}")
    if ranked:
        nearest = situation.interactions[ranked[0]].request
        recorded = body_value(nearest.body)
        if recorded is not None and sent is not None:
            differences = _diff.differences(recorded, sent, situation.ignored)
            lines.append(f"What differs from #{ranked[0]} (recorded → sent):")
            lines += [f"  {line}" for line in _diff.describe(differences)]
            volatile = _diff.volatile_paths(differences)
            if volatile:
                lines.append(
                    f"These fields look volatile; to leave them out of matching: ignore_body_paths={volatile!r}"
                )
        elif nearest.body != body:
            lines.append(f"The body differs from #{ranked[0]}'s (neither JSON nor a form: compared byte for byte):")
            lines += [f"  recorded: {_bytes(nearest.body)}", f"  sent:     {_bytes(body)}"]
    if not any(not situation.played[p] for p in candidates):
        lines.append(
            "No unused recording has this method and URL: if the test now makes one more request, add it with "
            f"`pytest '{situation.test}' --record-mode=new_episodes`."
        )
    lines.append(situation.rerecord())
    return "\n".join(lines)


def unused(situation: Situation, positions: list[int]) -> str:
    """The failure for recordings the test never asked for."""
    count = len(positions)
    lines = [
        f"llm_cassette: {counted(count, 'recorded interaction')} {'was' if count == 1 else 'were'} never requested",
        f"  test:     {situation.test}",
        f"  cassette: {situation.describe()}",
    ]
    for position in positions:
        request = situation.interactions[position].request
        lines.append(f"  #{position} {_diff.summary(request.method, _scrub.url(request.url), request.body)}")
    lines.append(
        "If the test no longer makes these requests, re-record it: "
        f"`pytest '{situation.test}' --record-mode=rewrite` (or set allow_unused=True)."
    )
    return "\n".join(lines)


def _what_moved(situation: Situation, url: str, body: bytes) -> list[str]:
    """Since the recording: its age, the SDK that sends, the model asked for (from the cassette's provenance)."""
    provenance = situation.provenance
    if provenance is None:
        return []
    days = (datetime.datetime.now(datetime.UTC).date() - provenance.date).days
    moved = [f"recorded {counted(days, 'day')} ago ({provenance.date.isoformat()})"] if days > 0 else []
    if situation.sdk_now and provenance.sdks and situation.sdk_now not in provenance.sdks:
        moved.append(f"recorded with {', '.join(provenance.sdks)}, now {situation.sdk_now}")
    model = _provenance.model_of(body, url)
    if model and provenance.models and model not in provenance.models:
        moved.append(f"model {', '.join(provenance.models)} in the recording, {model} now")
    return [f"  since:    {'; '.join(moved)}"] if moved else []


def shown_path(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it, as a developer would type it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _bytes(body: bytes, width: int = 100) -> str:
    shown = repr(body[:width])
    return shown + ("…" if len(body) > width else "")


def _likeness(interaction: Interaction, sent: Any, body: bytes) -> float:
    recorded = body_value(interaction.request.body)
    if recorded is None or sent is None:
        return 1.0 if interaction.request.body == body else 0.0
    return _diff.similarity(recorded, sent)
