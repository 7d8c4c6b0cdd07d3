"""Timing whole processes: wall time and peak memory (max RSS from ``os.wait4``), interleaved rounds, medians."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Sample:
    """One finished process: seconds from spawn to exit, CPU seconds (user + system), peak resident memory, exit
    code and output."""

    wall_s: float
    cpu_s: float
    max_rss_kib: int
    returncode: int
    output: str


@dataclass(frozen=True, slots=True)
class Job:
    """A command to time; ``passed`` is how many tests its pytest summary must report, when it runs tests."""

    name: str
    command: Sequence[str]
    cwd: Path
    env: Mapping[str, str] = field(default_factory=dict)
    passed: int | None = None


class JobFailed(RuntimeError):
    pass


_DROPPED = frozenset({"PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_PLUGINS"})


def child_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment for a child: bytecode caches on (as on a developer's machine), no stray options."""
    return {**{key: value for key, value in os.environ.items() if key not in _DROPPED}, **extra}


def run(job: Job) -> Sample:
    """Run ``job`` to completion; its peak RSS comes from the kernel's accounting of that one child."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(job.command), cwd=job.cwd, env=child_environment(job.env), stdout=output, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, process.returncode, text)


def checked(job: Job) -> Sample:
    """Run ``job`` and fail loudly unless it exited 0 with the expected number of passed tests."""
    sample = run(job)
    passed = re.search(r"(\d+) passed", sample.output)
    if sample.returncode != 0 or (job.passed is not None and (passed is None or int(passed[1]) != job.passed)):
        tail = "\n".join(sample.output.splitlines()[-40:])
        raise JobFailed(f"{job.name}: exit {sample.returncode}, expected {job.passed} passed\n{tail}")
    return sample


def interleaved(jobs: Sequence[Job], rounds: int, label: str = "") -> dict[str, list[Sample]]:
    """Each round runs every job once, the order rotated each round so no job always runs first or last."""
    samples: dict[str, list[Sample]] = {job.name: [] for job in jobs}
    for round_number in range(rounds):
        shift = round_number % len(jobs)
        for job in [*jobs[shift:], *jobs[:shift]]:
            samples[job.name].append(checked(job))
        print(f"[bench] {label} round {round_number + 1}/{rounds} done", file=sys.stderr)
    return samples


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def paired_ratio(samples: Sequence[Sample], baseline: Sequence[Sample], cpu: bool = False) -> float:
    """The median over rounds of this round's time (wall, or CPU) over the baseline's time in the same round."""
    pairs = zip(samples, baseline, strict=True)
    return median([a.cpu_s / b.cpu_s if cpu else a.wall_s / b.wall_s for a, b in pairs])


def paired_difference(samples: Sequence[Sample], baseline: Sequence[Sample], cpu: bool = False) -> float:
    """The median over rounds of this round's time (wall, or CPU) minus the baseline's in the same round, seconds."""
    return median(differences(samples, baseline, cpu))


def differences(samples: Sequence[Sample], baseline: Sequence[Sample], cpu: bool = False) -> list[float]:
    return [a.cpu_s - b.cpu_s if cpu else a.wall_s - b.wall_s for a, b in zip(samples, baseline, strict=True)]


def quartiles(values: Sequence[float]) -> tuple[float, float]:
    """The first and third quartiles: how far the middle half of the values spreads."""
    if len(values) < 2:
        return values[0], values[0]
    first, _, third = statistics.quantiles(values, n=4)
    return first, third


def median_wall(samples: Sequence[Sample]) -> float:
    return median([sample.wall_s for sample in samples])


def median_rss_mib(samples: Sequence[Sample]) -> float:
    return median([sample.max_rss_kib / 1024 for sample in samples])
