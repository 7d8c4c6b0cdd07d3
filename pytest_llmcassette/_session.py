"""The cassettes of one pytest run: each file read once and indexed once, one cassette per test, written back
atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ._bridge import Bridge
from ._cassette import Cassette, CassetteOptions, RecordMode
from ._drift import IDENTICAL, SEVERITY
from ._errors import CassetteError, CassetteFormatError, CassetteNotFound, ReadOnlyCassette
from ._ledger import Tokens, usage
from ._matching import MatchRules, RequestIndex
from ._model import Interaction, Recording
from ._report import APPENDED, NOT_WRITTEN, RECORDED, REPLAYED, UNCHANGED, CassetteUse
from .formats import native, read_recording

if TYPE_CHECKING:
    import filelock


class CassetteSession:
    """Opens cassettes for tests and writes them back; tests sharing a file share its reading and its index."""

    def __init__(self, run: str = "") -> None:
        """``run``: this run's id, the same in every pytest-xdist worker (``uuid4`` hex when left out)."""
        self.run = run or uuid.uuid4().hex
        self.bridge = Bridge()
        self._recordings: dict[Path, tuple[tuple[int, int], Recording]] = {}
        self._indexes: dict[Path, dict[MatchRules, RequestIndex]] = {}

    def open(self, path: Path, options: CassetteOptions, test: str = "") -> Cassette:
        mode = options.record_mode
        try:
            recording = self._recording(path)
        except CassetteFormatError:
            if not mode.replaces or not _written_here(path):
                raise
            recording = None  # a cassette of ours that no longer reads (a merge conflict...): recorded anew
        if recording is None and mode is RecordMode.NONE:
            raise CassetteNotFound(
                f"llm_cassette: no cassette at {path}\n"
                f"Record it once, with network access and the API key: `pytest '{test}' --record-mode=once`."
            )
        if recording is not None and not recording.is_native and mode.writes_existing:
            raise ReadOnlyCassette(
                f"llm_cassette: {path} is a {recording.format} cassette, which this plugin replays but never rewrites "
                f"(--record-mode={mode.value}).\n"
                f"Convert it first: `python -m pytest_llmcassette convert {path}`."
            )
        if recording is None:
            return Cassette(path, options, None, None, test)
        return Cassette(path, options, recording, self._index(recording, options.rules), test)

    def close(self, cassette: Cassette, passed: bool, test: str) -> CassetteUse:
        """Write what the test recorded, only when it passed: a failed recording leaves the file as it was. Says
        what became of the file.

        Under a lock on the file, so that tests (or pytest-xdist workers) writing the same cassette at once write
        one after the other, each appending to what the others wrote; in ``all``/``rewrite`` the first test of
        the run to write the file replaces it, and the others of the same run append to that.
        """
        cassette.end_streams()
        path = cassette.path
        played = [i for i, done in zip(cassette.interactions, cassette.played, strict=True) if done]
        use = CassetteUse(
            test,
            str(path),
            cassette.options.record_mode.value,
            REPLAYED,
            played=len(played),
            unused=len(cassette.unused),
            live_requests=len(cassette.recorded),
            tokens_replayed=_tokens(played),
            tokens_spent=_tokens(cassette.recorded),
        )
        if cassette.verifying:
            worst = max((drift.kind for drift in cassette.drifts), key=SEVERITY.index, default=IDENTICAL)
            details = [detail for drift in cassette.drifts for detail in drift.details]
            use = replace(use, drift=worst, drift_details=list(dict.fromkeys(details)))
        if not cassette.records:
            return use
        if not passed:
            return replace(use, outcome=NOT_WRITTEN)
        try:
            with _lock(path):
                existing = path.read_text(encoding="utf-8") if path.is_file() else None  # as others left it
                replaced = cassette.options.record_mode.replaces and _replaced_in(path, self.run)
                written = cassette.text_to_write(existing, replaced_in_run=replaced)
                if written is None or written[0] == existing:
                    return replace(use, outcome=UNCHANGED)
                text, count, appended = written
                if existing is not None and not appended and native.same_recording(existing, text):
                    return replace(use, outcome=UNCHANGED)  # where it came from aside, the same: left as it was
                _write_atomically(path, text)
        except OSError as error:
            raise CassetteError(f"llm_cassette: cannot write {path}: {error.strerror or error}") from None
        self._recordings.pop(path, None)
        return replace(use, outcome=APPENDED if appended else RECORDED, written=count)

    def _recording(self, path: Path) -> Recording | None:
        """The file's recording, read again only when the file changed (size or time)."""
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._recordings.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        recording = read_recording(path)
        self._recordings[path] = (stamp, recording)
        self._indexes.pop(path, None)  # the file changed: so do its indexes
        return recording

    def _index(self, recording: Recording, rules: MatchRules) -> RequestIndex:
        by_rules = self._indexes.setdefault(recording.path, {})
        index = by_rules.get(rules)
        if index is None:
            index = by_rules[rules] = RequestIndex([i.request for i in recording.interactions], rules)
        return index


def _tokens(interactions: list[Interaction]) -> dict[str, list[int]]:
    """Tokens by model, as the report keeps them: ``[input, output, cached]``."""
    by_model: dict[str, Tokens] = {}
    for interaction in interactions:
        model, tokens = usage(interaction)
        by_model[model] = by_model.get(model, Tokens()) + tokens
    return {model: [tokens.input, tokens.output, tokens.cached] for model, tokens in by_model.items()}


def _written_here(path: Path) -> bool:
    """Whether the file at ``path`` starts as this plugin writes cassettes."""
    try:
        with path.open("rb") as file:
            return file.read(len(native.HEADER)) == native.HEADER.encode()
    except OSError:
        return False


def _lock(path: Path) -> filelock.FileLock:
    """A lock on writing ``path``, held in the temporary folder (the cassette folder stays clean)."""
    import filelock  # imported by the first write: a run that only replays never needs it

    return filelock.FileLock(_beside_lock(path, ".lock"))


def _replaced_in(path: Path, run: str) -> bool:
    """Whether a test of ``run`` already replaced ``path`` (and now marks it so); called under its lock. The
    mark is a file beside the lock holding the run's id: pytest-xdist workers share it."""
    mark = _beside_lock(path, ".run")
    try:
        if mark.read_text(encoding="utf-8") == run:
            return True
    except OSError:
        pass
    mark.write_text(run, encoding="utf-8")
    return False


def _beside_lock(path: Path, suffix: str) -> Path:
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:24]
    return Path(tempfile.gettempdir(), f"llm-cassette-{digest}{suffix}")


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
