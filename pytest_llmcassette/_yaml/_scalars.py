"""Plain YAML scalars typed as PyYAML's safe loader types them: the tag its resolver gives, then the value.

Shared by both ways of reading YAML here (``_libyaml``'s nodes and ``_block``'s lines), so the two cannot
disagree. The forms a cassette is made of (words, decimal integers and fractions, booleans, nulls, versions such
as the SDK's ``3.11.7``) are typed and built here, without PyYAML; any other plain scalar YAML 1.1 might type
(hexadecimal, sexagesimal, timestamps, ``.inf``...) is left to PyYAML's resolver and ``SafeConstructor``,
imported then.
"""

from __future__ import annotations

import functools
import re
from typing import Any

STR, INT, FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
BOOL, NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"

_MAY_BE_TYPED = frozenset("-+.0123456789<=~yYnNtTfFoO!&*")  # first characters of YAML 1.1's implicit types
_WORDS = frozenset("~yYnNtTfFoO")  # ... of which these start only booleans and nulls: whole words
_BOOLEANS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
_BOOLEAN_WORDS = frozenset(word for base in _BOOLEANS for word in (base, base.capitalize(), base.upper()))
_NULL_WORDS = frozenset(("~", "null", "Null", "NULL"))
# An integer, or a fraction (with an exponent, as the dumper writes small floats) when group 1 is set.
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(\.[0-9]+(?:[eE][-+][0-9]+)?)?")


def resolve(text: str) -> str:
    """The tag of an unquoted scalar."""
    if not text:
        return NULL
    first = text[0]
    if first not in _MAY_BE_TYPED:
        return STR
    if first in _WORDS:
        return BOOL if text in _BOOLEAN_WORDS else NULL if text in _NULL_WORDS else STR
    decimal = _DECIMAL.fullmatch(text)
    if decimal is not None:
        return INT if decimal.group(1) is None else FLOAT
    if text.count(".") > 1:  # a version (3.11.7): YAML 1.1's numbers and timestamps hold one dot at most
        return STR
    return _pyyaml_resolve(text)


def value(tag: str, text: str) -> Any:
    """The scalar's Python value, as ``yaml.safe_load`` gives it."""
    if tag == STR:
        return text
    if tag == INT:
        decimal = _DECIMAL.fullmatch(text)
        if decimal is not None and decimal.group(1) is None:
            return int(text)
    elif tag == NULL:
        return None
    elif tag == BOOL:
        return _BOOLEANS[text.lower()]
    elif tag == FLOAT and _DECIMAL.fullmatch(text):
        return float(text)
    from yaml.constructor import SafeConstructor
    from yaml.nodes import ScalarNode

    return SafeConstructor().construct_object(ScalarNode(tag, text), deep=True)


def _pyyaml_resolve(text: str) -> str:
    for tag, pattern in _implicit_resolvers().get(text[0], ()):
        if pattern.match(text):
            return str(tag)
    return STR


@functools.cache
def _implicit_resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """PyYAML's resolvers by first character: YAML 1.1's core schema."""
    from yaml.resolver import Resolver

    return Resolver.yaml_implicit_resolvers
