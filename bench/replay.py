"""The main comparison: a replay suite recorded once, then replayed with the server stopped, per tool and shape.

Each tool runs in its own environment and is compared with two floors (the floor suite: a conftest answering
from a dict, no cassette tool): the floor run in the tool's environment with the tool's pytest plugin disabled,
where what the environment loads anyway (respx's pytest plugin and its imports, for this project) cancels out,
and the floor run in an environment holding only openai and pytest, which counts what a user pays for
installing the tool. Every row runs with ``-p no:cacheprovider``. Each replay is a whole ``pytest`` process; the
rounds interleave all rows of a shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import envs
import measure
import suite
from report import Section, Table, Target, microseconds

REQUESTS_PER_TEST = 2
PYTEST = ("-m", "pytest", "-q", "-p", "no:cacheprovider")
OPENAI_ONLY_FLOOR = "floor-openai-only"


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    label: str
    suite: str  # the suite kind in ``suite``, also its folder
    env: envs.Env
    options: tuple[str, ...]
    floor: str  # the key of the floor row in the same environment (itself for a floor)
    competitor: bool = False

    @property
    def is_floor(self) -> bool:
        return self.suite == suite.FLOOR


def _floor(key: str, env: envs.Env, plugin: str, competitor: bool = False) -> Row:
    label = f"floor (dict lookup), {env.name} env, -p no:{plugin}"
    return Row(key, label, suite.FLOOR, env, ("-p", f"no:{plugin}"), key, competitor)


FLOOR = _floor("floor", envs.LLMCASSETTE, "llm_cassette")
OPENAI_ONLY = Row(OPENAI_ONLY_FLOOR, "floor (dict lookup), openai-only env", suite.FLOOR, envs.OPENAI_ONLY, (), "")
PLUGIN = Row("llm_cassette", "pytest-llmcassette", suite.LLM_CASSETTE, envs.LLMCASSETTE, (), "floor")
COMPETITORS = (
    _floor("floor-vcrpy", envs.VCRPY, "recording", True),
    Row("vcrpy", "vcrpy + pytest-recording (match_on body)", suite.VCRPY, envs.VCRPY, (), "floor-vcrpy", True),
    _floor("floor-cassetter", envs.CASSETTER, "cassetter", True),
    Row("cassetter", "cassetter (match_on json_body)", suite.CASSETTER, envs.CASSETTER, (), "floor-cassetter", True),
)


def rows(competitors: bool, openai_only: bool) -> tuple[Row, ...]:
    return (*((OPENAI_ONLY,) if openai_only else ()), FLOOR, PLUGIN, *(COMPETITORS if competitors else ()))


def folder(work: Path, shape: suite.Shape, kind: str) -> Path:
    return work / "suites" / "replay" / shape.name / kind


def record(work: Path, base_url: str, tests: int, shape: suite.Shape, chosen: tuple[Row, ...]) -> None:
    """Write each tool's suite and record it against the running stub server (the floor captures its dict)."""
    for kind, env in {row.suite: row.env for row in chosen if row is not OPENAI_ONLY}.items():
        where = folder(work, shape, kind)
        suite.replay_suite(where, kind, base_url, tests, shape)
        floor = kind == suite.FLOOR
        options, extra = (("-p", "no:llm_cassette"), {"BENCH_CAPTURE": "1"}) if floor else (("--record-mode=once",), {})
        command = (env.python, *PYTEST, *options)
        measure.checked(measure.Job(f"record {shape.name} {kind}", command, where, extra, tests))


def job(work: Path, shape: suite.Shape, row: Row, tests: int) -> measure.Job:
    return measure.Job(row.key, (row.env.python, *PYTEST, *row.options), folder(work, shape, row.suite), {}, tests)


def time_replays(
    work: Path,
    tests: int,
    rounds: int,
    shape: suite.Shape,
    chosen: tuple[Row, ...],
    versions: dict[str, dict[str, str]],
) -> Section:
    """Replay every row ``rounds`` times, interleaved, after one warm-up round; the server is stopped by now."""
    jobs = [job(work, shape, row, tests) for row in chosen]
    measure.interleaved(jobs, 1, f"replay {shape.name} warm-up")
    samples = measure.interleaved(jobs, rounds, f"replay {shape.name}")
    keys = {row.key for row in chosen}
    has_openai_only = OPENAI_ONLY_FLOOR in keys
    table_rows, targets = [], []
    for row in chosen:
        own = samples[row.key]
        cells = [row.label, f"openai {versions[row.env.name]['openai']}", f"{measure.median_wall(own):.3f}"]
        for floor_key in (row.floor, OPENAI_ONLY_FLOOR) if has_openai_only else (row.floor,):
            if row.is_floor:
                cells += ["-", "-"]
                continue
            floor = samples[floor_key]
            wall, cpu = measure.paired_ratio(own, floor), measure.paired_ratio(own, floor, cpu=True)
            cells += [f"{wall:.3f}x", f"{cpu:.3f}x"]
            if row is PLUGIN:
                which = "its env's floor" if floor_key == row.floor else "the openai-only floor"
                name = f"replay vs {which}, {shape.name} shape"
                targets.append(Target(f"{name}: wall", "<= 1.08x", f"{wall:.3f}x", wall <= 1.08))
                targets.append(Target(f"{name}: CPU", "<= 1.08x", f"{cpu:.3f}x", cpu <= 1.08))
        reference = samples[OPENAI_ONLY_FLOOR if has_openai_only else row.floor]
        extra = measure.paired_difference(own, reference)
        rss, reference_rss = measure.median_rss_mib(own), measure.median_rss_mib(reference)
        is_reference = own is reference
        cells += [
            "-" if is_reference else microseconds(extra / tests),
            f"{rss:.1f}",
            "-" if is_reference else f"{rss - reference_rss:+.1f}",
        ]
        table_rows.append(tuple(cells))
        if row is PLUGIN:
            delta = rss - measure.median_rss_mib(samples[row.floor])
            targets.append(
                Target(
                    f"peak RSS vs its env's floor, {shape.name} shape", "<= +10 MiB", f"{delta:+.1f} MiB", delta <= 10
                )
            )
    reference_name = "the openai-only floor" if has_openai_only else "its env's floor"
    openai_only_columns = ("wall vs openai-only floor", "CPU vs openai-only floor") if has_openai_only else ()
    table = Table(
        f"Replay, {shape.name} shape: {tests} tests x {REQUESTS_PER_TEST} chat completions (plain + streamed), "
        "server stopped",
        (
            "row",
            "SDK",
            "median wall s",
            "wall vs env's floor",
            "CPU vs env's floor",
            *openai_only_columns,
            f"µs / test vs {reference_name}",
            "peak RSS MiB",
            f"Δ RSS MiB vs {reference_name}",
        ),
        table_rows,
        [
            f"Shape: {shape.description}. Whole `pytest -q -p no:cacheprovider` processes, {rounds} interleaved "
            "rounds after a warm-up round. Each tool is compared with the floor run in its own environment with its "
            "pytest plugin disabled, and with the floor run in the openai-only environment; 'vs floor' is the median "
            "of per-round ratios (CPU: user + system time of the process), µs / test the median of per-round "
            "wall-time differences over the number of tests.",
        ],
    )
    return Section([table], targets)
