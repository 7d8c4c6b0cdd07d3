"""``_block.read`` never disagrees with libyaml, and ``_yaml.load`` always agrees with it.

``read`` must return exactly what ``yaml.load(text, Loader=yaml.CSafeLoader)`` returns (same types, same key
order) or raise ``Unsupported``; ``_yaml.load`` falls back to libyaml then, so it must give libyaml's value, or
libyaml's error, for any text. Checked on random documents written by ``_yaml.dump`` (``OneLineJSON`` values too),
on that output slightly edited, on every YAML file in the repository, and on hand-written YAML around the edges
of the subset. Texts the dumper writes must also be read by ``read`` itself (the fast path), or a reader that
always declined would pass everything else.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmcassette import _yaml
from pytest_llmcassette._yaml import _block

ROOT = Path(__file__).parent.parent
YAML_FILES = sorted([*(ROOT / "tests" / "data").rglob("*.yaml"), *(ROOT / "examples").rglob("*.yaml")])
NATIVE = re.compile(r"^llm_cassette:", re.MULTILINE)  # the native format's top-level key
NATIVE_FILES = [path for path in YAML_FILES if NATIVE.search(path.read_text(encoding="utf-8"))]


def _libyaml(text: str | bytes) -> Any:
    return yaml.load(text, Loader=yaml.CSafeLoader)


def _same(a: Any, b: Any) -> bool:
    """Equal and of exactly the same types all the way down (``True == 1`` and ``1.0 == 1`` do not count),
    dict keys in the same order, NaN equal to NaN, ``-0.0`` different from ``0.0``. A mapping ``read`` gives
    with the line of JSON it was read from stands for libyaml's dict when that line reads as the same mapping."""
    if type(a) is _yaml.OneLineJSONMapping and type(b) is dict:
        return _same(dict(a), b) and _same(json.loads(a.line), b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            _same(key_a, key_b) and _same(value_a, value_b)
            for (key_a, value_a), (key_b, value_b) in zip(a.items(), b.items(), strict=True)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(item_a, item_b) for item_a, item_b in zip(a, b, strict=True))
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    return bool(a == b)


def _assert_same(got: Any, expected: Any, text: str | bytes) -> None:
    assert _same(got, expected), f"{text!r} reads as {got!r}, libyaml reads {expected!r}"


SPECIAL_KEYS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


def _has_a_key_twice(text: str) -> bool:
    """Whether a block mapping of ``text`` holds one key twice, which ``yaml.safe_load`` allows and ``_yaml.load``
    refuses."""
    loader = yaml.CSafeLoader(text)
    try:
        root = loader.get_single_node()
        nodes = [root] if root is not None else []
        while nodes:
            node = nodes.pop()
            if isinstance(node, yaml.MappingNode) and not node.flow_style:
                keys = [loader.construct_object(key, deep=True) for key, _ in node.value if key.tag not in SPECIAL_KEYS]
                if len({repr(key) if isinstance(key, list | dict) else key for key in keys}) < len(keys):
                    return True
                nodes.extend(item for pair in node.value for item in pair)
            elif isinstance(node, yaml.SequenceNode):
                nodes.extend(node.value)
        return False
    finally:
        loader.dispose()


def _assert_agrees(text: str) -> None:
    """``read`` gives libyaml's value, or declines, or raises libyaml's error; ``_yaml.load`` gives the same (but
    for a key twice in a mapping, which it refuses)."""
    try:
        expected = _libyaml(text)
    except Exception as error:  # invalid YAML, or a scalar the safe constructor refuses (month 13)
        try:
            got = _block.read(text)
        except (_block.Unsupported, type(error)):
            pass
        else:
            pytest.fail(f"{text!r} reads as {got!r}, libyaml raises {error!r}")
        with pytest.raises(_load_error(error)):
            _yaml.load(text)
        return
    if _has_a_key_twice(text):
        with pytest.raises(_block.Unsupported):
            _block.read(text)
        with pytest.raises(_yaml.InvalidYAML, match="appears twice in one mapping"):
            _yaml.load(text)
        return
    with contextlib.suppress(_block.Unsupported):
        _assert_same(_block.read(text), expected, text)
    _assert_same(_yaml.load(text), expected, text)
    _assert_same(_yaml.load(text.encode()), expected, text)


