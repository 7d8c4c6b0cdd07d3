"""YAML in and out. ``load`` gives what ``yaml.safe_load`` gives.

What this plugin wrote is read by ``_block_yaml``, line by line, without PyYAML (about ten times faster, and
replaying never imports it); anything else is read, and everything is written, by ``_libyaml``.
"""

from __future__ import annotations

from typing import Any

from . import _block_yaml

JSONTexts = _block_yaml.JSONTexts  # for the format readers, which read through this module


class InvalidYAML(ValueError):
    """The text is not YAML (libyaml's message says where)."""


class JSONLine:
    """A JSON value that ``dump`` writes on one line, as a YAML flow collection that is JSON too.

    Server-sent events are written so: one event a line, as on the wire, and ``_block_yaml`` reads them with
    ``json`` (a cassette of a long stream stays short and quick to read).
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def load(text: str | bytes, json_texts: JSONTexts | None = None) -> Any:
    """The document in ``text``, as ``yaml.safe_load`` reads it; ``InvalidYAML`` when it is not YAML.

    ``json_texts`` gets the text of the one-line JSON collections the block reader read (see ``_block_yaml``).
    """
    try:
        return _block_yaml.read(text.decode() if isinstance(text, bytes) else text, json_texts)
    except (_block_yaml.Unsupported, UnicodeDecodeError):
        pass
    from . import _libyaml

    return _libyaml.load(text)


def dump(document: Any) -> str:
    from . import _libyaml

    return _libyaml.dump(document)
