"""Where replay's time goes: the benchmark's replay suite under pyinstrument, with the plugin and for the floor.

    python bench/tools/profile.py [--shape single]    # after `python bench/run.py` has recorded the suites

Runs each suite once as a whole ``pytest`` process (server stopped, pytest's cache off) with pyinstrument
sampling every millisecond, and writes the call trees to ``bench/.work/profile-<shape>-llm_cassette.txt`` and
``bench/.work/profile-<shape>-floor.txt``. Compare the two: what the plugin adds is in its fixture's set-up
(reading the cassette) and in the patched ``handle_request`` (matching and answering). For counts that do not
move with the machine's load, see ``callgrind_split.py``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import envs
from measure import child_environment

WORK = Path(__file__).resolve().parent.parent / ".work"
SUITES = {"llm_cassette": ("-p", "no:cacheprovider"), "floor": ("-p", "no:cacheprovider", "-p", "no:llm_cassette")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="modules", help="the replay suite's shape (default modules)")
    args = parser.parse_args()
    for suite, options in SUITES.items():
        folder = WORK / "suites" / "replay" / args.shape / suite
        if not folder.is_dir():
            sys.exit(f"no recorded suite at {folder}: run `python bench/run.py` first")
        output = WORK / f"profile-{args.shape}-{suite}.txt"
        command = [envs.LLMCASSETTE.python, "-m", "pyinstrument", "-i", "0.001", "-r", "text", "-o", str(output)]
        subprocess.run([*command, "-m", "pytest", "-q", *options], cwd=folder, env=child_environment({}), check=True)
        print(f"[bench] {suite}: {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
