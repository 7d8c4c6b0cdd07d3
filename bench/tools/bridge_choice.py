"""Bridge choice: what a request costs when httpx2 traffic is routed through respx one way or the other, plain and
streamed, measured through public interfaces only (a generated pytest suite, run in a child pytest process).

1. ``pytest-httpx2``'s ``httpx2_mock`` fixture (``respx.mock(using="httpcore2")``: httpcore2's connection pool
   patched); a side effect returns a canned httpx response, which respx turns into an httpcore response.
2. pytest-llmcassette (``@pytest.mark.llm_cassette``): ``httpx2.HTTPTransport.handle_request`` patched to hand
   the request to a ``respx.Router`` whose side effect answers from the cassette, matching included (the
   cassette holds one interaction per request, all alike, replayed in order).
3. ``httpx2.MockTransport`` with no respx at all: the reference.

Run inside an environment with this project, httpx2 and pytest-httpx2 (``bench/tools/bridge.py`` builds one);
prints JSON: microseconds per request, the median over interleaved repeats after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

URL = "http://127.0.0.1:9/v1/chat/completions"  # never contacted: every approach answers before the network
QUESTION = "how fast is this?"
REQUEST = {"model": "bench-model", "messages": [{"role": "user", "content": QUESTION}]}
ANSWER = "echo: how fast is this answer when it is streamed one word at a time"
PLAIN = {"id": "chatcmpl-1", "choices": [{"message": {"content": "echo: how fast is this?"}}]}
EVENTS = [{"id": "chatcmpl-1", "choices": [{"delta": {"content": word}}]} for word in ANSWER.split()]
APPROACHES = {
    "httpcore2": "respx + pytest-httpx2 (httpx2_mock fixture, httpcore2 mocker)",
    "llm_cassette": "pytest-llmcassette (transport patch -> respx.Router, cassette matching)",
    "mock_transport": "httpx2.MockTransport, no respx (reference)",
}


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


_TESTS_HEAD = '''import json
import os
import time

import httpx
import httpx2
import pytest

URL = URL_VALUE
REQUEST_BODY = REQUEST_VALUE.encode()
PLAIN_BODY = PLAIN_VALUE.encode()
EVENTS = tuple(f"data: {event}\\n\\n".encode() for event in EVENTS_VALUE) + (b"data: [DONE]\\n\\n",)
REQUESTS = int(os.environ["BENCH_REQUESTS"])
HEADERS = {"content-type": "application/json"}
RESULTS = {}


class HttpxChunks(httpx.SyncByteStream):
    def __init__(self, chunks):
        self._chunks = chunks

    def __iter__(self):
        return iter(self._chunks)


class Httpx2Chunks(httpx2.SyncByteStream):
    __init__, __iter__ = HttpxChunks.__init__, HttpxChunks.__iter__


def send_all(client, streamed):
    """Microseconds a request, each body read to its end and checked."""
    expected = b"".join(EVENTS) if streamed else PLAIN_BODY
    start = time.perf_counter()
    for _ in range(REQUESTS):
        if streamed:
            with client.stream("POST", URL, content=REQUEST_BODY, headers=HEADERS) as response:
                body = b"".join(response.iter_bytes())
        else:
            body = client.post(URL, content=REQUEST_BODY, headers=HEADERS).content
        assert body == expected, body[:80]
    return (time.perf_counter() - start) / REQUESTS * 1e6


def httpcore2(router, streamed):
    def answer(request):
        if streamed:
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=HttpxChunks(EVENTS))
        return httpx.Response(200, headers={"content-type": "application/json"}, content=PLAIN_BODY)

    router.post(URL).mock(side_effect=answer)
    with httpx2.Client() as client:
        return send_all(client, streamed)


def llm_cassette(streamed):
    with httpx2.Client() as client:
        return send_all(client, streamed)


def mock_transport(streamed):
    def handler(request):
        request.read()
        if streamed:
            return httpx2.Response(200, headers={"content-type": "text/event-stream"}, stream=Httpx2Chunks(EVENTS))
        return httpx2.Response(200, headers={"content-type": "application/json"}, stream=Httpx2Chunks((PLAIN_BODY,)))

    with httpx2.Client(transport=httpx2.MockTransport(handler)) as client:
        return send_all(client, streamed)
'''

_CONFTEST = """import json
import os

