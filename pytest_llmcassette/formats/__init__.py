"""Cassette formats: each reader turns one tool's YAML into the same interactions; only ``native`` writes.

Shapes are told apart by what the interactions hold, not by the ``version`` number (vcrpy, go-vcr format 1
and cassetter all write ``version: 1``). A reader is a module with ``NAME``, ``matches(document)`` and
``read(document, path, json_texts)``; ``json_texts`` holds the text of each one-line JSON collection the YAML
reader met (``_block_yaml``), for a format that serves such values as written.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from .. import _yaml
from .._cache import TapeCache
from .._errors import CassetteFormatError
from .._model import Tape
from . import cassetter, govcr, native, vcrpy

READERS: tuple[ModuleType, ...] = (native, govcr, vcrpy, cassetter)


def read_tape(path: Path, cache: TapeCache | None = None) -> Tape:
    """Read the cassette at ``path``, whatever tool wrote it; ``cache`` may spare reading it again."""
    try:
        text = path.read_bytes()
    except OSError as error:
        raise CassetteFormatError(path, error.strerror or str(error)) from None
    if cache is not None:
        return cache.load(path, text, lambda: _read(path, text))
    return _read(path, text)


def _read(path: Path, text: bytes) -> Tape:
    json_texts: _yaml.JSONTexts = {}
    with _collector_paused():
        try:
            document = _yaml.load(text, json_texts)
        except ValueError as error:  # _yaml.InvalidYAML, or a scalar YAML's types refuse (a 13th month)
            raise CassetteFormatError(path, f"not valid YAML: {error}") from None
        except RecursionError:
            raise CassetteFormatError(
                path, "a YAML alias makes a value contain itself, or values nest too deeply"
            ) from None
        reader = detect(document, path)
        return Tape(path, reader.NAME, reader.read(document, path, json_texts))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading allocates many objects that all live on: a garbage collection meanwhile would only walk them, and
    every other object of the test process, for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
