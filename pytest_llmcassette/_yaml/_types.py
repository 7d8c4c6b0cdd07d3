"""What the YAML layer shares with its callers: its one error, and the value the writer puts on one line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class InvalidYAML(ValueError):
    """The text is not YAML (libyaml's message says where)."""


@dataclass(frozen=True, slots=True)
class OneLineJSON:
    """A JSON object or array that ``dump`` writes on one line as compact JSON (a YAML flow collection too).

    Server-sent events are written so: one event a line, as on the wire.
    """

    value: Any
