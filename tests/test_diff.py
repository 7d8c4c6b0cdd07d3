"""The mismatch message's parts: request summary, likeness, field-by-field diff and volatile paths."""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmcassette._diff import (
    ABSENT,
    Difference,
    differences,
    field_diff,
    format_path,
    similarity,
    summary,
    volatile_paths,
)
from pytest_llmcassette._matching import MatchRules

FLORENCE: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "What's the weather in Florence?"},
    ],
    "tools": [{"type": "function", "function": {"name": "weather"}}],
    "stream": True,
}
ROME: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "What's the weather in Rome?"},
    ],
    "temperature": 0.2,
    "tools": [{"type": "function", "function": {"name": "get_weather"}}],
}


def body(value: Any) -> bytes:
    return json.dumps(value).encode()


# field_diff


def test_the_issue_examples() -> None:
    assert field_diff(FLORENCE, ROME) == [
        'messages[1].content: "What\'s the weather in Florence?" → "What\'s the weather in Rome?"',
        'tools[0].function.name: "weather" → "get_weather"',
        "stream: true → absent",
        "temperature: absent → 0.2",
    ]


def test_identical_values_have_no_lines() -> None:
    assert field_diff(FLORENCE, json.loads(json.dumps(FLORENCE))) == []
    assert field_diff({"b": 1, "a": 2}, {"a": 2, "b": 1}) == []
    assert differences(None, None) == []


def test_nested_dicts_and_lists() -> None:
    recorded = {"a": {"b": [1, {"c": "x"}], "d": {"e": None}}}
    sent = {"a": {"b": [1, {"c": "y"}], "d": {"e": False}}}
    assert field_diff(recorded, sent) == ['a.b[1].c: "x" → "y"', "a.d.e: null → false"]


def test_lists_compared_by_position() -> None:
    grown = [*ROME["messages"], {"role": "user", "content": "And tomorrow?"}]
    assert field_diff(ROME["messages"], grown) == ['[2]: absent → {"role":"user","content":"And tomorrow?"}']
    assert field_diff({"messages": grown}, {"messages": ROME["messages"]}) == [
        'messages[2]: {"role":"user","content":"And tomorrow?"} → absent'
    ]


def test_absent_and_present_both_ways() -> None:
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    assert field_diff({}, {"tools": [tool]}) == [
        'tools: absent → [{"type":"function","function":{"name":"get_weather","parame…'
    ]
    assert field_diff({"tools": []}, {"tools": [tool]}) == [
        'tools[0]: absent → {"type":"function","function":{"name":"get_weather","paramet…'
    ]
    assert field_diff({"n": 1}, {}) == ["n: 1 → absent"]


def test_type_changes() -> None:
    assert field_diff({"max_tokens": 100}, {"max_tokens": "100"}) == ['max_tokens: 100 → "100"']
    assert field_diff({"x": 1}, {"x": 1.0}) == ["x: 1 → 1.0"]
    assert field_diff({"x": 1}, {"x": True}) == ["x: 1 → true"]
    assert field_diff({"x": [1]}, {"x": {"0": 1}}) == ['x: [1] → {"0":1}']
    assert field_diff([], {}) == ["(body): [] → {}"]


def test_ignored_paths_are_listed_last_and_marked() -> None:
    recorded = {"metadata": {"trace_id": "a"}, "messages": [{"name": "x", "content": "hi"}], "seed": 1}
    sent = {"metadata": {"trace_id": "b"}, "messages": [{"name": "y", "content": "ho"}], "seed": 2}
    rules = MatchRules.from_paths(["metadata.trace_id", "messages.*.name"])
    assert field_diff(recorded, sent, rules.ignore_body_paths) == [
        'messages[0].content: "hi" → "ho"',
        "seed: 1 → 2",
        'metadata.trace_id: "a" → "b" (ignored)',
        'messages[0].name: "x" → "y" (ignored)',
    ]


def test_ignored_pattern_covers_what_is_below_it() -> None:
    recorded = {"metadata": {"a": {"b": 1}}, "tags": ["x"]}
    sent = {"metadata": {"a": {"b": 2}}, "tags": ["x", "y"]}
    assert field_diff(recorded, sent, [("metadata",), ("tags", "*")]) == [
        "metadata.a.b: 1 → 2 (ignored)",
        'tags[1]: absent → "y" (ignored)',
    ]
    # an index pattern (tags[0]) matches that list item, as in matching
    assert field_diff({"tags": ["x", "z"]}, {"tags": ["y", "w"]}, [("tags", "0")]) == [
        'tags[1]: "z" → "w"',
        'tags[0]: "x" → "y" (ignored)',
    ]


