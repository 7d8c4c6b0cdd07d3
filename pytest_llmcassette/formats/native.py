"""This plugin's own cassette format: bodies as YAML data, server-sent events as a list of events.

```yaml
llm_cassette: 2
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
count: 1
```
A body is written under one key: ``json`` (a JSON object or array, as data), ``events`` (server-sent events),
``text`` (UTF-8) or ``base64`` (anything else); a request's form (an upload) under ``multipart``, a list of parts,
each its ``name``, ``filename`` and ``content_type`` when it has them, and its ``text``, ``base64``, or (a file
written shortened) ``size`` and ``sha256``. Keys keep one order, so a re-recording diffs minimally. A response
may end in ``error: {type, message}`` (a transport error the client saw; alone when no response came) or
``cut_by_client: true``. ``count``, always the last line, makes a file cut short detectable; format 1 (no
``count``) is still read.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import _multipart, _provenance, _sse, _yaml
from .._matching import parse_json
from .._model import Headers, Interaction, Provenance, RecordedError, RecordedResponse
from .._words import counted
from . import _shared
from ._shared import Where

NAME = "native"
VERSION = 2
_READS = (1, 2)
_COUNT_LINE = re.compile(r"^count: (\d+)\n", re.M)
HEADER = "# Recorded by pytest-llmcassette. Replayed by `pytest`; re-record with `pytest --record-mode=rewrite`.\n"
_BODY_KEYS = ("json", "events", "text", "base64")
_EVENT_FIELDS = ("json", "data", "event", "id", "retry", "comment")
_DOCUMENT_KEYS = ("llm_cassette", "recorded", "interactions", "count")
_INTERACTION_KEYS = ("request", "response")
_REQUEST_BODY_KEYS = (*_BODY_KEYS, "multipart")
_PART_KEYS = ("name", "filename", "content_type", "text", "base64", "size", "sha256")
_REQUEST_KEYS = ("method", "url", "headers", *_REQUEST_BODY_KEYS)
_RESPONSE_KEYS = ("status", "headers", *_BODY_KEYS, "error", "cut_by_client")


def matches(document: Mapping[str, Any]) -> bool:
    return "llm_cassette" in document


def read(document: Mapping[str, Any], path: Path) -> tuple[Interaction, ...]:
    where = Where(path)
    version = document.get("llm_cassette")
    if type(version) is int and version > VERSION:  # (type: True and 2.0 are not versions)
        raise where.error(
            f"written by a newer pytest-llmcassette (cassette format {version}; this one reads {_READS[0]} to "
            f"{VERSION}): upgrade the plugin"
        )
    if type(version) is not int or version not in _READS:
        raise where.error(
            f"llm_cassette: {_shared.shown(version)} is not a cassette format version ({_READS[0]} to {VERSION})"
        )
    _known_keys(document, _DOCUMENT_KEYS, where, "the cassette")
    interactions = _shared.each_interaction(
        document, path, _interaction, lambda item, at: _known_keys(item, _INTERACTION_KEYS, at, "the interaction")
    )
    if version >= 2:
        count = document.get("count")
        if count is None or list(document)[-1] != "count":
            raise where.error(
                "it has no closing 'count' line: the file was cut short (or that line deleted or moved); restore it "
                "from version control or re-record it"
            )
        if type(count) is not int:
            raise where.error(f"count must be a whole number, not {_shared.shown(count)}")
        if count != len(interactions):
            raise where.error(
                f"its closing line says count: {count!r} but it holds "
                f"{counted(len(interactions), 'interaction')}: cut short, or edited by hand (after removing "
                "interactions on purpose, set the count to match)"
            )
    return interactions


def _known_keys(mapping: Mapping[str, Any], known: tuple[str, ...], where: Where, what: str) -> None:
    for key in mapping:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; it may hold {', '.join(known)}"
            raise where.error(f"{what} has an unknown key {key!r}{hint}")


def _interaction(request: Mapping[str, Any], response: Mapping[str, Any], where: Where) -> Interaction:
    _known_keys(request, _REQUEST_KEYS, where, "the request")
    _known_keys(response, _RESPONSE_KEYS, where, "the response")
    request_headers = _shared.headers(request.get("headers"), where, "request headers")
    response_headers = _shared.headers(response.get("headers"), where, "response headers")
    request_body = b"".join(_body(request, where, "request", _REQUEST_BODY_KEYS))
    recorded_request = _shared.request(request.get("method"), request.get("url"), request_headers, request_body, where)
    error = _error(response.get("error"), where)
    cut = response.get("cut_by_client", False)
    if type(cut) is not bool:
        raise where.error(f"cut_by_client must be true or false, not {cut!r}")
    if error is not None and "status" not in response:
        if len(response) > 1:
            raise where.error("a response with an error and no status holds nothing else")
        return Interaction(recorded_request, RecordedResponse(0, error=error))
    chunks = _body(response, where, "response")
    if "events" in response:  # the events are the chunks, even for an odd content type
        recorded = _shared.response(response.get("status"), response_headers, chunks, where)
    else:
        recorded = _shared.response(response.get("status"), response_headers, b"".join(chunks), where)
    if error is not None or cut:
        recorded = RecordedResponse(recorded.status, recorded.headers, recorded.chunks, error, cut)
    return Interaction(recorded_request, recorded)


def _error(value: Any, where: Where) -> RecordedError | None:
    if value is None:
        return None
    error = where.mapping(value, "the response error")
    _known_keys(error, ("type", "message"), where, "the response error")
    kind, message = error.get("type"), error.get("message", "")
    if not isinstance(kind, str) or not kind.isidentifier():
        raise where.error(f"the response error's type must be an exception name such as ReadTimeout, not {kind!r}")
    if not isinstance(message, str):
        raise where.error(f"the response error's message must be a string, not {message!r}")
    return RecordedError(kind, message)


def _body(message: Mapping[str, Any], where: Where, what: str, keys: tuple[str, ...] = _BODY_KEYS) -> tuple[bytes, ...]:
    """The body's bytes, in the chunks replay sends: one per server-sent event, else the whole body (or none)."""
    present = [key for key in keys if key in message]
    if len(present) > 1:
        raise where.error(f"the {what} has more than one body: {', '.join(present)}")
    if not present:
        return ()
    key = present[0]
    value = message[key]
    if key == "events":
        return _events(value, where)
    if key == "multipart":
        return (_multipart.build(_parts(value, where)),)
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


