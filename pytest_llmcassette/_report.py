"""The run's figures as data: what each marked test's cassette did, and the cassettes no test used.

The terminal section and the JSON file only render a ``RunReport``; pytest-xdist workers send theirs to the
controller as JSON (``to_json``/``merge``), so a distributed run reports as a serial one does.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ._ledger import Price, Tokens
from ._words import counted

SCHEMA = 1

# What happened to a test's cassette file.
REPLAYED, RECORDED, APPENDED = "replayed", "recorded", "appended"
UNCHANGED, NOT_WRITTEN = "unchanged", "not written: the test failed"


@dataclass(frozen=True, slots=True)
class CassetteUse:
    """One marked test's cassette: its file, the record mode, what happened to the file, and the traffic."""

    test: str
    path: str
    mode: str
    outcome: str
    played: int = 0  # recorded interactions replayed
    unused: int = 0  # recorded interactions the test left unused
    live_requests: int = 0  # requests that went to the network
    written: int = 0  # interactions written to the file
    tokens_replayed: dict[str, list[int]] = field(default_factory=dict)  # model -> [input, output, cached]
    tokens_spent: dict[str, list[int]] = field(default_factory=dict)  # the same, of the live requests
    drift: str | None = None  # verify mode: identical, benign, unverified or breaking (the worst of its answers)
    drift_details: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RunReport:
    uses: list[CassetteUse] = field(default_factory=list)
    folders: Counter[str] = field(default_factory=Counter)  # a default cassette folder -> marked tests collected
    partial: bool = False  # the run selected only some tests: no orphans can be told
    orphans: list[str] = field(default_factory=list)
    prices: dict[str, Price] = field(default_factory=dict)  # the ini's and the fixture's, at the run's end
    fixture_prices: dict[str, list[float]] = field(default_factory=dict)  # the llm_cassette_prices fixture's
    seconds: float = 0.0  # how long the run took

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "totals": self.totals(),
            "ledger": self.ledger(),
            "cassettes": [asdict(use) for use in self.uses],
            "orphans": self.orphans,
        }

    def ledger(self) -> dict[str, Any]:
        """Requests and tokens replayed instead of sent, and spent in record modes, by model; dollars at the
        user's prices where a model has one."""
        sides = {}
        for side in ("replayed", "spent"):
            by_model: dict[str, Tokens] = {}
            for use in self.uses:
                for model, (tokens_in, tokens_out, cached) in getattr(use, f"tokens_{side}").items():
                    by_model[model] = by_model.get(model, Tokens()) + Tokens(tokens_in, tokens_out, cached)
            priced = {
                model: self.prices[model].of(tokens) for model, tokens in by_model.items() if model in self.prices
            }
            sides[side] = {
                "requests": sum(use.played if side == "replayed" else use.live_requests for use in self.uses),
                "tokens": sum(tokens.total for tokens in by_model.values()),
                "by_model": {model: asdict(tokens) for model, tokens in sorted(by_model.items())},
                "dollars": round(sum(priced.values()), 6) if priced else None,
            }
        return sides

    def worker_data(self) -> dict[str, Any]:
        """What a pytest-xdist worker sends to the controller."""
        return {
            "uses": [asdict(use) for use in self.uses],
            "folders": dict(self.folders),
            "partial": self.partial,
            "prices": self.fixture_prices,
        }

    def merge(self, data: dict[str, Any]) -> None:
        """Add a worker's ``worker_data``; every worker collected the same tests, so folders are counted once."""
        self.uses.extend(CassetteUse(**use) for use in data.get("uses", ()))
        for folder, count in data.get("folders", {}).items():
            self.folders[folder] = max(self.folders[folder], count)
        self.partial |= bool(data.get("partial"))
        self.fixture_prices.update(data.get("prices", {}))

    def totals(self) -> dict[str, int]:
        outcomes = Counter(use.outcome for use in self.uses)
        return {
            "tests": len(self.uses),
            "replayed": outcomes[REPLAYED],
            "recorded": outcomes[RECORDED],
            "appended": outcomes[APPENDED],
            "unchanged": outcomes[UNCHANGED],
            "not_written": outcomes[NOT_WRITTEN],
            "interactions_played": sum(use.played for use in self.uses),
            "interactions_unused": sum(use.unused for use in self.uses),
            "tests_on_the_network": sum(1 for use in self.uses if use.live_requests),
            "live_requests": sum(use.live_requests for use in self.uses),
            "orphans": len(self.orphans),
        }

    def find_orphans(self, root: Path) -> list[str]:
        """The ``*.yaml`` files in default cassette folders where every collected marked test opened its cassette
        and none opened them; none when the run selected only some tests. Paths as ``relative`` gives them."""
        if self.partial:
            return []
        used = {use.path for use in self.uses}
        opened = Counter(str(Path(use.path).parent) for use in self.uses)
        orphans = []
        for folder, marked in sorted(self.folders.items()):
            if opened[folder] >= marked:
                found = (relative(path, root) for path in sorted((root / folder).glob("*.yaml")))
                orphans += [path for path in found if path not in used]
        return orphans


