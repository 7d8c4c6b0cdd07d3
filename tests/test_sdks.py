"""google-genai, mistralai, groq and cohere, each through its real SDK: recorded against a loopback server in the
API's wire format (``sdk_stubs``), then replayed with the server stopped and another key.

What each sends through (the SDK versions of these environments): google-genai on httpx2, sync and async, except
that its default async client sends through aiohttp itself when aiohttp is installed (refused, test below) and
through httpx2 when given a transport; mistralai on httpx2; groq on httpx; cohere on httpx, its async client on
``httpx_aiohttp``'s transport when that package is installed. docs/sdks.md has the table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from conftest import cassette_text
from sdk_stubs import SDKStubServer

RECORD_KEY = "sdk-key-SECRET-recorded-never-written"
REPLAY_KEY = "another-key-at-replay"


@pytest.fixture
def sdk_server() -> Iterator[SDKStubServer]:
    server = SDKStubServer()
    with server:
        yield server


@pytest.fixture
def sdk_suite(pytester: pytest.Pytester, sdk_server: SDKStubServer, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """An inner session whose tests read the server's URL from ``STUB_ROOT`` and the API key from ``SDK_KEY``."""
    monkeypatch.setenv("STUB_ROOT", sdk_server.root)
    monkeypatch.setenv("SDK_KEY", RECORD_KEY)
    return pytester


def record_then_replay(
    suite: pytest.Pytester, server: SDKStubServer, monkeypatch: pytest.MonkeyPatch, module: str, source: str
) -> dict[str, str]:
    """Record ``source``'s two tests (``test_sync``, ``test_async``), then replay them with the server stopped and
    another key; the recorded cassettes' texts, by test."""
    suite.makepyfile(**{module: source})
    recording = suite.runpytest("--record-mode=once")
    recording.assert_outcomes(passed=2)
    texts = {test: cassette_text(suite, module, test) for test in ("test_sync", "test_async")}
    for text in texts.values():
        assert RECORD_KEY not in text
        assert "REDACTED" not in text  # the credential headers are dropped, not written redacted
    server.stop()
    monkeypatch.setenv("SDK_KEY", REPLAY_KEY)
    replay = suite.runpytest()
    replay.assert_outcomes(passed=2)
    # the ledger reads each SDK's usage fields: the tokens the stub reported (5 in, the answer's words out)
    tokens = re.search(r"recording sent 4 requests, (\d+) tokens", recording.stdout.str())
    assert tokens is not None and int(tokens[1]) >= 4 * 7, recording.stdout.str()
    replay.stdout.fnmatch_lines([f"replayed 4 requests, {tokens[1]} tokens*"])
    return texts


def sent_credentials(server: SDKStubServer, header: str) -> list[str]:
    """The value of ``header`` in each request the server received, in order."""
    return [
        next((value for name, value in headers.items() if name.lower() == header), "")
        for _, headers, _ in server.received
    ]


GEMINI = """
import asyncio
import os

import httpx2
import pytest
from google import genai
from google.genai import types

ROOT, KEY = os.environ["STUB_ROOT"], os.environ["SDK_KEY"]
MODEL = "gemini-stub"


def client(**options):
    return genai.Client(api_key=KEY, http_options=types.HttpOptions(base_url=ROOT, **options))


@pytest.mark.llm_cassette
def test_sync():
    with client() as gemini:
        reply = gemini.models.generate_content(model=MODEL, contents="hello gemini")
        assert reply.text == "echo: hello gemini"
        assert reply.usage_metadata.total_token_count == 8
        chunks = list(gemini.models.generate_content_stream(model=MODEL, contents="stream it"))
    assert [chunk.text for chunk in chunks] == ["echo:", " stream", " it"]
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP


@pytest.mark.llm_cassette
def test_async():
    async def converse():
        # With aiohttp installed, google-genai's async client sends through aiohttp unless given an httpx transport.
        async with client(async_client_args={"transport": httpx2.AsyncHTTPTransport()}).aio as gemini:
            reply = await gemini.models.generate_content(model=MODEL, contents="async gemini")
            assert reply.text == "echo: async gemini"
            stream = await gemini.models.generate_content_stream(model=MODEL, contents="async stream")
            assert [chunk.text async for chunk in stream] == ["echo:", " async", " stream"]

    asyncio.run(converse())
"""

GEMINI_AIOHTTP = """
import asyncio
import os

import pytest
from google import genai
from google.genai import types


@pytest.mark.llm_cassette
def test_default_async_client():
    async def ask():
        options = types.HttpOptions(base_url=os.environ["STUB_ROOT"])
        async with genai.Client(api_key=os.environ["SDK_KEY"], http_options=options).aio as gemini:
            await gemini.models.generate_content(model="gemini-stub", contents="through aiohttp")

    asyncio.run(ask())
"""


