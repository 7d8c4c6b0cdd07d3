"""Bridge choice: the per-request cost of two ways to route httpx2 requests through respx, plain and streamed.

1. ``pytest-httpx2``'s ``HTTPCore2Mocker`` (``respx.mock(using="httpcore2")``): httpcore2's connection pool is
   patched; a side effect returns a canned httpx response, which respx turns into an httpcore response.
2. This project's bridge: ``httpx2.HTTPTransport.handle_request`` patched to translate the request to httpx and
   call a ``respx.Router``, whose side effect answers from the cassette (here a stand-in that always returns the
   same canned recording, so both ways pay the same for their side effect).

Two reference rows frame them: the bridge with a real ``Cassette`` (matching included), and
``httpx2.MockTransport`` with no respx at all. Run inside an environment with this project, httpx2 and
pytest-httpx2; prints JSON: microseconds per request, the median over interleaved repeats.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, cast

import httpx
import httpx2
import pytest_httpx2._plugin  # registers respx's "httpcore2" mocker
import respx

from pytest_llmcassette._bridge import Bridge
from pytest_llmcassette._cassette import Cassette, CassetteOptions
from pytest_llmcassette._matching import MatchRules, request_key
from pytest_llmcassette._model import Interaction, RecordedRequest, RecordedResponse, Tape

assert pytest_httpx2._plugin.HTTPCore2Mocker.name == "httpcore2"

URL = "http://127.0.0.1:9/v1/chat/completions"  # never contacted: every approach answers before the network
REQUEST_BODY = json.dumps({"model": "bench-model", "messages": [{"role": "user", "content": "how fast is this?"}]})
PLAIN_HEADERS = (("content-type", "application/json"),)
STREAM_HEADERS = (("content-type", "text/event-stream"),)
PLAIN_BODY = json.dumps({"id": "chatcmpl-1", "choices": [{"message": {"content": "echo: how fast is this?"}}]}).encode()
ANSWER = "echo: how fast is this answer when it is streamed one word at a time"
EVENTS = (
    *(
        f'data: {{"id":"chatcmpl-1","choices":[{{"delta":{{"content":"{word}"}}}}]}}\n\n'.encode()
        for word in ANSWER.split()
    ),
    b"data: [DONE]\n\n",
)

Approach = Callable[[bool], AbstractContextManager[None]]


class _HttpxChunks(httpx.SyncByteStream):
    def __init__(self, chunks: tuple[bytes, ...]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._chunks)


class _Httpx2Chunks(httpx2.SyncByteStream):
    def __init__(self, chunks: tuple[bytes, ...]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._chunks)


def _recorded(streamed: bool) -> RecordedResponse:
    return (
        RecordedResponse(200, STREAM_HEADERS, EVENTS)
        if streamed
        else RecordedResponse(200, PLAIN_HEADERS, (PLAIN_BODY,))
    )


@contextmanager
def httpcore2_mocker(streamed: bool) -> Iterator[None]:
    def answer(request: httpx.Request) -> httpx.Response:
        if streamed:
            return httpx.Response(200, headers=STREAM_HEADERS, stream=_HttpxChunks(EVENTS))
        return httpx.Response(200, headers=PLAIN_HEADERS, content=PLAIN_BODY)

    with respx.mock(using="httpcore2", assert_all_called=False) as router:
        router.post(URL).mock(side_effect=answer)
        yield


class _CannedCassette:
    """Stands in for a cassette: every request gets the same recording, with no matching."""

    def __init__(self, streamed: bool) -> None:
        self._response = _recorded(streamed)

    def play(self, method: str, url: str, body: bytes) -> RecordedResponse:
        return self._response


@contextmanager
def transport_bridge(streamed: bool) -> Iterator[None]:
    with Bridge().serving(cast(Cassette, _CannedCassette(streamed))):
        yield


def cassette_bridge(requests: int) -> Approach:
    """The bridge over a real cassette holding ``requests`` identical interactions (each replays once)."""

    @contextmanager
    def approach(streamed: bool) -> Iterator[None]:
        request = RecordedRequest("POST", URL, PLAIN_HEADERS, REQUEST_BODY.encode())
        tape = Tape(Path("bench.yaml"), "native", (Interaction(request, _recorded(streamed)),) * requests)
        keys = [request_key("POST", URL, request.body, MatchRules())] * requests
        with Bridge().serving(Cassette(tape.path, CassetteOptions(), tape, keys)):
            yield

    return approach


def _mock_transport_handler(streamed: bool) -> Callable[[Any], Any]:
    recorded = _recorded(streamed)

    def handler(request: Any) -> Any:
        request.read()
        return httpx2.Response(200, headers=recorded.headers, stream=_Httpx2Chunks(recorded.chunks))

    return handler


def _send_all(client: httpx2.Client, requests: int, streamed: bool) -> float:
    """Seconds for ``requests`` requests, each body read to its end and checked."""
    expected = b"".join(EVENTS) if streamed else PLAIN_BODY
    headers = {"content-type": "application/json"}
    start = time.perf_counter()
    for _ in range(requests):
        if streamed:
            with client.stream("POST", URL, content=REQUEST_BODY, headers=headers) as response:
                body = b"".join(response.iter_bytes())
        else:
            body = client.post(URL, content=REQUEST_BODY, headers=headers).content
        if body != expected:
            raise AssertionError(f"unexpected body {body[:80]!r}")
    return time.perf_counter() - start


def measure(requests: int, repeats: int) -> dict[str, dict[str, float]]:
    approaches: dict[str, Approach | None] = {
        "respx + pytest-httpx2 HTTPCore2Mocker": httpcore2_mocker,
        "transport patch -> respx.Router (this project)": transport_bridge,
        "transport patch -> respx.Router + Cassette matching": cassette_bridge(requests),
        "httpx2.MockTransport, no respx (reference)": None,
    }
    results: dict[str, dict[str, list[float]]] = {name: {"plain": [], "streamed": []} for name in approaches}
    for repeat in range(repeats + 1):  # the first round warms up and is dropped
        for streamed in (False, True):
            for name, approach in approaches.items():
                if approach is None:
                    transport = httpx2.MockTransport(_mock_transport_handler(streamed))
                    with httpx2.Client(transport=transport) as client:
                        seconds = _send_all(client, requests, streamed)
                else:
                    with approach(streamed), httpx2.Client() as client:
                        seconds = _send_all(client, requests, streamed)
                if repeat:
                    results[name]["streamed" if streamed else "plain"].append(seconds / requests * 1e6)
    return {
        name: {kind: statistics.median(values) for kind, values in kinds.items()} for name, kinds in results.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    results = measure(args.requests, args.repeats)
    print(
        json.dumps({"requests": args.requests, "repeats": args.repeats, "events": len(EVENTS), "microseconds": results})
    )


if __name__ == "__main__":
    main()
