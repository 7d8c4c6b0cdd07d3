"""cassetter cassettes (``version: 1``), read as they are; a response's ``status`` is a number.

```yaml
version: 1
interactions:
- request:
    method: POST
    uri: https://api.openai.com/v1/chat/completions
    headers: {content-type: [application/json]}
    body: {type: json, content: {model: gpt-4o-mini, messages: [...]}}
  response:
    status: 200
    headers: {content-type: [text/event-stream]}
    body: {type: text, content: "data: {...}\\n\\ndata: [DONE]\\n\\n"}
  recorded_at: 2026-01-01T00:00:00.123456+00:00
```
A body is ``{type, content}``: ``json`` (any JSON value, as YAML data), ``text`` (a string, server-sent events
too), ``binary`` (hex digits) or ``none`` (no content); no body is ``none``. cassetter stores bodies decoded and
drops ``content-encoding``. Its ``grpc_interactions`` and ``ws_interactions`` are not HTTP and are not read.
An interaction's ``recorded_at`` (a YAML timestamp, or an ISO 8601 string) gives its day, in UTC; the cassette is
as old as its oldest interaction (its ``provenance``), which is what ``max_age`` judges.
"""

from __future__ import annotations

import binascii
import contextlib
import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._model import Interaction, Provenance
from . import _shared
from ._shared import Where

NAME = "cassetter"


def matches(document: Mapping[str, Any]) -> bool:
    first = _shared.first_interaction(document)
    if first is None:
        return "grpc_interactions" in document or "ws_interactions" in document
    response = first.get("response")
    return isinstance(response, Mapping) and type(response.get("status")) is int


def read(document: Mapping[str, Any], path: Path) -> tuple[Interaction, ...]:
    return _shared.each_interaction(document, path, _interaction)


def provenance(document: Mapping[str, Any], path: Path) -> Provenance | None:
    """The day of the oldest interaction's ``recorded_at`` (the cassette is as old as it), when any says one."""
    where = Where(path)
    items = document.get("interactions") or ()
    days = [_day(item.get("recorded_at"), where.at(index)) for index, item in enumerate(items)]
    known = [day for day in days if day is not None]
    return Provenance(NAME, min(known), "") if known else None


def _day(value: Any, where: Where) -> datetime.date | None:
    """The UTC day of an interaction's ``recorded_at``: a YAML timestamp or date, or an ISO 8601 string."""
    if value is None:
        return None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):  # else refused below, as it is
            value = datetime.datetime.fromisoformat(value)
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).date() if value.tzinfo is not None else value.date()
    if isinstance(value, datetime.date):
        return value
    raise where.error(
        f"recorded_at must be a date and time such as 2026-11-25T08:30:26+00:00, not {_shared.shown(value)}"
    )


def _interaction(request: Mapping[str, Any], response: Mapping[str, Any], where: Where) -> Interaction:
    recorded_request = _shared.request(
        request.get("method"),
        request.get("uri"),
        _shared.headers(request.get("headers"), where, "request headers"),
        _body(request, where, "request"),
        where,
    )
    recorded_response = _shared.response(
        response.get("status"),
        _shared.headers(response.get("headers"), where, "response headers"),
        _body(response, where, "response"),
        where,
    )
    return Interaction(recorded_request, recorded_response)


def _body(message: Mapping[str, Any], where: Where, what: str) -> bytes:
    body = message.get("body")
    if body is None:
        return b""
    body = where.mapping(body, f"the {what} body")
    kind, content = body.get("type", "none"), body.get("content")
    if kind == "none":
        if content is not None:
            raise where.error(f"the {what} body is of type none but has content")
        return b""
    if kind not in ("json", "text", "binary"):
        raise where.error(f"the {what} body type {kind!r} is not json, text, binary or none")
    if content is None:
        raise where.error(f"the {what} {kind} body has no content")
    if kind == "json":
        return _shared.json_body(content, where, f"the {what} json body")
    if kind == "text":
        return _shared.text_body(content, where, f"the {what} text body")
    if not isinstance(content, str):
        raise where.error(f"the {what} binary body must be a string of hex digits")
    try:
        return binascii.unhexlify(content)
    except (binascii.Error, ValueError) as error:
        raise where.error(f"the {what} binary body is not valid hex: {error}") from None
