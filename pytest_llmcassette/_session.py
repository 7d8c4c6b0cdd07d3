"""The cassettes of one pytest run: each file read once and indexed once, one cassette per test, written back
atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ._bridge import Bridge
from ._cassette import Cassette, CassetteOptions, RecordMode
from ._errors import CassetteNotFound, ReadOnlyCassette
from ._matching import MatchRules, RequestIndex
from ._model import Recording
from .formats import read_recording

_WRITING_MODES = (RecordMode.NEW_EPISODES, RecordMode.ALL, RecordMode.REWRITE)


class CassetteSession:
    """Opens cassettes for tests and writes them back; tests sharing a file share its reading and its index."""

    def __init__(self) -> None:
        self.bridge = Bridge()
        self._recordings: dict[Path, tuple[tuple[int, int], Recording]] = {}
        self._indexes: dict[tuple[Path, MatchRules], RequestIndex] = {}
        self.written: list[Path] = []
        self.replayed = 0

    def open(self, path: Path, options: CassetteOptions) -> Cassette:
        mode = options.record_mode
        recording = self._recording(path)
        if recording is None and mode is RecordMode.NONE:
            raise CassetteNotFound(
                f"llm_cassette: no cassette at {path}\n"
                "Record it once, with network access and the API key: `pytest --record-mode=once`."
            )
        if recording is not None and not recording.is_native and mode in _WRITING_MODES:
            raise ReadOnlyCassette(
                f"llm_cassette: {path} is a {recording.format} cassette, which this plugin replays but never rewrites "
                f"(--record-mode={mode.value}).\n"
                f"Convert it first: `python -m pytest_llmcassette convert {path}`."
            )
        if recording is None:
            return Cassette(path, options, None, None)
        self.replayed += 1
        return Cassette(path, options, recording, self._index(recording, options.rules))

    def close(self, cassette: Cassette, passed: bool) -> None:
        """Write what the test recorded, only when it passed: a failed recording leaves the file as it was."""
        if not passed or not cassette.records:
            return
        existing = cassette.path.read_text(encoding="utf-8") if cassette.recording is not None else None
        text = cassette.text_to_write(existing)
        if text is None:
            return
        _write_atomically(cassette.path, text)
        self._recordings.pop(cassette.path, None)
        self.written.append(cassette.path)

    def _recording(self, path: Path) -> Recording | None:
        """The file's recording, read again only when the file changed (size or time)."""
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._recordings.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        recording = read_recording(path)
        self._recordings[path] = (stamp, recording)
        for key in [key for key in self._indexes if key[0] == path]:
            del self._indexes[key]
        return recording

    def _index(self, recording: Recording, rules: MatchRules) -> RequestIndex:
        key = (recording.path, rules)
        index = self._indexes.get(key)
        if index is None:
            index = self._indexes[key] = RequestIndex([i.request for i in recording.interactions], rules)
        return index


def _write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename: readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.chmod(temporary, _file_mode(path))
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _file_mode(path: Path) -> int:
    """The mode the file has, or an ordinary new file's (``mkstemp`` would leave it readable by its owner only)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