import test_bridges


def pytest_sessionfinish(session):
    with open(os.environ["BENCH_OUT"], "w") as out:
        json.dump(test_bridges.RESULTS, out)
"""

_TEST = {
    "httpcore2": "\n\ndef test_{name}(httpx2_mock):\n    RESULTS[{name!r}] = httpcore2(httpx2_mock, {streamed})\n",
    "llm_cassette": (
        '\n\n@pytest.mark.llm_cassette("{kind}.yaml")\ndef test_{name}():\n'
        "    RESULTS[{name!r}] = llm_cassette({streamed})\n"
    ),
    "mock_transport": "\n\ndef test_{name}():\n    RESULTS[{name!r}] = mock_transport({streamed})\n",
}


def _cassette(requests: int, streamed: bool) -> str:
    """A cassette in the documented format (docs/cassette-format.md): ``requests`` interactions, all alike."""
    request = [
        "- request:",
        "    method: POST",
        f"    url: {URL}",
        "    headers:",
        "      content-type: application/json",
        "    json:",
        "      model: bench-model",
        "      messages:",
        "      - role: user",
        f"        content: {QUESTION}",
        "  response:",
        "    status: 200",
        "    headers:",
    ]
    if streamed:
        response = ["      content-type: text/event-stream", "    events:"]
        response += [f"    - json: {_compact(event)}" for event in EVENTS] + ["    - data: '[DONE]'"]
    else:
        response = ["      content-type: application/json", f"    json: {_compact(PLAIN)}"]
    interaction = "\n".join([*request, *response]) + "\n"
    return "llm_cassette: 1\ninteractions:\n" + interaction * requests


def _suite(folder: Path, requests: int, repeats: int) -> list[str]:
    """Write the suite; its test names, in the order they run (interleaved: repeat, kind, approach)."""
    head = (
        _TESTS_HEAD.replace("URL_VALUE", repr(URL))
        .replace("REQUEST_VALUE", repr(_compact(REQUEST)))
        .replace("PLAIN_VALUE", repr(_compact(PLAIN)))
        .replace("EVENTS_VALUE", repr([_compact(event) for event in EVENTS]))
    )
    names, tests = [], []
    for repeat in range(repeats + 1):  # the first round warms up and is dropped
        for kind in ("plain", "streamed"):
            for approach, template in _TEST.items():
                name = f"r{repeat}_{kind}_{approach}"
                names.append(name)
                tests.append(template.format(name=name, kind=kind, streamed=kind == "streamed"))
    (folder / "pytest.ini").write_text("[pytest]\n")
    (folder / "conftest.py").write_text(_CONFTEST)
    (folder / "test_bridges.py").write_text(head + "".join(tests))
    cassettes = folder / "cassettes" / "test_bridges"
    cassettes.mkdir(parents=True)
    for kind in ("plain", "streamed"):
        (cassettes / f"{kind}.yaml").write_text(_cassette(requests, kind == "streamed"))
    return names


def measure(requests: int, repeats: int) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="bridge-choice-") as directory:
        folder = Path(directory)
        names = _suite(folder, requests, repeats)
        out = folder / "out.json"
        environment = {**os.environ, "BENCH_REQUESTS": str(requests), "BENCH_OUT": str(out)}
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--record-mode=none"]
        done = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"the bridge suite failed:\n{done.stdout[-4000:]}{done.stderr[-2000:]}")
        found: dict[str, float] = json.loads(out.read_text())
    if sorted(found) != sorted(names):
        raise SystemExit(f"expected results of {len(names)} tests, got {len(found)}")
    return {
        label: {
            kind: statistics.median(found[f"r{repeat}_{kind}_{approach}"] for repeat in range(1, repeats + 1))
            for kind in ("plain", "streamed")
        }
        for approach, label in APPROACHES.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    results = measure(args.requests, args.repeats)
    events = len(EVENTS) + 1
    print(json.dumps({"requests": args.requests, "repeats": args.repeats, "events": events, "microseconds": results}))


if __name__ == "__main__":
    main()
