"""Growth: does a request cost more when the cassette is long? A 2,000-request conversation (by default) against a
20-request one, each request the same shape (same model, a sliding window of history), replayed from one cassette each.

Whole processes differ from one another by more than the effect looked for, so the comparison is made inside one
process: each run replays the short conversation twice, the long one, then the short one twice more, and the
ratio is taken in that run (medians over runs). A request's cost is the median of the test's per-request times
after the first request (which pays one-time set-up); the mean is shown too. The cassette's load is timed as the
test's set-up. The floor replays the same conversations from its dict, for reference.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import envs
import measure
import suite
from report import Section, Table, Target, microseconds, milliseconds

SHORT, LONG = 20, 2000


def _order(long: int) -> tuple[tuple[str, int], ...]:
    """The tests of one run, in order: (name, requests)."""
    return (("short_1", SHORT), ("short_2", SHORT), ("long", long), ("short_3", SHORT), ("short_4", SHORT))


PYTEST = ("-m", "pytest", "-q", "-p", "no:cacheprovider")
KINDS = {suite.LLM_CASSETTE: (), suite.FLOOR: ("-p", "no:llm_cassette")}
LABELS = {suite.LLM_CASSETTE: "pytest-llmcassette", suite.FLOOR: "floor"}


def _folder(work: Path, kind: str) -> Path:
    return work / "suites" / "growth" / kind


def _out(work: Path, kind: str) -> Path:
    return work / "out" / f"growth-{kind}.jsonl"


def record(work: Path, base_url: str, long: int = LONG) -> None:
    """Record both conversations against the stub server: cassettes for the plugin, the dict for the floor."""
    python, order = envs.LLMCASSETTE.python, _order(long)
    for kind, options in KINDS.items():
        folder = _folder(work, kind)
        suite.growth_suite(folder, kind, base_url, order)
        extra, mode = ({"BENCH_CAPTURE": "1"}, ()) if kind == suite.FLOOR else ({}, ("--record-mode=once",))
        job = measure.Job(f"record growth {kind}", (python, *PYTEST, *options, *mode), folder, extra, len(order))
        measure.checked(job)


def _costs(result: dict[str, Any], order: tuple[tuple[str, int], ...]) -> tuple[float, float, float, float]:
    """One run's per-request cost (median, mean) of the short conversations (median of the four) and the long."""
    times = result["request_s"]

    def cost(name: str) -> tuple[float, float]:
        steady = times[name][1:]
        return measure.median(steady), sum(steady) / len(steady)

    shorts = [cost(name) for name, size in order if size == SHORT]
    long_median, long_mean = cost("long")
    return measure.median([s[0] for s in shorts]), measure.median([s[1] for s in shorts]), long_median, long_mean


def time_growth(work: Path, rounds: int, long: int = LONG) -> Section:
    python, order = envs.LLMCASSETTE.python, _order(long)
    jobs = []
    for kind, options in KINDS.items():
        _out(work, kind).parent.mkdir(parents=True, exist_ok=True)
        _out(work, kind).unlink(missing_ok=True)  # no warm-up round: recording these suites just ran the same code
        env = {"BENCH_OUT": str(_out(work, kind))}
        jobs.append(measure.Job(kind, (python, *PYTEST, *options), _folder(work, kind), env, len(order)))
    samples = measure.interleaved(jobs, rounds, "growth")
    rows, ratios = [], {}
    for kind in KINDS:
        results = [json.loads(line) for line in _out(work, kind).read_text().splitlines()]
        costs = [_costs(result, order) for result in results]
        ratios[kind] = measure.median([long / short for short, _, long, _ in costs])
        for size, median_at, mean_at, setup_name in ((SHORT, 0, 1, "short_2"), (long, 2, 3, "long")):
            rows.append(
                (
                    LABELS[kind],
                    f"{size:,}",
                    microseconds(measure.median([c[median_at] for c in costs])),
                    microseconds(measure.median([c[mean_at] for c in costs])),
                    milliseconds(measure.median([r["setup_s"][f"test_{setup_name}"] for r in results])),
                )
            )
    ratio = ratios[suite.LLM_CASSETTE]
    walls = ", ".join(f"{LABELS[kind]} {measure.median_wall(samples[kind]):.1f} s" for kind in KINDS)
    table = Table(
        f"Growth: per-request cost replaying a conversation of {SHORT} vs {long:,} requests, in the same process",
        ("row", "requests in cassette", "median µs / request", "mean µs / request", "test set-up ms (cassette load)"),
        rows,
        [
            f"Each request carries the system prompt, the last {suite.GROWTH_WINDOW} user+assistant pairs and the new "
            "user turn (the history is pre-filled, so both conversations send requests of the same size). Inside "
            f"each run the long conversation's per-request cost is {ratio:.2f}x the short ones' with the plugin, "
            f"{ratios[suite.FLOOR]:.2f}x for the floor (medians of {rounds} runs, interleaved; a run replays "
            f"{' + '.join(str(size) for _, size in order)} requests: {walls} a run). The short conversation's "
            "set-up is its second one's: the first also pays the plugin's first imports.",
        ],
    )
    target = Target(f"per-request cost, {long:,} vs {SHORT} interactions", "<= 1.2x", f"{ratio:.2f}x", ratio <= 1.2)
    return Section([table], [target])
