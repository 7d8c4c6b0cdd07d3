"""Async test frameworks: ``async def`` tests run by pytest-asyncio (strict and auto mode) and by anyio's plugin (on
asyncio and on trio) record against the loopback server, then replay with it stopped, through the real SDKs; a
mismatch fails such a test once, with the plugin's message."""

from __future__ import annotations

import importlib.util
import re

import pytest

from conftest import cassette_text
from stub_server import StubServer

# Inner sessions load pytest-asyncio too (entry point), and it warns at start-up without this setting; no inner
# session reads the outer pyproject.toml.
QUIET = ("-o", "asyncio_default_fixture_loop_scope=function")


@pytest.fixture(autouse=True)
def _frameworks() -> None:
    """These tests need pytest-asyncio, trio and anthropic installed: a missing one fails them, saying so; they
    never skip."""
    missing = [name for name in ("pytest_asyncio", "trio", "anthropic") if importlib.util.find_spec(name) is None]
    if missing:
        pytest.fail(f"install {', '.join(missing)} to run the async framework tests")


# What the inner tests send: openai plain and streamed, anthropic plain and streamed, from an async client.
CALLS = """
import os

import anthropic
import sniffio

from chat import async_client

ROOT = os.environ["STUB_URL"].removesuffix("/v1")


def claude():
    return anthropic.AsyncAnthropic(base_url=ROOT, api_key="sk-ant-SECRET")


async def openai_both(client, words):
    reply = await client.chat.completions.create(model="stub-model", messages=[{"role": "user", "content": words}])
    assert reply.choices[0].message.content == "echo: " + words
    stream = await client.chat.completions.create(
        model="stub-model", messages=[{"role": "user", "content": words + " streamed"}], stream=True
    )
    assert "".join([c.choices[0].delta.content or "" async for c in stream if c.choices]) == (
        "echo: " + words + " streamed"
    )


async def claude_both(client, words):
    ask = dict(model="claude-stub", max_tokens=64)
    reply = await client.messages.create(**ask, messages=[{"role": "user", "content": words}])
    assert reply.content[0].text == "echo: " + words
    async with client.messages.stream(**ask, messages=[{"role": "user", "content": words + " streamed"}]) as stream:
        assert "".join([text async for text in stream.text_stream]) == "echo: " + words + " streamed"


def running_on():
    return sniffio.current_async_library()
"""

STRICT = """
import pytest
import pytest_asyncio

from calls import claude, claude_both, openai_both, running_on
from chat import async_client


@pytest_asyncio.fixture
async def openai_client():
    async with async_client() as client:
        yield client


@pytest.mark.asyncio
@pytest.mark.llm_cassette
async def test_openai(openai_client):
    assert running_on() == "asyncio"
    await openai_both(openai_client, "strict openai")


@pytest.mark.asyncio
@pytest.mark.llm_cassette
async def test_anthropic():
    async with claude() as client:
        await claude_both(client, "strict claude")
"""

AUTO_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"

AUTO = """
import pytest

from calls import claude, claude_both, openai_both
from chat import async_client


@pytest.fixture
async def openai_client():  # a plain pytest fixture: auto mode runs it in the test's loop
    async with async_client() as client:
        models = await client.models.list()  # a request from the fixture: recorded and replayed as well
        assert [model.id async for model in models] == ["stub-model"]
        yield client


@pytest.fixture
async def claude_client():
    async with claude() as client:
        yield client


@pytest.mark.llm_cassette
async def test_openai(openai_client):
    await openai_both(openai_client, "auto openai")


@pytest.mark.llm_cassette
async def test_anthropic(claude_client):
    await claude_both(claude_client, "auto claude")
"""

ANYIO = """
import anyio
import pytest

from calls import claude, claude_both, openai_both, running_on
from chat import async_client


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param


@pytest.fixture
async def openai_client():  # anyio's plugin runs async fixtures of anyio tests on the test's backend
    async with async_client() as client:
        yield client


@pytest.mark.anyio
@pytest.mark.llm_cassette
async def test_openai(anyio_backend, openai_client):
    assert running_on() == anyio_backend
    await openai_both(openai_client, "anyio openai")


@pytest.mark.anyio
@pytest.mark.llm_cassette
async def test_concurrent(anyio_backend, openai_client):
    async def ask(words):
        reply = await openai_client.chat.completions.create(
            model="stub-model", messages=[{"role": "user", "content": words}]
        )
        assert reply.choices[0].message.content == "echo: " + words

    async with anyio.create_task_group() as group:
        for words in ("one", "two", "three"):
            group.start_soon(ask, words)


@pytest.mark.anyio
@pytest.mark.llm_cassette
async def test_anthropic(anyio_backend):
    assert running_on() == anyio_backend
    async with claude() as client:
        await claude_both(client, "anyio claude")
"""


def _inner(suite: pytest.Pytester, tests: str) -> None:
    suite.makepyfile(calls=CALLS, test_async=tests)


def test_pytest_asyncio_strict_mode_records_then_replays(suite: pytest.Pytester, stub: StubServer) -> None:
    _inner(suite, STRICT)
    recorded = suite.runpytest("--record-mode=once", *QUIET)
    recorded.assert_outcomes(passed=2, warnings=0)
    # pytest-asyncio's default mode, with no ini file: the outer session's pyproject.toml does not reach inside.
    recorded.stdout.re_match_lines([rf"rootdir: {re.escape(str(suite.path))}$", r"(?i)asyncio: mode=(mode\.)?strict,"])
    assert "configfile:" not in recorded.stdout.str()
    assert len(stub.received) == 4
    text = cassette_text(suite, "test_async", "test_openai")
    assert "content: strict openai" in text and "- data: '[DONE]'" in text
    assert "- event: content_block_delta" in cassette_text(suite, "test_async", "test_anthropic")
    stub.stop()

    suite.runpytest(*QUIET).assert_outcomes(passed=2, warnings=0)
    suite.runpytest("--record-mode=once", *QUIET).assert_outcomes(passed=2, warnings=0)
    assert len(stub.received) == 4