def _load_error(error: Exception) -> type[Exception]:
    """What ``_yaml.load`` raises where libyaml raises ``error``: libyaml's errors carry its message as InvalidYAML."""
    return _yaml.InvalidYAML if isinstance(error, yaml.YAMLError) else type(error)


def _assert_fast_path(text: str) -> None:
    """``read`` itself reads ``text``, as libyaml does."""
    _assert_same(_block.read(text), _libyaml(text), text)


def _cases(texts: dict[str, str]) -> list[Any]:
    return [pytest.param(text, id=name) for name, text in texts.items()]


# libyaml ends a document that holds a "|+" block with this document end marker, which the subset leaves to
# libyaml. Without it the text is the same document, for ``read`` to read itself.
END_MARKER = "...\n"


# --- Random documents, written by the dumper ------------------------------------------------------------------

# Strings that YAML 1.1 reads as something else when unquoted, or that look like YAML syntax.
TRICKY_STRINGS = [
    *("null", "Null", "~", "true", "True", "yes", "on", "off", "y", "=", "<<"),
    *("1", "-1", "+1", "1.5", "0o7", "012", "09", "0x1F", "1_000", "1e5", "1.0e+5", ".inf", ".nan", "1:20"),
    *("2001-12-14", "-", "- x", "-x", "?", "? x", ":", "a: b", "a:", "a #b", "#a", "a#b", "", " x", "x "),
    *("'", '"', "|", ">", "[]", "{}", "[a]", "&a", "*a", "!a", "%a", "@a", "`a", "---", "...", "é", "😀"),
    "x" * 200,  # too long for an implicit key: the dumper writes "? key"
]
SPECIAL_CHARACTERS = " '\"#:-?,[]{}&*!|>%@`~=\\\n\t\r\x00\x07\x1b\x7f\x85\xa0\u2028\ufeffé中😀"

any_text = st.text(st.sampled_from(SPECIAL_CHARACTERS) | st.characters(codec="utf-8"), max_size=24)
# Plain documents draw whole words (drawing them letter by letter makes the module several times slower).
WORDS = ["id", "role", "user", "content", "model", "data", "x", "hello", "world", "no", "on", "null", "true"]
# Words that are YAML syntax outside a literal block, but only text inside one.
PUNCTUATED_WORDS = ["a:b", "x:", "#c", "-", "'q'", '"d"', "[1]", "{}", "|", ">", "&a", "*a", "!t", "%", "@", "..."]
word = st.sampled_from(WORDS)
sentence = st.lists(word, min_size=1, max_size=4).map(" ".join)
indented_line = st.builds(
    lambda indent, words: " " * indent + " ".join(words),
    st.integers(0, 4),
    st.lists(st.sampled_from(WORDS + PUNCTUATED_WORDS), min_size=1, max_size=4),
)
# Multi-line text the dumper writes as a literal block (no trailing spaces, tabs or \r; no leading space or
# blank first line, which would need an indentation indicator): blank and more-indented lines inside, and
# clip, strip and keep endings.
literal_text = st.builds(
    lambda first, middle, last, end: "\n".join([first, *middle, last]) + end,
    sentence,
    st.lists(st.just("") | indented_line, max_size=3),
    sentence,
    st.sampled_from(["", "\n", "\n\n", "\n\n\n"]),
)
strings = (
    any_text
    | st.sampled_from(TRICKY_STRINGS)
    | literal_text
    | st.tuples(any_text, st.sampled_from(["\n", "\n\n", " \n", "\n "])).map("".join)
)
ints = st.integers() | st.sampled_from([2**64, -(2**64), 10**40])
floats = st.floats() | st.sampled_from([math.inf, -math.inf, math.nan, 1e300, -0.0, 5e-324])
scalars = strings | ints | floats | st.booleans() | st.none() | st.dates() | st.binary(max_size=6)
keys = strings | st.integers() | st.booleans() | st.none()
documents = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4), max_leaves=16
)

plain_scalars = sentence | st.integers() | st.booleans() | st.none() | literal_text
plain_trees = st.recursive(
    plain_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(word, inner, max_size=4), max_leaves=12
)
# Not empty at the top: an empty document collection is written in flow style, "[]" or "{}".
plain_documents = st.lists(plain_trees, min_size=1, max_size=3) | st.dictionaries(word, plain_trees, min_size=1)