def test_google_genai_record_then_replay(
    sdk_suite: pytest.Pytester, sdk_server: SDKStubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = record_then_replay(sdk_suite, sdk_server, monkeypatch, "test_gemini", GEMINI)
    assert sent_credentials(sdk_server, "x-goog-api-key") == [RECORD_KEY] * 4
    sync = texts["test_sync"]
    assert f"url: {sdk_server.root}/v1/models/gemini-stub:generateContent\n" in sync
    assert f"url: {sdk_server.root}/v1/models/gemini-stub:streamGenerateContent?alt=sse\n" in sync
    assert "    json:\n      contents:\n      - parts:\n        - text: hello gemini\n        role: user\n" in sync
    assert "        - text: 'echo: hello gemini'\n" in sync  # the answer as YAML data
    assert '    - json: {"candidates":[{"content":{"parts":[{"text":" stream"}],"role":"model"},"index":0}]' in sync
    assert "x-goog-api-key" not in sync
    assert "models:\n  - gemini-stub\n" in sync.split("interactions:")[0]  # the model is in the URL
    assert "url: " + sdk_server.root + "/v1/models/gemini-stub:streamGenerateContent?alt=sse" in texts["test_async"]


def test_google_genai_default_async_client_sends_through_aiohttp_and_is_refused(
    sdk_suite: pytest.Pytester, sdk_server: SDKStubServer
) -> None:
    sdk_suite.makepyfile(test_gemini_aiohttp=GEMINI_AIOHTTP)
    result = sdk_suite.runpytest("--record-mode=once")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*this test sent POST http://127.0.0.1:*:generateContent through aiohttp, which this plugin does not *"]
    )
    assert sdk_server.received == []  # refused before it left: nothing went to the server unrecorded
    assert not (sdk_suite.path / "cassettes").exists()


MISTRAL = """
import asyncio
import os

import pytest
from mistralai.client import Mistral

MODEL = "mistral-small-latest"


def client():
    return Mistral(api_key=os.environ["SDK_KEY"], server_url=os.environ["STUB_ROOT"])


def ask(text):
    return [{"role": "user", "content": text}]


def text_of(events):
    return "".join(event.data.choices[0].delta.content or "" for event in events)


@pytest.mark.llm_cassette
def test_sync():
    with client() as mistral:
        reply = mistral.chat.complete(model=MODEL, messages=ask("hello mistral"))
        assert reply.choices[0].message.content == "echo: hello mistral"
        assert reply.usage.total_tokens == 8
        with mistral.chat.stream(model=MODEL, messages=ask("stream mistral")) as stream:
            events = list(stream)
    assert text_of(events) == "echo: stream mistral"
    assert events[-1].data.choices[0].finish_reason == "stop"
    assert events[-1].data.usage.completion_tokens == 3


@pytest.mark.llm_cassette
def test_async():
    async def converse():
        async with client() as mistral:
            reply = await mistral.chat.complete_async(model=MODEL, messages=ask("async mistral"))
            assert reply.choices[0].message.content == "echo: async mistral"
            stream = await mistral.chat.stream_async(model=MODEL, messages=ask("async stream"))
            assert text_of([event async for event in stream]) == "echo: async stream"

    asyncio.run(converse())
"""


