"""YAML in and out, with libyaml's C classes when present, safe types only.

``load`` gives what ``yaml.safe_load`` gives, about twice as fast on cassettes: libyaml parses and composes,
and the plain mappings, sequences, strings and numbers that make up a cassette are built here directly;
everything else (``!!binary``, timestamps, merge keys, YAML 1.1 octal or sexagesimal numbers...) is left to
PyYAML's own safe constructor.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:
    from yaml import CSafeDumper as _BaseDumper
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - pure-Python PyYAML build
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

YAMLError = yaml.YAMLError

_STR, _INT, _FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_BOOL, _NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"
_MAP, _SEQ, _MERGE = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:merge"


class _Loader(_BaseLoader):
    """The safe loader, resolving tags as it does but without its path-resolver bookkeeping (which it never uses)."""

    _implicit = _BaseLoader.yaml_implicit_resolvers

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                for tag, pattern in self._implicit.get(value[:1], ()):
                    if pattern.match(value):
                        return str(tag)
            return _STR
        return _SEQ if kind is SequenceNode else _MAP


def load(text: str | bytes) -> Any:
    node = yaml.compose(text, Loader=_Loader)
    return None if node is None else _construct(node)


def _construct(node: Node) -> Any:
    kind = node.__class__
    if kind is ScalarNode:
        return _scalar(node)
    if kind is MappingNode and node.tag == _MAP and all(key.tag != _MERGE for key, _ in node.value):
        try:
            return {_construct(key): _construct(value) for key, value in node.value}
        except TypeError:  # a mapping or a list as a key: let PyYAML say so
            pass
    elif kind is SequenceNode and node.tag == _SEQ:
        return [_construct(item) for item in node.value]
    return SafeConstructor().construct_object(node, deep=True)


def _scalar(node: Node) -> Any:
    tag, value = node.tag, node.value
    if tag == _STR:
        return value
    if tag == _INT and value.isdigit() and (value[0] != "0" or value == "0"):
        return int(value)
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return SafeConstructor.bool_values[value.lower()]
    if tag == _FLOAT and value[-1:].isdigit() and ":" not in value:
        return float(value.replace("_", ""))
    return SafeConstructor().construct_object(node, deep=True)


class _Dumper(_BaseDumper):
    """Safe dumper that writes multi-line strings as literal blocks, so bodies read like the wire."""


def _represent_str(dumper: _Dumper, value: str) -> yaml.Node:
    if "\n" in value and value == value.rstrip(" ") and "\r" not in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_str)


def dump(document: Any) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)
