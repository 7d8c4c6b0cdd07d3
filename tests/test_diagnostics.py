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
    # pytest repeats the whole message in its short summary on CI (the `CI` variable): count the failure only.
    output = result.stdout.str().split("= FAILURES =")[1].split("short test summary info")[0]
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
    pytester.runpytest("-p", "no:recording").assert_outcomes(passed=3)  # cassettes/test_names/ need not exist
    # pytest-recording, when loaded, owns default_cassette_name, and its names qualify the innermost class only
    pytester.runpytest().assert_outcomes(passed=3)


CHANGED = """
import pytest
from chat import client

TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}},
    {"type": "function", "function": {"name": "search", "parameters": {"type": "object"}}},
]


@pytest.mark.llm_cassette
def test_changed(request):
    changed = request.config.getoption("--changed")
    extra = {"temperature": 0.2} if changed else {}
    client().chat.completions.create(
        model="stub-model",
        messages=[{"role": "user", "content": "What's the weather in Florence?"}],
        tools=TOOLS[:1] if changed else TOOLS,
        metadata={"request_id": "req-2" if changed else "req-1"},
        **extra,
    )
"""

CHANGED_CONFTEST = """
def pytest_addoption(parser):
    parser.addoption("--changed", action="store_true")
"""


def test_a_changed_request_shows_each_field_that_differs_and_the_fix(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_changed=CHANGED)
    suite.makeconftest(CHANGED_CONFTEST)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=1)
    stub.stop()
    result = suite.runpytest("--changed")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            line.replace("[", "[[]")  # brackets are literal here
            for line in (
                "llm_cassette: no recorded interaction matches this request",
                "  test:     test_changed.py::test_changed",
                "  cassette: *cassettes/test_changed/test_changed.yaml (native, 1 interaction, 0 used), record mode *",
                "  request:  POST http://127.0.0.1:*/v1/chat/completions model=stub-model messages=1 last user: "
                '"What\'s the weather in Florence?" tools=[get_weather]*',
                "  recorded #0 (unused, *% alike): model=stub-model messages=1 * tools=[get_weather, search]*",
                "What differs from #0 (recorded → sent):",
                "These fields look volatile; to leave them out of matching: ignore_body_paths=['metadata.request_id']",
                "To re-record this test: `pytest 'test_changed.py::test_changed' --record-mode=rewrite`",
            )
        ]
    )
    differences = result.stdout.str().split("What differs from #0 (recorded → sent):\n")[1].split("These fields")[0]
    assert differences.splitlines() == [
        '  metadata.request_id: "req-1" → "req-2"',
        '  tools[1]: {"type":"function","function":{"name":"search","parameters":… → absent',
        "  temperature: absent → 0.2",
    ]
    assert "new_episodes" not in result.stdout.str()  # a changed request is not an additional one

    suite.makepyfile(
        test_changed=CHANGED.replace(
            "@pytest.mark.llm_cassette", "@pytest.mark.llm_cassette(ignore_body_paths=['metadata.request_id'])"
        )
    )
    ignored = suite.runpytest("--changed")
    ignored.stdout.fnmatch_lines(['  metadata.request_id: "req-1" → "req-2" (ignored)'])  # listed last
    assert "look volatile" not in ignored.stdout.str()


def test_a_missing_cassette_says_how_to_record_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("import pytest\n\n@pytest.mark.llm_cassette\ndef test_new():\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "llm_cassette: no cassette at *cassettes/test_a_missing_cassette_says_how_to_record_it/test_new.yaml",
            "Record it once, with network access and the API key: "
            "`pytest 'test_a_missing_cassette_says_how_to_record_it.py::test_new' --record-mode=once`.",
        ]
    )