@settings(max_examples=150, deadline=None, database=None)
@given(documents)
def test_dumped_documents_read_as_libyaml_reads_them(document: Any) -> None:
    text = _yaml.dump(document)
    _assert_agrees(text)
    if text.endswith(END_MARKER):
        _assert_agrees(text.removesuffix(END_MARKER))


@settings(max_examples=75, deadline=None, database=None)
@given(plain_documents)
def test_plain_dumped_documents_take_the_fast_path(document: Any) -> None:
    _assert_fast_path(_yaml.dump(document))  # a "|+" block makes the dumper end with "..."


# Values ``_yaml.OneLineJSON`` writes on one line, as flow collections that are JSON too (server-sent events).
json_values = st.recursive(
    st.none() | st.booleans() | ints | floats | any_text | st.sampled_from(TRICKY_STRINGS),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
plain_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | sentence,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(word, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=75, deadline=None, database=None)
@given(json_values)
def test_json_lines_read_as_libyaml_reads_them(value: Any) -> None:
    _assert_agrees(_yaml.dump({"json": _yaml.OneLineJSON(value), "items": [_yaml.OneLineJSON(value)]}))


@settings(max_examples=75, deadline=None, database=None)
@given(plain_json_values)
def test_plain_json_lines_take_the_fast_path(value: Any) -> None:
    _assert_fast_path(_yaml.dump({"events": [{"event": "delta", "json": _yaml.OneLineJSON(value)}]}))


def test_a_json_line_s_mapping_keeps_its_line_and_cannot_change() -> None:
    """A mapping read from a line of JSON carries that line (what replay serves); it cannot be changed, so the
    line always holds what the mapping does, and it is written on one line again from what it holds."""
    line = '{"b": [1, "x"],  "a": null}'
    document = _yaml.load(f"events:\n- json: {line}\n- json: [1, 2]\n")
    mapping = document["events"][0]["json"]
    assert type(mapping) is _yaml.OneLineJSONMapping and mapping.line == line
    assert mapping == {"b": [1, "x"], "a": None} == _libyaml(f"json: {line}")["json"]
    assert type(document["events"][1]["json"]) is list  # only mappings keep their line
    with pytest.raises(TypeError, match="read-only"):
        mapping["c"] = 1
    with pytest.raises(TypeError, match="read-only"):
        mapping.update(c=1)
    copied = copy.deepcopy(mapping)
    assert (type(copied), copied, copied.line) == (_yaml.OneLineJSONMapping, mapping, line)
    assert _yaml.dump(document) == 'events:\n- json: {"b":[1,"x"],"a":null}\n- json:\n  - 1\n  - 2\n'


# Edits that turn dumper output into YAML just outside the subset, or into invalid YAML.
EDITS = [" ", "  ", "\n", "\n  ", "\n- ", "- ", "-", ":", ": ", "#", " #", "'", '"', "|", "|+", "[", "{}", "?"]
EDITS += ["&a ", "*a", "!!str ", "~", "...", "---", "\\", "\t", "x", "1", "é"]


@st.composite
def near_misses(draw: st.DrawFn) -> str:
    """Dumper output with one to three edits: a few characters replaced by one of EDITS."""
    text = _yaml.dump(draw(plain_documents)).removesuffix(END_MARKER)
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(text)))
        end = start + draw(st.integers(0, 2))
        text = text[:start] + draw(st.sampled_from(EDITS)) + text[end:]
    return text


@settings(max_examples=75, deadline=None, database=None)
@given(near_misses())
def test_near_misses_read_as_libyaml_reads_them(text: str) -> None:
    _assert_agrees(text)


def _event_stream(values: list[Any], last: dict[str, Any]) -> str:
    """A response as native cassettes hold it: a run of ``- json:`` events, then one that may have more keys."""
    events: list[Any] = [{"json": _yaml.OneLineJSON(value)} for value in values]
    events.append({key: _yaml.OneLineJSON(value) if key == "json" else value for key, value in last.items()})
    return _yaml.dump({"response": {"status": 200, "events": events, "after": 1}, "next": [{"json": 1}]})


