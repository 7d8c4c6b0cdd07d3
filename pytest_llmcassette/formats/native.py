"""This plugin's own cassette format: bodies as YAML data, server-sent events as a list of events.

```yaml
llm_cassette: 1
interactions:
- request:
    method: POST
    url: https://api.openai.com/v1/chat/completions
    headers: {content-type: application/json}
    json: {model: gpt-4o-mini, messages: [...]}
  response:
    status: 200
    headers: {content-type: text/event-stream}
    events:
    - json: {id: chatcmpl-1, choices: [...]}
    - data: '[DONE]'
```
A body is written under one key: ``json`` (a JSON object or array, as data), ``events`` (server-sent events),
``text`` (UTF-8) or ``base64`` (anything else). Keys keep one order, so a re-recording diffs minimally.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import _sse, _yaml
from .._matching import parse_json
from .._model import Headers, Interaction
from . import _shared
from ._shared import Where

NAME = "native"
VERSION = 1
HEADER = "# Recorded by pytest-llmcassette. Replayed by `pytest`; re-record with `pytest --record-mode=rewrite`.\n"
_BODY_KEYS = ("json", "events", "text", "base64")
_EVENT_FIELDS = ("json", "data", "event", "id", "retry", "comment")


def matches(document: Mapping[str, Any]) -> bool:
    return "llm_cassette" in document


def read(document: Mapping[str, Any], path: Path) -> tuple[Interaction, ...]:
    where = Where(path)
    version = document.get("llm_cassette")
    if version != VERSION:
        raise where.error(f"llm_cassette version {version!r} is not supported (this plugin reads version {VERSION})")
    return _shared.each_interaction(document, path, _interaction)


def _interaction(request: Mapping[str, Any], response: Mapping[str, Any], where: Where) -> Interaction:
    request_headers = _shared.headers(request.get("headers"), where, "request headers")
    response_headers = _shared.headers(response.get("headers"), where, "response headers")
    request_body = b"".join(_body(request, where, "request"))
    recorded_request = _shared.request(request.get("method"), request.get("url"), request_headers, request_body, where)
    chunks = _body(response, where, "response")
    if "events" in response:  # the events are the chunks, even for an odd content type
        return Interaction(recorded_request, _shared.response(response.get("status"), response_headers, chunks, where))
    recorded = _shared.response(response.get("status"), response_headers, b"".join(chunks), where)
    return Interaction(recorded_request, recorded)


def _body(message: Mapping[str, Any], where: Where, what: str) -> tuple[bytes, ...]:
    """The body's bytes, in the chunks replay sends: one per server-sent event, else the whole body (or none)."""
    present = [key for key in _BODY_KEYS if key in message]
    if len(present) > 1:
        raise where.error(f"the {what} has more than one body: {', '.join(present)}")
    if not present:
        return ()
    key = present[0]
    value = message[key]
    if key == "events":
        return _events(value, where)
    if key == "json":
        if not isinstance(value, dict | list):
            raise where.error(f"the {what} json body must be a mapping or a list")
        return (_shared.json_body(value, where, f"the {what} json body"),)
    if key == "text":
        return (_shared.text_body(value, where, f"the {what} text body"),)
    if not isinstance(value, str):
        raise where.error(f"the {what} base64 body must be a string")
    try:
        return (base64.b64decode(value, validate=True),)
    except binascii.Error as error:
        raise where.error(f"the {what} base64 body is not valid base64: {error}") from None


def _events(value: Any, where: Where) -> tuple[bytes, ...]:
    """Each event's wire form, its ``json`` data written as compact JSON."""
    if not isinstance(value, list):
        raise where.error("the response events must be a list")
    for number, event in enumerate(value):
        if not isinstance(event, dict) or not event:
            raise where.error(f"event {number} must be a non-empty mapping")
        unknown = set(event).difference(_EVENT_FIELDS)
        if unknown:
            names = ", ".join(sorted(map(str, unknown)))
            raise where.error(f"event {number} has unknown field(s) {names}; an event has {', '.join(_EVENT_FIELDS)}")
        if "json" in event and "data" in event:
            raise where.error(f"event {number} has both json and data")
        for name in ("data", "event", "id", "comment", "retry"):
            if name in event and not (isinstance(event[name], str) or (name == "retry" and type(event[name]) is int)):
                raise where.error(f"event {number}: {name} must be a string, not {event[name]!r}")
    try:
        return _sse.serialize(value)
    except (TypeError, ValueError, RecursionError) as error:
        raise where.error(f"an event's json is not JSON data: {error}") from None


def to_documents(interactions: Iterable[Interaction]) -> list[dict[str, Any]]:
    """Each interaction as the YAML data it is written as."""
    return [_document(interaction) for interaction in interactions]


def write(items: list[dict[str, Any]]) -> str:
    """A whole cassette holding ``items`` (from ``to_documents``), as text."""
    return HEADER + _yaml.dump({"llm_cassette": VERSION, "interactions": items})


def append(existing: str, items: list[dict[str, Any]]) -> str:
    """``existing`` cassette text with ``items`` added at the end, every byte before them kept."""
    if not items:
        return existing
    return existing.rstrip("\n") + "\n" + _yaml.dump(items)


def _document(interaction: Interaction) -> dict[str, Any]:
    request, response = interaction.request, interaction.response
    request_doc: dict[str, Any] = {"method": request.method, "url": request.url}
    if request.headers:
        request_doc["headers"] = _headers_doc(request.headers)
    request_doc.update(_body_doc(request.body, None))
    response_doc: dict[str, Any] = {"status": response.status}
    if response.headers:
        response_doc["headers"] = _headers_doc(response.headers)
    response_doc.update(_body_doc(response.body, response.header("content-type")))
    return {"request": request_doc, "response": response_doc}


def _headers_doc(headers: Headers) -> dict[str, str | list[str]]:
    document: dict[str, str | list[str]] = {}
    for name, value in headers:
        name = name.lower()
        previous = document.get(name)
        if previous is None:
            document[name] = value
        else:
            document[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
    return document


def _body_doc(body: bytes, content_type: str | None) -> dict[str, Any]:
    if not body:
        return {}
    try:
        text = body.decode()
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(body).decode()}
    if _sse.is_event_stream(content_type):
        events = _sse.parse(text)
        if events is None:
            return {"text": text}
        return {
            "events": [
                {**event, "json": _yaml.OneLineJSON(event["json"])} if "json" in event else event for event in events
            ]
        }
    value = parse_json(body)
    if value is not None:
        return {"json": value}
    return {"text": text}
