"""Shared fixtures: the loopback stub server, and inner pytest sessions that talk to it with the real SDK."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml  # noqa: F401 - see below

import pytest_llmcassette._bridge
import pytest_llmcassette._session  # noqa: F401 - see below
from stub_server import StubServer

# In-process inner sessions (pytester) drop the modules they imported when they end. libyaml's C extension
# cannot be imported twice, and the plugin's lazily imported modules must stay the ones the loaded plugin
# knows, so both are imported here once and stay loaded across inner sessions.

DATA = Path(__file__).parent / "data"
SEED = DATA / "openai-go-llamacpp-tool-call.yaml"

# Written into each inner session as ``chat.py``: the calls inner tests make, through the real openai SDK.
CHAT_MODULE = """
import os

import openai

URL = os.environ.get("STUB_URL", "http://127.0.0.1:9/v1")
SECRET = "sk-test-SECRET-never-in-a-cassette"


def client(**options):
    return openai.OpenAI(base_url=URL, api_key=SECRET, **options)


def async_client(**options):
    return openai.AsyncOpenAI(base_url=URL, api_key=SECRET, **options)


def ask(text, **extra):
    reply = client().chat.completions.create(model="stub-model", messages=[{"role": "user", "content": text}], **extra)
    return reply.choices[0].message.content


def ask_stream(text, **extra):
    stream = client().chat.completions.create(
        model="stub-model", messages=[{"role": "user", "content": text}], stream=True,
        stream_options={"include_usage": True}, **extra,
    )
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


async def ask_async(text, **extra):
    reply = await async_client().chat.completions.create(
        model="stub-model", messages=[{"role": "user", "content": text}], **extra
    )
    return reply.choices[0].message.content


async def ask_stream_async(text, **extra):
    stream = await async_client().chat.completions.create(
        model="stub-model", messages=[{"role": "user", "content": text}], stream=True, **extra
    )
    return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
"""


@pytest.fixture
def stub() -> Iterator[StubServer]:
    with StubServer() as server:
        yield server


@pytest.fixture
def suite(pytester: pytest.Pytester, stub: StubServer, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """An inner test session with ``chat.py`` and the stub server's URL in ``STUB_URL``."""
    monkeypatch.setenv("STUB_URL", stub.base_url)
    pytester.makepyfile(chat=CHAT_MODULE)
    return pytester


def cassette_text(pytester: pytest.Pytester, module: str, test: str) -> str:
    return (pytester.path / "cassettes" / module / f"{test}.yaml").read_text(encoding="utf-8")
