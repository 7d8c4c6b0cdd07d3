"""What a mismatch message says about a request: a one-line summary, a likeness score and a field-by-field diff.

Pure functions over JSON values (what ``json.loads`` returns). Paths read ``messages[1].content``, with keys that
are not identifiers quoted (``headers["x-y"]``); ignored paths are the segment tuples of
``MatchRules.ignore_body_paths``, where ``*`` stands for any key or list index.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from . import _multipart
from ._words import counted

JsonPath = tuple[str | int, ...]

_TEXT_WIDTH = 40  # a message's text in a summary
_VALUE_WIDTH = 60  # a value in a diff line before it is shortened
_CONTEXT = 30  # characters kept on each side of a long string's first difference
_LEAF_BUDGET = 20_000  # leaves compared by ``similarity``
_RATIO_SPAN = 1_000  # characters scanned from each end of two strings that differ
_MAX_NAMES = 8  # keys or tool names listed in a summary

_VOLATILE_NAMES = frozenset({"id", "uuid", "nonce", "seed", "user", "timestamp", "created", "date", "time"})
_VOLATILE_SUFFIXES = ("_id", "Id", "_uuid", "_at", "_time", "_timestamp", "_date")


class _Absent(enum.Enum):
    ABSENT = "absent"


ABSENT = _Absent.ABSENT
"""The value on the side of a difference where the path does not exist."""


@dataclass(frozen=True, slots=True)
class Difference:
    """One path whose value differs between the recorded body and the sent one."""

    path: JsonPath
    before: Any
    after: Any
    ignored: bool = False

    @property
    def where(self) -> str:
        return format_path(self.path)

    def __str__(self) -> str:
        before, after = _shown_pair(self.before, self.after)
        return f"{self.where}: {before} → {after}{' (ignored)' * self.ignored}"


def format_path(path: JsonPath) -> str:
    """``messages[1].content``; ``(body)`` for the whole value."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif step.isidentifier():
            out += f".{step}" if out else step
        else:
            out += f"[{json.dumps(step, ensure_ascii=False)}]"
    return out or "(body)"


def differences(recorded: Any, sent: Any, ignored: Iterable[Sequence[str]] = ()) -> list[Difference]:
    """Every differing path, mappings by key and lists by position; those under an ignored path last, marked."""
    patterns = tuple(tuple(p) for p in ignored if p)
    found: list[Difference] = []
    _walk(recorded, sent, (), patterns, found)
    return sorted(found, key=lambda d: d.ignored)


def describe(found: Sequence[Difference], limit: int = 12) -> list[str]:
    """One line per difference, at most ``limit`` of them, then how many were left out."""
    lines = [str(d) for d in found[: max(limit, 0)]]
    left = len(found) - len(lines)
    if left:
        lines.append(f"… and {left} more difference{'s' * (left != 1)}")
    return lines


def field_diff(recorded: Any, sent: Any, ignored: Iterable[Sequence[str]] = (), limit: int = 12) -> list[str]:
    """``describe(differences(recorded, sent, ignored), limit)``: no lines when the values are the same."""
    return describe(differences(recorded, sent, ignored), limit)


def volatile_paths(found: Iterable[Difference]) -> list[str]:
    """Differing paths not yet ignored that look volatile (ids, timestamps, ``seed``, ``user``, ``metadata``).

    Written as ``ignore_body_paths`` entries, every list item as ``[*]`` (``messages[*].name``). Paths with a key
    that holds a dot or a bracket cannot be written so and are left out.
    """
    paths: dict[str, None] = {}
    for difference in found:
        keys = [step for step in difference.path if isinstance(step, str)]
        if difference.ignored or not keys or any(character in key for key in keys for character in ".[]"):
            continue
        if _looks_volatile(keys[-1]) or "metadata" in keys:
            written = "".join("[*]" if isinstance(step, int) else f".{step}" for step in difference.path)
            paths[written.removeprefix(".")] = None
    return list(paths)


