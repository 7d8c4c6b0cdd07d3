"""The cassettes of one pytest run: each file read once, one cassette per test, written back atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ._bridge import Bridge
from ._cache import TapeCache
from ._cassette import Cassette, CassetteOptions, RecordMode
from ._errors import CassetteNotFound, ReadOnlyCassette
from ._matching import MatchRules, RequestKey, request_key
from ._model import Tape
from .formats import read_tape

_WRITING_MODES = (RecordMode.NEW_EPISODES, RecordMode.ALL, RecordMode.REWRITE)


class CassetteSession:
    """Opens cassettes for tests and writes them back; several tests sharing a file parse it once."""

    def __init__(self, cache_folder: Path | None = None) -> None:
        self._cache = TapeCache(cache_folder)
        self.bridge = Bridge()
        self._tapes: dict[Path, tuple[tuple[int, int], Tape]] = {}
        self._keys: dict[Path, dict[MatchRules, tuple[RequestKey, ...]]] = {}
        self.written: list[Path] = []
        self.replayed = 0

    def open(self, path: Path, options: CassetteOptions) -> Cassette:
        mode = options.record_mode
        tape = self._tape(path)
        if tape is None and mode is RecordMode.NONE:
            raise CassetteNotFound(
                f"llm_cassette: no cassette at {path}\n"
                "Record it once, with network access and the API key: `pytest --record-mode=once`."
            )
        if tape is not None and not tape.is_native and mode in _WRITING_MODES:
            raise ReadOnlyCassette(
                f"llm_cassette: {path} is a {tape.format} cassette, which this plugin replays but never rewrites "
                f"(--record-mode={mode.value}).\n"
                f"Convert it first: `python -m pytest_llmcassette convert {path}`."
            )
        if tape is not None:
            self.replayed += 1
        return Cassette(path, options, tape, self._keys_for(tape, options.rules) if tape else ())

    def close(self, cassette: Cassette, passed: bool) -> None:
        """Write what the test recorded, only when it passed: a failed recording leaves the file as it was."""
        if not passed or not cassette.recording:
            return
        existing = cassette.path.read_text(encoding="utf-8") if cassette.tape is not None else None
        text = cassette.text_to_write(existing)
        if text is None:
            return
        _write_atomically(cassette.path, text)
        self._tapes.pop(cassette.path, None)
        self.written.append(cassette.path)

    def _tape(self, path: Path) -> Tape | None:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._tapes.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        tape = read_tape(path, self._cache)
        self._tapes[path] = (stamp, tape)
        self._keys.pop(path, None)
        return tape

    def _keys_for(self, tape: Tape, rules: MatchRules) -> tuple[RequestKey, ...]:
        by_rules = self._keys.setdefault(tape.path, {})
        keys = by_rules.get(rules)
        if keys is None:
            keys = tuple(request_key(i.request.method, i.request.url, i.request.body, rules) for i in tape.interactions)
            by_rules[rules] = keys
        return keys


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
