"""The bridge choice, measured again: builds the ``bridge`` environment (this checkout, httpx2, pytest-httpx2) and
runs ``bridge_choice.py`` in it, then prints the table.

    python bench/tools/bridge.py [--requests 2000] [--repeats 3] [--project PATH]

The decision it measured is taken (docs/performance.md, "Tools"); this stays to check it again.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import envs
from measure import child_environment
from report import Table

BRIDGE = envs.Env("bridge", ("-e", "{project}", "httpx2", "pytest-httpx2"), ("httpx2", "respx", "pytest-httpx2"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per measure (default 2000)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats after a warm-up (default 3)")
    parser.add_argument("--project", type=Path, default=Path(__file__).resolve().parents[2])
    args = parser.parse_args()
    envs.ensure(BRIDGE, args.project.resolve())
    script = Path(__file__).with_name("bridge_choice.py")
    command = [BRIDGE.python, str(script), "--requests", str(args.requests), "--repeats", str(args.repeats)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=child_environment({})).stdout
    found = json.loads(output.strip().splitlines()[-1])
    rows = [
        (name, f"{values['plain']:,.0f}", f"{values['streamed']:,.0f}")
        for name, values in found["microseconds"].items()
    ]
    installed = ", ".join(f"{name} {version}" for name, version in envs.versions(BRIDGE).items())
    table = Table(
        f"Bridge choice: {args.requests:,} httpx2 requests through each approach, in one pytest process",
        ("approach", "µs / request, plain", f"µs / request, streamed ({found['events']} events)"),
        rows,
        [
            f"Median of {found['repeats']} interleaved repeats after a warm-up; each body read to its end and "
            f"checked. {installed}."
        ],
    )
    print(table.markdown())


if __name__ == "__main__":
    main()
