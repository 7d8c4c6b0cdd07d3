"""The generated pytest suites the benchmark times, one folder each, written afresh on every run.

Every suite talks to the stub server through the real openai SDK with one client per process. A suite's
``pytest.ini`` makes its folder pytest's root, so nothing of the project's own configuration applies.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

FLOOR = "floor"
LLM_CASSETTE = "llm_cassette"
VCRPY = "vcrpy"
CASSETTER = "cassetter"

EVENT, ONE = "event", "one"  # how the floor answers a streamed request: one chunk per event, or one chunk


@dataclass(frozen=True, slots=True)
class Shape:
    """How a replay suite is laid out, and how its floor answers."""

    name: str
    tests_per_module: int | None  # None: every test in one module
    floor_chunks: str  # EVENT or ONE
    description: str


MODULES = Shape(
    "modules", 20, EVENT, "tests in modules of 20; the floor answers a stream one chunk per event, as the plugin does"
)
SINGLE = Shape(
    "single", None, ONE, "one module of all the tests; the floor answers each request from its dict in one chunk"
)
SHAPES = {shape.name: shape for shape in (MODULES, SINGLE)}

GROWTH_WINDOW = 4  # user+assistant pairs of history each conversation request carries
FIRST_EVENT_DELAY_MS = 200

_MARKERS = {
    FLOOR: "",
    LLM_CASSETTE: "@pytest.mark.llm_cassette\n",
    VCRPY: "@pytest.mark.vcr\n",
    CASSETTER: "@pytest.mark.vcr\n",
}

_CHAT = '''"""The calls the generated tests make, through the real openai SDK."""

import time

import openai

CLIENT = openai.OpenAI(base_url=BASE_URL, api_key="sk-bench-not-a-secret", max_retries=0)
RESULT = {}  # what a timing test reports, written to $BENCH_OUT when the session ends


def ask(text):
    reply = CLIENT.chat.completions.create(model="bench-model", messages=[{"role": "user", "content": text}])
    return reply.choices[0].message.content


def ask_stream(text):
    stream = CLIENT.chat.completions.create(
        model="bench-model",
        messages=[{"role": "user", "content": text}],
        stream=True,
        stream_options={"include_usage": True},
    )
    parts, total_tokens = [], None
    for chunk in stream:
        if chunk.choices:
            parts.append(chunk.choices[0].delta.content or "")
        if chunk.usage is not None:
            total_tokens = chunk.usage.total_tokens
    return "".join(parts), total_tokens
'''

_FLOOR_CONFTEST = '''"""The floor: no cassette tool. httpx2's transport answers from a dict of canned responses.

With $BENCH_CAPTURE set (once, server running) it passes requests through and saves them as canned.json. A
streamed answer is served one chunk per server-sent event, or in one chunk (CHUNKS, or $BENCH_FLOOR_CHUNKS).
"""

import json
import os
import re
from pathlib import Path

import httpx2

CANNED = Path(__file__).with_name("canned.json")
CHUNKS = os.environ.get("BENCH_FLOOR_CHUNKS") or "@CHUNKS@"
_EVENT_END = re.compile(rb"(?<=\\n\\n)")
_send = httpx2.HTTPTransport.handle_request
_captured = []


class _Chunks(httpx2.SyncByteStream):
    def __init__(self, chunks):
        self._chunks = chunks

    def __iter__(self):
        return iter(self._chunks)


def _capture(transport, request):
    request.read()
    response = _send(transport, request)
    chunks = [chunk for chunk in _EVENT_END.split(response.read()) if chunk]
    # set-cookie is left out, as cassette tools leave it out: a cookie jar would make every later request slower
    headers = [[name.decode(), value.decode()] for name, value in response.headers.raw if name.lower() != b"set-cookie"]
    _captured.append([request.method, str(request.url), request.content.decode(), response.status_code, headers,
                      [chunk.decode() for chunk in chunks]])
    return httpx2.Response(response.status_code, headers=response.headers.raw, stream=_Chunks(chunks))


def _canned():
    table = {}
    for method, url, body, status, headers, chunks in json.loads(CANNED.read_text()):
        raw_headers = [(name.encode(), value.encode()) for name, value in headers]
        body_chunks = tuple(chunk.encode() for chunk in chunks)
        if CHUNKS != "event":
            body_chunks = (b"".join(body_chunks),)
        table[method, url, body.encode()] = (status, raw_headers, body_chunks)
    return table


if os.environ.get("BENCH_CAPTURE"):
    httpx2.HTTPTransport.handle_request = _capture
else:
    _TABLE = _canned()

    def _lookup(transport, request):
        request.read()
        status, headers, chunks = _TABLE[request.method, str(request.url), request.content]
        return httpx2.Response(status, headers=headers, stream=_Chunks(chunks))

    httpx2.HTTPTransport.handle_request = _lookup


def pytest_sessionfinish(session):
    if os.environ.get("BENCH_CAPTURE"):
        CANNED.write_text(json.dumps(_captured))
'''

_VCRPY_CONFTEST = """import pytest


