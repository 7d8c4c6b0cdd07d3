"""Benchmark pytest-llmcassette's replay against floors and against vcrpy/pytest-recording and cassetter, in one
command.

    python bench/run.py                      # builds bench/.work/envs/* on first use, then measures (~20 minutes)
    python bench/run.py --phases all         # the same, and the replay suites counted under callgrind
    python bench/run.py --smoke              # a handful of tests, the plugin's environment only (CI)

Environments, suites, cassettes and results live under ``bench/.work/`` (git-ignored). The tables are printed
and written to ``bench/.work/results.md``; ``docs/performance.md`` explains each row. Investigations that are
not part of the benchmark live in ``bench/tools/``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import envs
import first_event
import growth
import instructions
import replay
import startup
import suite
from report import Section, document, machine
from server import stub_module

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PHASES = ("replay", "instructions", "growth", "startup", "first_event")
DEFAULT_PHASES = ("replay", "growth", "startup", "first_event")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark pytest-llmcassette's replay (see docs/performance.md).")
    parser.add_argument("--runs", type=int, default=7, help="interleaved rounds of the replay suites (default 7)")
    parser.add_argument("--tests", type=int, default=200, help="tests in the replay suite (default 200)")
    parser.add_argument(
        "--shapes", default="modules,single", help=f"replay suite shapes, of {', '.join(suite.SHAPES)} (default both)"
    )
    parser.add_argument(
        "--phases",
        default=",".join(DEFAULT_PHASES),
        help=f"phases to run, of {', '.join(PHASES)}, or 'all' (default: all but instructions, callgrind's count)",
    )
    parser.add_argument("--no-competitors", action="store_true", help="leave out vcrpy and cassetter")
    parser.add_argument("--callgrind-jobs", type=int, default=2, help="callgrind processes at once (default 2)")
    parser.add_argument("--growth-runs", type=int, default=3, help="rounds of the growth runs (default 3)")
    parser.add_argument("--startup-runs", type=int, default=15, help="rounds of the start-up runs (default 15)")
    parser.add_argument(
        "--project", type=Path, default=REPO, help="the checkout of pytest-llmcassette to measure (default this one)"
    )
    parser.add_argument("--rebuild", action="store_true", help="build the environments afresh")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a quick run that proves the benchmark works: 6 tests, one round, the plugin's environment only, "
        "every phase but instructions, small sizes; its figures mean nothing",
    )
    args = parser.parse_args()
    args.phases = PHASES if args.phases == "all" else tuple(args.phases.split(","))
    args.shapes = tuple(suite.SHAPES[name] for name in args.shapes.split(","))
    if unknown := set(args.phases) - set(PHASES):
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    args.project = args.project.resolve()
    return args


def _revision(project: Path) -> str:
    """The checkout measured (the environments install it editable): commit, and whether edited."""
    git = ["git", "-C", str(project)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    changed = subprocess.run(
        [*git, "status", "--porcelain", "--", "pytest_llmcassette"], capture_output=True, text=True
    )
    edited = " with local changes" if changed.stdout else ""
    return f"pytest-llmcassette at {commit or 'unknown commit'}{edited} ({project})"


def main() -> None:
    args = _arguments()
    if args.smoke:
        args.tests, args.runs, args.no_competitors, args.growth_runs, args.startup_runs = 6, 1, True, 1, 1
        args.phases = DEFAULT_PHASES
    work = BENCH / ".work" / ("smoke" if args.smoke else "")
    work.mkdir(parents=True, exist_ok=True)
    started, on = time.perf_counter(), machine()
    openai_only = not args.smoke  # the smoke builds one environment: the plugin's (its floor runs there too)
    chosen = replay.rows(not args.no_competitors, openai_only)
    needed = list(dict.fromkeys(row.env for row in chosen))
    for env in needed:
        envs.ensure(env, args.project, args.rebuild)
    versions = {env.name: envs.versions(env) for env in needed}
    installed = "; ".join(
        f"{env.name}: " + ", ".join(f"{name} {version}" for name, version in versions[env.name].items())
        for env in needed
    )
    header = [f"Machine: {on}.", f"Measured: {_revision(args.project)}.", f"Environments: {installed}."]
    if openai_only:
        everything = envs.versions(envs.OPENAI_ONLY, everything=True)
        header.append(f"The openai-only environment holds: {', '.join(f'{n} {v}' for n, v in everything.items())}.")
    if "instructions" in args.phases:
        header.append(f"Instruction counts: {instructions.valgrind_version()}, callgrind.")
    if args.smoke:
        header.append("Smoke run: the figures below prove that the benchmark runs, and mean nothing.")
    sections: list[Section] = []
    first: Section | None = None

    def done(section: Section) -> None:
        """Keep a finished phase, and write what is known so far (a later failure loses nothing)."""
        sections.append(section)
        (work / "results.md").write_text(document(sections, header))

    with stub_module(args.project).StubServer() as server:
        print(f"[bench] stub server at {server.base_url}; recording", file=sys.stderr)
        if {"replay", "instructions"} & set(args.phases):
            for shape in args.shapes:
                replay.record(work, server.base_url, args.tests, shape, chosen)
        if "growth" in args.phases:
            growth.record(work, server.base_url, 200 if args.smoke else growth.LONG)
        if "first_event" in args.phases:
            first = first_event.time_first_event(work, server, 1 if args.smoke else first_event.REQUESTS)
    # The server is stopped from here on: a request that is not replayed fails its test.
    if "replay" in args.phases:
        for shape in args.shapes:
            done(replay.time_replays(work, args.tests, args.runs, shape, chosen, versions))
    if "instructions" in args.phases:
        for shape in args.shapes:
            done(instructions.count_instructions(work, args.tests, shape, openai_only, args.callgrind_jobs))
    if "growth" in args.phases:
        done(growth.time_growth(work, args.growth_runs, 200 if args.smoke else growth.LONG))
    if "startup" in args.phases:
        done(startup.time_startup(work, args.startup_runs, *((50, 1) if args.smoke else ())))
    if first is not None:
        done(first)
    header.append(f"Benchmark wall time {time.perf_counter() - started:,.0f} s.")
    text = document(sections, header)
    (work / "results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
