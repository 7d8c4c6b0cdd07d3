"""Verify mode: each replayed request is also sent to the live API (here the loopback stub, switched to a changed
shape) and the answers are compared by shape; nothing is written."""

from __future__ import annotations

import json

import pytest

from pytest_llmcassette._drift import BENIGN, BREAKING, IDENTICAL, compare, shape
from pytest_llmcassette._model import RecordedResponse
from stub_server import StubServer

VERIFIED = """
import pytest
from chat import ask, ask_stream

@pytest.mark.llm_cassette
def test_plain(request):
    drift, status = request.config.getoption("--drift"), request.config.getoption("--status")
    headers = {"x-stub-drift": drift} if drift else {}
    headers |= {"x-stub-status": status} if status else {}
    assert ask("hi", extra_headers=headers) == "echo: hi"

@pytest.mark.llm_cassette
def test_streamed():
    assert ask_stream("hi") == "echo: hi"
"""

CONFTEST = """
def pytest_addoption(parser):
    parser.addoption("--drift", default="")
    parser.addoption("--status", default="")
"""


@pytest.fixture
def recorded(suite: pytest.Pytester, stub: StubServer) -> pytest.Pytester:
    suite.makepyfile(test_verified=VERIFIED)
    suite.makeconftest(CONFTEST)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=2)
    return suite


def _files(pytester: pytest.Pytester) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in (pytester.path / "cassettes").rglob("*.yaml")}


@pytest.mark.parametrize(
    ("drift", "kind", "detail"),
    [
        ("", IDENTICAL, None),
        ("new-field", BENIGN, "    system_fingerprint: new (str)"),
        ("renamed", BREAKING, "    usage.completion_tokens: missing now (was int)"),
    ],
)
def test_verify_reports_how_the_live_api_drifted(
    recorded: pytest.Pytester, stub: StubServer, drift: str, kind: str, detail: str | None
) -> None:
    before, sent = _files(recorded), len(stub.received)
    result = recorded.runpytest("--llm-cassette-verify", f"--drift={drift}", "--llm-cassette-report=report.json")
    result.assert_outcomes(passed=2)
    assert len(stub.received) == sent + 2  # each recorded request was sent live too
    assert _files(recorded) == before  # and nothing was written
    report = json.loads((recorded.path / "report.json").read_text())
    drifts = {use["test"]: use["drift"] for use in report["cassettes"]}
    assert drifts == {"test_verified.py::test_plain": kind, "test_verified.py::test_streamed": IDENTICAL}
    if detail is not None:
        result.stdout.fnmatch_lines([f"  cassettes/test_verified/test_plain.yaml: {kind} drift (*)", detail])


def test_an_unreachable_api_is_unverified_not_identical(recorded: pytest.Pytester, stub: StubServer) -> None:
    stub.stop()
    result = recorded.runpytest("--llm-cassette-verify")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["verified against the live API: 2 unverified", "*the live API could not be reached*"])


@pytest.mark.parametrize("status", ["401", "429", "503"])
def test_a_refused_or_failed_live_request_is_unverified_not_drift(recorded: pytest.Pytester, status: str) -> None:
    result = recorded.runpytest("--llm-cassette-verify", f"--status={status}")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["verified against the live API: 1 identical, 1 unverified", f"*the live API answered {status} (recorded 200)*"]
    )
    result.stdout.no_fnmatch_line("*breaking*")


def _answer(document: object, status: int = 200) -> RecordedResponse:
    return RecordedResponse(status, (("content-type", "application/json"),), (json.dumps(document).encode(),))


def _events(*events: tuple[str, object]) -> RecordedResponse:
    chunks = tuple(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events)
    return RecordedResponse(200, (("content-type", "text/event-stream"),), chunks)


def test_shapes_compare_types_events_and_what_steers_a_client() -> None:
    recorded = _answer({"choices": [{"finish_reason": "stop", "message": {"content": "a"}}], "n": 1})
    assert (
        compare(
            shape(recorded),
            shape(_answer({"choices": [{"finish_reason": "stop", "message": {"content": "b"}}], "n": 2})),
        ).kind
        == IDENTICAL
    )
    assert compare(
        shape(recorded), shape(_answer({"choices": [{"finish_reason": "length", "message": {"content": "a"}}], "n": 1}))
    ).details == (
        "choices[].finish_reason=stop no longer",
        "choices[].finish_reason=length now",
    )
    assert compare(shape(recorded), shape(_answer({"choices": [], "n": "1"}))).kind == BREAKING
    assert "status 200 → 500" in compare(shape(recorded), shape(_answer({}, status=500))).details
    stream = _events(("message_start", {"type": "message_start"}), ("message_stop", {"type": "message_stop"}))
    renamed = _events(("message_start", {"type": "message_start"}), ("done", {"type": "done"}))
    assert compare(shape(stream), shape(renamed)).details[0] == "events message_start message_stop → message_start done"
