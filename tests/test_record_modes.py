"""Record modes: what each may replay, append or replace, and that a file changes only when the test passed."""

from __future__ import annotations

import shutil

import pytest

from conftest import SEED, cassette_text
from stub_server import StubServer

ONE = """
import pytest
from chat import ask

@pytest.mark.llm_cassette
def test_convo():
    assert ask("one") == "echo: one"
"""

TWO = """
import pytest
from chat import ask

@pytest.mark.llm_cassette
def test_convo():
    assert ask("one") == "echo: one"
    assert ask("two") == "echo: two"
"""

OTHER = """
import pytest
from chat import ask

@pytest.mark.llm_cassette
def test_convo():
    assert ask("other") == "echo: other"
    assert {passes}
"""


def _record_one(suite: pytest.Pytester) -> str:
    suite.makepyfile(test_modes=ONE)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=1)
    return cassette_text(suite, "test_modes", "test_convo")


def test_new_episodes_appends_and_keeps_every_recorded_byte(suite: pytest.Pytester, stub: StubServer) -> None:
    before = _record_one(suite)
    suite.makepyfile(test_modes=TWO)
    suite.runpytest().assert_outcomes(failed=1)
    suite.runpytest("--record-mode=new_episodes").assert_outcomes(passed=1)
    after = cassette_text(suite, "test_modes", "test_convo")
    assert after.startswith(before.removesuffix("count: 1\n"))  # every byte kept but the closing count
    assert after.count("- request:") == 2 and "content: two" in after and after.endswith("count: 2\n")
    assert len(stub.received) == 2  # "one" was replayed, only "two" went to the server
    stub.stop()
    suite.runpytest().assert_outcomes(passed=1)


@pytest.mark.parametrize("mode", ["all", "rewrite"])
def test_all_and_rewrite_replace_only_when_the_test_passed(suite: pytest.Pytester, mode: str) -> None:
    before = _record_one(suite)
    suite.makepyfile(test_modes=OTHER.format(passes=False))
    suite.runpytest(f"--record-mode={mode}").assert_outcomes(failed=1)
    assert cassette_text(suite, "test_modes", "test_convo") == before

    suite.makepyfile(test_modes=OTHER.format(passes=True))
    suite.runpytest(f"--record-mode={mode}").assert_outcomes(passed=1)
    after = cassette_text(suite, "test_modes", "test_convo")
    assert "content: other" in after and "content: one" not in after
    assert [p.name for p in (suite.path / "cassettes" / "test_modes").iterdir()] == ["test_convo.yaml"]


def test_once_writes_nothing_for_a_failed_test(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_modes=OTHER.format(passes=False))
    result = suite.runpytest("--record-mode=once")
    result.assert_outcomes(failed=1)
    assert not (suite.path / "cassettes" / "test_modes").exists()


def test_marker_record_mode_overrides_the_command_line(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_modes="""
        import pytest
        from chat import ask

        @pytest.mark.llm_cassette(record_mode="once")
        def test_convo():
            assert ask("one") == "echo: one"
        """
    )
    suite.runpytest().assert_outcomes(passed=1)
    assert "content: one" in cassette_text(suite, "test_modes", "test_convo")


@pytest.mark.parametrize("mode", ["new_episodes", "all", "rewrite"])
def test_a_foreign_cassette_is_never_rewritten(suite: pytest.Pytester, mode: str) -> None:
    folder = suite.path / "cassettes" / "test_modes"
    folder.mkdir(parents=True)
    shutil.copyfile(SEED, folder / "test_convo.yaml")
    suite.makepyfile(test_modes=ONE)
    result = suite.runpytest(f"--record-mode={mode}")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*test_convo.yaml is a go-vcr cassette, which this plugin replays but never rewrites"
            f" (--record-mode={mode})*",
            "*python -m pytest_llmcassette convert *test_convo.yaml*",
        ]
    )
    assert (folder / "test_convo.yaml").read_bytes() == SEED.read_bytes()


def test_a_malformed_cassette_names_the_file_and_the_interaction(suite: pytest.Pytester) -> None:
    folder = suite.path / "cassettes" / "test_modes"
    folder.mkdir(parents=True)
    (folder / "test_convo.yaml").write_text(
        "llm_cassette: 1\ninteractions:\n- request: {method: GET, url: 'http://x/'}\n  response: {status: 200}\n"
        "- request: {url: 'http://x/'}\n  response: {status: 200}\n"
    )
    suite.makepyfile(test_modes=ONE)
    result = suite.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*cannot read *test_convo.yaml, interaction 1: the request has no method*"])
    assert "Traceback" not in result.stdout.str()
