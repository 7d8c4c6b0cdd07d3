"""Shared fixtures: the loopback stub server, and inner pytest sessions that talk to it with the real SDK."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import pytest_llmcassette
from stub_server import StubServer


def _load_once() -> None:
    """Import, once for the whole run, what inner sessions would otherwise import each time.

    In-process inner sessions (pytester) drop the modules they imported when they end, so each would import the
    SDKs again (a second or more; openai 2 imports all its resource modules as a client is built), and hypothesis
    too (its pytest plugin imports it as a session ends, and pytest rewrites its asserts anew). Every module of the
    plugin is loaded too: those it imports lazily must stay the ones the loaded plugin knows, and libyaml's C
    extension cannot be imported twice.
    """
    for module in pkgutil.walk_packages(pytest_llmcassette.__path__, "pytest_llmcassette."):
        importlib.import_module(module.name)
    for name in (
        *("yaml", "httpx", "httpx2", "respx", "hypothesis", "openai", "anthropic", "aiohttp"),
        *("filelock", "email.parser", "email.policy"),  # what the plugin imports on first write, first form
        *("google.genai", "mistralai.client.chat", "groq.resources", "cohere.client_v2"),  # tests/test_sdks.py
    ):
        # httpx2, anthropic, aiohttp and test_sdks.py's SDKs are optional; a dotted name's package is looked up
        # first, as find_spec("google.genai") raises when there is no "google" at all
        if importlib.util.find_spec(name.partition(".")[0]) is not None and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    if openai := sys.modules.get("openai"):  # building and closing clients imports the rest; no request is sent
        with openai.OpenAI(api_key="-", base_url="http://127.0.0.1:9") as client:
            client.chat.completions  # noqa: B018
        asyncio.run(openai.AsyncOpenAI(api_key="-", base_url="http://127.0.0.1:9").close())


_load_once()

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
    async with async_client() as client:  # closed in its loop, not by the garbage collector once the loop is gone
        reply = await client.chat.completions.create(
            model="stub-model", messages=[{"role": "user", "content": text}], **extra
        )
    return reply.choices[0].message.content


async def ask_stream_async(text, **extra):
    async with async_client() as client:
        stream = await client.chat.completions.create(
            model="stub-model", messages=[{"role": "user", "content": text}], stream=True, **extra
        )
        return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
"""


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytest's, with pytest-asyncio's loop scope set in every inner session (which reads no project ini), so that
    its deprecation warning is not repeated for each one. pytester clears ``PYTEST_ADDOPTS`` as it starts; what is
    set afterwards reaches the inner sessions."""
    if importlib.util.find_spec("pytest_asyncio") is not None:
        monkeypatch.setenv("PYTEST_ADDOPTS", "-o asyncio_default_fixture_loop_scope=function")
    return pytester


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