last_events = st.fixed_dictionaries({}, optional={"event": word, "json": plain_json_values, "data": sentence})
json_containers = st.lists(plain_json_values, max_size=3) | st.dictionaries(word, plain_json_values, max_size=3)


@settings(max_examples=75, deadline=None, database=None)
@given(st.lists(json_containers, max_size=6), last_events.filter(bool))
def test_runs_of_json_events_take_the_fast_path(values: list[Any], last: dict[str, Any]) -> None:
    _assert_fast_path(_event_stream(values, last))


@settings(max_examples=75, deadline=None, database=None)
@given(st.lists(st.dictionaries(any_text, json_values, max_size=3), min_size=2, max_size=4), st.data())
def test_edited_runs_of_json_events_read_as_libyaml_reads_them(values: list[Any], data: st.DataObject) -> None:
    text = _event_stream(values, {"data": "[DONE]"})
    for _ in range(data.draw(st.integers(1, 2))):
        start = data.draw(st.integers(0, len(text)))
        text = text[:start] + data.draw(st.sampled_from(EDITS)) + text[start + data.draw(st.integers(0, 2)) :]
    _assert_agrees(text)


# --- The repository's YAML files ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_yaml_files_load_as_libyaml_loads_them(path: Path) -> None:
    data = path.read_bytes()
    _assert_same(_yaml.load(data), _libyaml(data), data)


@pytest.mark.parametrize("path", NATIVE_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_native_cassettes_take_the_fast_path(path: Path) -> None:
    _assert_fast_path(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "latin-1"])
def test_bytes_load_as_libyaml_loads_them(encoding: str) -> None:
    """libyaml reads UTF-8 and, after a byte order mark, UTF-16; other bytes are an error."""
    data = "a: é\nb:\n- 1\n".encode(encoding)
    try:
        expected = _libyaml(data)
    except yaml.YAMLError as error:
        with pytest.raises(_load_error(error)):
            _yaml.load(data)
    else:
        _assert_same(_yaml.load(data), expected, data)


# --- Hand-written texts ---------------------------------------------------------------------------------------

# Exactly what the dumper writes (checked below, but for END_MARKER), so ``read`` must read each of them itself.
DUMPER_OUTPUT = {
    "literal clip": "body: |\n  line one\n\n    indented\n  line two\n",
    "literal strip": "body: |-\n  line one\n  line two\nnext: 1\n",
    "literal keep": "body: |+\n  line one\n\n\nnext: 1\n",
    "literal items": "- |\n  item one\n  item two\n- |-\n  x\n  y\n- plain\n",
    "indentless sequences": "messages:\n- role: user\n  content: hi\n- role: assistant\n  tools:\n  - a\n  - b\nn: 2\n",
    "nested sequences": "- - a\n  - - b\n    - c\n- []\n- {}\n",
    "empty collections": "empty_list: []\nempty_map: {}\n",
    "nested mappings": "a:\n  b:\n    c: x\n  d: y\ne: z\n",
    "null values": "a: null\nb:\n- null\n",
    "single quotes": "quote: it's\n'''q''': '''q'''\n'a: b': 'x #y'\n'- x': ' lead'\n'yes': 'no'\n",
    "tricky quoted keys": "'1': '1.5'\n'null': 'true'\n'yes': 'on'\n'': '='\n",
    "double quotes": 'tab: "a\\tb"\ncontrol: "\\0\\a\\e\\x7F"\nbreaks: "x \\ny"\nemoji: "\\U0001F600"\n',
    "typed keys": "true: false\nnull: null\n2: -1\n",
    "numbers": "big: 123456789012345678901234567890\nf: 1.5\ne: 1.0e+300\nz: -0.0\ni: .inf\nm: -.inf\nn: .nan\n",
    "plain text": "url: http://x/y?a=1&b=2#frag\ndate: Wed, 25 Nov 2026 08:09:02 GMT\nunicode: é中\n",
}


@pytest.mark.parametrize("text", _cases(DUMPER_OUTPUT))
def test_dumper_output_takes_the_fast_path(text: str) -> None:
    assert _yaml.dump(_libyaml(text)).removesuffix(END_MARKER) == text
    _assert_fast_path(text)


