"""cassetter cassettes (placeholder: reader to come)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._model import Interaction
from ._shared import Where

NAME = "cassetter"


def matches(document: Mapping[str, Any]) -> bool:
    return False


def read(document: Mapping[str, Any], path: Path) -> tuple[Interaction, ...]:
    raise Where(path).error("not supported yet")
