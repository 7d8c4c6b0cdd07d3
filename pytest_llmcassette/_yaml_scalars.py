"""Plain YAML scalars typed as PyYAML's safe loader types them: the tag its resolver gives, then the value.

Shared by both ways of reading YAML here (``_yaml``'s libyaml nodes and ``_block_yaml``'s lines), so the two
cannot disagree. Strings, decimal integers, simple floats, booleans and nulls are built directly; every other
form (hexadecimal, sexagesimal, timestamps...) is left to PyYAML's ``SafeConstructor``.
"""

from __future__ import annotations

from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

STR, INT, FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
BOOL, NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"

_IMPLICIT = Resolver.yaml_implicit_resolvers  # first character -> [(tag, pattern)], YAML 1.1's core schema


def resolve(text: str) -> str:
    """The tag of an unquoted scalar."""
    for tag, pattern in _IMPLICIT.get(text[:1], ()):
        if pattern.match(text):
            return str(tag)
    return STR


def value(tag: str, text: str) -> Any:
    """The scalar's Python value, as ``yaml.safe_load`` gives it."""
    if tag == STR:
        return text
    if tag == INT:
        digits = text[1:] if text[:1] in "+-" else text
        if digits.isdigit() and (digits[0] != "0" or digits == "0"):
            return int(text)
    elif tag == NULL:
        return None
    elif tag == BOOL:
        return SafeConstructor.bool_values[text.lower()]
    elif tag == FLOAT and text[-1:].isdigit() and ":" not in text:
        return float(text.replace("_", ""))
    return SafeConstructor().construct_object(ScalarNode(tag, text), deep=True)