def test_mistralai_record_then_replay(
    sdk_suite: pytest.Pytester, sdk_server: SDKStubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = record_then_replay(sdk_suite, sdk_server, monkeypatch, "test_mistral", MISTRAL)
    assert sent_credentials(sdk_server, "authorization") == [f"Bearer {RECORD_KEY}"] * 4
    sync = texts["test_sync"]
    assert f"url: {sdk_server.root}/v1/chat/completions\n" in sync
    assert "      messages:\n      - content: hello mistral\n        role: user\n" in sync
    assert "          content: 'echo: hello mistral'\n" in sync
    assert '    - json: {"id":"stub-mistral","object":"chat.completion.chunk"' in sync
    assert "    - data: '[DONE]'\n" in sync
    assert "authorization" not in sync.lower() and "Bearer" not in sync


GROQ = """
import asyncio
import os

import groq
import pytest

MODEL = "llama-3.1-8b-instant"


def options():
    return dict(api_key=os.environ["SDK_KEY"], base_url=os.environ["STUB_ROOT"])


def ask(text, **extra):
    return dict(model=MODEL, messages=[{"role": "user", "content": text}], **extra)


@pytest.mark.llm_cassette
def test_sync():
    with groq.Groq(**options()) as client:
        reply = client.chat.completions.create(**ask("hello groq"))
        assert reply.choices[0].message.content == "echo: hello groq"
        assert reply.x_groq.id == "req_stub"
        chunks = list(client.chat.completions.create(**ask("stream groq", stream=True)))
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == "echo: stream groq"
    assert chunks[-1].x_groq.usage.total_tokens == 8


@pytest.mark.llm_cassette
def test_async():
    async def converse():
        async with groq.AsyncGroq(**options()) as client:
            reply = await client.chat.completions.create(**ask("async groq"))
            assert reply.choices[0].message.content == "echo: async groq"
            stream = await client.chat.completions.create(**ask("async stream", stream=True))
            assert "".join([chunk.choices[0].delta.content or "" async for chunk in stream]) == "echo: async stream"

    asyncio.run(converse())
"""


def test_groq_record_then_replay(
    sdk_suite: pytest.Pytester, sdk_server: SDKStubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = record_then_replay(sdk_suite, sdk_server, monkeypatch, "test_groq", GROQ)
    assert sent_credentials(sdk_server, "authorization") == [f"Bearer {RECORD_KEY}"] * 4
    sync = texts["test_sync"]
    assert f"url: {sdk_server.root}/openai/v1/chat/completions\n" in sync
    assert "      messages:\n      - role: user\n        content: hello groq\n" in sync
    assert "      x_groq:\n        id: req_stub\n" in sync
    assert '    - json: {"id":"stub-groq","object":"chat.completion.chunk"' in sync
    assert '"x_groq":{"id":"req_stub","usage":{' in sync
    assert "    - data: '[DONE]'\n" in sync
    assert "authorization" not in sync.lower() and "Bearer" not in sync


COHERE = """
import asyncio
import os

import cohere
import pytest

MODEL = "command-a-03-2025"


def options():
    return dict(api_key=os.environ["SDK_KEY"], base_url=os.environ["STUB_ROOT"])


def ask(text):
    return dict(model=MODEL, messages=[{"role": "user", "content": text}])


def text_of(events):
    return "".join(event.delta.message.content.text for event in events if event.type == "content-delta")


@pytest.mark.llm_cassette
def test_sync():
    client = cohere.ClientV2(**options())
    reply = client.chat(**ask("hello cohere"))
    assert reply.message.content[0].text == "echo: hello cohere"
    assert reply.finish_reason == "COMPLETE"
    assert reply.usage.tokens.output_tokens == 3
    events = list(client.chat_stream(**ask("stream cohere")))
    assert text_of(events) == "echo: stream cohere"
    assert [event.type for event in events][:2] == ["message-start", "content-start"]
    assert events[-1].type == "message-end" and events[-1].delta.finish_reason == "COMPLETE"


@pytest.mark.llm_cassette
def test_async():
    async def converse():
        client = cohere.AsyncClientV2(**options())
        reply = await client.chat(**ask("async cohere"))
        assert reply.message.content[0].text == "echo: async cohere"
        assert text_of([event async for event in client.chat_stream(**ask("async stream"))]) == "echo: async stream"

    asyncio.run(converse())
"""


def test_cohere_record_then_replay(
    sdk_suite: pytest.Pytester, sdk_server: SDKStubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = record_then_replay(sdk_suite, sdk_server, monkeypatch, "test_cohere", COHERE)
    assert sent_credentials(sdk_server, "authorization") == [f"Bearer {RECORD_KEY}"] * 4
    sync = texts["test_sync"]
    assert f"url: {sdk_server.root}/v2/chat\n" in sync
    assert "      messages:\n      - role: user\n        content: hello cohere\n" in sync
    assert "        - type: text\n          text: 'echo: hello cohere'\n" in sync
    assert '    - event: content-delta\n      json: {"type":"content-delta","index":0' in sync
    assert '    - event: message-end\n      json: {"type":"message-end","delta":{"finish_reason":"COMPLETE"' in sync
    assert "authorization" not in sync.lower() and "Bearer" not in sync


NO_KEY = """
import os

import cohere
import groq
import pytest
from google import genai


@pytest.mark.llm_cassette("empty.yaml")
def test_clients_build_without_keys():
    genai.Client()
    groq.Groq()
    cohere.ClientV2()
    assert os.environ["GEMINI_API_KEY"] == "replay-without-a-key"


def test_the_environment_is_restored():
    assert "GROQ_API_KEY" not in os.environ
"""


def test_replay_builds_each_sdks_client_without_a_key(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GROQ_API_KEY", "CO_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    folder = pytester.path / "cassettes" / "test_keys"
    folder.mkdir(parents=True)
    (folder / "empty.yaml").write_text("llm_cassette: 2\ninteractions: []\ncount: 0\n")
    pytester.makepyfile(test_keys=NO_KEY)
    pytester.runpytest().assert_outcomes(passed=2)
