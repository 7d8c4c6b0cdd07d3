"""Request normalization: what makes two requests the same one."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmcassette._cassette import Cassette, CassetteOptions
from pytest_llmcassette._matching import MatchRules, RequestIndex, normalize_url, request_key
from pytest_llmcassette._model import Interaction, RecordedRequest, RecordedResponse, Recording

RULES = MatchRules()


def test_json_bodies_match_whatever_the_key_order_and_whitespace() -> None:
    go = b'{"messages":[{"content":"hi","role":"user"}],"model":"m","stream":true}'
    python = b'{ "model": "m",\n  "stream": true, "messages": [ {"role": "user", "content": "hi"} ] }'
    assert request_key("post", "http://h/v1", go, RULES) == request_key("POST", "http://h/v1", python, RULES)


@pytest.mark.parametrize(
    ("recorded", "sent"),
    [
        (b'{"a": [1, 2]}', b'{"a": [2, 1]}'),  # list order is meaning
        (b'{"a": 1}', b'{"a": 1.5}'),
        (b"not json", b"not  json"),  # anything else is bytes
        (b'{"a": "x"}', b'{"a": "X"}'),
    ],
)
def test_real_differences_do_not_match(recorded: bytes, sent: bytes) -> None:
    assert request_key("POST", "http://h/", recorded, RULES) != request_key("POST", "http://h/", sent, RULES)


def test_ignored_paths_reach_into_mappings_and_lists() -> None:
    rules = MatchRules.from_paths(["metadata.trace", "messages.*.name"])
    recorded = b'{"metadata": {"trace": 1, "keep": 2}, "messages": [{"name": "a", "content": "x"}]}'
    sent = b'{"metadata": {"trace": 9, "keep": 2}, "messages": [{"name": "b", "content": "x"}]}'
    assert request_key("POST", "http://h/", recorded, rules) == request_key("POST", "http://h/", sent, rules)
    changed = sent.replace(b'"keep": 2', b'"keep": 3')
    assert request_key("POST", "http://h/", recorded, rules) != request_key("POST", "http://h/", changed, rules)


def test_urls_ignore_query_order_host_case_fragment_and_credentials() -> None:
    assert normalize_url("HTTP://Api.Example/v1/x?b=2&a=1#frag") == normalize_url("http://api.example/v1/x?a=1&b=2")
    assert normalize_url("https://h/v1?key=secret-1&q=x") == normalize_url("https://h/v1?q=x&key=secret-2")
    assert "secret" not in normalize_url("https://h/v1?key=secret-1")
    assert normalize_url("https://h/v1/a") != normalize_url("https://h/v1/b")


def test_identical_requests_come_back_in_recorded_order() -> None:
    same, other = RecordedRequest("POST", "http://h/", body=b"{}"), RecordedRequest("POST", "http://h/", body=b"[]")
    index = RequestIndex([same, other, same], RULES)
    played = [False] * 3
    taken = [index.take(same.method, same.url, same.body, played) for _ in range(3)]
    assert taken == [0, 2, None]
    assert index.take(other.method, other.url, other.body, played) == 1
    assert played == [True] * 3
    assert index.recordings_of(same.method, same.url, b"{ }") == 2
    assert index.take(same.method, same.url, same.body, [False] * 3) == 0  # the index is shared, the flags are not


def test_a_request_sent_as_recorded_still_takes_the_first_unused_of_its_kind(tmp_path: Path) -> None:
    """A request whose bytes equal a recording's is keyed without parsing, by that recording's key: identical
    requests (the same JSON, keys in another order) still replay in recorded order."""
    bodies = [b'{"a":1,"b":2}', b'{"b":2,"a":1}']
    interactions = tuple(
        Interaction(RecordedRequest("POST", "http://h/v1", (), body), RecordedResponse(200, (), (str(n).encode(),)))
        for n, body in enumerate(bodies)
    )
    recording = Recording(tmp_path / "c.yaml", "native", interactions)
    index = RequestIndex([i.request for i in interactions], RULES)
    cassette = Cassette(recording.path, CassetteOptions(), recording, index)
    answers = [cassette.play("POST", "http://h/v1", body) for body in reversed(bodies)]
    assert [answer.chunks if answer else None for answer in answers] == [(b"0",), (b"1",)]


def test_ignored_paths_reach_nested_keys_and_list_items() -> None:
    rules = MatchRules.from_paths(["metadata.request_id", "messages[*].name", "tools[0].function.description"])
    recorded = (
        b'{"metadata":{"request_id":"a","team":"x"},"messages":[{"role":"user","name":"ann"}],'
        b'"tools":[{"function":{"name":"f","description":"old"}},{"function":{"name":"g","description":"kept"}}]}'
    )
    sent = recorded.replace(b'"a"', b'"b"').replace(b'"ann"', b'"bob"').replace(b'"old"', b'"new"')
    assert request_key("POST", "http://h/", recorded, rules) == request_key("POST", "http://h/", sent, rules)
    for before, after in ((b'"team":"x"', b'"team":"y"'), (b'"role":"user"', b'"role":"system"'), (b'"kept"', b'"x"')):
        edited = sent.replace(before, after)
        assert edited != sent and request_key("POST", "http://h/", recorded, rules) != request_key(
            "POST", "http://h/", edited, rules
        )


@pytest.mark.parametrize("path", ["a..b", "a.", "a[x]", "a[*]b", ""])
def test_a_path_that_is_not_one_is_refused(path: str) -> None:
    with pytest.raises(ValueError, match="is not a body path"):
        MatchRules.from_paths([path])