# YAML the dumper does not write (or not quite): ``read`` may decline any of it, but never read it differently.
HAND_WRITTEN = {
    "literal keep at end": "a: |+\n  x\n\n",
    "literal keep and document end": "a: |+\n  x\n\n...\n",
    "literal keep in sequence": "- |+\n  x\n\n- y\n",
    "literal keep and comment": "a: |+\n  x\n\n# c\n\nb: 1\n",
    "literal keep and spaces": "a: |+\n  x\n \n   \nb: 1\n",
    "literal blank lines inside": "a: |\n  x\n\n\n  y\n",
    "literal blank lines at end": "a: |\n  x\n\n\nb: 1\n",
    "literal blank line with fewer spaces": "a: |\n  x\n \n  y\n",
    "literal line of extra spaces": "a: |-\n  x\n     \n",
    "literal extra spaces": "a: |\n  x\n    y\n      z\n  w\n",
    "literal trailing spaces": "a: |\n  x  \n  y\n",
    "literal comment-like line": "a: |\n  x\n  # not a comment\n",
    "literal ended by a comment": "a: |\n  x\n# comment\nb: 1\n",
    "literal in indentless sequence": "a:\n- |\n  x\n- y\n",
    "literal in mapping in sequence": "- a: |\n    x\n  b: 1\n",
    "literal indented by one": "- |\n x\n",
    "literal in indentless sequence indented by one": "a:\n- |\n x\n",
    "literal indented more than needed": "a: |\n      x\n      y\n",
    "literal nested": "a:\n  b: |\n    x\n  c: 1\n",
    "literal empty": "a: |\nb: 1\n",
    "literal empty at end": "a: |\n",
    "literal leading blank line": "a: |\n\n  x\n",
    "literal indentation indicator": "a: |2\n   x\n",
    "literal indicator and chomping": "a: |2-\n   x\n",
    "literal header comment": "a: | # c\n  x\n",
    "literal with tab": "a: |\n  x\ty\n",
    "literal at top level": "|\n  x\n",
    "folded": "a: >\n  x\n  y\n",
    "indented sequence": "key:\n  - a\n  - b\nother: 1\n",
    "nested sequences": "- - a\n  - b\n- - - c\n- d\n",
    "sequence entry with extra spaces": "-   a: 1\n    b: 2\n",
    "mapping in sequence": "- key: v\n  more: w\n  nested:\n    x: 1\n  list:\n  - y\n- k: 2\n",
    "null value": "key:\nother: 1\n",
    "null value at end": "key:\n",
    "null value with trailing space": "key: \nother: 1\n",
    "null items": "-\n- \n- a\n- -\n",
    "flow collections with spaces": "a: [ ]\nb: {  }\n",
    "empty list document": "[]\n",
    "empty mapping document": "{}\n",
    "flow sequence": "a: [1, 'b']\n",
    "flow mapping": "a: {b: 1}\n",
    "json line": 'a: {"b": [1, 2.5, -0.0, null, true, "\\u00e9\\/"], "c": {}}\n',
    "json lines as items": '- {"a": 1}\n- [1, "x"]\n',
    "json line without spaces": 'a: {"b":[1,2]}\n',
    "json numbers YAML 1.1 reads as strings": "a: [1e-05, 1.0e-05, 1.5E+3, 1E+5, 1.0e5]\n",
    "json line with trailing comma": 'a: ["x",]\n',
    "json line and comment": "a: [1] # c\n",
    "json surrogate pair": 'a: ["\\ud83d\\ude00"]\n',
    "json constants": "a: [NaN, Infinity]\n",
    "json line with duplicate keys": 'a: {"b": 1, "c": 2, "b": 3}\n',
    "single quotes": "a: 'it''s'\nb: ''''\nc: ''\n'it''s': 'x: y'\n",
    "double-quoted escapes": r'a: "\t\n\u00e9\x41\U0001F600\"\\\/"' + "\n",
    "double-quoted rare escapes": r'a: "\0\a\b\e\f\r\v\N\_\L\P\ "' + "\n",
    "double-quoted surrogate escape": r'a: "\ud800"' + "\n",
    "double-quoted keys": '"a\\tb": 1\n"null": 2\n"1": 3\n',
    "quoted key spaced from colon": "'a' : 1\n",
    "quoted key with no space after colon": '"a":1\n',
    "quoted value and comment": "a: 'x' # c\n",
    "quoted scalar continued": "a: 'x\n  y'\n",
    "double-quoted scalar continued": 'a: "x\n  y"\n',
    "double-quoted escaped line break": 'a: "x\\\n  y"\n',
    "plain with colon": "a: b:c\nd: http://e\n",
    "plain with space and hash": "a: b #c\n",
    "plain with hash": "a: b#c\n",
    "plain with inner spaces": "a: b   c\n",
    "plain starting with indicators": "a: ?x\nb: :x\nc: -x\nd: ---\n",
    "plain continued": "a: x\n  y\nb: 1\n",
    "plain continued in sequence": "- x\n  y\n",
    "entry continued as plain": "- a\n  - b\n",
    "key with scalar below": "a:\n  b\n",
    "comment lines between keys": "a: 1\n# c\nb: 2\n    # indented\n\nc: 3\n",
    "comment first": "# header\na: 1\n",
    "comment after value": "a: 1 # c\n",
    "comment after key": "a: # c\n  b: 1\n",
    "comment after entry": "- # c\n  a\n",
    "comment only": "# nothing\n",
    "anchor and alias": "a: &x 1\nb: *x\n",
    "anchored mapping": "a: &x\n  b: 1\nc: *x\n",
    "merge key": "base: &b\n  x: 1\nd:\n  <<: *b\n  y: 2\n",
    "merge key with flow mapping": "d:\n  <<: {x: 1}\n  y: 2\n",
    "quoted merge key": "'<<': 1\n",
    "str tag": "a: !!str 1\n",
    "binary tag": "a: !!binary aGVsbG8=\n",
    "binary tag on literal": "a: !!binary |\n  aGVs\n  bG8=\n",
    "set tag": "a: !!set {x: null}\n",
    "explicit key": "? a\n: 1\n",
    "explicit key in sequence": "- ? a\n",
    "document start": "---\na: 1\n",
    "document start and value": "--- a\n",
    "document end": "a: 1\n...\n",
    "directive": "%YAML 1.1\n---\na: 1\n",
    "plain scalar document": "hello world\n",
    "int document": "1\n",
    "quoted document": "'1'\n",
    "empty document": "",
    "blank document": "\n\n",
    "spaces document": "   \n",
    "no final newline": "a: 1",
    "no final newline after literal": "a: |\n  x",
    "no final newline after entry": "- a",
    "byte order mark": "\ufeffa: 1\n",
    "byte order mark inside": "a: x\ufeffy\n",
    "four-space indentation": "a:\n    b:\n        c: 1\n    d: 2\ne: 3\n",
    "mixed indentation widths": "a:\n    b: 1\nc:\n  d: 2\n",
    "tab after colon": "a:\tb\n",
    "tab inside value": "a: x\ty\n",
    "tab after value": "a: x\t\n",
    "crlf": "a: 1\r\nb: 2\r\n",
    "cr": "a: 1\rb: 2\r",
    "cr inside value": "a: x\ry\n",
    "space before colon": "a  : 1\n",
    "spaces after colon": "a:    1\n",
    "trailing spaces": "a: 1   \nb: x  \n",
    "long plain key": "x" * 1024 + ": 1\n",
    "long quoted key": "'" + "x" * 1022 + "': 1\n",
    "long value": "a: " + "x" * 5000 + "\n",
    "unicode": "é: 中😀\nüber: ñ\n",
}