def test_pytest_asyncio_auto_mode_with_async_fixtures_records_then_replays(
    suite: pytest.Pytester, stub: StubServer
) -> None:
    _inner(suite, AUTO)
    suite.makeini(AUTO_INI)
    recorded = suite.runpytest("--record-mode=once")
    recorded.assert_outcomes(passed=2, warnings=0)
    recorded.stdout.re_match_lines([r"configfile: tox.ini$", r"(?i)asyncio: mode=(mode\.)?auto,"])
    assert len(stub.received) == 5
    text = cassette_text(suite, "test_async", "test_openai")
    assert "method: GET" in text and "content: auto openai streamed" in text
    stub.stop()

    suite.runpytest().assert_outcomes(passed=2, warnings=0)


def test_anyio_plugin_on_asyncio_and_trio_records_then_replays(suite: pytest.Pytester, stub: StubServer) -> None:
    _inner(suite, ANYIO)
    suite.runpytest("--record-mode=once", *QUIET).assert_outcomes(passed=6, warnings=0)
    assert len(stub.received) == 2 * (2 + 3 + 2)
    names = ("openai", "concurrent", "anthropic")
    folder = suite.path / "cassettes" / "test_async"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"test_{name}[{backend}].yaml" for name in names for backend in ("asyncio", "trio")
    )
    # The same requests and answers, whichever loop sent them: the recorded traffic does not depend on the backend.
    for name in names:
        on_asyncio = _interactions(cassette_text(suite, "test_async", f"test_{name}[asyncio]"))
        assert _interactions(cassette_text(suite, "test_async", f"test_{name}[trio]")) == on_asyncio
    stub.stop()

    replayed = suite.runpytest("-v", *QUIET)
    replayed.assert_outcomes(passed=6, warnings=0)
    replayed.stdout.fnmatch_lines_random([f"*::test_{name}[[]trio[]] PASSED*" for name in names])


def _interactions(text: str) -> str:
    return text[text.index("interactions:") :]


# ---- a mismatch in an async test: one failure, the plugin's message, no HTTP library's traceback

MISMATCH = {
    # Two requests at once in an asyncio.TaskGroup: the failure is one of a BaseExceptionGroup.
    "pytest-asyncio-strict": (
        """
import asyncio
import pytest
import pytest_asyncio
from calls import openai_both
from chat import async_client

@pytest_asyncio.fixture
async def client():
    async with async_client() as client:
        yield client

@pytest.mark.asyncio
@pytest.mark.llm_cassette
async def test_changed(client):
    async with asyncio.TaskGroup() as group:
        group.create_task(openai_both(client, "WORDS"))
        group.create_task(openai_both(client, "WORDS again"))
""",
        None,
        1,
    ),
    "pytest-asyncio-auto": (
        """
import pytest
from calls import claude, claude_both

@pytest.fixture
async def client():
    async with claude() as client:
        yield client

@pytest.mark.llm_cassette
async def test_changed(client):
    await claude_both(client, "WORDS")
""",
        AUTO_INI,
        1,
    ),
    # On both backends with an async fixture, and on trio from inside a nursery. (Not on asyncio from inside a task
    # group with an async fixture: there anyio's runner adds a teardown error to any pytest.fail raised in a task
    # group, this plugin's or not; see docs/usage.md.)
    "anyio": (
        """
import anyio
import pytest
from calls import openai_both
from chat import async_client

@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param

@pytest.fixture
async def client():
    async with async_client() as client:
        yield client

@pytest.mark.anyio
@pytest.mark.llm_cassette
async def test_changed(anyio_backend, client):
    await openai_both(client, "WORDS")

@pytest.mark.anyio
@pytest.mark.llm_cassette
@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_changed_in_a_nursery(anyio_backend):
    async with async_client() as client, anyio.create_task_group() as group:
        group.start_soon(openai_both, client, "WORDS")
        group.start_soon(openai_both, client, "WORDS again")
""",
        None,
        3,
    ),
}


@pytest.mark.parametrize("framework", MISMATCH)
def test_a_mismatch_in_an_async_test_fails_once_with_the_plugins_message(
    suite: pytest.Pytester, stub: StubServer, framework: str
) -> None:
    tests, ini, count = MISMATCH[framework]
    if ini:
        suite.makeini(ini)
    suite.makepyfile(calls=CALLS, test_async=tests.replace("WORDS", "as recorded"))
    suite.runpytest("--record-mode=once", *QUIET).assert_outcomes(passed=count)
    stub.stop()
    suite.makepyfile(test_async=tests.replace("WORDS", "changed since"))

    result = suite.runpytest(*QUIET)
    result.assert_outcomes(failed=count)
    # pytest repeats the whole message in its short summary on CI (the `CI` variable): read the failures only.
    failures = result.stdout.str().split("= FAILURES =")[1].split("short test summary info")[0]
    sections = re.split(r"\n_{3,} test_changed.* _{3,}\n", "\n" + failures)[1:]
    assert len(sections) == count
    for section in sections:
        assert section.count("llm_cassette: no recorded interaction matches this request") == 1
        assert 'last user: "changed since' in section  # which of two requests at once comes first varies
        for noise in ("ExceptionGroup", "Traceback", "httpx", "respx", "_bridge.py", "site-packages", "pytest_asyncio"):
            assert noise not in section, noise