def test_cap_and_count() -> None:
    recorded = {f"k{i}": i for i in range(20)}
    sent = {f"k{i}": -i for i in range(1, 20)}
    lines = field_diff(recorded, sent, limit=5)
    assert lines == [
        "k0: 0 → absent",
        "k1: 1 → -1",
        "k2: 2 → -2",
        "k3: 3 → -3",
        "k4: 4 → -4",
        "… and 15 more differences",
    ]
    assert field_diff(recorded, sent, limit=19)[-1] == "… and 1 more difference"
    assert len(field_diff(recorded, sent, limit=20)) == 20


def test_long_strings_shortened_around_first_difference() -> None:
    head, tail = "The quick brown fox jumps over the lazy dog. " * 3, " and then it rests in the shade." * 3
    assert field_diff({"s": head + "Florence" + tail}, {"s": head + "Rome" + tail}) == [
        's: "… fox jumps over the lazy dog. Florence and then it rests in …" → '
        '"… fox jumps over the lazy dog. Rome and then it rests in the …"'
    ]


def test_long_string_difference_near_either_end() -> None:
    text = "x" * 100
    assert field_diff({"s": "A" + text}, {"s": "B" + text}) == [f's: "A{"x" * 29}…" → "B{"x" * 29}…"']
    assert field_diff({"s": text + "A"}, {"s": text + "B"}) == [f's: "…{"x" * 30}A" → "…{"x" * 30}B"']
    assert field_diff({"s": text}, {"s": text + "!"}) == [f's: "…{"x" * 30}" → "…{"x" * 30}!"']


def test_unicode() -> None:
    assert field_diff({"città": "Firenze ☀"}, {"città": "Roma 🌧"}) == ['città: "Firenze ☀" → "Roma 🌧"']
    assert field_diff({"x-y": "a\nb"}, {"x-y": 'a"b'}) == ['["x-y"]: "a\\nb" → "a\\"b"']
    long = "日本語" * 30
    assert field_diff({"s": long + "東"}, {"s": long + "西"}) == [f's: "…{long[-30:]}東" → "…{long[-30:]}西"']


def test_format_path() -> None:
    assert format_path(()) == "(body)"
    assert format_path(("messages", 1, "content")) == "messages[1].content"
    assert format_path(("headers", "x-y", "0")) == 'headers["x-y"]["0"]'
    assert format_path((0, "a")) == "[0].a"


def test_differences_are_structured() -> None:
    assert differences({"a": [1]}, {"a": [1, 2]}, [("a", "*")]) == [Difference(("a", 1), ABSENT, 2, ignored=True)]


# volatile_paths


def test_volatile_paths() -> None:
    recorded = {
        "metadata": {"request_id": "a", "tenant": "t"},
        "messages": [{"name": "x", "id": "m1", "content": "hi"}],
        "seed": 1,
        "user": "u1",
        "created_at": 1,
        "traceId": "a",
        "temperature": 0.1,
        "nested": {"x.y": {"id": 1}},
    }
    sent = {
        "metadata": {"request_id": "b", "tenant": "u"},
        "messages": [{"name": "y", "id": "m2", "content": "ho"}],
        "seed": 2,
        "user": "u2",
        "created_at": 2,
        "traceId": "b",
        "temperature": 0.2,
        "nested": {"x.y": {"id": 2}},
    }
    assert volatile_paths(differences(recorded, sent)) == [
        "metadata.request_id",
        "metadata.tenant",
        "messages[*].id",
        "seed",
        "user",
        "created_at",
        "traceId",
    ]
    assert volatile_paths(differences(recorded, sent, [("seed",), ("metadata", "*")])) == [
        "messages[*].id",
        "user",
        "created_at",
        "traceId",
    ]


def test_volatile_paths_read_back_as_match_rules() -> None:
    recorded = {"messages": [{"role": "user", "id": "a"}], "metadata": {"trace_id": "a"}}
    sent = {"messages": [{"role": "user", "id": "b"}], "metadata": {"trace_id": "b"}}
    rules = MatchRules.from_paths(volatile_paths(differences(recorded, sent)))
    assert all(d.ignored for d in differences(recorded, sent, rules.ignore_body_paths))


def test_nothing_volatile() -> None:
    assert volatile_paths(differences(FLORENCE, ROME)) == []


# similarity


def test_similarity_ranks_the_nearer_body_higher() -> None:
    paris = {**ROME, "messages": [ROME["messages"][0], {"role": "user", "content": "Tell me a joke"}]}
    assert similarity(FLORENCE, FLORENCE) == 1.0
    assert 0 < similarity(FLORENCE, paris) < similarity(FLORENCE, ROME) < 1
    assert similarity({"a": 1}, {"b": 1}) == 0.0
    assert similarity("abcd", "abXd") == 0.75
    assert similarity([], []) == 1.0


