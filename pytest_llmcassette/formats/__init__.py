"""Cassette formats: each reader turns one tool's YAML document into the same interactions; only ``native`` writes.

Shapes are told apart by what the interactions hold, not by the ``version`` number (vcrpy, go-vcr format 1
and cassetter all write ``version: 1``). A reader is a module with ``NAME``, ``matches(document)``,
``read(document, path)`` and ``provenance(document, path)`` (where the recording came from, as far as the format
says: at least its day, or None): pure functions of the document.
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
MAX_BYTES = 20 * 2**20  # no recording of an LLM test comes near; a file this big is a mistake, and slow to read


def read_recording(path: Path) -> Recording:
    """The interactions of the cassette at ``path``, whatever tool wrote it."""
    return recording_of(load_document(path), path)


def load_document(path: Path) -> Any:
    """The YAML document of the file at ``path``; ``CassetteFormatError`` for a file that is not one."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise CassetteFormatError(
                path,
                f"it holds {size / 2**20:.1f} MB, more than the {MAX_BYTES // 2**20} MB a cassette may: a recording "
                "this large is a mistake (shorten large payloads with a before_record_response hook)",
            )
        text = path.read_bytes()
    except OSError as error:
        raise CassetteFormatError(path, error.strerror or str(error)) from None
    if not text.strip():
        raise CassetteFormatError(path, "the file is empty")
    try:
        return _yaml.load(text)
    except ValueError as error:  # _yaml.InvalidYAML, or a scalar YAML's types refuse (a 13th month)
        raise CassetteFormatError(path, f"not valid YAML: {_one_paragraph(str(error))}") from None
    except RecursionError:
        raise CassetteFormatError(path, "values nest too deeply") from None


def recording_of(document: Any, path: Path) -> Recording:
    """The interactions of a cassette's ``document``, read from ``path``, whatever tool wrote it."""
    reader = detect(document, path)
    interactions = reader.read(document, path)
    return Recording(path, reader.NAME, interactions, reader.provenance(document, path))


def _one_paragraph(message: str) -> str:
    """libyaml's message on one line, without its stand-in for the file's name (the error names the file)."""
    for stand_in in (' in "<byte string>",', ' in "<unicode string>",', ' in "<file>",'):
        message = message.replace(stand_in, "")
    return " ".join(line.strip() for line in message.splitlines() if line.strip() and line.strip() != "^")


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
