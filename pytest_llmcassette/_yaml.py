"""YAML in and out, with libyaml's C classes when present, safe types only."""

from __future__ import annotations

from typing import Any

import yaml

try:
    from yaml import CSafeDumper as _BaseDumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - pure-Python PyYAML build
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

YAMLError = yaml.YAMLError


class _Dumper(_BaseDumper):
    """Safe dumper that writes multi-line strings as literal blocks, so bodies read like the wire."""


def _represent_str(dumper: _Dumper, value: str) -> yaml.Node:
    if "\n" in value and value == value.rstrip(" ") and "\r" not in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_str)


def load(text: str | bytes) -> Any:
    return yaml.load(text, Loader=_Loader)


def dump(document: Any) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)
