"""aiohttp: the SDKs' ``DefaultAioHttpClient`` (an httpx/httpx2 client on an aiohttp transport) records and replays
like the default client, lazily streamed; aiohttp used directly is refused (tests/test_network_guard.py)."""

from __future__ import annotations

import pytest

from conftest import cassette_text
from stub_server import StubServer

pytest.importorskip("aiohttp")

SUITE = """
import asyncio
import os

import anthropic
import openai
import pytest

URL = os.environ["STUB_URL"]
ASK = dict(model="stub-model", messages=[{"role": "user", "content": "over aiohttp"}])


async def converse():
    http_client = openai.DefaultAioHttpClient()
    async with openai.AsyncOpenAI(base_url=URL, api_key="sk-aio-SECRET", http_client=http_client) as client:
        reply = await client.chat.completions.create(**ASK)
        stream = await client.chat.completions.create(**ASK, stream=True)
        words = []
        async for chunk in stream:
            words.append(chunk.choices[0].delta.content or "")
        return reply.choices[0].message.content, "".join(words)


async def ask_claude():
    http_client = anthropic.DefaultAioHttpClient()
    base_url = URL.removesuffix("/v1")
    async with anthropic.AsyncAnthropic(base_url=base_url, api_key="sk-ant-SECRET", http_client=http_client) as client:
        question = [{"role": "user", "content": "claude aio"}]
        reply = await client.messages.create(model="claude-stub", max_tokens=8, messages=question)
        return reply.content[0].text


@pytest.mark.llm_cassette
def test_openai_aiohttp():
    assert asyncio.run(converse()) == ("echo: over aiohttp", "echo: over aiohttp")


@pytest.mark.llm_cassette
def test_anthropic_aiohttp():
    assert asyncio.run(ask_claude()) == "echo: claude aio"
"""


def test_default_aiohttp_clients_record_and_replay(suite: pytest.Pytester, stub: StubServer) -> None:
    pytest.importorskip("anthropic")
    suite.makepyfile(test_aio=SUITE)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=2)
    openai_text = cassette_text(suite, "test_aio", "test_openai_aiohttp")
    assert openai_text.count("- request:") == 2
    assert "json: {" in openai_text  # the stream's events recorded as data
    assert "sk-aio-SECRET" not in openai_text
    assert "echo: claude aio" in cassette_text(suite, "test_aio", "test_anthropic_aiohttp")
    stub.stop()
    suite.runpytest().assert_outcomes(passed=2)


def test_a_changed_request_over_aiohttp_fails_with_the_plugins_message(
    suite: pytest.Pytester, stub: StubServer
) -> None:
    suite.makepyfile(test_aio=SUITE)
    suite.runpytest("--record-mode=once", "-k", "openai").assert_outcomes(passed=1)
    stub.stop()
    suite.makepyfile(test_aio=SUITE.replace('"content": "over aiohttp"', '"content": "changed"'))
    result = suite.runpytest("-k", "openai")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*llm_cassette: no recorded interaction matches this request*"])
    result.stdout.no_fnmatch_line("*ClientConnectorError*")
