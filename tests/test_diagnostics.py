"""Failures that explain themselves: one clean failure inside task groups, replay without a key, cassette names
and paths that never collide or surprise."""

from __future__ import annotations

import pytest

from stub_server import StubServer

TASK_GROUP = """
import asyncio

import pytest
from chat import ask_async


@pytest.mark.llm_cassette
def test_group():
    async def main():
        async with asyncio.TaskGroup() as group:
            for word in ("one", "two", "three"):
                group.create_task(ask_async(word))

    asyncio.run(main())
"""


def test_a_mismatch_inside_a_task_group_fails_once_with_the_plugins_message(
    suite: pytest.Pytester, stub: StubServer
) -> None:
    suite.makepyfile(test_group=TASK_GROUP.replace('("one", "two", "three")', '("one",)'))
    suite.runpytest("--record-mode=once").assert_outcomes(passed=1)
    stub.stop()
    suite.makepyfile(test_group=TASK_GROUP)
    result = suite.runpytest()
    result.assert_outcomes(failed=1)
    output = result.stdout.str().split("= FAILURES =")[1]
    assert output.count("llm_cassette: no recorded interaction matches this request") == 1
    for noise in ("ExceptionGroup", "Traceback", "httpx2", "respx", "_bridge.py"):
        assert noise not in output


NO_KEY = """
import os

import anthropic
import openai
import pytest

ROOT = os.environ["STUB_URL"].removesuffix("/v1")


@pytest.mark.llm_cassette
def test_no_key(request):
    assert os.environ.get("OPENAI_API_KEY") == request.config.getoption("--expected-key")
    reply = openai.OpenAI(base_url=ROOT + "/v1").chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}]
    )
    assert reply.choices[0].message.content == "echo: hi"
    claude = anthropic.Anthropic(base_url=ROOT).messages.create(
        model="m", max_tokens=9, messages=[{"role": "user", "content": "hi"}]
    )
    assert claude.content[0].text == "echo: hi"
    azure = openai.AzureOpenAI().chat.completions.create(
        model="deployment", messages=[{"role": "user", "content": "hi"}]
    )
    assert azure.choices[0].message.content == "echo: hi"
"""

NO_KEY_CONFTEST = """
def pytest_addoption(parser):
    parser.addoption("--expected-key")
"""


def test_replay_needs_no_key(suite: pytest.Pytester, stub: StubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    suite.makepyfile(test_no_key=NO_KEY)
    suite.makeconftest(NO_KEY_CONFTEST)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-recording-key-0123456789")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-recording-key-0123456789")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-recording-key-0123456789")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", stub.base_url.removesuffix("/v1"))
    monkeypatch.setenv("OPENAI_API_VERSION", "2024-10-21")
    suite.runpytest("--record-mode=once", "--expected-key=sk-recording-key-0123456789").assert_outcomes(passed=1)
    stub.stop()
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT"):
        monkeypatch.delenv(name)
    monkeypatch.delenv("OPENAI_API_VERSION")
    suite.runpytest("--expected-key=replay-without-a-key").assert_outcomes(passed=1)
    import os

    assert "OPENAI_API_KEY" not in os.environ  # restored after the test


NAMES = """
import pytest

class TestOuter:
    class TestInner:
        @pytest.mark.llm_cassette(record_mode="once")
        def test_x(self, llm_cassette):
            assert llm_cassette.path.name == "TestOuter.TestInner.test_x.yaml"

class TestInner:
    @pytest.mark.llm_cassette(record_mode="once")
    def test_x(self, llm_cassette):
        assert llm_cassette.path.name == "TestInner.test_x.yaml"

@pytest.mark.llm_cassette("../other/x.yaml")
def test_up(llm_cassette):
    assert llm_cassette.path == llm_cassette.path.resolve()
    assert llm_cassette.path.parts[-3:] == ("cassettes", "other", "x.yaml")
"""


def test_nested_classes_and_relative_paths(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_names=NAMES)
    other = pytester.path / "cassettes" / "other"
    other.mkdir(parents=True)
    (other / "x.yaml").write_text("llm_cassette: 2\ninteractions: []\ncount: 0\n")
    # pytest-recording, when loaded, owns default_cassette_name (its names qualify the innermost class only)
    pytester.runpytest("-p", "no:recording").assert_outcomes(passed=3)  # cassettes/test_names/ need not exist
