"""respx is the routing table: a test may use ``respx_mock`` beside the marker; its routes answer first (over
httpx and httpx2), the cassette answers the rest, recording goes through, and a user's pass-through goes live."""

from __future__ import annotations

import pytest

from conftest import cassette_text
from stub_server import StubServer

SUITE = """
import httpx
import pytest
from chat import ask, ask_async, URL

ROOT = URL.removesuffix("/v1")


@pytest.mark.llm_cassette
def test_routes_beside_the_cassette(respx_mock):
    weather = respx_mock.get("https://weather.example/today").respond(json={"sky": "clear"})
    models = respx_mock.get(ROOT + "/v1/models").respond(json={"object": "list", "data": []})
    assert httpx.get("https://weather.example/today").json() == {"sky": "clear"}
    assert ask("hello") == "echo: hello"  # the cassette's
    import openai
    from chat import client
    assert client().models.list().data == []  # the user's route, over the SDK's own HTTP library
    assert weather.called and models.called


@pytest.mark.llm_cassette
def test_async_routes(respx_mock):
    import asyncio
    respx_mock.post("https://hooks.example/notify").respond(204)

    async def both():
        async with httpx.AsyncClient() as http:
            status = (await http.post("https://hooks.example/notify")).status_code
        return status, await ask_async("async hello")

    assert asyncio.run(both()) == (204, "echo: async hello")
"""


def test_user_routes_answer_first_and_the_cassette_the_rest(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_routes=SUITE)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=2)
    text = cassette_text(suite, "test_routes", "test_routes_beside_the_cassette")
    assert text.count("- request:") == 1  # the chat call; the user's routes are never recorded
    assert "weather.example" not in text and "/v1/models" not in text
    stub.stop()
    suite.runpytest().assert_outcomes(passed=2)


def test_a_request_neither_answers_fails_with_the_plugins_message(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_routes=SUITE)
    suite.runpytest("--record-mode=once", "-k", "async").assert_outcomes(passed=1)
    stub.stop()
    suite.makepyfile(test_routes=SUITE.replace('ask_async("async hello")', 'ask_async("changed")'))
    result = suite.runpytest("-k", "async")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*llm_cassette: no recorded interaction matches this request*"])
    result.stdout.no_fnmatch_line("*not mocked*")
