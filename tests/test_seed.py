"""Acceptance: the go-vcr cassette recorded by the OpenAI Go SDK replays, unchanged, with the Python SDK."""

from __future__ import annotations

import hashlib
import shutil
import textwrap
from pathlib import Path

import pytest

from conftest import SEED
from pytest_llmcassette.__main__ import main
from pytest_llmcassette.formats import native

# The seed as shipped (shared/seed/openai-go-llamacpp-tool-call.yaml), of which tests/data and examples hold copies.
SEED_SHA256 = "658191d1a9a73dc625f63f05f1d1acdbd84d228147bc0f5297685a95032ef9f3"
EXAMPLE_SEED = Path(__file__).parents[1] / "examples/cassettes/test_weather_tool_call/test_weather_tool_call.yaml"

SEED_CLIENT = """
import asyncio
import openai

TOOLS = [{
    "type": "function",
    "function": {
        "name": "weather",
        "description": "Get weather information for a location",
        "strict": False,
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string", "description": "the city"}},
            "required": ["location"],
        },
    },
}]
QUESTION = "What's the weather in Florence, Italy?"


def messages(question=QUESTION):
    return [{"role": "system", "content": "You are a helpful assistant"}, {"role": "user", "content": question}]


def request(question=QUESTION, history=()):
    return dict(
        model="openai/gpt-oss-20b", messages=[*messages(question), *history], tools=TOOLS, tool_choice="auto",
        reasoning_effort="high", stream=True, stream_options={"include_usage": True},
    )


def accumulate(chunks):
    turn = {"reasoning": "", "content": "", "calls": {}, "finish": None, "usage": None}
    for chunk in chunks:
        if chunk.usage:
            turn["usage"] = (chunk.usage.prompt_tokens, chunk.usage.completion_tokens, chunk.usage.total_tokens)
        for choice in chunk.choices:
            delta = choice.delta
            turn["reasoning"] += getattr(delta, "reasoning_content", None) or ""
            turn["content"] += delta.content or ""
            for call in delta.tool_calls or []:
                entry = turn["calls"].setdefault(call.index, {"id": None, "name": "", "arguments": ""})
                entry["id"] = call.id or entry["id"]
                entry["name"] += call.function.name or ""
                entry["arguments"] += call.function.arguments or ""
            turn["finish"] = choice.finish_reason or turn["finish"]
    return turn


def tool_history(turn):
    call = turn["calls"][0]
    assistant = {
        "role": "assistant",
        "reasoning_content": turn["reasoning"],
        "tool_calls": [{"id": call["id"], "type": "function",
                        "function": {"name": call["name"], "arguments": call["arguments"]}}],
    }
    return [assistant, {"role": "tool", "tool_call_id": call["id"], "content": "40 C"}]


def check_first(turn):
    assert turn["calls"] == {0: {"id": "1wNpqrejg1FCTjf6xq8JRCGKgWZO74AL", "name": "weather",
                                 "arguments": '{"location":"Florence, Italy"}'}}
    assert turn["reasoning"] == 'We need to call function \\'weather\\' with location "Florence, Italy".'
    assert turn["finish"] == "tool_calls"
    assert turn["usage"] == (139, 42, 181)


def check_second(turn):
    assert turn["content"] == "The current weather in Florence, Italy is **40 °C**."
    assert turn["finish"] == "stop"
    assert turn["usage"] == (197, 18, 215)


def converse_sync():
    client = openai.OpenAI(base_url="http://localhost:8080/v1", api_key="sk-anything")
    first = accumulate(client.chat.completions.create(**request()))
    check_first(first)
    second = accumulate(client.chat.completions.create(**request(history=tool_history(first))))
    check_second(second)


async def converse_async():
    async with openai.AsyncOpenAI(base_url="http://localhost:8080/v1", api_key="sk-anything") as client:
        first = accumulate([c async for c in await client.chat.completions.create(**request())])
        check_first(first)
        second = accumulate(
            [c async for c in await client.chat.completions.create(**request(history=tool_history(first)))]
        )
        check_second(second)
"""


