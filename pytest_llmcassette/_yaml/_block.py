"""Reads the YAML that ``dump`` writes, line by line, without building a node graph.

A cassette is read on every test. libyaml scans one quickly, but PyYAML then makes a Python node for every
scalar and calls a constructor for each (docs/performance.md has the figures). This reader walks the subset the
dumper writes: block mappings and sequences, plain and one-line quoted scalars, literal blocks (``|``, ``|-``, ``|+``),
comment lines, ``[]``/``{}``, and collections written as JSON on one line (server-sent events), which ``json``
reads. It returns what ``yaml.safe_load`` returns, or raises ``Unsupported`` for anything else (other flow
collections, anchors, tags, folded or multi-line scalars, comments after values, tabs...), which ``_yaml.load``
then hands to libyaml. So a cassette edited by hand always reads as YAML says; only its speed depends on the
subset. The reader is a pure function of the text: what it returns is all it tells.
"""

from __future__ import annotations

import json
import re
from json.scanner import make_scanner
from typing import Any, TypeVar, cast

from . import _scalars
from ._types import OneLineJSONMapping


class Unsupported(Exception):
    """The text uses YAML that this reader leaves to libyaml."""


# Characters outside printable YAML, or that YAML reads as line breaks (\r, \x85, \u2028, \u2029), a byte
# order mark, tabs (never allowed in indentation): any of them sends the whole text to libyaml. This pattern and
# the two rare ones below are compiled (and kept by ``re``) on first use, as most cassettes never need them.
_UNUSUAL = "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\n"  # what an ASCII text may hold: a quicker check than _UNUSUAL's
_DOCUMENT_MARKERS = ("---", "...", "%")
_DOCUMENT_MARKER = re.compile(r"\n(?:---|\.\.\.|%)")  # at a line's start (a literal first is quick to search)
_DOUBLE_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))")
_SURROGATE_ESCAPE = r"\\u[dD][89abcdefABCDEF]"  # JSON pairs them, YAML refuses them
_LONG_JSON_KEY = r'"(?:[^"\\]|\\.){250,}"\s*:'  # libyaml refuses keys over 1024 characters
_CANNOT_START_PLAIN = frozenset("[]{},#&*!|>'\"%@`")
_SIMPLE_TAGS = frozenset((_scalars.STR, _scalars.INT, _scalars.FLOAT, _scalars.BOOL, _scalars.NULL))
_JSON_ITEM = "- json: "  # how the dumper writes a server-sent event holding JSON data
_JSON_ITEMS = (_JSON_ITEM + "{", _JSON_ITEM + "[")
_DEEPEST = 500  # nesting beyond which libyaml (1000 levels) or Python's recursion limit could refuse
_CACHE_LIMIT = 20_000
_T = TypeVar("_T")


class _Marker:
    """What a line holds when it is not a finished, immutable scalar: made into a value as it is read."""

    __slots__ = ("kind", "text")

    def __init__(self, kind: str, text: str = "") -> None:
        self.kind = kind  # "nothing" (the lines below hold a collection, or it is null), "[]", "{}", "|" or "json"
        self.text = text  # a literal block's chomping ("", "-", "+"), or the JSON text


_NOTHING, _EMPTY_LIST, _EMPTY_DICT = _Marker("nothing"), _Marker("[]"), _Marker("{}")
_LITERALS = {chomping: _Marker("|", chomping) for chomping in ("", "-", "+")}  # "|", "|-", "|+"

# Lines and words repeat a lot (within a cassette and across them); what they hold is kept, unless it is JSON.
_entries: dict[str, tuple[Any, Any] | None] = {}  # a line's content -> (key, scalar or marker), None if not a key
_scalar_values: dict[str, Any] = {}  # a scalar's text -> its value or marker


def read(text: str) -> Any:
    """The document in ``text``, as ``yaml.safe_load`` reads it; ``Unsupported`` outside the dumper's subset."""
    if text.endswith("\n...\n"):
        text = text[:-4]  # the end marker the dumper adds after a "|+" block
    if not text.endswith("\n") or _unusual(text) or _has_document_marker(text):
        raise Unsupported
    return _Reader(text.split("\n")[:-1]).document()


