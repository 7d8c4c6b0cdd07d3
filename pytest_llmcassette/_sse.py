"""Server-sent events: a body split into events for lazy replay, and events as YAML data for review.

The parser is strict on purpose: a body it cannot represent exactly (a field it does not know, a last event
without its blank line) is reported as ``None`` and the caller keeps the body as text, so nothing is lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from ._yaml import OneLineJSONMapping

_EVENT_END = re.compile(rb"(?<=\n\n)|(?<=\n\r\n)")
_SINGLE_FIELDS = ("event", "id", "retry")

Event = dict[str, Any]


def is_event_stream(content_type: str | None) -> bool:
    return content_type is not None and content_type.split(";", 1)[0].strip().lower() == "text/event-stream"


def split_events(body: bytes) -> tuple[bytes, ...]:
    """The body cut after each blank line: one chunk per event, joined they give the body back unchanged."""
    return tuple(chunk for chunk in _EVENT_END.split(body) if chunk)


def ends_stream(event: bytes) -> bool:
    """Whether ``event`` is one that ends an LLM stream: OpenAI's ``[DONE]``, Anthropic's ``message_stop``."""
    return event.startswith((b"data: [DONE]", b"event: message_stop")) or b'"type":"message_stop"' in event


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


def serialize(events: Iterable[Event]) -> tuple[bytes, ...]:
    """The wire form of each event, one chunk each; ``json`` data written as compact JSON, as servers send it, or
    as the cassette's line holds it (read as a ``OneLineJSONMapping``)."""
    return tuple(_serialize_event(event) for event in events)


def _serialize_event(event: Event) -> bytes:
    lines = []
    for name, value in event.items():
        if name == "json" and type(value) is OneLineJSONMapping:
            lines.append("data: " + value.line)  # served as the cassette's line holds it
        elif name == "json":
            lines.append("data: " + json.dumps(value, ensure_ascii=False, separators=(",", ":")))
        elif name == "comment":
            lines.append(": " + str(value))
        else:
            lines.append(f"{name}: {value}")
    return ("\n".join(lines) + "\n\n").encode()
