"""The ledger: the tokens (and, at the user's prices, the money) that replay stands for, from the usage fields
of the recorded responses, checked against hand-counted figures."""

from __future__ import annotations

import json

import pytest

from pytest_llmcassette._ledger import Price, Tokens, price_table, prices, usage
from pytest_llmcassette._model import Interaction, RecordedRequest, RecordedResponse
from stub_server import StubServer


def _interaction(body: object, *events: object, named: tuple[str, ...] = ()) -> Interaction:
    request = RecordedRequest("POST", "https://api.example/v1/x", (), json.dumps({"model": "m-1"}).encode())
    if not events:
        return Interaction(request, RecordedResponse(200, (), (json.dumps(body).encode(),)))
    names = named or ("",) * len(events)
    chunks = tuple(
        (f"event: {name}\n" if name else "").encode() + b"data: " + json.dumps(event).encode() + b"\n\n"
        for name, event in zip(names, events, strict=True)
    )
    return Interaction(request, RecordedResponse(200, (("content-type", "text/event-stream"),), chunks))


@pytest.mark.parametrize(
    ("interaction", "tokens"),
    [
        (  # OpenAI chat completion, cached input
            _interaction(
                {"usage": {"prompt_tokens": 12, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 8}}}
            ),
            Tokens(12, 5, 8),
        ),
        (_interaction({"object": "list", "usage": {"prompt_tokens": 7, "total_tokens": 7}}), Tokens(7, 0, 0)),
        (  # OpenAI stream with include_usage: the usage chunk
            _interaction(
                None,
                {"choices": [{"delta": {"content": "hi"}}]},
                {"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 3}},
            ),
            Tokens(5, 3, 0),
        ),
        (  # Anthropic stream: input from message_start, output from the last message_delta
            _interaction(
                None,
                {"type": "message_start", "message": {"usage": {"input_tokens": 20, "output_tokens": 1}}},
                {"type": "content_block_delta", "delta": {"text": "hi"}},
                {"type": "message_delta", "usage": {"output_tokens": 9}},
                named=("message_start", "content_block_delta", "message_delta"),
            ),
            Tokens(20, 9, 0),
        ),
        (  # Anthropic message with cache reads and writes beside input_tokens
            _interaction(
                {
                    "usage": {
                        "input_tokens": 10,
                        "output_tokens": 4,
                        "cache_read_input_tokens": 100,
                        "cache_creation_input_tokens": 50,
                    }
                }
            ),
            Tokens(160, 4, 100),
        ),
        (  # OpenAI Responses stream
            _interaction(
                None,
                {"type": "response.output_text.delta", "delta": "hi"},
                {
                    "type": "response.completed",
                    "response": {
                        "usage": {"input_tokens": 30, "output_tokens": 6, "input_tokens_details": {"cached_tokens": 10}}
                    },
                },
            ),
            Tokens(30, 6, 10),
        ),
        (  # Gemini stream: each chunk repeats the running figures; the last counts
            _interaction(
                None,
                {"candidates": [{}], "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 1}},
                {"candidates": [{}], "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 6}},
            ),
            Tokens(4, 6, 0),
        ),
        (  # Groq stream: the last chunk's x_groq.usage
            _interaction(
                None,
                {"choices": [{"delta": {"content": "hi"}}]},
                {
                    "choices": [{"delta": {}}],
                    "x_groq": {"id": "r", "usage": {"prompt_tokens": 9, "completion_tokens": 2}},
                },
            ),
            Tokens(9, 2, 0),
        ),
        (  # Cohere v2: tokens used beside billed units
            _interaction(
                {
                    "usage": {
                        "billed_units": {"input_tokens": 1, "output_tokens": 1},
                        "tokens": {"input_tokens": 11, "output_tokens": 3},
                    }
                }
            ),
            Tokens(11, 3, 0),
        ),
        (  # Cohere v2 stream: message-end's delta.usage
            _interaction(
                None,
                {"type": "content-delta", "delta": {"message": {"content": {"text": "hi"}}}},
                {"type": "message-end", "delta": {"usage": {"tokens": {"input_tokens": 6, "output_tokens": 4}}}},
                named=("content-delta", "message-end"),
            ),
            Tokens(6, 4, 0),
        ),
        (_interaction({"no": "usage"}), Tokens()),
    ],
    ids=[
        *("chat", "embeddings", "chat-stream", "anthropic-stream", "anthropic-cache", "responses", "gemini"),
        *("groq-stream", "cohere", "cohere-stream", "none"),
    ],
)
def test_usage_of_each_provider(interaction: Interaction, tokens: Tokens) -> None:
    assert usage(interaction) == ("m-1", tokens)


def test_prices_are_per_million_tokens_and_cached_input_has_its_own() -> None:
    table = prices(["gpt-4o-mini = 0.15, 0.60, 0.075", "", "other = 1, 2"])
    assert table == {"gpt-4o-mini": Price(0.15, 0.60, 0.075), "other": Price(1, 2)}
    assert table["gpt-4o-mini"].of(Tokens(1_000_000, 1_000_000, 400_000)) == pytest.approx(0.09 + 0.03 + 0.60)
    with pytest.raises(ValueError, match="'gpt-4o = cheap' is not `model = input, output"):
        prices(["gpt-4o = cheap"])
    assert price_table({"a": (0.15, 0.6, 0.075), "b": "1, 2"}) == {"a": Price(0.15, 0.6, 0.075), "b": Price(1, 2)}
    for wrong in ({"a": (1,)}, {"a": (1, -2)}, {"a": "x, y"}, {"a": None}, ["a"]):
        with pytest.raises(ValueError):
            price_table(wrong)


SUITE = """
import pytest
from chat import ask, ask_stream

@pytest.mark.llm_cassette
@pytest.mark.parametrize("words", ["one", "one two", "one two three"])
def test_chat(words):
    assert ask(words) == f"echo: {words}"
    assert ask_stream(words) == f"echo: {words}"
"""


def test_the_run_report_shows_what_replay_saved(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_priced=SUITE)
    suite.makeini("[pytest]\nllm_cassette_prices =\n    stub-model = 1000, 2000\n")
    recording = suite.runpytest("--record-mode=once")
    recording.assert_outcomes(passed=3)
    # The stub counts 5 input tokens a request and one output token a word, "echo:" included: 2, 3 and 4 words,
    # each asked plain and streamed (with its usage chunk): 6 requests, 30 input and 18 output tokens.
    recording.stdout.fnmatch_lines(["recording sent 6 requests, 48 tokens, about $0.07 at your prices"])
    stub.stop()
    result = suite.runpytest("--llm-cassette-report=report.json")
    result.stdout.fnmatch_lines(["replayed 6 requests, 48 tokens, about $0.07 at your prices, in * s"])
    ledger = json.loads((suite.path / "report.json").read_text())["ledger"]
    assert ledger["replayed"] == {
        "requests": 6,
        "tokens": 48,
        "by_model": {"stub-model": {"input": 30, "output": 18, "cached": 0}},
        "dollars": pytest.approx((30 * 1000 + 18 * 2000) / 1e6),
    }
    assert ledger["spent"]["requests"] == 0


PRICES_CONFTEST = """
import pytest

@pytest.fixture(scope="session")
def llm_cassette_prices():
    return {"stub-model": (10, 20)}
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_prices_from_the_fixture_beat_the_ini_and_show_under_a_cent(
    suite: pytest.Pytester, stub: StubServer, workers: list[str]
) -> None:
    suite.makepyfile(test_priced=SUITE)
    suite.makeini("[pytest]\nllm_cassette_prices =\n    stub-model = 1000, 2000\n")
    suite.makeconftest(PRICES_CONFTEST)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=3)
    stub.stop()
    result = suite.runpytest(*workers, "--llm-cassette-report=report.json")
    result.assert_outcomes(passed=3)
    # 30 input and 18 output tokens (as above) at $10 and $20 a million: $0.00066
    result.stdout.fnmatch_lines(["replayed 6 requests, 48 tokens, about $0.00066 at your prices, in * s"])
    ledger = json.loads((suite.path / "report.json").read_text())["ledger"]
    assert ledger["replayed"]["dollars"] == pytest.approx((30 * 10 + 18 * 20) / 1e6)


def test_prices_the_fixture_cannot_read_fail_naming_it(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_priced=SUITE)
    suite.makeconftest(PRICES_CONFTEST.replace("(10, 20)", "(10, 'two')"))
    result = suite.runpytest("--record-mode=once")
    result.stdout.fnmatch_lines(["*llm_cassette: the llm_cassette_prices fixture: 'stub-model': (10, 'two') is not*"])
