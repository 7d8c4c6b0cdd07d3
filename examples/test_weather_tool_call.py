"""Replays, unchanged, a go-vcr cassette that the OpenAI Go SDK recorded against a llama.cpp server.

The Python SDK orders JSON keys and spaces differently from Go: bodies match after normalization.
"""

import openai
import pytest

WEATHER_TOOL = {
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
}


def stream_turn(client: openai.OpenAI, messages: list[dict]) -> dict:
    """Send one streamed turn and fold its chunks into text, reasoning, the tool call and the usage."""
    stream = client.chat.completions.create(
        model="openai/gpt-oss-20b",
        messages=messages,
        tools=[WEATHER_TOOL],
        tool_choice="auto",
        reasoning_effort="high",
        stream=True,
        stream_options={"include_usage": True},
    )
    turn = {"content": "", "reasoning": "", "call": None, "arguments": "", "usage": None}
    for chunk in stream:
        turn["usage"] = chunk.usage or turn["usage"]
        for choice in chunk.choices:
            turn["content"] += choice.delta.content or ""
            turn["reasoning"] += getattr(choice.delta, "reasoning_content", None) or ""
            for call in choice.delta.tool_calls or []:
                turn["call"] = turn["call"] or call
                turn["arguments"] += call.function.arguments or ""
    return turn


@pytest.mark.llm_cassette
def test_weather_tool_call() -> None:
    client = openai.OpenAI(base_url="http://localhost:8080/v1", api_key="not-needed-for-replay")
    messages = [
        {"role": "system", "content": "You are a helpful assistant"},
        {"role": "user", "content": "What's the weather in Florence, Italy?"},
    ]
    first = stream_turn(client, messages)
    assert first["call"].function.name == "weather"
    assert first["arguments"] == '{"location":"Florence, Italy"}'
    assert first["usage"].total_tokens == 181

    messages += [
        {
            "role": "assistant",
            "reasoning_content": first["reasoning"],
            "tool_calls": [
                {
                    "id": first["call"].id,
                    "type": "function",
                    "function": {"name": "weather", "arguments": first["arguments"]},
                }
            ],
        },
        {"role": "tool", "tool_call_id": first["call"].id, "content": "40 C"},
    ]
    second = stream_turn(client, messages)
    assert second["content"] == "The current weather in Florence, Italy is **40 °C**."
