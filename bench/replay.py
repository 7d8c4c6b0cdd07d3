"""The main comparison: a 200-test suite recorded once, then replayed with the server stopped, per tool.

Each tool runs in its own environment and is paired with a floor run in that same environment (the floor suite,
a conftest answering from a dict, with the tool's own pytest plugin disabled), so that what the environment
loads anyway (respx's pytest plugin, for this project) cancels out. All rows use ``-p no:cacheprovider`` except
the last pair, where pytest's cache folder is on and this plugin keeps parsed cassettes there. Each replay is a
whole ``pytest`` process; the rounds interleave all rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import envs
import measure
import suite
from report import Section, Table, Target, microseconds

REQUESTS_PER_TEST = 2
PYTEST = ("-m", "pytest", "-q")
NO_CACHE = ("-p", "no:cacheprovider")


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    label: str
    suite: str  # the suite kind in ``suite``, also its folder
    env: envs.Env
    options: tuple[str, ...]
    baseline: str  # the key of the floor row this row is paired with (itself for a floor)


def _floor(key: str, env: envs.Env, plugin: str, cached: bool = False) -> Row:
    label = f"floor (dict lookup), {env.name} env{', cacheprovider on' if cached else ''}"
    options = ("-p", f"no:{plugin}", *(() if cached else NO_CACHE))
    return Row(key, label, suite.FLOOR, env, options, key)


ROWS = (
    _floor("floor", envs.LLMCASSETTE, "llm_cassette"),
    Row("llm_cassette", "pytest-llmcassette", suite.LLM_CASSETTE, envs.LLMCASSETTE, NO_CACHE, "floor"),
    _floor("floor-vcrpy", envs.VCRPY, "recording"),
    Row("vcrpy", "vcrpy + pytest-recording (match_on body)", suite.VCRPY, envs.VCRPY, NO_CACHE, "floor-vcrpy"),
    _floor("floor-cassetter", envs.CASSETTER, "cassetter"),
    Row("cassetter", "cassetter (match_on json_body)", suite.CASSETTER, envs.CASSETTER, NO_CACHE, "floor-cassetter"),
    _floor("floor-cache", envs.LLMCASSETTE, "llm_cassette", cached=True),
    Row(
        "llm_cassette-cache",
        "pytest-llmcassette, cacheprovider on",
        suite.LLM_CASSETTE,
        envs.LLMCASSETTE,
        (),
        "floor-cache",
    ),
)


def _folder(work: Path, kind: str) -> Path:
    return work / "suites" / "replay" / kind


def record(work: Path, base_url: str, tests: int) -> None:
    """Write each tool's suite and record it against the running stub server (the floor captures its dict)."""
    for kind, env in {row.suite: row.env for row in ROWS}.items():
        folder = _folder(work, kind)
        suite.replay_suite(folder, kind, base_url, tests)
        floor = kind == suite.FLOOR
        options, extra = (("-p", "no:llm_cassette"), {"BENCH_CAPTURE": "1"}) if floor else (("--record-mode=once",), {})
        command = (str(env.python(work)), *PYTEST, *NO_CACHE, *options)
        measure.checked(measure.Job(f"record {kind}", command, folder, extra, tests))


def time_replays(work: Path, tests: int, rounds: int, versions: dict[str, dict[str, str]]) -> Section:
    """Replay every row ``rounds`` times, interleaved, after one warm-up round; the server is stopped by now."""
    jobs = [
        measure.Job(row.key, (str(row.env.python(work)), *PYTEST, *row.options), _folder(work, row.suite), {}, tests)
        for row in ROWS
    ]
    measure.interleaved(jobs, 1, "replay warm-up")
    samples = measure.interleaved(jobs, rounds, "replay")
    table_rows, targets = [], []
    for row in ROWS:
        own, floor = samples[row.key], samples[row.baseline]
        ratio, extra = measure.paired_ratio(own, floor), measure.paired_difference(own, floor)
        rss, floor_rss = measure.median_rss_mib(own), measure.median_rss_mib(floor)
        is_floor = row.key == row.baseline
        table_rows.append(
            (
                row.label,
                f"openai {versions[row.env.name]['openai']}",
                f"{measure.median_wall(own):.3f}",
                "-" if is_floor else f"{ratio:.3f}x",
                "-" if is_floor else f"{measure.paired_ratio(own, floor, cpu=True):.3f}x",
                "-" if is_floor else microseconds(extra / tests),
                "-" if is_floor else microseconds(extra / (tests * REQUESTS_PER_TEST)),
                f"{rss:.1f}",
                "-" if is_floor else f"{rss - floor_rss:+.1f}",
            )
        )
        if row.key == "llm_cassette":
            targets.append(Target("replay wall time vs floor", "<= 1.08x", f"{ratio:.3f}x", ratio <= 1.08))
            delta = rss - floor_rss
            targets.append(Target("peak RSS vs floor", "<= +10 MiB", f"{delta:+.1f} MiB", delta <= 10))
    table = Table(
        f"Replay: {tests} tests x {REQUESTS_PER_TEST} chat completions (plain + streamed), server stopped",
        (
            "row",
            "SDK",
            "median wall s",
            "wall vs floor",
            "CPU vs floor",
            "µs / test",
            "µs / request",
            "peak RSS MiB",
            "Δ RSS MiB",
        ),
        table_rows,
        [
            f"Whole `pytest -q` processes, {rounds} interleaved rounds after a warm-up round. Each tool is compared "
            "with the floor row above it (same environment, the tool's pytest plugin disabled); 'vs floor' is the "
            "median of per-round ratios (CPU: user + system time of the process), the overheads are medians of "
            "per-round wall-time differences.",
        ],
    )
    return Section([table], targets)