@pytest.mark.parametrize("text", _cases(HAND_WRITTEN))
def test_hand_written_yaml_reads_as_libyaml_reads_it(text: str) -> None:
    _assert_agrees(text)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: 2\na: 3\n", 3),
        ("x:\n  method: GET\n  method: POST\n", 3),
        ("1: a\n1.0: b\ntrue: c\n", 2),
        ("null: a\n~: b\n", 2),
    ],
)
def test_a_key_twice_is_an_error_naming_its_line(text: str, line: int) -> None:
    """Stricter than ``yaml.safe_load``, which keeps the last value: a key twice in a cassette is a mistake."""
    with pytest.raises(_block.Unsupported):
        _block.read(text)
    with pytest.raises(_yaml.InvalidYAML, match=f"appears twice in one mapping \\(line {line}\\)"):
        _yaml.load(text)


# How PyYAML's safe loader types plain scalars (YAML 1.1): each as a value, a key, an item, a whole document.
PLAIN_SCALARS = [
    *("~", "null", "Null", "NULL", "nUll", "true", "True", "TRUE", "tRue", "yes", "No", "on", "off", "OFF", "y"),
    *("0", "-0", "+0", "00", "017", "09", "0o17", "0x1F", "0x_1f", "0b101", "1_000", "1__0", "+1", "-1"),
    *("12345678901234567890123", "1:20", "-1:20", "190:20:30", "0:60", "1:20.5"),
    *(".5", "1.", "1.5", "-1.5", "+1.5", "1_0.5", "-.5", "._5", "1.0e+5", "1.0e5", "1e5", "1.5e-3", "-0.0"),
    *(".inf", "-.inf", "+.inf", ".Inf", ".INF", ".iNf", ".NaN", ".nan", ".NAN"),
    *("2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2002-12-14T21:59:43Z"),
    *("2001-13-14", "=", "<<", "-", "--", "x:y", "a b", "a#b", "é", "😀", "x'y", "..."),
]
POSITIONS = {
    "value": "key: {}\n",
    "key": "{}: value\n",
    "item": "- {}\n",
    "document": "{}\n",
    "nested": "a:\n  b: {}\n",
}


