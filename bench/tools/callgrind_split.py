"""Where a replay suite's instructions go: callgrind counts only while one part of the run executes.

    python bench/tools/callgrind_split.py --kind llm_cassette --part setup --part call --part teardown
    python bench/tools/callgrind_split.py --part 'pytest_llmcassette._session:CassetteSession.open'
    python bench/tools/callgrind_split.py --kind floor --part 'call:httpx2:HTTPTransport.handle_request'

Run after ``python bench/run.py`` has recorded the suites. Each ``--part`` is one whole ``pytest`` process of the
replay suite under ``valgrind --tool=callgrind --collect-atstart=no``, with a small pytest plugin that switches
collection on and off (callgrind's client request, through a few lines of C compiled here with the system's
``cc`` and ``valgrind/callgrind.h``):

- ``setup``, ``call``, ``teardown``: pytest's phase of every test (the fixture's set-up, which reads the
  cassette, is ``setup``; the test body with its requests is ``call``);
- ``module:qualname``: a plain function or method, inclusively, wherever a module or class holds it (wrapped
  when collection finishes, which imports its module early);
- ``call:module:qualname``: the same, wrapped at the start of each test's call phase and unwrapped at its end,
  for what a fixture installs per test (``call:httpx2:HTTPTransport.handle_request`` is the plugin's bridge, or
  the floor's dict lookup);
- ``all``: the whole process (as ``bench/run.py --phases instructions``).

Names are data here, not imports: when the package's private names change, pass the new ones. Prints one line
per part (instructions, and per test); the callgrind files stay in ``bench/.work/split/`` for
``callgrind_annotate`` (C-level functions: the JSON scanner, regular expressions, the interpreter's dict and
string work). Each toggle costs about a thousand instructions, counted half inside.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import envs
from measure import child_environment

WORK = Path(__file__).resolve().parent.parent / ".work"
OUT = WORK / "split"
COLLECTED = re.compile(r"Collected : (\d+)")
KINDS = {"llm_cassette": (), "floor": ("-p", "no:llm_cassette")}

_CLIENT = """#include <valgrind/callgrind.h>
void bench_toggle(void) { CALLGRIND_TOGGLE_COLLECT; }
"""

_PLUGIN = '''"""Switches callgrind's collection on while the part named by $BENCH_SPLIT runs (callgrind_split.py)."""

import ctypes
import functools
import importlib
import os
import sys

import pytest

_toggle = ctypes.CDLL(os.environ["BENCH_CALLGRIND_CLIENT"]).bench_toggle
PART = os.environ["BENCH_SPLIT"]
_depth = 0


def _on():
    global _depth
    _depth += 1
    if _depth == 1:
        _toggle()


def _off():
    global _depth
    _depth -= 1
    if _depth == 0:
        _toggle()


def _wrapped(original):
    @functools.wraps(original)
    def counted(*args, **kwargs):
        _on()
        try:
            return original(*args, **kwargs)
        finally:
            _off()

    return counted


def _resolve(spec):
    module_name, qualname = spec.split(":")
    owner = importlib.import_module(module_name)
    *path, name = qualname.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, name


def _wrap_everywhere(spec):
    """Wrap the function wherever a loaded module or the owning class holds it; undo with the result."""
    owner, name = _resolve(spec)
    original = getattr(owner, name)
    counted = _wrapped(original)
    holders = [(owner, name)]
    for module in list(sys.modules.values()):
        for key, value in list(getattr(module, "__dict__", {}).items()):
            if value is original and (module, key) != (owner, name):
                holders.append((module, key))
    for holder, key in holders:
        setattr(holder, key, counted)
    return [(holder, key, original) for holder, key in holders]


if PART in ("setup", "call", "teardown"):

    def _phase(item):
        _on()
        try:
            return (yield)
        finally:
            _off()

    globals()[f"pytest_runtest_{PART}"] = pytest.hookimpl(wrapper=True, tryfirst=True)(_phase)
elif PART.startswith("call:"):

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_call(item):
        undo = _wrap_everywhere(PART[len("call:"):])
        try:
            return (yield)
        finally:
            for holder, key, original in undo:
                setattr(holder, key, original)

elif PART != "all":

    def pytest_collection_finish(session):
        _wrap_everywhere(PART)
'''


def _client() -> Path:
    library = OUT / "callgrind_client.so"
    if not library.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        source = OUT / "callgrind_client.c"
        source.write_text(_CLIENT)
        subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    (OUT / "bench_split.py").write_text(_PLUGIN)
    return library


def _count(python: str, folder: Path, kind: str, part: str, client: Path, first: str) -> tuple[str, int, int]:
    name = (
        f"{folder.parent.name}-{kind}-{re.sub(r'[^A-Za-z0-9_.]+', '-', part)}{'-' + Path(first).name if first else ''}"
    )
    out, log = OUT / f"{name}.out", OUT / f"{name}.log"
    valgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", f"--log-file={log}"]
    if part != "all":
        valgrind.append("--collect-atstart=no")
    pytest = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "bench_split", *KINDS[kind]]
    extra = {
        "PYTHONHASHSEED": "0",
        "PYTHONPATH": os.pathsep.join(filter(None, (first, str(OUT)))),
        "BENCH_SPLIT": part,
        "BENCH_CALLGRIND_CLIENT": str(client),
    }
    done = subprocess.run(
        [*valgrind, *pytest], cwd=folder, env=child_environment(extra), capture_output=True, text=True
    )
    passed = re.search(r"(\d+) passed", done.stdout)
    if done.returncode != 0 or passed is None:
        raise SystemExit(f"{part}: pytest failed\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
    found = COLLECTED.search(log.read_text())
    if found is None:
        raise SystemExit(f"{part}: no count in {log}")
    return str(out), int(found[1]), int(passed[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", action="append", required=True, help="what to count (repeatable); see above")
    parser.add_argument("--kind", choices=tuple(KINDS), default="llm_cassette", help="the suite (default the plugin's)")
    parser.add_argument("--shape", default="single", help="the replay suite's shape (default single)")
    parser.add_argument("--env", default="llmcassette", help="the environment: llmcassette or openai-only (floor)")
    parser.add_argument("--jobs", type=int, default=2, help="callgrind processes at once (default 2)")
    parser.add_argument("--work", type=Path, default=WORK, help="bench/.work, or bench/.work/smoke after --smoke")
    parser.add_argument(
        "--project",
        type=Path,
        help="a checkout put first on PYTHONPATH, to count other code than the environment's (adds about 0.013 G)",
    )
    args = parser.parse_args()
    folder = args.work / "suites" / "replay" / args.shape / args.kind
    if not folder.is_dir():
        sys.exit(f"no recorded suite at {folder}: run `python bench/run.py` first")
    python = envs.OPENAI_ONLY.python if args.env == "openai-only" else envs.LLMCASSETTE.python
    client = _client()
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        first = str(args.project.resolve()) if args.project else ""
        results = list(pool.map(lambda part: _count(python, folder, args.kind, part, client, first), args.part))
    for part, (out, instructions, tests) in zip(args.part, results, strict=True):
        per_test = f"{instructions / tests:,.0f} a test"
        print(f"{args.kind} {args.shape} {part}: {instructions:,} instructions, {per_test} ({out})")


if __name__ == "__main__":
    main()
