"""Benchmark pytest-llmcassette against a floor and against vcrpy/pytest-recording and cassetter, in one command.

    python bench/run.py            # builds bench/.work/envs/* on first use, then measures (about 10 minutes)

Environments, suites, cassettes and results live under ``bench/.work/`` (git-ignored). The table is printed and
written to ``bench/.work/results.md``; ``docs/performance.md`` explains each row.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import bridge
import envs
import first_event
import growth
import replay
import startup
from report import Section, document, machine
from server import stub_module

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark pytest-llmcassette (see docs/performance.md).")
    parser.add_argument("--runs", type=int, default=7, help="interleaved rounds of the replay suites (default 7)")
    parser.add_argument("--tests", type=int, default=200, help="tests in the replay suite (default 200)")
    parser.add_argument("--growth-runs", type=int, default=3, help="rounds of the growth runs (default 3)")
    parser.add_argument("--startup-runs", type=int, default=15, help="rounds of the start-up runs (default 15)")
    parser.add_argument("--bridge-requests", type=int, default=2000, help="requests per bridge-choice measure")
    parser.add_argument("--rebuild", action="store_true", help="build the environments afresh")
    return parser.parse_args()


def _revision() -> str:
    """The checkout measured (the environments install this project editable): commit, and whether edited."""
    git = ["git", "-C", str(REPO)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    changed = subprocess.run(
        [*git, "status", "--porcelain", "--", "pytest_llmcassette"], capture_output=True, text=True
    )
    return f"pytest-llmcassette at {commit or 'unknown commit'}{' with local changes' if changed.stdout else ''}"


def main() -> None:
    args = _arguments()
    started, on = time.perf_counter(), machine()
    for env in envs.ALL:
        envs.ensure(env, WORK, REPO, args.rebuild)
    versions = {env.name: envs.versions(env, WORK) for env in envs.ALL}
    installed = "; ".join(
        f"{env.name}: " + ", ".join(f"{name} {version}" for name, version in versions[env.name].items())
        for env in envs.ALL
    )
    header = [f"Machine: {on}.", f"Measured: {_revision()}.", f"Environments: {installed}."]
    sections: list[Section] = []

    def done(section: Section) -> None:
        """Keep a finished phase, and write what is known so far (a later failure loses nothing)."""
        sections.append(section)
        (WORK / "results.md").write_text(document(sections, header))

    with stub_module(REPO).StubServer() as server:
        print(f"[bench] stub server at {server.base_url}; recording", file=sys.stderr)
        replay.record(WORK, server.base_url, args.tests)
        growth.record(WORK, server.base_url)
        first = first_event.time_first_event(WORK, server)
    # The server is stopped from here on: a request that is not replayed fails its test.
    done(replay.time_replays(WORK, args.tests, args.runs, versions))
    done(growth.time_growth(WORK, args.growth_runs))
    done(startup.time_startup(WORK, args.startup_runs))
    done(first)
    done(bridge.time_bridges(WORK, args.bridge_requests))
    header.append(f"Benchmark wall time {time.perf_counter() - started:,.0f} s.")
    text = document(sections, header)
    (WORK / "results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
