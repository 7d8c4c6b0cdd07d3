"""A plain and a streamed chat completion, replayed from this plugin's own YAML cassettes.

Recorded once against a local OpenAI-compatible server with `pytest examples --record-mode=once`.
"""

import openai
import pytest


@pytest.fixture
def client() -> openai.OpenAI:
    return openai.OpenAI(base_url="http://127.0.0.1:8765/v1", api_key="not-needed-for-replay")


@pytest.mark.llm_cassette
def test_plain_answer(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello to the reviewers"}]
    )
    assert reply.choices[0].message.content == "echo: Say hello to the reviewers"


@pytest.mark.llm_cassette
def test_streamed_answer(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Stream this one word by word"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == (
        "echo: Stream this one word by word"
    )
    usage = chunks[-1].usage
    assert usage is not None
    assert usage.completion_tokens == 7
