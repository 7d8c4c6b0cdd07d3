"""Cassette formats: each reader turns one tool's YAML document into the same interactions; only ``native`` writes.

Shapes are told apart by what the interactions hold, not by the ``version`` number (vcrpy, go-vcr format 1
and cassetter all write ``version: 1``). A reader is a module with ``NAME``, ``matches(document)`` and
``read(document, path)``: pure functions of the document.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from .. import _yaml
from .._errors import CassetteFormatError
from .._model import Recording
from . import cassetter, govcr, native, vcrpy

READERS: tuple[ModuleType, ...] = (native, govcr, vcrpy, cassetter)


def read_recording(path: Path) -> Recording:
    """The interactions of the cassette at ``path``, whatever tool wrote it."""
    try:
        text = path.read_bytes()
    except OSError as error:
        raise CassetteFormatError(path, error.strerror or str(error)) from None
    try:
        document = _yaml.load(text)
    except ValueError as error:  # _yaml.InvalidYAML, or a scalar YAML's types refuse (a 13th month)
        raise CassetteFormatError(path, f"not valid YAML: {error}") from None
    except RecursionError:
        raise CassetteFormatError(
            path, "a YAML alias makes a value contain itself, or values nest too deeply"
        ) from None
    reader = detect(document, path)
    return Recording(path, reader.NAME, reader.read(document, path))


def detect(document: Any, path: Path) -> ModuleType:
    if not isinstance(document, Mapping):
        raise CassetteFormatError(path, "not a cassette: the document is not a mapping")
    if "interactions" not in document and "llm_cassette" not in document:
        raise CassetteFormatError(path, "not a cassette: it has no 'interactions'")
    for reader in READERS:
        if reader.matches(document):
            return reader
    raise CassetteFormatError(
        path, "unknown cassette shape: not this plugin's format, go-vcr (1 or 2), vcrpy or cassetter"
    )