def _parts(value: Any, where: Where) -> list[_multipart.Part]:
    if not isinstance(value, list) or not value:
        raise where.error("the request multipart body must be a list of parts")
    parts = []
    for number, item in enumerate(value):
        what = f"multipart part {number}"
        part = where.mapping(item, what)
        _known_keys(part, _PART_KEYS, where, what)
        name, filename, content_type = part.get("name"), part.get("filename"), part.get("content_type")
        if not isinstance(name, str):
            raise where.error(f"{what} needs a name (a string)")
        for key, given in (("filename", filename), ("content_type", content_type)):
            if given is not None and not isinstance(given, str):
                raise where.error(f"{what}: {key} must be a string, not {_shared.shown(given)}")
        contents = [key for key in ("text", "base64", "sha256") if key in part]
        if len(contents) != 1:
            raise where.error(f"{what} needs one of text, base64, or size and sha256 (a file written shortened)")
        if "sha256" in part:
            size, digest = part.get("size"), part["sha256"]
            if type(size) is not int or size < 0:
                raise where.error(f"{what}: size must be a number of bytes, not {_shared.shown(size)}")
            if not isinstance(digest, str) or re.fullmatch("[0-9a-f]{64}", digest) is None:
                raise where.error(f"{what}: sha256 must be 64 lowercase hexadecimal digits")
            parts.append(_multipart.Part(name, b"", filename, content_type, (size, digest)))
            continue
        if "size" in part:
            raise where.error(f"{what}: size goes with sha256, for a file written shortened")
        content = _body(part, where, what, ("text", "base64"))
        parts.append(_multipart.Part(name, b"".join(content), filename, content_type))
    return parts


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
            raise where.error(f"event {number} has unknown fields {names}; an event has {', '.join(_EVENT_FIELDS)}")
        if "json" in event and "data" in event:
            raise where.error(f"event {number} has both json and data")
        for name, field in event.items():
            if name == "json":
                continue  # data, checked when serialized
            if not (isinstance(field, str) or (name == "retry" and type(field) is int)):
                raise where.error(f"event {number}: {name} must be a string, not {_shared.shown(field)}")
            if "\r" in str(field) or "\n" in str(field):
                raise where.error(f"event {number}: {name} holds a line break, which would end the event on the wire")
    try:
        return _sse.serialize(value)
    except (TypeError, ValueError, RecursionError) as error:
        raise where.error(f"an event's json is not JSON data: {error}") from None


