"""Start-up: what the plugin adds to a run that never uses it, and what it imports when it loads.

``pytest --collect-only`` on a suite of trivial tests, with and without the plugin, interleaved. respx (a
dependency) installs a pytest plugin of its own, which imports respx and httpx at every start; it is timed too,
and the import probe is run with it both on and off, so each plugin's imports are told apart.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import envs
import measure
import suite
from report import Section, Table, Target, milliseconds

TESTS = 500
COLLECT = ("-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider")
NO_PLUGIN, NO_RESPX = ("-p", "no:llm_cassette"), ("-p", "no:respx")
RUNS = {
    "plugin enabled (default)": (),
    "-p no:llm_cassette": NO_PLUGIN,
    "-p no:respx (respx's own pytest plugin off)": NO_RESPX,
    "-p no:llm_cassette -p no:respx": (*NO_PLUGIN, *NO_RESPX),
}


PLUGIN_TIMINGS = 5  # in-process timings of the plugin's import and hooks


@dataclass(frozen=True, slots=True)
class Probe:
    plugin_loaded: bool
    checked: list[str]
    heavy_imported: list[str]
    plugin_s: float  # the plugin's import plus its hooks, timed in-process (0 when not asked for)

    def imported(self) -> str:
        return ", ".join(self.heavy_imported) or "none"


def time_startup(work: Path, rounds: int, tests: int = TESTS, timings: int = PLUGIN_TIMINGS) -> Section:
    folder = work / "suites" / "startup"
    suite.startup_suite(folder, tests)
    python = envs.LLMCASSETTE.python
    jobs = [measure.Job(label, (python, *COLLECT, *options), folder) for label, options in RUNS.items()]
    measure.interleaved(jobs, 1, "start-up warm-up")
    samples = measure.interleaved(jobs, rounds, "start-up")
    labels = list(RUNS)
    added = measure.paired_difference(samples[labels[0]], samples[labels[1]])
    low, high = measure.quartiles(measure.differences(samples[labels[0]], samples[labels[1]]))
    added_cpu = measure.paired_difference(samples[labels[0]], samples[labels[1]], cpu=True)
    added_alone = measure.paired_difference(samples[labels[2]], samples[labels[3]])
    respx_plugin = measure.paired_difference(samples[labels[0]], samples[labels[2]])
    probes = {label: _probe(python, folder, options, tests) for label, options in RUNS.items()}
    in_process = measure.median([_probe(python, folder, (), tests, timed=True).plugin_s for _ in range(timings)])
    own = sorted(set(probes[labels[0]].heavy_imported) - set(probes[labels[1]].heavy_imported))
    alone = probes[labels[2]]
    checked = ", ".join(alone.checked)
    rows = [
        (
            label,
            milliseconds(measure.median_wall(samples[label])),
            f"{measure.median_rss_mib(samples[label]):.1f}",
            probes[label].imported(),
        )
        for label in labels
    ]
    table = Table(
        f"Start-up: `pytest --collect-only` of {tests} trivial tests that never use the marker",
        ("row", "median wall ms", "peak RSS MiB", f"imported after collection (of {checked})"),
        rows,
        [
            f"Medians of {rounds} interleaved rounds. Timed inside the process, the plugin's import and its hooks "
            f"take {milliseconds(in_process)} ms (median of {timings} runs); whole processes are too noisy "
            f"to resolve that: added by this plugin {milliseconds(added)} ms of wall time "
            f"(median of paired differences; middle half {milliseconds(low)} to {milliseconds(high)} ms), "
            f"{milliseconds(added_cpu)} ms of CPU time, with respx's plugin on; {milliseconds(added_alone)} ms "
            "with it off. respx's own "
            f"pytest plugin (an entry point of the respx dependency, loaded by every pytest run) adds "
            f"{milliseconds(respx_plugin)} ms and imports respx and httpx; this plugin imports: "
            f"{', '.join(own) or 'nothing more'} (with respx's plugin off: {alone.imported()}).",
        ],
    )
    targets = [
        Target(
            "start-up added, unused plugin",
            "<= 15 ms",
            f"{milliseconds(in_process)} ms in-process ({milliseconds(added)} ms whole-process, noisy)",
            in_process <= 0.015,
        ),
        Target(
            "no heavy import at plugin load",
            f"none of {checked}",
            alone.imported() + " (respx's plugin off)",
            alone.plugin_loaded and not alone.heavy_imported and not own,
        ),
    ]
    return Section([table], targets)


def _probe(python: str, folder: Path, options: tuple[str, ...], tests: int, timed: bool = False) -> Probe:
    """Run ``tools/probe_imports.py`` in the environment: its last output line is JSON."""
    script = Path(__file__).parent / "tools" / "probe_imports.py"
    env = measure.child_environment({})
    command = [python, str(script), *(["--time-plugin"] if timed else []), str(folder), *options]
    output = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    found = json.loads(output.stdout.strip().splitlines()[-1])
    if found["exit_code"] != 0 or found["items"] != tests:
        raise measure.JobFailed(f"import probe: {output.stdout[-2000:]}{output.stderr[-2000:]}")
    plugin_s = found.get("import_s", 0.0) + found.get("hooks_s", 0.0)
    return Probe(found["plugin_loaded"], found["checked"], found["heavy_imported"], plugin_s)