@pytest.mark.parametrize("template", POSITIONS.values(), ids=POSITIONS.keys())
@pytest.mark.parametrize("scalar", PLAIN_SCALARS)
def test_plain_scalars_are_typed_as_libyaml_types_them(scalar: str, template: str) -> None:
    _assert_agrees(template.format(scalar))


# Not YAML, or not what the safe loader accepts: ``_yaml.load`` raises, and ``read`` must not return a value.
INVALID = {
    "dedent between levels": "a:\n    b: 1\n  c: 2\n",
    "dedent below the mapping": "a:\n  b: 1\n c: 2\n",
    "key deeper than the one before": "a: 1\n  b: 2\n",
    "key after a top-level sequence": "- a\nb: 1\n",
    "key at an indented sequence's column": "key:\n  - a\n  b: 1\n",
    "entry after a key's value": "a: - b\n",
    "mapping in a plain value": "a: b: c\n",
    "plain value ending with a colon": "a: b:\n",
    "literal first line indented more": "a: |\n    x\n  y\n",
    "literal not indented under its key": "a:\n  b: |\n  x\n",
    "unclosed quote": "a: 'x\n",
    "text after a quoted value": "a: 'x' y\n",
    "unknown escape": r'a: "\q"' + "\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "empty key": ": 1\n",
    "tab indentation": "a:\n\tb: 1\n",
    "control character": "a: x\x07y\n",
    "delete character": "a: x\x7fy\n",
    "next-line character": "a: x\x85y\n",
    "line separator": "a: x\u2028y\n",
    "reserved indicator": "a: @x\n",
    "percent sign": "a: %x\n",
    "undefined alias": "a: *x\n",
    "merge of a scalar": "<<: 1\n",
    "merge tag as value": "a: <<\n",
    "value tag": "a: =\n",
    "unknown tag": "a: !x 1\n",
    "sequence as key": "[a]: 1\n",
    "plain key over 1024 characters": "x" * 1025 + ": 1\n",
    "quoted key over 1024 characters": "'" + "x" * 1023 + "': 1\n",
    "key over 1024 characters in a sequence": "- " + "é" * 1025 + ": 1\n",
    "json key over 1024 characters": 'a: {"' + "x" * 1023 + '": 1}\n',
    "block nesting over 999 levels": "- " * 1000 + "x\n",
    "flow nesting over 999 levels": "a: " + "[" * 1000 + "]" * 1000 + "\n",
}


@pytest.mark.parametrize("text", _cases(INVALID))
def test_invalid_yaml_raises_yaml_error(text: str) -> None:
    with pytest.raises(yaml.YAMLError):
        _libyaml(text)
    _assert_agrees(text)  # so ``_yaml.load`` raises InvalidYAML, and ``read`` returns nothing