def similarity(recorded: Any, sent: Any) -> float:
    """How much two JSON values share, from 0 to 1: equal leaves over all leaf paths, differing strings in part.

    Compares a bounded number of leaves of very large values, and only the ends of long strings.
    """
    before, after = _leaves(recorded), _leaves(sent)
    common = before.keys() & after.keys()
    shared = sum(_likeness(before[path], after[path]) for path in common)
    return shared / (len(before) + len(after) - len(common))


def summary(method: str, url: str, body: bytes) -> str:
    """The request on one line: method, URL and what its body asks for (model, messages, tools, stream)."""
    return " ".join([method.upper(), url, *_body_parts(body)])


def body_summary(body: bytes) -> str:
    """What a request body asks for, on one line (``summary`` without the method and URL)."""
    return " ".join(_body_parts(body))


def _walk(
    before: Any, after: Any, path: JsonPath, patterns: tuple[tuple[str, ...], ...], out: list[Difference]
) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key, value in before.items():
            _walk(value, after.get(key, ABSENT), (*path, key), patterns, out)
        for key, value in after.items():
            if key not in before:
                _walk(ABSENT, value, (*path, key), patterns, out)
    elif isinstance(before, list) and isinstance(after, list):
        for index in range(max(len(before), len(after))):
            old = before[index] if index < len(before) else ABSENT
            new = after[index] if index < len(after) else ABSENT
            _walk(old, new, (*path, index), patterns, out)
    elif not _same(before, after):
        out.append(Difference(path, before, after, any(_under(path, p) for p in patterns)))


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON: ``1``, ``1.0`` and ``true`` differ; NaN equals NaN."""
    return type(a) is type(b) and (a == b or (a != a and b != b))


def _under(path: JsonPath, pattern: tuple[str, ...]) -> bool:
    if len(pattern) > len(path):
        return False
    return all(seg in ("*", str(step)) for seg, step in zip(pattern, path, strict=False))


def _looks_volatile(name: str) -> bool:
    return name.lower() in _VOLATILE_NAMES or name.endswith(_VOLATILE_SUFFIXES)


def _shown_pair(before: Any, after: Any) -> tuple[str, str]:
    if isinstance(before, str) and isinstance(after, str) and max(len(before), len(after)) > _VALUE_WIDTH:
        start = _common_prefix(before, after, max(len(before), len(after)))
        return _around(before, start), _around(after, start)
    return _shown(before), _shown(after)


def _around(text: str, at: int) -> str:
    """The text near position ``at``, marked ``…`` where cut."""
    start, end = max(at - _CONTEXT, 0), at + _CONTEXT
    return _quoted("…" * (start > 0) + text[start:end] + "…" * (end < len(text)))


def _shown(value: Any) -> str:
    if value is ABSENT:
        return "absent"
    if isinstance(value, str):
        return _quoted(_cut(value, _VALUE_WIDTH))
    return _cut(json.dumps(value, ensure_ascii=False, separators=(",", ":")), _VALUE_WIDTH)


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width] + "…"


def _common_prefix(a: str, b: str, span: int) -> int:
    for index, (x, y) in enumerate(zip(a[:span], b[:span], strict=False)):
        if x != y:
            return index
    return min(len(a), len(b), span)


def _leaves(value: Any) -> dict[JsonPath, Any]:
    found: dict[JsonPath, Any] = {}
    stack: list[tuple[JsonPath, Any]] = [((), value)]
    while stack and len(found) < _LEAF_BUDGET:
        path, item = stack.pop()
        if isinstance(item, dict) and item:
            stack.extend(((*path, key), child) for key, child in item.items())
        elif isinstance(item, list) and item:
            stack.extend(((*path, index), child) for index, child in enumerate(item))
        else:
            found[path] = item
    return found


def _likeness(a: Any, b: Any) -> float:
    if _same(a, b):
        return 1.0
    if not (isinstance(a, str) and isinstance(b, str)):
        return 0.0
    head = _common_prefix(a, b, _RATIO_SPAN)
    tail = _common_prefix(a[-_RATIO_SPAN:][::-1], b[-_RATIO_SPAN:][::-1], _RATIO_SPAN)
    return min(head + tail, len(a), len(b)) / max(len(a), len(b))


def _body_parts(body: bytes) -> list[str]:
    if not body.strip():
        return []
    value = _json(body)
    if isinstance(value, dict):
        return _request_parts(value) or [f"keys={_names(list(value))}"]
    form = _multipart.parse(body) if value is None else None
    if form is not None:
        return ["form:", *(_form_part(part) for part in form)]
    try:
        text = " ".join(body.decode("utf-8").split())
    except UnicodeDecodeError:
        return [f"<{counted(len(body), 'byte')}>"]
    return [_quoted(_cut(text, _VALUE_WIDTH)) if text[:200].isprintable() else f"<{counted(len(body), 'byte')}>"]


def _form_part(part: _multipart.Part) -> str:
    text = part.text() if part.filename is None else None
    if text is not None:
        return f"{part.name}={_quoted(_cut(text, _TEXT_WIDTH))}"
    described = ", ".join(filter(None, (part.content_type, counted(part.size, "byte"))))
    return f"{part.name}={part.filename or '(data)'} ({described})"


def _json(body: bytes) -> Any:
    if body.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _request_parts(request: dict[str, Any]) -> list[str]:
    parts = []
    if "model" in request:
        model = request["model"]
        parts.append(f"model={model if isinstance(model, str) else _shown(model)}")
    for name in ("system", "instructions"):
        if name in request:
            parts.append(f"{name}={_quoted(_cut(_text(request[name]), _TEXT_WIDTH))}")
    for name in ("messages", "input"):
        if name in request:
            parts.append(_items(name, request[name]))
    if isinstance(request.get("tools"), list):
        parts.append(f"tools=[{_names([_tool_name(tool) for tool in request['tools']], ', ')}]")
    if "stream" in request:
        parts.append(f"stream={_shown(request['stream'])}")
    return parts


def _items(name: str, value: Any) -> str:
    """``messages=3 last user: "…"``, ``input="…"``."""
    if not isinstance(value, list):
        return f"{name}={_quoted(_cut(_text(value), _TEXT_WIDTH))}"
    if not value:
        return f"{name}=0"
    last = value[-1]
    labels = [last.get(key) for key in ("role", "type")] if isinstance(last, dict) else []
    label = next((f" {label}" for label in labels if isinstance(label, str)), "")
    text = _text(last)
    said = f" {_quoted(_cut(text, _TEXT_WIDTH))}" if text else ""
    return f"{name}={len(value)} last{label}:{said}"


def _text(value: Any) -> str:
    """The words in a message, its content or its parts, whitespace collapsed; other parts as ``[type]``."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return " ".join(filter(None, (_text(part) for part in value)))
    if isinstance(value, dict):
        for key in ("content", "text", "output"):
            if key in value and value[key] is not None:
                return _text(value[key])
        if "tool_calls" in value:
            return f"[tool_calls: {_names([_tool_name(c) for c in value['tool_calls'] or []], ', ')}]"
        return f"[{value['type']}]" if isinstance(value.get("type"), str) else ""
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def _tool_name(tool: Any) -> str:
    """A tool's or tool call's name: ``function.name``, ``name`` or its ``type``."""
    if not isinstance(tool, dict):
        return "?"
    function = tool.get("function")
    for name in (function.get("name") if isinstance(function, dict) else None, tool.get("name"), tool.get("type")):
        if isinstance(name, str):
            return name
    return "?"


def _names(names: list[str], sep: str = ",") -> str:
    shown = sep.join(str(name) for name in names[:_MAX_NAMES])
    return shown + (f"{sep}… {len(names) - _MAX_NAMES} more" if len(names) > _MAX_NAMES else "")
