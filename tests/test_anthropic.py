"""The anthropic SDK (httpx2): named server-sent events recorded as data and replayed, sync and async."""

from __future__ import annotations

import pytest

from conftest import cassette_text
from stub_server import StubServer

pytest.importorskip("anthropic")

SUITE = """
import asyncio
import os

import anthropic
import pytest

BASE = os.environ["STUB_URL"].removesuffix("/v1")
ASK = dict(model="claude-stub", max_tokens=64)


def messages(text):
    return [{"role": "user", "content": text}]


@pytest.mark.llm_cassette
def test_sync():
    client = anthropic.Anthropic(base_url=BASE, api_key="sk-ant-SECRET")
    reply = client.messages.create(**ASK, messages=messages("hello claude"))
    assert reply.content[0].text == "echo: hello claude"
    with client.messages.stream(**ASK, messages=messages("stream it")) as stream:
        assert "".join(stream.text_stream) == "echo: stream it"
        assert stream.get_final_message().usage.output_tokens == 3


@pytest.mark.llm_cassette
def test_async():
    async def converse():
        client = anthropic.AsyncAnthropic(base_url=BASE, api_key="sk-ant-SECRET")
        reply = await client.messages.create(**ASK, messages=messages("async claude"))
        assert reply.content[0].text == "echo: async claude"
        async with client.messages.stream(**ASK, messages=messages("async stream")) as stream:
            assert "".join([text async for text in stream.text_stream]) == "echo: async stream"

    asyncio.run(converse())
"""


def test_anthropic_record_then_replay(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_claude=SUITE)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=2)
    text = cassette_text(suite, "test_claude", "test_sync")
    assert '- event: content_block_delta\n      json: {"type":"content_block_delta","index":0' in text
    assert "sk-ant-SECRET" not in text and "x-api-key" not in text
    stub.stop()
    suite.runpytest().assert_outcomes(passed=2)
