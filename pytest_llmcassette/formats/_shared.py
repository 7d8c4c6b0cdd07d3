"""Pieces every reader needs: shape checks with clear errors, headers, and the response as replay serves it."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from .. import _wire
from .._errors import CassetteFormatError
from .._model import Headers, Interaction, RecordedRequest, RecordedResponse

T = TypeVar("T")


class Where:
    """The place being read, so every error names the file and the interaction."""

    def __init__(self, path: Path, index: int | None = None) -> None:
        self.path = path
        self.index = index

    def at(self, index: int) -> Where:
        return Where(self.path, index)

    def error(self, problem: str) -> CassetteFormatError:
        return CassetteFormatError(self.path, problem, self.index)

    def field(self, mapping: Mapping[str, Any], key: str, kind: type[T], what: str | None = None) -> T:
        """``mapping[key]``, which must be present and of ``kind``."""
        if key not in mapping:
            raise self.error(f"{what or key} is missing")
        if mapping[key] is None:
            raise self.error(f"{what or key} must be {_kind_name(kind)}, not null")
        return self.optional(mapping, key, kind, what)  # type: ignore[return-value]

    def optional(self, mapping: Mapping[str, Any], key: str, kind: type[T], what: str | None = None) -> T | None:
        value = mapping.get(key)
        if value is not None and not isinstance(value, kind):
            raise self.error(f"{what or key} must be {_kind_name(kind)}, not {_kind_name(type(value))}")
        return value

    def mapping(self, value: Any, what: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.error(f"{what} must be a mapping, not {_kind_name(type(value))}")
        return value


def shown(value: Any, width: int = 60) -> str:
    """``repr(value)``, cut to ``width`` characters: a message names a wrong value without repeating all of it."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _kind_name(kind: type) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", int: "an integer", bytes: "binary"}.get(
        kind, kind.__name__
    )


ReadOne = Callable[[Mapping[str, Any], Mapping[str, Any], Where], Interaction]
KeyCheck = Callable[[Mapping[str, Any], "Where"], None]


def each_interaction(
    document: Mapping[str, Any], path: Path, read_one: ReadOne, known: KeyCheck | None = None
) -> tuple[Interaction, ...]:
    """``read_one(request, response, where)`` for every interaction, each checked to have both as mappings (and,
    with ``known``, to hold no other keys)."""
    where = Where(path)
    interactions = []
    for index, item in enumerate(where.field(document, "interactions", list)):
        at = where.at(index)
        item = at.mapping(item, "the interaction")
        if known is not None:
            known(item, at)
        request = at.mapping(at.field(item, "request", dict), "request")
        response = at.mapping(at.field(item, "response", dict), "response")
        interactions.append(read_one(request, response, at))
    return tuple(interactions)


def first_interaction(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The first interaction, when it is a mapping: what a reader's ``matches`` looks at."""
    interactions = document.get("interactions")
    if isinstance(interactions, list) and interactions and isinstance(interactions[0], Mapping):
        return interactions[0]
    return None


def headers(value: Any, where: Where, what: str) -> Headers:
    """Headers from a mapping of a name to a value or a list of values (every format writes one of these)."""
    if value is None:
        return ()
    pairs: list[tuple[str, str]] = []
    for name, values in where.mapping(value, what).items():
        for item in values if isinstance(values, list) else [values]:
            if not isinstance(item, str | int | float):
                raise where.error(f"{what} {name!r} must be a string or a list of strings")
            pairs.append((str(name), str(item)))
    return tuple(pairs)


def text_body(value: Any, where: Where, what: str) -> bytes:
    """A body that a format stores as a string (or as YAML ``!!binary``); absent means empty."""
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise where.error(f"{what} must be a string, not {_kind_name(type(value))}")


def json_body(value: Any, where: Where, what: str) -> bytes:
    """A body that a format stores as YAML data, as compact UTF-8 JSON."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError, RecursionError) as error:
        raise where.error(f"{what} is not JSON data: {error}") from None


def request(method: Any, url: Any, header_pairs: Headers, body: bytes, where: Where) -> RecordedRequest:
    if method is None:
        raise where.error("the request has no method")
    if not isinstance(method, str) or not method.isalpha():
        raise where.error(f"the request's method must be an HTTP method such as POST, not {shown(method)}")
    if url is None:
        raise where.error("the request has no URL")
    if not isinstance(url, str) or "://" not in url:
        raise where.error(f"the request's URL must be an absolute URL, not {shown(url)}")
    return RecordedRequest(method.upper(), url, header_pairs, body)


def response(status: Any, header_pairs: Headers, body: bytes | tuple[bytes, ...], where: Where) -> RecordedResponse:
    """The response as replay serves it (see ``_wire``). A ``body`` given as chunks (a format that stores
    server-sent events one by one, always decoded) is served as it is."""
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise where.error(f"the response status must be an HTTP status code, not {shown(status)}")
    if isinstance(body, tuple):
        return _wire.response_of_events(status, header_pairs, body)
    try:
        return _wire.response(status, header_pairs, body)
    except ValueError as error:
        raise where.error(str(error)) from None