def relative(path: Path, root: Path) -> str:
    """``path`` relative to the run's root folder when it is inside it, as the report shows paths."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def render(report: RunReport, write: Callable[[str], None], verbose: bool, orphans_action: str) -> None:
    """The terminal section's lines (after pytest's own ``llm_cassette`` separator)."""
    totals = report.totals()
    played = f"{counted(totals['interactions_played'], 'interaction')} played"
    if totals["interactions_unused"]:
        played += f", {totals['interactions_unused']} unused"
    parts = [f"{counted(totals['replayed'], 'cassette')} replayed ({played})"]
    parts += [f"{totals[key]} {key}" for key in ("recorded", "appended") if totals[key]]
    if totals["unchanged"]:
        parts.append(f"{totals['unchanged']} unchanged")
    if totals["not_written"]:
        parts.append(f"{totals['not_written']} not written (the test failed)")
    write(", ".join(parts))
    for line in _ledger_lines(report):
        write(line)
    if totals["live_requests"]:
        write(
            f"{counted(totals['tests_on_the_network'], 'test')} went to the network: "
            f"{counted(totals['live_requests'], 'live request')}"
        )
    drifts = [use for use in report.uses if use.drift is not None]
    if drifts:
        kinds = Counter(use.drift for use in drifts if use.drift is not None)
        write("verified against the live API: " + ", ".join(f"{kinds[kind]} {kind}" for kind in sorted(kinds)))
        for use in drifts:
            if use.drift != "identical" or verbose:
                write(f"  {use.path}: {use.drift} drift ({use.test})")
                for detail in use.drift_details[:12]:
                    write(f"    {detail}")
    for use in _shown(report.uses, verbose):
        details = [use.outcome, f"mode {use.mode}"]
        if use.played or use.unused:
            details.append(f"{use.played} played, {use.unused} unused")
        if use.live_requests:
            details.append(counted(use.live_requests, "live request"))
        if use.written:
            details.append(f"{counted(use.written, 'interaction')} written")
        tokens = sum(tokens_in + tokens_out for tokens_in, tokens_out, _ in use.tokens_replayed.values())
        if tokens:
            details.append(f"{_tokens(tokens)} replayed")
        write(f"  {use.path}: {', '.join(details)} ({use.test})")
    if report.orphans:
        verb = {"delete": "deleted", "fail": "found, which fails the run (--llm-cassette-orphans=fail)"}.get(
            orphans_action, "found"
        )
        write(f"{counted(len(report.orphans), 'orphan cassette')} {verb}: no test of this run used them")
        for orphan in report.orphans:
            write(f"  {orphan}")


def _ledger_lines(report: RunReport) -> list[str]:
    """``replayed 400 requests, 1.2 M tokens, about $3.10 at your prices, in 4.1 s`` (and what recording spent)."""
    ledger, lines = report.ledger(), []
    for side, verb in (("replayed", "replayed"), ("spent", "recording sent")):
        figures = ledger[side]
        if not figures["requests"]:
            continue
        line = f"{verb} {counted(figures['requests'], 'request')}, {_tokens(figures['tokens'])}"
        if figures["dollars"] is not None:
            line += f", {_dollars(figures['dollars'])} at your prices"
        lines.append(line + (f", in {report.seconds:.1f} s" if side == "replayed" else ""))
    return lines


def _dollars(amount: float) -> str:
    """``about $3.10``; under a cent two significant digits (``about $0.0011``), never ``$0.00`` for a cost."""
    if amount >= 0.01 or amount <= 0:
        return f"about ${amount:,.2f}"
    return f"about ${amount:.2g}" if amount >= 1e-4 else "under $0.0001"


def _tokens(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1e6:.1f} M tokens"
    if count >= 10_000:
        return f"{count / 1e3:.0f} k tokens"
    return counted(count, "token")


def _shown(uses: Iterable[CassetteUse], verbose: bool) -> list[CassetteUse]:
    """Every cassette with ``-v``; else those whose file changed or whose test went to the network."""
    return [use for use in uses if verbose or use.outcome not in (REPLAYED, UNCHANGED) or use.live_requests]


def write_json(report: RunReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
