"""Request normalization and the index that finds a recorded interaction by its normalized request.

A request is keyed by its method, its URL (scheme and host lower-cased, query sorted, credentials redacted)
and its body: JSON canonicalized (sorted keys, no whitespace, ignored paths removed), anything else as bytes.
Matching is then one dictionary lookup, whatever the cassette's length.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from . import _json_text, _redact

RequestKey = tuple[str, str, str | bytes]


class MatchRules(NamedTuple):
    """What a request is matched on, beyond method and URL.

    ``ignore_body_paths`` are dotted paths into the JSON body (``metadata.trace_id``); ``*`` stands for every
    key of a mapping or every item of a list (``messages.*.name``).
    """

    ignore_body_paths: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def from_paths(cls, paths: Iterable[str]) -> MatchRules:
        return cls(tuple(tuple(path.split(".")) for path in paths))


@functools.lru_cache(maxsize=256)
def normalize_url(url: str) -> str:
    """Kept for each URL seen: a test suite talks to a handful of URLs, and every request is normalized."""
    parts = urlsplit(_redact.url(url))
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


def normalize_body(body: bytes, rules: MatchRules) -> str | bytes:
    value = parse_json(body)
    if value is None:
        return body
    for path in rules.ignore_body_paths:
        _drop(value, path)
    return _json_text.canonical(value)


def _drop(value: Any, path: Sequence[str]) -> None:
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        children = list(value) if head == "*" else [head] if head in value else []
        for key in children:
            if rest:
                _drop(value[key], rest)
            else:
                del value[key]
    elif isinstance(value, list) and head == "*":
        if rest:
            for item in value:
                _drop(item, rest)
        else:
            value.clear()


def request_key(method: str, url: str, body: bytes, rules: MatchRules) -> RequestKey:
    return method.upper(), normalize_url(url), normalize_body(body, rules)


class InteractionIndex:
    """Recorded interactions by normalized request; identical requests come back in recorded order."""

    def __init__(self, keys: Sequence[RequestKey]) -> None:
        self._keys = keys
        self._queues: dict[RequestKey, deque[int]] = {}
        for position, key in enumerate(keys):
            self._queues.setdefault(key, deque()).append(position)

    def take(self, key: RequestKey) -> int | None:
        """The position of the first unused interaction recorded for ``key``, now marked used."""
        queue = self._queues.get(key)
        return queue.popleft() if queue else None

    def nearest(self, key: RequestKey, unused: Iterable[int]) -> int | None:
        """The unused interaction with the same method and URL whose body is most like ``key``'s."""
        candidates = [position for position in unused if self._keys[position][:2] == key[:2]]
        if not candidates:
            return None
        wanted = _text(key[2])
        return max(candidates, key=lambda p: difflib.SequenceMatcher(None, wanted, _text(self._keys[p][2])).ratio())


def _text(body: str | bytes) -> str:
    return body if isinstance(body, str) else body.decode("utf-8", "replace")


def body_diff(recorded: bytes, sent: bytes, rules: MatchRules) -> str:
    """A unified diff of two bodies, JSON pretty-printed with sorted keys so only real differences show."""

    def lines(body: bytes) -> list[str]:
        value = parse_json(body)
        if value is None:
            return body.decode("utf-8", "replace").splitlines()
        for path in rules.ignore_body_paths:
            _drop(value, path)
        return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False).splitlines()

    diff = difflib.unified_diff(lines(recorded), lines(sent), "recorded", "sent", lineterm="", n=2)
    return "\n".join(diff)
