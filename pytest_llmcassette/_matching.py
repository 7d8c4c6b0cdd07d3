"""Matching: the request key, and the one index that says which recording answers a request.

A request is keyed by its method, its URL (scheme and host lower-cased, query sorted, credentials redacted)
and its body: JSON canonicalized (sorted keys, no whitespace, ignored paths removed), a multipart form as its
fields and files (``_multipart``, never its boundary) canonicalized the same way, anything else as bytes.
Matching is then one dictionary lookup, whatever the cassette's length.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from . import _multipart, _scrub
from ._model import RecordedRequest

RequestKey = tuple[str, str, str | bytes]


@dataclass(frozen=True, slots=True)
class MatchRules:
    """What a request is matched on, beyond method and URL.

    ``ignore_body_paths`` are paths into the JSON body: keys joined by dots, list items by index in brackets
    (``metadata.trace_id``, ``messages[0].name``); ``*`` stands for every key of a mapping or every item of a
    list (``messages[*].name``, also written ``messages.*.name``). Each is held as its segments.
    """

    ignore_body_paths: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def from_paths(cls, paths: Iterable[str]) -> MatchRules:
        return cls(tuple(parse_path(path) for path in paths))


_PATH_SEGMENT = re.compile(r"\[(\d+|\*)\]|([^.\[\]]+)")


def parse_path(path: str) -> tuple[str, ...]:
    """``messages[*].name`` as ``("messages", "*", "name")``; ``ValueError`` for a path that is not one."""
    segments, position = [], 0
    for match in _PATH_SEGMENT.finditer(path):
        between = path[position : match.start()]
        if between not in ("", ".") or (between == "" and match[2] and position):
            break
        segments.append(match[1] or match[2])
        position = match.end()
    else:
        if segments and position == len(path):
            return tuple(segments)
    raise ValueError(f"{path!r} is not a body path such as metadata.request_id or messages[*].name")


@functools.lru_cache(maxsize=256)
def normalize_url(url: str) -> str:
    """The URL as matched. Kept for each URL seen: a suite talks to a handful of URLs, and every request has one."""
    parts = urlsplit(_scrub.url(url))
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True))) if parts.query else ""
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def parse_json(body: bytes) -> Any:
    """The body's JSON value, or None when the body is not a JSON object or array."""
    if body.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def body_value(body: bytes) -> Any:
    """The body as data to match and diff: its JSON value, a multipart form's fields and files, or None."""
    value = parse_json(body)
    if value is None and (parts := _multipart.parse(body)) is not None:
        return _multipart.as_data(parts)
    return value


def normalize_body(body: bytes, rules: MatchRules) -> str | bytes:
    value = body_value(body)
    if value is None:
        return body
    for path in rules.ignore_body_paths:
        _drop(value, path)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _drop(value: Any, path: Sequence[str]) -> None:
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        children = list(value) if head == "*" else [head] if head in value else []
        for key in children:
            if rest:
                _drop(value[key], rest)
            else:
                del value[key]
    elif isinstance(value, list) and (head == "*" or head.isdigit()):
        if head != "*":
            if int(head) < len(value):
                if rest:
                    _drop(value[int(head)], rest)
                else:
                    value[int(head)] = None  # a list keeps its length: later items keep their positions
        elif rest:
            for item in value:
                _drop(item, rest)
        else:
            value.clear()


def request_key(method: str, url: str, body: bytes, rules: MatchRules) -> RequestKey:
    return method.upper(), normalize_url(url), normalize_body(body, rules)


class RequestIndex:
    """The requests recorded in one cassette file, under one set of match rules: which recording answers a request.

    Built once per file and rules, and shared by every test that replays the file: what a test has played is the
    test's own (``played``, one flag per interaction), so the index itself never changes. Identical requests are
    answered in recorded order.
    """

    def __init__(self, requests: Sequence[RecordedRequest], rules: MatchRules) -> None:
        self.rules = rules
        self._keys = tuple(request_key(r.method, r.url, r.body, rules) for r in requests)
        positions: dict[RequestKey, list[int]] = {}
        for position, key in enumerate(self._keys):
            positions.setdefault(key, []).append(position)
        self._positions = {key: tuple(found) for key, found in positions.items()}
        # A request sent exactly as one was recorded (an SDK sends the same call the same way) has that one's key,
        # found without parsing its body.
        self._key_of_sent = {(r.method, r.url, r.body): key for r, key in zip(requests, self._keys, strict=True)}

    def key(self, method: str, url: str, body: bytes) -> RequestKey:
        return self._key_of_sent.get((method, url, body)) or request_key(method, url, body, self.rules)

    def take(self, method: str, url: str, body: bytes, played: list[bool]) -> int | None:
        """The position of the first recording of this request not yet ``played``, now marked played."""
        for position in self._positions.get(self.key(method, url, body), ()):
            if not played[position]:
                played[position] = True
                return position
        return None

    def recordings_of(self, method: str, url: str, body: bytes) -> int:
        """How many recordings this request has (all played when ``take`` found none)."""
        return len(self._positions.get(self.key(method, url, body), ()))

    def same_endpoint(self, method: str, url: str) -> list[int]:
        """The recordings with this request's method and URL, whatever their bodies."""
        wanted = (method.upper(), normalize_url(url))
        return [position for position, key in enumerate(self._keys) if key[:2] == wanted]