@pytest.fixture(scope="module")
def vcr_config():
    return {
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
        "filter_headers": ["authorization"],
    }
"""

_CASSETTER_CONFTEST = """import pytest


@pytest.fixture(scope="module")
def vcr_config():
    return {"match_on": ["method", "uri", "json_body"]}
"""

_CONFTESTS = {FLOOR: _FLOOR_CONFTEST, LLM_CASSETTE: "", VCRPY: _VCRPY_CONFTEST, CASSETTER: _CASSETTER_CONFTEST}

_HARNESS = '''"""Timing harness: how long each test's setup took (a cassette loads there); RESULT goes to $BENCH_OUT."""

import json
import os
import time
from pathlib import Path

import pytest

from chat import RESULT


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        RESULT.setdefault("setup_s", {})[item.name] = time.perf_counter() - start


def pytest_sessionfinish(session):
    if os.environ.get("BENCH_OUT"):  # one JSON line per session
        with Path(os.environ["BENCH_OUT"]).open("a") as out:
            out.write(json.dumps(RESULT) + "\\n")
'''

_USE_HARNESS = 'pytest_plugins = ["harness"]\n'


def _answer(text: str) -> str:
    return " ".join(["echo:", *text.split()])


def _tokens(text: str) -> int:
    return 5 + len(_answer(text).split())  # the stub counts 5 prompt tokens and one per answer word


def plain_question(number: int) -> str:
    return f"question {number}: what does the benchmark suite check here?"


def streamed_question(number: int) -> str:
    return (
        f"question {number} streamed: please answer one word at a time so that the replay has to yield "
        "many small server-sent events to the SDK"
    )


def _fresh(folder: Path, ini_extra: str = "") -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "pytest.ini").write_text("[pytest]\n" + ini_extra)


def _chat_module(folder: Path, base_url: str, extra: str = "") -> None:
    (folder / "chat.py").write_text(_CHAT.replace("BASE_URL", repr(base_url)) + extra)


def _with_harness(folder: Path, conftest: str) -> None:
    (folder / "harness.py").write_text(_HARNESS)
    (folder / "conftest.py").write_text(conftest + ("\n" if conftest else "") + _USE_HARNESS)


def replay_suite(folder: Path, tool: str, base_url: str, tests: int, shape: Shape) -> None:
    """``tests`` tests laid out as ``shape`` says, each asking one plain and one streamed question and checking
    both."""
    _fresh(folder)
    _chat_module(folder, base_url)
    if _CONFTESTS[tool]:
        (folder / "conftest.py").write_text(_CONFTESTS[tool].replace("@CHUNKS@", shape.floor_chunks))
    marker = _MARKERS[tool]
    per_module = shape.tests_per_module or tests
    for start in range(0, tests, per_module):
        lines = ["import pytest\n\nfrom chat import ask, ask_stream\n"]
        for number in range(start, min(start + per_module, tests)):
            plain, streamed = plain_question(number), streamed_question(number)
            lines.append(
                f"\n{marker}def test_case_{number:04d}():\n"
                f"    assert ask({plain!r}) == {_answer(plain)!r}\n"
                f"    assert ask_stream({streamed!r}) == ({_answer(streamed)!r}, {_tokens(streamed)})\n"
            )
        (folder / f"test_suite_{start // per_module:02d}.py").write_text("\n".join(lines))


def startup_suite(folder: Path, tests: int) -> None:
    """``tests`` trivial tests that never use a cassette, in modules of 50."""
    _fresh(folder)
    for start in range(0, tests, 50):
        body = "".join(f"\n\ndef test_trivial_{n:04d}():\n    assert {n} == {n}\n" for n in range(start, start + 50))
        (folder / f"test_trivial_{start // 50:02d}.py").write_text(body.lstrip())


_CONVERSATION = '''