def _has_document_marker(text: str) -> bool:
    """A line starting ``---``, ``...`` or ``%``: a document start or end, or a directive."""
    return text.startswith(_DOCUMENT_MARKERS) or _DOCUMENT_MARKER.search(text) is not None


def _unusual(text: str) -> bool:
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _PLAIN_ASCII))
    return re.search(_UNUSUAL, text) is not None


class _Collection:
    """A block mapping or sequence being read, and the entry that may still get a collection from lines below."""

    __slots__ = ("container", "indent", "indentless", "open", "slot")

    def __init__(self, container: dict[Any, Any] | list[Any], indent: int, indentless: bool = False) -> None:
        self.container = container
        self.indent = indent
        self.indentless = indentless  # a sequence written at its parent key's own indentation
        self.slot: Any = None  # the key (or item index) last written with nothing after it on its line
        self.open = False  # True while the lines below may still give that entry a collection (else: null)


class _Reader:
    """Reads line by line, keeping the collections the current line is nested in on a stack."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.position = 0
        self.stack: list[_Collection] = []

    def document(self) -> Any:
        lines, stack = self.lines, self.stack
        while self.position < len(lines):
            line = lines[self.position]
            self.position += 1
            content = line.lstrip(" ")
            if not content or content[0] == "#":
                continue
            indent = len(line) - len(content)
            top = stack[-1] if stack else None
            if (
                top is not None
                and top.indent == indent
                and type(top.container) is dict
                and (content[0] != "-" or not _is_entry(content))
            ):
                top.open = False  # the common line: the next key of the same mapping
            else:
                top = self.enter(indent, content)
                if type(top.container) is list:
                    if content.startswith(_JSON_ITEMS):
                        self.json_items(top, line[: indent + len(_JSON_ITEM)])
                    self.add_item(top, indent, lines[self.position - 1].lstrip(" "))
                    continue
            entry = _entries.get(content) or _entry(content)
            if entry is None:
                raise Unsupported
            if entry[0] in top.container:
                raise Unsupported  # a key twice: libyaml says where
            if type(entry[1]) is _Marker:
                self.put(top, *entry)
            else:  # a finished scalar (most lines): put without a call
                top.container[entry[0]] = entry[1]
        if not stack:
            raise Unsupported  # an empty document
        return stack[0].container

    def enter(self, indent: int, content: str) -> _Collection:
        """The collection a line at ``indent`` belongs to: deeper ones are closed, a new one may open."""
        stack = self.stack
        while stack and stack[-1].indent > indent:
            stack.pop()
        entry = _is_entry(content)
        if not stack:  # the first line: the root, never closed (at indent 0)
            if indent:
                raise Unsupported
            stack.append(_Collection([] if entry else {}, 0))
            return stack[0]
        top = stack[-1]
        if top.indent < indent:
            if not top.open:
                raise Unsupported  # a plain scalar continued on the next line, or bad indentation
            return self.nest(top, [] if entry else {}, indent)
        if type(top.container) is list and not entry:
            if not top.indentless:
                raise Unsupported
            stack.pop()  # an indentless sequence ends at its mapping's next key
            top = stack[-1]
        elif type(top.container) is dict and entry:
            if not top.open:
                raise Unsupported
            return self.nest(top, [], indent, indentless=True)
        top.open = False
        return top

    def nest(
        self, parent: _Collection, child: dict[Any, Any] | list[Any], indent: int, indentless: bool = False
    ) -> _Collection:
        """Give the entry left open in ``parent`` the collection ``child``, read from here on."""
        if len(self.stack) > _DEEPEST:
            raise Unsupported
        parent.container[parent.slot] = child
        parent.open = False
        collection = _Collection(child, indent, indentless)
        self.stack.append(collection)
        return collection

    def json_items(self, sequence: _Collection, prefix: str) -> None:
        """A run of ``- json: {...}`` items (server-sent events, one a line), read without the per-line machinery.

        Every line of the run but the last is an item that the next line closes; the last is left to
        ``add_item``, as lines below it may still add keys to its mapping.
        """
        lines, items, start, cut = self.lines, cast(list[Any], sequence.container), self.position - 1, len(prefix)
        end, depth, openers = start + 1, len(self.stack) + 1, (prefix + "{", prefix + "[")
        while end < len(lines) and lines[end].startswith(openers):
            end += 1
        for line in lines[start : end - 1]:
            items.append({"json": _json_collection(line[cut:].rstrip(" "), depth)})
        self.position = end

    def add_item(self, sequence: _Collection, column: int, content: str) -> None:
        """Add a ``- `` line's item: a scalar, or a collection that starts on this line ("- - a", "- key: value")."""
        while True:
            items = cast(list[Any], sequence.container)
            rest = content[1:].lstrip(" ")
            sequence.slot = len(items)
            items.append(None)
            if not rest:
                sequence.open = True
                return
            column += len(content) - len(rest)
            content = rest
            if _is_entry(content):
                sequence = self.nest(sequence, [], column)
                continue
            entry = _entries.get(content) or _entry(content)
            if entry is None:
                items[-1] = self.value(_scalar_values.get(content) or _scalar(content), sequence)
                return
            self.put(self.nest(sequence, {}, column), *entry)
            return

    def put(self, mapping: _Collection, key: Any, scalar: Any) -> None:
        mapping.container[key] = self.value(scalar, mapping) if type(scalar) is _Marker else scalar
        if scalar is _NOTHING:
            mapping.slot = key

    def value(self, scalar: Any, collection: _Collection) -> Any:
        """A scalar's value, once what its marker stands for is read."""
        if type(scalar) is not _Marker:
            return scalar
        kind = scalar.kind
        if kind == "nothing":
            collection.open = True
            return None
        if kind == "json":
            return _json_collection(scalar.text, len(self.stack))
        if kind == "[]":
            return []
        if kind == "{}":
            return {}
        return self.literal(scalar.text, collection.indent)

    def literal(self, chomping: str, indent: int) -> str:
        """A literal block scalar on the lines below a collection at ``indent``."""
        lines, position = self.lines, self.position
        if position >= len(lines) or not lines[position].strip(" "):
            raise Unsupported  # empty, or starting with a blank line (the dumper then writes an indicator)
        first = lines[position]
        block_indent = len(first) - len(first.lstrip(" "))
        if block_indent <= indent:
            raise Unsupported
        margin = " " * block_indent
        body: list[str] = []
        while position < len(lines):
            line = lines[position]
            if line.startswith(margin):
                body.append(line[block_indent:])
            elif line.strip(" "):
                break
            else:
                body.append("")
            position += 1
        self.position = position
        content_end = len(body)
        while not body[content_end - 1]:
            content_end -= 1
        text = "\n".join(body[:content_end])
        if chomping == "-":
            return text
        return text + "\n" * (1 + (len(body) - content_end if chomping == "+" else 0))