def to_documents(interactions: Iterable[Interaction]) -> list[dict[str, Any]]:
    """Each interaction as the YAML data it is written as."""
    return [_document(interaction) for interaction in interactions]


def write(items: list[dict[str, Any]], provenance: Provenance | None = None) -> str:
    """A whole cassette holding ``items`` (from ``to_documents``), and where they came from, as text."""
    document: dict[str, Any] = {"llm_cassette": VERSION}
    if provenance is not None:
        document["recorded"] = provenance.document()
    return HEADER + _yaml.dump({**document, "interactions": items, "count": len(items)})


def provenance(document: Mapping[str, Any], path: Path) -> Provenance | None:
    """Where the cassette's recordings came from, when it says (format 2)."""
    try:
        return _provenance.read(document.get("recorded"))
    except ValueError as error:
        raise Where(path).error(str(error)) from None


def same_recording(text: str, other: str) -> bool:
    """Whether two cassette texts hold the same interactions (where they came from aside)."""
    first, second = _yaml.load(text), _yaml.load(other)
    if not isinstance(first, dict) or not isinstance(second, dict):
        return False
    first.pop("recorded", None)
    second.pop("recorded", None)
    return bool(first == second)


def append(existing: str, items: list[dict[str, Any]]) -> str:
    """``existing`` cassette text with ``items`` added at the end, every byte of it kept but the closing ``count``
    line (format 2), which is written anew after them."""
    if not items:
        return existing
    closing = next(reversed(list(_COUNT_LINE.finditer(existing))), None)
    if closing is None:  # format 1: no count to keep up
        return existing.rstrip("\n") + "\n" + _yaml.dump(items)
    kept = existing[: closing.start()] + existing[closing.end() :]
    return kept.rstrip("\n") + "\n" + _yaml.dump(items) + f"count: {int(closing.group(1)) + len(items)}\n"


def _document(interaction: Interaction) -> dict[str, Any]:
    request, response = interaction.request, interaction.response
    request_doc: dict[str, Any] = {"method": request.method, "url": request.url}
    if request.headers:
        request_doc["headers"] = _headers_doc(request.headers)
    form = _multipart.parse(request.body)
    request_doc.update(_body_doc(request.body, None) if form is None else {"multipart": [_part_doc(p) for p in form]})
    response_doc: dict[str, Any] = {}
    if response.status:
        response_doc["status"] = response.status
    if response.headers:
        response_doc["headers"] = _headers_doc(response.headers)
    response_doc.update(_body_doc(response.body, response.header("content-type")))
    if response.error is not None:
        response_doc["error"] = {"type": response.error.kind, "message": response.error.message}
    if response.cut_by_client:
        response_doc["cut_by_client"] = True
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


def _part_doc(part: _multipart.Part) -> dict[str, Any]:
    document: dict[str, Any] = {"name": part.name}
    if part.filename is not None:
        document["filename"] = part.filename
    if part.content_type is not None:
        document["content_type"] = part.content_type
    if part.omitted is not None:
        return {**document, "size": part.size, "sha256": part.sha256}
    text = part.text()
    return {**document, "text": text} if text is not None else {**document, "base64": _base64(part.content)}


def _base64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def _body_doc(body: bytes, content_type: str | None) -> dict[str, Any]:
    if not body:
        return {}
    try:
        text = body.decode()
    except UnicodeDecodeError:
        return {"base64": _base64(body)}
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
        return {"json": _vectors_on_one_line(value)}
    return {"text": text}


_SHORTEST_VECTOR = 8


def _vectors_on_one_line(value: Any) -> Any:
    """``value`` with each list of numbers (an embedding) to be written on one line, as compact JSON: a vector of
    1,536 floats stays one line of the file instead of 1,536."""
    if isinstance(value, dict):
        return {key: _vectors_on_one_line(item) for key, item in value.items()}
    if isinstance(value, list):
        if len(value) >= _SHORTEST_VECTOR and all(type(item) in (int, float) for item in value):
            return _yaml.OneLineJSON(value)
        return [_vectors_on_one_line(item) for item in value]
    return value
