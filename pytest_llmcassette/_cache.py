"""Read cassettes kept in pytest's cache folder, so that a cassette is parsed once, not on every run.

An entry is a cassette's interactions, stored with ``marshal`` under a hash of the file's bytes and of this
plugin's own files: an edited cassette or an upgraded plugin simply gets a new entry, and
``pytest --cache-clear`` drops them all. Without pytest's cache (``-p no:cacheprovider``) every run parses.
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

from ._model import Interaction, RecordedRequest, RecordedResponse, Tape


class TapeCache:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._salt = _plugin_fingerprint() if folder is not None else b""

    def load(self, path: Path, text: bytes, read: Callable[[], Tape]) -> Tape:
        """``read()``, or what it gave for the same bytes in an earlier run."""
        if self.folder is None:
            return read()
        entry = self.folder / f"{hashlib.blake2b(self._salt + text, digest_size=20).hexdigest()}.marshal"
        try:
            format_name, interactions = marshal.loads(entry.read_bytes())  # noqa: S302 - written by this plugin
            return Tape(path, format_name, tuple(_decode(item) for item in interactions))
        except (OSError, ValueError, EOFError, TypeError):
            pass
        tape = read()
        _store(entry, marshal.dumps((tape.format, tuple(_encode(item) for item in tape.interactions))))
        return tape


def _plugin_fingerprint() -> bytes:
    """What changes when this plugin's code does: its files' names, sizes and times, and the Python version."""
    package = Path(__file__).parent
    stamps = [f"{sys.version_info[:2]}"]
    for source in sorted(package.rglob("*.py")):
        stat = source.stat()
        stamps.append(f"{source.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.blake2b("\n".join(stamps).encode(), digest_size=16).digest()


def _encode(interaction: Interaction) -> Any:
    request, response = interaction.request, interaction.response
    return (request.method, request.url, request.headers, request.body), (
        response.status,
        response.headers,
        response.chunks,
    )


def _decode(item: Any) -> Interaction:
    request, response = item
    return Interaction(RecordedRequest(*request), RecordedResponse(*response))


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