BOTH_CLIENTS = """
@pytest.mark.llm_cassette(CASSETTE)
def test_sync():
    converse_sync()

@pytest.mark.llm_cassette(CASSETTE)
def test_async():
    asyncio.run(converse_async())
"""


def _suite(pytester: pytest.Pytester, cassette: Path, body: str) -> None:
    pytester.makepyfile(seed_client=SEED_CLIENT)
    header = (
        f"import asyncio\nimport openai\nimport pytest\nfrom seed_client import *\n\nCASSETTE = {str(cassette)!r}\n"
    )
    pytester.makepyfile(test_go_seed=header + textwrap.dedent(body))


def test_seed_replays_unchanged_sync_and_async(pytester: pytest.Pytester) -> None:
    before = SEED.read_bytes()
    assert hashlib.sha256(before).hexdigest() == SEED_SHA256, f"{SEED} is no longer the shipped seed"
    assert EXAMPLE_SEED.read_bytes() == before, f"{EXAMPLE_SEED} is no longer the shipped seed"
    _suite(
        pytester,
        SEED,
        BOTH_CLIENTS,
    )
    pytester.runpytest().assert_outcomes(passed=2)
    pytester.runpytest("--record-mode=once").assert_outcomes(passed=2)
    assert SEED.read_bytes() == before


def test_changed_question_fails_with_the_plugins_explanation(pytester: pytest.Pytester) -> None:
    _suite(
        pytester,
        SEED,
        """
        @pytest.mark.llm_cassette(CASSETTE)
        def test_other_city():
            client = openai.OpenAI(base_url="http://localhost:8080/v1", api_key="sk-anything")
            try:
                list(client.chat.completions.create(**request("What's the weather in Rome, Italy?")))
            except BaseException:
                pass  # even swallowed, the mismatch fails the test
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*no recorded interaction matches this request*",
            f"*cassette: {SEED} (go-vcr, 2 interactions, 0 used), record mode none",
            "*request:  POST http://localhost:8080/v1/chat/completions model=openai/gpt-oss-20b messages=2 *",
            "  recorded #0 (unused, 99% alike): model=openai/gpt-oss-20b messages=2 last user: *Florence*",
            "What differs from #0 (recorded → sent):",
            '  messages[1].content: "What\'s the weather in Florence, Italy?" → "What\'s the weather in Rome, Italy?"',
            f"To record anew, convert it first: `python -m pytest_llmcassette convert {SEED}`.",
        ]
    )
    assert "sk-anything" not in result.stdout.str()


def test_stopping_after_the_first_request_fails_for_the_unused_second(pytester: pytest.Pytester) -> None:
    _suite(
        pytester,
        SEED,
        """
        @pytest.mark.llm_cassette(CASSETTE)
        def test_first_only():
            client = openai.OpenAI(base_url="http://localhost:8080/v1", api_key="sk-anything")
            check_first(accumulate(client.chat.completions.create(**request())))
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*1 recorded interaction was never requested*", '*#1 POST http://localhost:8080/v1/chat/completions*"40 C"*']
    )


def test_converted_seed_replays_identically(pytester: pytest.Pytester, tmp_path: Path) -> None:
    source = tmp_path / SEED.name
    shutil.copyfile(SEED, source)
    before = source.read_bytes()
    assert main(["convert", str(source), "--out", str(tmp_path / "out")]) == 0  # the CLI, in this process
    assert source.read_bytes() == before
    converted = tmp_path / "out" / SEED.name
    assert f"llm_cassette: {native.VERSION}\n" in converted.read_text(encoding="utf-8")
    _suite(
        pytester,
        converted,
        BOTH_CLIENTS,
    )
    pytester.runpytest().assert_outcomes(passed=2)
