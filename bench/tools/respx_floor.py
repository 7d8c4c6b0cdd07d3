"""What the design alone costs: the replay suite answered through respx from a dict, with no cassette at all.

    python bench/tools/respx_floor.py [--shape single] [--rounds 9] [--no-callgrind] [--project PATH]

Run after ``python bench/run.py`` has recorded the suites. The *respx floor* is the floor's suite (the same tests,
the same canned answers) with the interception this product's design puts in the request path, and nothing else:
a function-scoped fixture per test patches ``httpx2.HTTPTransport.handle_request``, each request is translated to
an httpx request and resolved by a ``respx.Router`` whose one route answers from the dict, and the answer is
handed back as an httpx2 response, one chunk per server-sent event as the plugin serves it. It runs in the
plugin's environment with the plugin off (``-p no:llm_cassette``), so respx's own pytest plugin and the respx and
httpx imports are paid as a user pays them.

Three rows, each a whole ``pytest -q -p no:cacheprovider`` process: the openai-only floor, the respx floor and
pytest-llmcassette. Each is counted under callgrind (``PYTHONHASHSEED=0``) and timed in interleaved rounds (after
one warm-up round); ratios are against the openai-only floor. What lies between the respx floor and the plugin
is everything a cassette adds: reading and checking the file, options, matching, scrubbing, the ledger, the
report and the fixture chain users can override.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import envs
import measure
import suite
from instructions import counted

WORK = Path(__file__).resolve().parent.parent / ".work"
PYTEST = ("-m", "pytest", "-q", "-p", "no:cacheprovider")

# Appended to the floor's conftest, whose ``_TABLE`` maps (method, url, body) to (status, headers, chunks).
_RESPX_ROUTING = """

# --- the respx floor (bench/tools/respx_floor.py): each request resolved by a respx router, answered from _TABLE
import httpx
import pytest
import respx

_ROUTER = respx.Router(assert_all_called=False, assert_all_mocked=True)


class _Replay(httpx2.SyncByteStream, httpx.SyncByteStream):
    def __init__(self, chunks):
        self.chunks = chunks

    def __iter__(self):
        yield from self.chunks


def _answer(request):
    status, headers, chunks = _TABLE[request.method, str(request.url), request.content]
    return httpx.Response(status, headers=headers, stream=_Replay(chunks), request=request)


_ROUTER.route().mock(side_effect=_answer)


def _routed(transport, request):
    request.read()
    headers, body = request.headers.multi_items(), httpx.ByteStream(request.content)
    translated = httpx.Request(request.method, str(request.url), headers=headers, stream=body)
    translated.read()
    response = _ROUTER.handler(translated)
    return httpx2.Response(response.status_code, headers=response.headers.raw, stream=_Replay(response.stream.chunks))


@pytest.fixture(autouse=True)
def respx_replay():
    original = httpx2.HTTPTransport.handle_request
    httpx2.HTTPTransport.handle_request = _routed
    try:
        yield
    finally:
        httpx2.HTTPTransport.handle_request = original
        _ROUTER.reset()
"""


def respx_suite(work: Path, shape: str) -> Path:
    """The floor's recorded suite, copied with the respx routing added; answered one chunk per event."""
    floor = work / "suites" / "replay" / shape / suite.FLOOR
    if not (floor / "canned.json").is_file():
        sys.exit(f"no recorded floor suite at {floor}: run `python bench/run.py` first")
    folder = floor.parent / "respx-floor"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(floor, folder, ignore=shutil.ignore_patterns("__pycache__"))
    with (folder / "conftest.py").open("a", encoding="utf-8") as conftest:
        conftest.write(_RESPX_ROUTING)
    return folder


def jobs(work: Path, shape: str, tests: int, project: Path | None) -> list[measure.Job]:
    suites = work / "suites" / "replay" / shape
    plugin_env = {"PYTHONPATH": str(project.resolve())} if project else {}
    return [
        measure.Job("openai-only floor", (envs.OPENAI_ONLY.python, *PYTEST), suites / suite.FLOOR, {}, tests),
        measure.Job(
            "respx floor",
            (envs.LLMCASSETTE.python, *PYTEST, "-p", "no:llm_cassette"),
            respx_suite(work, shape),
            {"BENCH_FLOOR_CHUNKS": suite.EVENT},
            tests,
        ),
        measure.Job(
            "pytest-llmcassette", (envs.LLMCASSETTE.python, *PYTEST), suites / suite.LLM_CASSETTE, plugin_env, tests
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="single", help="the replay suite's shape (default single)")
    parser.add_argument("--tests", type=int, default=200, help="tests in the recorded suite (default 200)")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved timed rounds (default 9; 0: none)")
    parser.add_argument("--no-callgrind", action="store_true", help="time only")
    parser.add_argument("--project", type=Path, help="a checkout put first on PYTHONPATH for the plugin's row")
    args = parser.parse_args()
    rows = jobs(WORK, args.shape, args.tests, args.project)
    for job in rows:
        measure.checked(job)  # each suite passes, and its bytecode caches are written, before anything counts
    floor = rows[0].name
    if not args.no_callgrind:
        out = WORK / "callgrind"
        with ThreadPoolExecutor(2) as pool:
            found = pool.map(lambda job: counted(job, out / f"{args.shape}-{job.name.replace(' ', '-')}"), rows)
            counts = dict(zip([job.name for job in rows], found, strict=True))
        for name, count in counts.items():
            over = (count - counts[floor]) / args.tests / 1e6
            print(f"{name}: {count / 1e9:.3f} G instructions, {count / counts[floor]:.3f}x, +{over:.2f} M a test")
    if args.rounds:
        measure.interleaved(rows, 1, "respx floor warm-up")
        samples = measure.interleaved(rows, args.rounds, "respx floor")
        for name, own in samples.items():
            wall = measure.paired_ratio(own, samples[floor])
            cpu = measure.paired_ratio(own, samples[floor], cpu=True)
            print(f"{name}: median wall {measure.median_wall(own):.3f} s, wall {wall:.3f}x, CPU {cpu:.3f}x")


if __name__ == "__main__":
    main()
