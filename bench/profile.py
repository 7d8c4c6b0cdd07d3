"""Where replay's time goes: the benchmark's replay suite under pyinstrument, with the plugin and for the floor.

    python bench/profile.py        # after `python bench/run.py` has recorded the suites

Runs each suite once as a whole ``pytest`` process (server stopped, pytest's cache off: every cassette is read
from YAML) with pyinstrument sampling every millisecond, and writes the call trees to
``bench/.work/profile-llm_cassette.txt`` and ``bench/.work/profile-floor.txt``. Compare the two: what the plugin
adds is in its fixture's set-up (reading the cassette) and in ``handle_request`` (matching and answering).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import envs
from measure import child_environment

WORK = Path(__file__).resolve().parent / ".work"
SUITES = {"llm_cassette": ("-p", "no:cacheprovider"), "floor": ("-p", "no:cacheprovider", "-p", "no:llm_cassette")}


def main() -> None:
    python = str(envs.LLMCASSETTE.python(WORK))
    for suite, options in SUITES.items():
        folder = WORK / "suites" / "replay" / suite
        if not folder.is_dir():
            sys.exit(f"no recorded suite at {folder}: run `python bench/run.py` first")
        output = WORK / f"profile-{suite}.txt"
        command = [python, "-m", "pyinstrument", "-i", "0.001", "-r", "text", "-o", str(output)]
        subprocess.run([*command, "-m", "pytest", "-q", *options], cwd=folder, env=child_environment({}), check=True)
        print(f"[bench] {suite}: {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
