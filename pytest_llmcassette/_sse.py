"""Server-sent events: a body split into events for lazy replay, and events as YAML data for review.

The parser is strict on purpose: a body it cannot represent exactly (a field it does not know, a last event
without its blank line) is reported as ``None`` and the caller keeps the body as text, so nothing is lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from . import _json_text

_EVENT_END = re.compile(rb"(?<=\n\n)|(?<=\n\r\n)")
_SINGLE_FIELDS = ("event", "id", "retry")

Event = dict[str, Any]


def is_event_stream(content_type: str | None) -> bool:
    return content_type is not None and content_type.split(";", 1)[0].strip().lower() == "text/event-stream"


def split_events(body: bytes) -> tuple[bytes, ...]:
    """The body cut after each blank line: one chunk per event, joined they give the body back unchanged."""
    return tuple(chunk for chunk in _EVENT_END.split(body) if chunk)


def parse(text: str) -> list[Event] | None:
    """Events as YAML-ready mappings, or None when the text holds anything they would not keep.

    An event maps ``event``/``id``/``retry`` to their values, ``comment`` to a comment line, and either
    ``json`` to its data parsed (a JSON object or array) or ``data`` to its data as text (``[DONE]``).
    """
    text = text.replace("\r\n", "\n")
    if not text.endswith("\n\n"):
        return None
    events: list[Event] = []
    for block in text[:-2].split("\n\n"):
        event = _parse_block(block)
        if event is None:
            return None
        events.append(event)
    return events


def _parse_block(block: str) -> Event | None:
    event: Event = {}
    for line in block.split("\n"):
        name, colon, value = line.partition(":")
        if not colon:
            return None
        if value.startswith(" "):
            value = value[1:]
        if name == "":
            name = "comment"
        if name not in ("data", "comment", *_SINGLE_FIELDS) or name in event:
            return None
        event[name] = value
    if not event:
        return None
    data = event.pop("data", None)
    if data is not None:
        parsed = _json_container(data)
        if parsed is None:
            event["data"] = data
        else:
            event["json"] = parsed
    return event


def _json_container(text: str) -> Any:
    if not text.startswith(("{", "[")):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict | list) else None


def serialize(events: Iterable[Event], json_texts: Mapping[int, str]) -> tuple[bytes, ...]:
    """The wire form of each event, one chunk each. ``json`` data is written as its text in ``json_texts`` (by the
    value's ``id``) when it has one, else as compact JSON."""
    chunks = []
    for event in events:
        text = json_texts.get(id(event.get("json"))) if len(event) == 1 else None
        # most events are one line of JSON data, kept as read: written without the general loop below
        chunks.append(_serialize_event(event, json_texts) if text is None else f"data: {text}\n\n".encode())
    return tuple(chunks)


def _serialize_event(event: Event, json_texts: Mapping[int, str]) -> bytes:
    lines = []
    for name, value in event.items():
        if name == "json":
            lines.append("data: " + (json_texts.get(id(value)) or _json_text.compact(value)))
        elif name == "comment":
            lines.append(": " + str(value))
        else:
            lines.append(f"{name}: {value}")
    return ("\n".join(lines) + "\n\n").encode()