def _is_entry(content: str) -> bool:
    return content[0] == "-" and (len(content) == 1 or content[1] == " ")


def _entry(content: str) -> tuple[Any, Any] | None:
    """``(key, scalar or marker)`` when ``content`` is a mapping entry, else None."""
    if content[0] == "'" or content[0] == '"':
        key, end = _quoted(content)
        if _too_long(content[:end]):
            raise Unsupported
        after = content[end:]
        if not after.strip(" "):
            return None  # a quoted scalar, not a key
        if after[0] != ":" or after[1:2] not in ("", " "):
            raise Unsupported
        rest = after[1:].lstrip(" ")
    else:
        colon = content.find(": ")
        if colon == -1:
            if content[-1] != ":":
                return _remember(_entries, content, None)
            colon = len(content) - 1
        text = content[:colon]
        if not text or text[-1] == " " or _too_long(text):
            raise Unsupported
        key = _scalar_values.get(text) or _scalar(text)
        if type(key) is _Marker:
            raise Unsupported
        rest = content[colon + 1 :].lstrip(" ")
    entry = (key, (_scalar_values.get(rest) or _scalar(rest)) if rest else _NOTHING)
    return entry if type(entry[1]) is _Marker and entry[1].kind == "json" else _remember(_entries, content, entry)


def _too_long(key: str) -> bool:
    """Whether libyaml could refuse ``key``: it allows 1024 characters to a key written without ``? ``."""
    return len(key) > 250 and len(key.encode()) > 1000


