"""What the YAML layer shares with its callers: its one error, the value the writer puts on one line, and the
mapping the reader got from one line of JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn


class InvalidYAML(ValueError):
    """The text is not YAML (libyaml's message says where)."""


@dataclass(frozen=True, slots=True)
class OneLineJSON:
    """A JSON object or array that ``dump`` writes on one line as compact JSON (a YAML flow collection too).

    Server-sent events are written so: one event a line, as on the wire.
    """

    value: Any


class OneLineJSONMapping(dict[str, Any]):
    """A mapping that the file holds as one line of JSON, with that line: it equals the ``dict`` ``yaml.safe_load``
    reads, and replay serves a server-sent event's data as the line holds it, without encoding the mapping again.

    Read-only, so that the line always says what the mapping holds; ``dict(mapping)`` is a copy to change.
    """

    __slots__ = ("line",)

    def __init__(self, value: dict[str, Any], line: str) -> None:
        super().__init__(value)
        self.line = line

    def __reduce__(self) -> tuple[Any, ...]:
        return OneLineJSONMapping, (dict(self), self.line)

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("a mapping read from a line of JSON is read-only; change a copy, dict(mapping)")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _read_only
