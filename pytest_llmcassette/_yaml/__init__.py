"""YAML in and out: ``load(text)`` gives what ``yaml.safe_load`` gives, ``dump(document)`` writes a cassette.

Pure functions, nothing kept between calls. What this plugin wrote is read by ``_block``, line by line, without
PyYAML; anything outside that subset is read, and everything is written, by ``_libyaml`` (imported then).
``_block`` gives a mapping written as one line of JSON (a server-sent event's data) as a ``OneLineJSONMapping``,
which keeps that line; libyaml's reading gives plain mappings.
"""

from __future__ import annotations

from typing import Any

from ._block import Unsupported, read
from ._types import InvalidYAML, OneLineJSON, OneLineJSONMapping

__all__ = ["InvalidYAML", "OneLineJSON", "OneLineJSONMapping", "dump", "load"]


def load(text: str | bytes) -> Any:
    """The document in ``text``, as ``yaml.safe_load`` reads it; ``InvalidYAML`` when it is not YAML."""
    try:
        return read(text.decode() if isinstance(text, bytes) else text)
    except (Unsupported, UnicodeDecodeError):
        pass
    from . import _libyaml

    return _libyaml.load(text)


def dump(document: Any) -> str:
    """``document`` as block YAML: multi-line strings as literal blocks, ``OneLineJSON`` values as compact JSON."""
    from . import _libyaml

    return _libyaml.dump(document)
