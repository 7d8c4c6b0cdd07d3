"""The PyYAML side of reading and writing, with libyaml's C classes when present, safe types only.

Imported only when a cassette is written, or when one holds YAML that ``_block`` leaves to libyaml. Such a
document is parsed and composed by libyaml; the plain mappings, sequences and scalars a cassette is made of are
built here directly (quicker than PyYAML's constructor), everything else (``!!binary``, timestamps, merge
keys...) by PyYAML's own safe constructor.
"""

from __future__ import annotations

import io
import os
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import _block, _scalars
from ._types import InvalidYAML, OneLineJSON, OneLineJSONMapping

try:
    from yaml import CSafeDumper as _BaseDumper
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - pure-Python PyYAML build
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_FLATTENED = frozenset(("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"))  # keys PyYAML's mappings rewrite


class _Loader(_BaseLoader):
    """The safe loader, resolving tags as it does but without its path-resolver bookkeeping (which it never uses)."""

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return _scalars.resolve(value) if implicit[0] else _scalars.STR
        return _SEQ if kind is SequenceNode else _MAP


MOST_VALUES = 5_000_000  # what a document may expand to, aliases followed: far above any real cassette


def load(text: str | bytes) -> Any:
    """The document in ``text``, as ``yaml.safe_load`` reads it, but for two things ``safe_load`` lets pass: a key
    twice in one block mapping, and aliases that expand to more than ``MOST_VALUES`` values (an alias bomb), which
    are ``InvalidYAML`` as libyaml's own errors are."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        if node is None:
            return None
        sizes: dict[Node, int] = {}
        if _expanded_size(node, sizes) > max(MOST_VALUES, 2 * len(sizes)):  # far more than the nodes written
            raise InvalidYAML(
                f"its aliases make a value contain itself, or expand to over {MOST_VALUES:,} values (an alias bomb)"
            )
        return _construct(node)
    except yaml.YAMLError as error:
        raise InvalidYAML(str(error)) from None


def _expanded_size(node: Node, sizes: dict[Node, int]) -> int:
    """How many values ``node`` stands for once every alias is followed (``sizes``: each node's, for this call)."""
    known = sizes.get(node)
    if known is not None:
        return known
    sizes[node] = MOST_VALUES + 1  # a node met again while being sized contains itself
    if isinstance(node, MappingNode):
        size = 1 + sum(_expanded_size(key, sizes) + _expanded_size(value, sizes) for key, value in node.value)
    elif isinstance(node, SequenceNode):
        size = 1 + sum(_expanded_size(item, sizes) for item in node.value)
    else:
        size = 1
    sizes[node] = size
    return size


def _construct(node: Node) -> Any:
    kind = node.__class__
    if kind is ScalarNode:
        try:
            return _scalars.value(node.tag, node.value)
        except (yaml.YAMLError, ValueError) as error:  # a tag of no safe type, a 13th month: say where
            raise InvalidYAML(f"{error} (line {node.start_mark.line + 1})") from None
    if kind is MappingNode and node.tag == _MAP and all(key.tag not in _FLATTENED for key, _ in node.value):
        try:
            mapping = {_construct(key): _construct(value) for key, value in node.value}
        except TypeError:  # a mapping or a list as a key: let PyYAML say so
            pass
        else:
            if len(mapping) < len(node.value) and not (
                isinstance(node, MappingNode) and node.flow_style
            ):  # JSON allows it
                raise InvalidYAML(_duplicate_key(node))
            return mapping
    elif kind is SequenceNode and node.tag == _SEQ:
        return [_construct(item) for item in node.value]
    return SafeConstructor().construct_object(node, deep=True)


def _duplicate_key(node: Node) -> str:
    seen = set()
    for key, _ in node.value:
        value = _construct(key)
        if value in seen:
            return f"the key {value!r} appears twice in one mapping (line {key.start_mark.line + 1})"
        seen.add(value)
    return "a key appears twice in one mapping"


class _Dumper(_BaseDumper):
    """Safe dumper that writes multi-line strings as literal blocks, so bodies read like the wire, and JSON lines
    as compact JSON (PyYAML's emitter can only space them): each is written as a placeholder word, replaced by
    its JSON text once the document is out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.placeholder = f"json-line-{os.urandom(8).hex()}"  # a plain scalar no document holds by chance
        self.json_lines: list[str] = []

    def text(self, output: str) -> str:
        """``output`` with each placeholder replaced by its JSON line."""
        pieces = output.split(self.placeholder)
        if len(pieces) != len(self.json_lines) + 1:
            raise RuntimeError("llm_cassette: a JSON line's placeholder was not written exactly once")
        return "".join(piece + line for piece, line in zip(pieces, [*self.json_lines, ""], strict=True))


def _represent_str(dumper: _Dumper, value: str) -> yaml.Node:
    if "\n" in value and value == value.rstrip(" ") and "\r" not in value:
        return dumper.represent_scalar(_scalars.STR, value, style="|")
    return dumper.represent_str(value)


def _represent_one_line_json(dumper: _Dumper, line: OneLineJSON) -> yaml.Node:
    text = _block.json_line(line.value)
    if text is not None:
        dumper.json_lines.append(text)
        return ScalarNode(_scalars.STR, dumper.placeholder)

    def node(value: Any) -> yaml.Node:  # YAML that is JSON too, spaced as PyYAML writes flow collections
        if isinstance(value, str):
            return ScalarNode(_scalars.STR, value, style='"')
        if isinstance(value, dict):
            return MappingNode(_MAP, [(node(str(key)), node(item)) for key, item in value.items()], flow_style=True)
        if isinstance(value, list):
            return SequenceNode(_SEQ, [node(item) for item in value], flow_style=True)
        return dumper.represent_data(value)  # null, booleans, numbers (floats as "1.0e-05": a float in both)

    return node(line.value)


def _represent_one_line_json_mapping(dumper: _Dumper, mapping: OneLineJSONMapping) -> yaml.Node:
    """A mapping read from one line of JSON is written on one line again, from what it holds."""
    return _represent_one_line_json(dumper, OneLineJSON(dict(mapping)))


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(OneLineJSON, _represent_one_line_json)
_Dumper.add_representer(OneLineJSONMapping, _represent_one_line_json_mapping)


def dump(document: Any) -> str:
    output = io.StringIO()
    dumper = _Dumper(output, sort_keys=False, allow_unicode=True, width=1_000_000)
    try:
        dumper.open()
        dumper.represent(document)
        dumper.close()
    finally:
        dumper.dispose()
    return dumper.text(output.getvalue())
