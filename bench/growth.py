"""Growth: does a request cost more when the cassette is long? One test replays a 2,000-request conversation,
another a 20-request one, each request the same shape (same model, a sliding window of history).

The test times its own requests (the first left out: it pays one-time set-up); the cassette's load is timed
separately, as the test's set-up. The floor replays the same conversations from its dict, for reference.
"""

from __future__ import annotations

import json
from pathlib import Path

import envs
import measure
import suite
from report import Section, Table, Target, microseconds, milliseconds

SIZES = (20, 2000)
PYTEST = ("-m", "pytest", "-q", "-p", "no:cacheprovider")
KINDS = {suite.LLM_CASSETTE: ("--record-mode=once",), suite.FLOOR: ("-p", "no:llm_cassette")}


def _folder(work: Path, kind: str) -> Path:
    return work / "suites" / "growth" / kind


def record(work: Path, base_url: str) -> None:
    """Record both conversations against the stub server: cassettes for the plugin, the dict for the floor."""
    python = str(envs.LLMCASSETTE.python(work))
    for kind, options in KINDS.items():
        suite.growth_suite(_folder(work, kind), kind, base_url, SIZES)
        extra = {"BENCH_CAPTURE": "1"} if kind == suite.FLOOR else {}
        measure.checked(
            measure.Job(f"record growth {kind}", (python, *PYTEST, *options), _folder(work, kind), extra, 2)
        )


def _out(work: Path, kind: str, size: int) -> Path:
    return work / "out" / f"growth-{kind}-{size}.jsonl"


def time_growth(work: Path, rounds: int) -> Section:
    python = str(envs.LLMCASSETTE.python(work))
    jobs = []
    for kind, options in KINDS.items():
        replay_options = options if kind == suite.FLOOR else ()
        for size in SIZES:
            node = f"test_growth.py::test_conversation_{size}"
            env = {"BENCH_OUT": str(_out(work, kind, size))}
            jobs.append(
                measure.Job(f"{kind}-{size}", (python, *PYTEST, *replay_options, node), _folder(work, kind), env, 1)
            )
    (work / "out").mkdir(parents=True, exist_ok=True)
    for kind in KINDS:  # no warm-up round: recording these suites just ran the same code
        for size in SIZES:
            _out(work, kind, size).unlink(missing_ok=True)
    samples = measure.interleaved(jobs, rounds, "growth")
    per_request: dict[tuple[str, int], float] = {}
    rows = []
    for kind in KINDS:
        for size in SIZES:
            results = [json.loads(line) for line in _out(work, kind, size).read_text().splitlines()]
            steady = measure.median([sum(r["request_s"][1:]) / (len(r["request_s"]) - 1) for r in results])
            setup = measure.median([r["setup_s"] for r in results])
            per_request[kind, size] = steady
            rows.append(
                (
                    "pytest-llmcassette" if kind == suite.LLM_CASSETTE else "floor",
                    f"{size:,}",
                    microseconds(steady),
                    milliseconds(setup),
                    f"{measure.median_wall(samples[f'{kind}-{size}']):.3f}",
                )
            )
    small, large = SIZES
    ratio = per_request[suite.LLM_CASSETTE, large] / per_request[suite.LLM_CASSETTE, small]
    floor_ratio = per_request[suite.FLOOR, large] / per_request[suite.FLOOR, small]
    overhead = {size: per_request[suite.LLM_CASSETTE, size] - per_request[suite.FLOOR, size] for size in SIZES}
    table = Table(
        f"Growth: one test replaying a conversation of {small} vs {large:,} requests",
        ("row", "requests in cassette", "µs / request", "test set-up ms (cassette load)", "process wall s"),
        rows,
        [
            f"Each request carries the system prompt, the last {suite.GROWTH_WINDOW} user+assistant pairs and the new "
            "user turn (the history is pre-filled, so the short and the long conversation send requests of the same "
            f"size). Per-request cost grows {ratio:.2f}x from {small} to {large:,} interactions with the plugin "
            f"({floor_ratio:.2f}x for the floor); the plugin's own cost per request over the floor is "
            f"{microseconds(overhead[small])} µs at {small} and {microseconds(overhead[large])} µs at {large:,}. "
            f"Medians of {rounds} interleaved runs.",
        ],
    )
    return Section(
        [table],
        [Target(f"per-request cost, {large:,} vs {small} interactions", "<= 1.2x", f"{ratio:.2f}x", ratio <= 1.2)],
    )
