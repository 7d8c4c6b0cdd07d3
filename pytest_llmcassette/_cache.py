"""Parsed cassettes kept in pytest's cache folder, so a cassette's YAML is parsed once, not on every run.

An entry is the parsed document, stored with ``marshal`` under a hash of the file's bytes (and of the Python
and cache versions): an edited cassette simply gets a new entry, and ``pytest --cache-clear`` drops them all.
Without pytest's cache (``-p no:cacheprovider``) every run parses the YAML.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

_SALT = f"llm_cassette document cache 1, python {sys.version_info[0]}.{sys.version_info[1]}".encode()


class DocumentCache:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def load(self, text: bytes, parse: Callable[[bytes], Any]) -> Any:
        """``parse(text)``, or what it gave for the same bytes in an earlier run."""
        if self.folder is None:
            return parse(text)
        entry = self.folder / f"{hashlib.blake2b(_SALT + text, digest_size=20).hexdigest()}.marshal"
        try:
            return marshal.loads(entry.read_bytes())  # noqa: S302 - written by this plugin, in the project's cache
        except (OSError, ValueError, EOFError, TypeError):
            pass
        document = parse(text)
        try:
            data = marshal.dumps(document)
        except ValueError:  # a type marshal does not keep (a YAML timestamp): parse it every time
            return document
        _store(entry, data)
        return document


def _store(entry: Path, data: bytes) -> None:
    """Write an entry atomically; a cache that cannot be written is only slower, never an error."""
    try:
        descriptor, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, entry)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