def test_large_bodies_are_quick() -> None:
    big = {"model": "m", "messages": [{"role": "user", "content": f"{'word ' * 50}{i}"} for i in range(1500)]}
    other = json.loads(json.dumps(big))
    other["messages"].insert(0, {"role": "system", "content": "x" * 200_000})
    assert len(body(big)) > 300_000
    started = time.perf_counter()
    similarity(big, other)
    lines = field_diff(big, other)
    summary("POST", "https://api.openai.com/v1/chat/completions", body(other))
    assert time.perf_counter() - started < 1
    assert lines[-1] == "… and 1490 more differences"


# summary

CHAT_URL = "https://api.openai.com/v1/chat/completions"


def test_summary_openai_chat() -> None:
    request: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "assistant", "content": None, "tool_calls": [{"function": {"name": "get_weather"}}]},
            {"role": "user", "content": "What's the weather in Rome, and\nwhat should I wear tomorrow?"},
        ],
        "tools": [{"type": "function", "function": {"name": n}} for n in ("get_weather", "search")],
        "stream": True,
    }
    assert summary("post", CHAT_URL, body(request)) == (
        f"POST {CHAT_URL} model=gpt-4o-mini messages=3 "
        'last user: "What\'s the weather in Rome, and what sho…" tools=[get_weather, search] stream=true'
    )
    request["messages"] = request["messages"][:2]
    del request["stream"]
    assert summary("POST", CHAT_URL, body(request)).endswith(
        'messages=2 last assistant: "[tool_calls: get_weather]" tools=[get_weather, search]'
    )


def test_summary_anthropic() -> None:
    request = {
        "model": "claude-3-5-haiku-latest",
        "max_tokens": 100,
        "system": [{"type": "text", "text": "You are terse."}],
        "messages": [
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "get_weather", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "sunny"}]},
        ],
        "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
        "stream": False,
    }
    assert summary("POST", "https://api.anthropic.com/v1/messages", body(request)) == (
        "POST https://api.anthropic.com/v1/messages model=claude-3-5-haiku-latest "
        'system="You are terse." messages=3 last user: "sunny" tools=[get_weather] stream=false'
    )


def test_summary_responses() -> None:
    url = "https://api.openai.com/v1/responses"
    plain = {"model": "gpt-4.1", "input": "Tell me a joke", "tools": [{"type": "web_search_preview"}]}
    assert (
        summary("POST", url, body(plain))
        == f'POST {url} model=gpt-4.1 input="Tell me a joke" tools=[web_search_preview]'
    )
    items = {
        "model": "gpt-4.1",
        "instructions": "Be brief",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "Add 40 and 2"}]},
            {"type": "function_call_output", "call_id": "c1", "output": "42"},
        ],
        "tools": [{"type": "function", "name": "add"}],
    }
    assert summary("POST", url, body(items)) == (
        f'POST {url} model=gpt-4.1 instructions="Be brief" input=2 last function_call_output: "42" tools=[add]'
    )


def test_summary_embeddings() -> None:
    url = "https://api.openai.com/v1/embeddings"
    assert summary("POST", url, body({"model": "text-embedding-3-small", "input": "hello"})) == (
        f'POST {url} model=text-embedding-3-small input="hello"'
    )
    assert summary("POST", url, body({"model": "text-embedding-3-small", "input": ["a", "b"]})) == (
        f'POST {url} model=text-embedding-3-small input=2 last: "b"'
    )


def test_summary_other_bodies() -> None:
    url = "https://example.test/x"
    assert summary("GET", url, b"") == f"GET {url}"
    assert summary("POST", url, body({"foo": 1, "bar": 2})) == f"POST {url} keys=foo,bar"
    assert (
        summary("POST", url, body({f"k{i}": i for i in range(10)}))
        == f"POST {url} keys={','.join(f'k{i}' for i in range(8))},… 2 more"
    )
    assert summary("POST", url, b"[1, 2]") == f'POST {url} "[1, 2]"'
    assert summary("POST", url, b"a=1&b=2") == f'POST {url} "a=1&b=2"'
    assert summary("POST", url, b"{not json") == f'POST {url} "{{not json"'
    assert summary("POST", url, bytes(range(256))) == f"POST {url} <256 bytes>"
    assert summary("POST", url, b"\x00\x01abc") == f"POST {url} <5 bytes>"
    assert summary("POST", url, ("é" * 100).encode()) == f'POST {url} "{"é" * 60}…"'


# properties

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=80),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(json_values, json_values)
def test_diff_is_empty_exactly_for_equal_values(a: Any, b: Any) -> None:
    assert field_diff(a, a, limit=10_000) == []
    assert similarity(a, a) == 1.0
    assert 0.0 <= similarity(a, b) <= 1.0
    if a != b:
        assert field_diff(a, b, limit=10_000) != []
        assert similarity(a, b) < 1.0
