"""Instructions: the cold replay suite counted by ``valgrind --tool=callgrind``, whole process, start-up included.

Wall and CPU time on a shared machine move by several percent from run to run; an instruction count does not
(``PYTHONHASHSEED=0`` keeps even dict and set orders the same). Each shape's suite is counted with the plugin and
for four floors: in the plugin's environment (``-p no:llm_cassette``) and in the openai-only environment, each
answering streams one chunk per event and in one chunk, so that what the floor's environment and its design
contribute to a ratio are told apart. Callgrind's output files stay in ``bench/.work/callgrind/`` for
``callgrind_annotate``.
"""

from __future__ import annotations

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import measure
import replay
import suite
from report import Section, Table, Target

COLLECTED = re.compile(r"Collected : (\d+)")


@dataclass(frozen=True, slots=True)
class Count:
    key: str
    label: str
    row: replay.Row
    chunks: str  # how the floor answers a stream (suite.EVENT or suite.ONE); the plugin's rows ignore it


def _counts(shape: suite.Shape, openai_only: bool) -> list[Count]:
    other = suite.ONE if shape.floor_chunks == suite.EVENT else suite.EVENT
    words = {suite.EVENT: "one chunk per event", suite.ONE: "one chunk"}
    floors = [("floor", replay.FLOOR, "plugin's env, -p no:llm_cassette")]
    if openai_only:
        floors.append(("openai-only", replay.OPENAI_ONLY, "openai-only env"))
    counts = [Count("plugin", "pytest-llmcassette", replay.PLUGIN, "")]
    for key, row, where in floors:
        for chunks in (shape.floor_chunks, other):
            counts.append(Count(f"{key}-{chunks}", f"floor, {where}, {words[chunks]}", row, chunks))
    return counts


def _count(work: Path, shape: suite.Shape, tests: int, count: Count) -> int:
    """Run the suite under callgrind; the number of instructions it executed."""
    job = replay.job(work, shape, count.row, tests)
    extra = {"BENCH_FLOOR_CHUNKS": count.chunks} if count.chunks else {}
    return counted(
        measure.Job(job.name, job.command, job.cwd, extra, tests), work / "callgrind" / f"{shape.name}-{count.key}"
    )


def counted(job: measure.Job, out: Path) -> int:
    """Run ``job`` under callgrind (``PYTHONHASHSEED=0``), its files at ``out``.out and .log; the number of
    instructions it executed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    valgrind = ("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}.out", f"--log-file={out}.log")
    env = {**job.env, "PYTHONHASHSEED": "0"}
    measure.checked(measure.Job(f"callgrind {out.name}", (*valgrind, *job.command), job.cwd, env, job.passed))
    found = COLLECTED.search(Path(f"{out}.log").read_text())
    if found is None:
        raise measure.JobFailed(f"callgrind {out.name}: no instruction count in {out}.log")
    return int(found[1])


def count_instructions(work: Path, tests: int, shape: suite.Shape, openai_only: bool, jobs: int) -> Section:
    counts = _counts(shape, openai_only)
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        found = dict(
            zip([c.key for c in counts], pool.map(lambda c: _count(work, shape, tests, c), counts), strict=True)
        )
    plugin = found["plugin"]
    rows, targets = [], []
    for count in counts:
        instructions = found[count.key]
        is_plugin = count.key == "plugin"
        rows.append(
            (
                count.label,
                f"{instructions / 1e9:.3f}",
                "-" if is_plugin else f"{plugin / instructions:.3f}x",
                "-" if is_plugin else f"{(plugin - instructions) / tests / 1e6:.2f}",
            )
        )
    for key, name in (("floor", "its env's floor"), ("openai-only", "the openai-only floor")):
        floor = found.get(f"{key}-{shape.floor_chunks}")
        if floor is not None:
            ratio = plugin / floor
            wanted = f"replay instructions vs {name}, {shape.name} shape"
            targets.append(Target(wanted, "<= 1.08x", f"{ratio:.3f}x", ratio <= 1.08))
    table = Table(
        f"Instructions, {shape.name} shape: {tests} tests replayed, whole `pytest -q -p no:cacheprovider` process "
        "under callgrind",
        ("row", "G instructions", "plugin vs this floor", "plugin's M instructions / test over this floor"),
        rows,
        [
            f"Shape: {shape.description}. `valgrind --tool=callgrind`, PYTHONHASHSEED=0, bytecode caches warm; the "
            "plugin's ratio target is judged against the floor the shape defines (the first floor row of each "
            f"environment). Counted {'in parallel' if jobs > 1 else 'one at a time'} on {os.cpu_count()} CPUs; "
            "counts do not depend on load.",
        ],
    )
    return Section([table], targets)


def valgrind_version() -> str:
    return subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()
