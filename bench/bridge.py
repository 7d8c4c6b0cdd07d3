"""The bridge-choice phase: runs ``bridge_choice.py`` in its own environment (it needs pytest-httpx2), tabulates."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import envs
from measure import child_environment
from report import Section, Table


def time_bridges(work: Path, requests: int) -> Section:
    script = Path(__file__).with_name("bridge_choice.py")
    command = [str(envs.BRIDGE.python(work)), str(script), "--requests", str(requests)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=child_environment({})).stdout
    found = json.loads(output)
    rows = [
        (name, f"{values['plain']:,.0f}", f"{values['streamed']:,.0f}")
        for name, values in found["microseconds"].items()
    ]
    table = Table(
        f"Bridge choice: routing {requests:,} httpx2 requests through respx, in one process",
        ("approach", "µs / request, plain", f"µs / request, streamed ({found['events']} events)"),
        rows,
        [f"Median of {found['repeats']} interleaved repeats after a warm-up; each body read to its end and checked."],
    )
    return Section([table])
