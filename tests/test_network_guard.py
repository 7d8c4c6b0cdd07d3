"""The network guard: a replaying test cannot reach the network through a client this plugin does not answer
(urllib, a raw socket, ...), unless the host is allowed; allowed hosts pass through httpx too, unrecorded."""

from __future__ import annotations

import pytest

from stub_server import StubServer

GUARDED = """
import socket
import urllib.request

import httpx
import pytest
from chat import ask, URL

@pytest.mark.llm_cassette("chat.yaml")
def test_urllib():
    assert ask("hi") == "echo: hi"
    urllib.request.urlopen(URL + "/models", timeout=2)

@pytest.mark.llm_cassette("chat.yaml")
def test_raw_socket():
    assert ask("hi") == "echo: hi"
    socket.create_connection(("203.0.113.7", 443), timeout=2)

@pytest.mark.llm_cassette("chat.yaml", allow_loopback=True)
def test_loopback_allowed():
    assert ask("hi") == "echo: hi"
    assert urllib.request.urlopen(URL + "/models", timeout=2).status == 200

@pytest.mark.llm_cassette("chat.yaml", allowed_hosts=["127.0.0.1"])
def test_allowed_host_passes_through_httpx():
    assert httpx.get(URL + "/models").status_code == 200  # live: not in the cassette, and not recorded
    assert ask("hi") == "echo: hi"
"""


def test_a_replaying_test_cannot_reach_the_network_unless_allowed(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_guarded=GUARDED)
    suite.runpytest("--record-mode=once", "-k", "urllib").assert_outcomes(passed=1)  # records chat.yaml
    before = (suite.path / "cassettes" / "test_guarded" / "chat.yaml").read_text()
    result = suite.runpytest()
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_urllib*",
            "llm_cassette: this test tried to connect to 127.0.0.1:* while replaying cassettes/test_guarded/chat.yaml*",
            "  test: test_guarded.py::test_urllib",
            "*allowed_hosts=*",
        ]
    )
    result.stdout.fnmatch_lines(["llm_cassette: this test tried to connect to 203.0.113.7:443 while replaying*"])
    assert (suite.path / "cassettes" / "test_guarded" / "chat.yaml").read_text() == before


AIOHTTP = """
import asyncio

import aiohttp
import pytest
from chat import URL


async def get():
    async with aiohttp.ClientSession() as session:
        async with session.get(URL + "/models") as response:
            return response.status


@pytest.mark.llm_cassette
def test_aiohttp():
    assert asyncio.run(get()) == 200


@pytest.mark.llm_cassette(allowed_hosts=["127.0.0.1"], allow_unused=True)
def test_aiohttp_to_an_allowed_host():
    assert asyncio.run(get()) == 200
"""


def test_aiohttp_fails_at_once_even_while_recording(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_aio=AIOHTTP)
    result = suite.runpytest("--record-mode=once")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "llm_cassette: this test sent GET http://127.0.0.1:*/v1/models through aiohttp, which this plugin does "
            "not intercept*",
            "  test: test_aio.py::test_aiohttp",
        ]
    )
    assert not (suite.path / "cassettes" / "test_aio" / "test_aiohttp.yaml").exists()  # no empty cassette
