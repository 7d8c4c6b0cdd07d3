"""API drift: a live response compared with its recording by shape, not wording.

The shape of a response is its status, its content type, the JSON type at every key path (``choices[].message.
content: str``), the sequence of its server-sent event types, and the values that steer a client: finish and stop
reasons, tool-call names and their argument keys. New key paths in the live answer are benign drift (an API
adds optional fields all the time); anything else that differs is breaking.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ._model import RecordedResponse
from ._sse import is_event_stream

IDENTICAL, BENIGN, BREAKING, UNVERIFIED = "identical", "benign", "breaking", "unverified"
SEVERITY = (IDENTICAL, BENIGN, UNVERIFIED, BREAKING)
_STEERING = frozenset({"finish_reason", "stop_reason", "type", "object", "role"})


@dataclass(frozen=True, slots=True)
class Shape:
    status: int
    content_type: str
    types: dict[str, str] = field(default_factory=dict)  # key path -> JSON type name
    events: tuple[str, ...] = ()  # the event types of a stream, in order, repeats collapsed
    steering: frozenset[str] = frozenset()  # "path=value" of finish reasons, tool names, argument keys...


@dataclass(frozen=True, slots=True)
class Drift:
    kind: str  # IDENTICAL, BENIGN or BREAKING
    details: tuple[str, ...] = ()


def shape(response: RecordedResponse) -> Shape:
    content_type = (response.header("content-type") or "").split(";")[0].strip().lower()
    documents: list[Any] = []
    events: list[str] = []
    if is_event_stream(content_type):
        for chunk in response.chunks:
            name, data = _event(chunk)
            document = _json(data)
            label = name or (document.get("type") or document.get("object") if isinstance(document, dict) else None)
            label = str(label or ("[DONE]" if data.strip() == "[DONE]" else "data"))
            if not events or events[-1] != label:
                events.append(label)
            if document is not None:
                documents.append(document)
    elif response.body:
        document = _json(response.body.decode("utf-8", "replace"))
        if document is not None:
            documents.append(document)
    types: dict[str, str] = {}
    steering: set[str] = set()
    for document in documents:
        for path, value in _leaves(document, ""):
            types.setdefault(path, type(value).__name__)
            last = path.rsplit(".", 1)[-1]
            if last in _STEERING or path.endswith(("function.name", "tool_use.name")) or last == "name":
                steering.add(f"{path}={value}")
            if last == "arguments" and isinstance(value, str):
                arguments = _json(value)
                if isinstance(arguments, dict):
                    steering.add(f"{path} keys={','.join(sorted(arguments))}")
    return Shape(response.status, content_type, types, tuple(events), frozenset(steering))


def compare(recorded: Shape, live: Shape) -> Drift:
    """How the live shape differs from the recorded one."""
    breaking: list[str] = []
    if recorded.status != live.status:
        breaking.append(f"status {recorded.status} → {live.status}")
    if recorded.content_type != live.content_type:
        breaking.append(f"content type {recorded.content_type} → {live.content_type}")
    if recorded.events != live.events:
        breaking.append(f"events {' '.join(recorded.events)} → {' '.join(live.events)}")
    for path, kind in recorded.types.items():
        if path not in live.types:
            breaking.append(f"{path}: missing now (was {kind})")
        elif live.types[path] != kind and "NoneType" not in (kind, live.types[path]):
            breaking.append(f"{path}: {kind} → {live.types[path]}")
    for value in sorted(recorded.steering - live.steering):
        breaking.append(f"{value} no longer")
    for value in sorted(live.steering - recorded.steering):
        breaking.append(f"{value} now")
    benign = [f"{path}: new ({kind})" for path, kind in live.types.items() if path not in recorded.types]
    if breaking:
        return Drift(BREAKING, tuple(breaking + benign))
    return Drift(BENIGN, tuple(benign)) if benign else Drift(IDENTICAL)


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every scalar of a JSON value with its key path; list items share one path (``choices[]``)."""
    if isinstance(value, dict):
        if not value:
            yield path, value
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        if not value:
            yield path, value
        for item in value:
            yield from _leaves(item, f"{path}[]")
    else:
        yield path, value


def _event(chunk: bytes) -> tuple[str | None, str]:
    name, data = None, []
    for line in chunk.decode("utf-8", "replace").splitlines():
        field_name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field_name == "event":
            name = value
        elif field_name == "data":
            data.append(value)
    return name, "\n".join(data)


def _json(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
