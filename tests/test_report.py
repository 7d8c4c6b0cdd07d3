"""The run report: a terminal section whenever a marked test ran (serial, under pytest-xdist, after a failed
recording), the same as JSON, and the cassettes no test used."""

from __future__ import annotations

import json

import pytest

from stub_server import StubServer

TESTS = """
import pytest
from chat import ask

@pytest.mark.llm_cassette
@pytest.mark.parametrize("word", ["one", "two", "three"])
def test_chat(word, request):
    assert ask(word) == f"echo: {word}"
    assert not request.config.getoption("--fail-recording", default=False) or word != "two"
"""

CONFTEST = """
def pytest_addoption(parser):
    parser.addoption("--fail-recording", action="store_true")
"""


@pytest.fixture
def recorded(suite: pytest.Pytester, stub: StubServer) -> pytest.Pytester:
    suite.makepyfile(test_chats=TESTS)
    suite.makeconftest(CONFTEST)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=3)
    stub.stop()
    return suite


def test_the_terminal_section_after_a_replay(recorded: pytest.Pytester) -> None:
    result = recorded.runpytest()
    result.stdout.fnmatch_lines(["*- llm_cassette -*", "3 cassettes replayed (3 interactions played)"])
    verbose = recorded.runpytest("-v")
    verbose.stdout.fnmatch_lines(
        [
            "  cassettes/test_chats/test_chat?one?.yaml: replayed, mode none, 1 played, 0 unused, 7 tokens replayed "
            "(*test_chat?one?)"
        ]
    )


def test_the_terminal_section_after_a_failed_recording(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_chats=TESTS)
    suite.makeconftest(CONFTEST)
    result = suite.runpytest("--record-mode=rewrite", "--fail-recording")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "0 cassettes replayed (0 interactions played), 2 recorded, 1 not written (the test failed)",
            "3 tests went to the network: 3 live requests",
            "*test_chat?two?.yaml: not written: the test failed, mode rewrite, 1 live request (*)",
        ]
    )


def test_the_report_under_xdist_and_as_json(recorded: pytest.Pytester) -> None:
    result = recorded.runpytest("-n", "2", "--llm-cassette-report=out/report.json")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["3 cassettes replayed (3 interactions played)"])
    report = json.loads((recorded.path / "out" / "report.json").read_text())
    assert report["schema"] == 1
    assert report["totals"]["replayed"] == 3 and report["totals"]["interactions_played"] == 3
    assert report["totals"]["live_requests"] == 0 and report["orphans"] == []
    assert sorted(use["test"].split("[")[1] for use in report["cassettes"]) == ["one]", "three]", "two]"]
    assert {use["outcome"] for use in report["cassettes"]} == {"replayed"}


def test_orphan_cassettes(recorded: pytest.Pytester) -> None:
    folder = recorded.path / "cassettes" / "test_chats"
    (folder / "test_gone.yaml").write_text((folder / "test_chat[one].yaml").read_text())

    recorded.runpytest("-k", "one").stdout.no_fnmatch_line("*orphan cassette*")  # only some tests: orphans unknown
    result = recorded.runpytest()
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        ["1 orphan cassette found: no test of this run used them", "  cassettes/test_chats/test_gone.yaml"]
    )
    failing = recorded.runpytest("-n", "2", "--llm-cassette-orphans=fail")
    assert failing.ret == pytest.ExitCode.TESTS_FAILED
    failing.stdout.fnmatch_lines(
        ["1 orphan cassette found, which fails the run (--llm-cassette-orphans=fail): no test of this run used them"]
    )
    recorded.runpytest("--llm-cassette-orphans=delete").stdout.fnmatch_lines(["1 orphan cassette deleted*"])
    assert not (folder / "test_gone.yaml").exists()
    assert recorded.runpytest("--llm-cassette-orphans=fail").ret == pytest.ExitCode.OK