def _scalar(text: str) -> Any:
    """The value of a scalar written on one line (or the marker of what the lines below hold)."""
    first = text[0]
    if first == "'" or first == '"':
        value, end = _quoted(text)
        if text[end:].strip(" "):
            raise Unsupported  # a comment or more after the closing quote
        return _remember(_scalar_values, text, value)
    if first == "|":
        literal = _LITERALS.get(text[1:])
        if literal is None:
            raise Unsupported  # an indentation indicator, or a comment after "|"
        return literal
    if first == "[" or first == "{":
        stripped = text.rstrip(" ")
        return _EMPTY_LIST if stripped == "[]" else _EMPTY_DICT if stripped == "{}" else _Marker("json", stripped)
    plain = text.rstrip(" ")
    if (
        first in _CANNOT_START_PLAIN
        or (first in "-?:" and plain[1:2] in ("", " "))
        or ": " in plain
        or " #" in plain
        or plain[-1] == ":"
    ):
        raise Unsupported
    tag = _scalars.resolve(plain)
    if tag not in _SIMPLE_TAGS:
        raise Unsupported  # timestamps, merge keys, "=": rare, and left to libyaml's errors and types
    return _remember(_scalar_values, text, _scalars.value(tag, plain))


def _json_collection(text: str, depth: int) -> Any:
    """A flow collection written as JSON (as the dumper writes server-sent events), read with ``json``; a mapping
    keeps its line (``OneLineJSONMapping``).

    Where JSON and YAML 1.1 read the same text differently (``1e-05`` is a string in YAML 1.1, surrogate pair
    escapes, NaN, keys or nesting beyond libyaml's limits), or the text is not JSON at all (a YAML flow
    collection), libyaml reads it instead.
    """
    size = len(text)
    if (
        ("\\u" in text and re.search(_SURROGATE_ESCAPE, text))
        or (size > 250 and re.search(_LONG_JSON_KEY, text))
        or (size > _DEEPEST - depth and depth + text.count("[") + text.count("{") > _DEEPEST)
    ):
        raise Unsupported
    try:
        value, end = _scan_json(text, 0)  # json.loads without its Python layers: a text starts with "{" or "["
    except (ValueError, StopIteration, RecursionError):
        raise Unsupported from None
    if end != size:
        raise Unsupported  # more after the value
    return OneLineJSONMapping(value, text) if type(value) is dict else value


def json_line(value: Any) -> str | None:
    """``value`` as compact JSON that this reader (and libyaml) read back as ``value`` from a line of its own, or
    None (not a JSON object or array, or characters YAML reads otherwise, or floats YAML 1.1 does not type)."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None
    if text[:1] not in ("{", "[") or _unusual(text):
        return None
    try:
        same = _json_collection(text, 0) == value
    except Unsupported:
        return None
    return text if same else None


def _yaml_float(text: str) -> float:
    if _scalars.resolve(text) != _scalars.FLOAT:
        raise Unsupported
    return float(text)


def _not_yaml(text: str) -> Any:
    raise Unsupported


_decoder = json.JSONDecoder(parse_float=_yaml_float, parse_constant=_not_yaml)
_scan_json = make_scanner(_decoder)  # type: ignore[arg-type]  # typeshed types the context as a scanner


def _remember(cache: dict[str, _T], text: str, value: _T) -> _T:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[text] = value
    return value


def _quoted(text: str) -> tuple[str, int]:
    """A one-line quoted scalar at the start of ``text``: its value and where it ends."""
    quote = text[0]
    end = text.find(quote, 1)
    if quote == "'":
        while end != -1 and text[end + 1 : end + 2] == "'":  # '' stands for a quote
            end = text.find("'", end + 2)
        if end == -1:
            raise Unsupported  # continued on the next line
        return text[1:end].replace("''", "'"), end + 1
    if end != -1 and text.find("\\", 1, end) == -1:
        return text[1:end], end + 1  # no escapes: the first quote ends it
    match = _DOUBLE_QUOTED.match(text)
    if match is None:
        raise Unsupported
    return _ESCAPE.sub(_unescape, match.group(1)), match.end()


def _unescape(match: re.Match[str]) -> str:
    character = match.group(4)
    if character is not None:
        from yaml.scanner import Scanner  # rare enough in a cassette to leave PyYAML unimported until then

        replacement = Scanner.ESCAPE_REPLACEMENTS.get(character)
        if replacement is None:
            raise Unsupported
        return str(replacement)
    code = int(match.group(1) or match.group(2) or match.group(3), 16)
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        raise Unsupported
    return chr(code)