SYSTEM = {"role": "system", "content": "You are a coding agent. Work through the task one tool call at a time."}


def _step(number):
    return f"step {number}: the tests in module_{number % 37}.py failed again, read the log and propose a fix"


def converse(name, requests, window):
    """A long agent conversation: each request carries the last ``window`` user+assistant pairs and a new turn."""
    history = []
    for number in range(-window, 0):  # the conversation is already under way: every request has the same shape
        history += [{"role": "user", "content": _step(number)}, {"role": "assistant", "content": "noted"}]
    seconds = []
    for number in range(requests):
        text = _step(number)
        messages = [SYSTEM, *history[-2 * window:], {"role": "user", "content": text}]
        start = time.perf_counter()
        reply = CLIENT.chat.completions.create(model="agent-model", messages=messages)
        seconds.append(time.perf_counter() - start)
        answer = reply.choices[0].message.content
        assert answer == "echo: " + " ".join(text.split())
        history += [{"role": "user", "content": text}, {"role": "assistant", "content": answer}]
    RESULT.setdefault("request_s", {})[name] = seconds
'''


def growth_suite(folder: Path, tool: str, base_url: str, order: tuple[tuple[str, int], ...]) -> None:
    """Tests named by ``order`` (name, requests), in that order, each replaying a conversation of that many requests;
    conversations of the same length share one cassette, ``conversation-<requests>.yaml``."""
    _fresh(folder)
    _chat_module(folder, base_url, _CONVERSATION)
    _with_harness(folder, _FLOOR_CONFTEST.replace("@CHUNKS@", EVENT) if tool == FLOOR else "")
    marker = '@pytest.mark.llm_cassette("conversation-{size}.yaml")\n' if tool == LLM_CASSETTE else ""
    tests = [
        f"\n\n{marker.format(size=size)}def test_{name}():\n    converse({name!r}, {size}, {GROWTH_WINDOW})\n"
        for name, size in order
    ]
    (folder / "test_growth.py").write_text("import pytest\n\nfrom chat import converse\n" + "".join(tests))


_FIRST_EVENT = '''

def stream_times(text):
    """When the request started, and when the SDK handed out each chunk (perf_counter: CLOCK_MONOTONIC)."""
    start = time.perf_counter()
    stream = CLIENT.chat.completions.create(
        model="bench-model",
        messages=[{"role": "user", "content": text}],
        stream=True,
        stream_options={"include_usage": True},
        extra_headers={"x-stub-delay-ms": "DELAY"},
    )
    seen = [time.perf_counter() for _ in stream]
    RESULT.setdefault("requests", []).append({"start": start, "seen": seen})
'''


def first_event_suite(folder: Path, base_url: str, requests: int) -> None:
    """One test streaming ``requests`` slow answers (a delay before each event) and noting when each chunk came."""
    _fresh(folder, "markers =\n    llm_cassette: the plugin's marker, also when the plugin is disabled\n")
    _chat_module(folder, base_url, _FIRST_EVENT.replace("DELAY", str(FIRST_EVENT_DELAY_MS)))
    _with_harness(folder, "")
    calls = "".join(f"    stream_times('first event {n}')\n" for n in range(requests))
    (folder / "test_first_event.py").write_text(
        "import pytest\n\nfrom chat import stream_times\n\n\n@pytest.mark.llm_cassette\n"
        f"def test_first_event():\n{calls}"
    )
