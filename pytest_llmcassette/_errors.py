"""The plugin's failures.

They derive from ``pytest.fail.Exception``, pytest's outcome for a failed test and a ``BaseException``: the SDKs
retry and wrap only ``Exception``, so a mismatch reaches the test after one attempt, as this plugin's message,
without an SDK traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ._words import counted

if TYPE_CHECKING:  # the same class; type checkers only know it by its module's name
    from _pytest.outcomes import Failed
else:
    Failed = pytest.fail.Exception


class CassetteError(Failed):
    """Base of every failure this plugin reports."""

    def __init__(self, message: str) -> None:
        super().__init__(message, pytrace=False)


class CassetteFormatError(CassetteError):
    """A cassette file that cannot be read: names the file, the interaction and the problem."""

    def __init__(self, path: Path | str, problem: str, index: int | None = None) -> None:
        self.path = Path(path)
        self.index = index
        self.problem = problem
        where = f"{path}" if index is None else f"{path}, interaction {index}"
        super().__init__(f"llm_cassette: cannot read {where}: {problem}")


class CassetteNotFound(CassetteError):
    """No cassette file in a mode that only replays."""


class NoMatchingInteraction(CassetteError):
    """A request that no unused recorded interaction matches."""


class UnusedInteractions(CassetteError):
    """Recorded interactions that the test never requested."""


class StreamCutByClient(CassetteError):
    """A replayed stream read past the point where the client stopped reading it while recording."""


class NetworkBlocked(CassetteError):
    """A connection a replaying test tried to open to a host nobody allowed."""


class ReadOnlyCassette(CassetteError):
    """A record mode that would rewrite a cassette this plugin must not write (another tool's format)."""


class SecretInCassette(CassetteError):
    """A cassette about to be written that still holds a secret: nothing is written."""

    def __init__(self, path: Path | str, findings: list[str], count: int) -> None:
        self.path = Path(path)
        self.findings = findings
        verb = "looks" if count == 1 else "look"
        lines = [f"llm_cassette: not writing {path}: {counted(count, 'value')} still {verb} secret after scrubbing"]
        lines += [f"  {finding}" for finding in findings]
        if count > len(findings):
            lines.append(f"  ... and {count - len(findings)} more")
        lines.append(
            "Scrub them with a before_record_request/before_record_response hook or secret_env_vars, or, for a false "
            "positive, add the pattern's name to allow_secret_patterns (see docs/scrubbing.md)."
        )
        super().__init__("\n".join(lines))
