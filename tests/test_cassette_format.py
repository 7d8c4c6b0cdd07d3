"""The native format round-trips every kind of body, keeps events as data, and appends without rewriting."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from pytest_llmcassette import CassetteFormatError, _yaml
from pytest_llmcassette._matching import parse_json
from pytest_llmcassette._model import Interaction, RecordedRequest, RecordedResponse
from pytest_llmcassette.formats import native, read_recording

SSE = (
    b'event: message_start\ndata: {"type":"message_start","n":1}\n\n'
    b": keep-alive\n\n"
    b"id: 7\nretry: 1000\ndata: plain words\n\n"
    b"data: [DONE]\n\n"
)


def _interaction(body: bytes, content_type: str, request_body: bytes = b'{"model":"m"}') -> Interaction:
    return Interaction(
        RecordedRequest("POST", "https://api.example/v1/x", (("content-type", "application/json"),), request_body),
        RecordedResponse(200, (("content-type", content_type),), (body,)),
    )


@pytest.mark.parametrize(
    ("body", "content_type", "stored_as"),
    [
        (b'{"b": 1, "a": [1, 2.5, null, "\\u00b0C"]}', "application/json", "json"),
        (SSE, "text/event-stream", "events"),
        (b"data: no blank line at the end\n", "text/event-stream", "text"),
        (b"data: one\ndata: two\n\n", "text/event-stream", "text"),
        (b"plain text\nwith lines\n", "text/plain", "text"),
        (b"\x89PNG\r\n\x1a\n\x00\xff", "image/png", "base64"),
    ],
)
def test_bodies_round_trip(tmp_path: Path, body: bytes, content_type: str, stored_as: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(native.write(native.to_documents([_interaction(body, content_type)])))
    document = _yaml.load(path.read_text())
    assert stored_as in document["interactions"][0]["response"]

    (replayed,) = read_recording(path).interactions
    if stored_as == "json":
        assert parse_json(replayed.response.body) == parse_json(body)
    else:
        assert replayed.response.body == body
    if content_type == "text/event-stream":
        events = body.count(b"\n\n") + (not body.endswith(b"\n\n"))  # an unfinished last event is a chunk too
        assert len(replayed.response.chunks) == events  # one chunk per event: lazy replay


def test_events_are_yaml_data_one_line_each(tmp_path: Path) -> None:
    text = native.write(native.to_documents([_interaction(SSE, "text/event-stream; charset=utf-8")]))
    assert '    - event: message_start\n      json: {"type":"message_start","n":1}\n' in text
    assert yaml.safe_load(text) == _yaml.load(text)  # plain YAML to any reader, not an escaped string
    document = _yaml.load(text)
    assert document["interactions"][0]["response"]["events"] == [
        {"event": "message_start", "json": {"type": "message_start", "n": 1}},
        {"comment": "keep-alive"},
        {"id": "7", "retry": "1000", "data": "plain words"},
        {"data": "[DONE]"},
    ]
    assert document["interactions"][0]["request"]["json"] == {"model": "m"}


EVENTS_AS_WRITTEN = """\
llm_cassette: 1
interactions:
- request:
    method: POST
    url: http://x/v1/chat
  response:
    status: 200
    headers:
      content-type: text/event-stream
    events:
    - json: {"a": 1,  "b": [true, null]}
    - event: delta
      json: {"e": 1.5}
    - json: {"c":"d"}
    - data: '[DONE]'
"""


def test_events_replay_as_their_lines_hold_them(tmp_path: Path) -> None:
    """The block reader keeps each event's line of JSON with its data, and replay serves that line as it is."""
    path = tmp_path / "written.yaml"
    path.write_text(EVENTS_AS_WRITTEN)
    (interaction,) = read_recording(path).interactions
    assert interaction.response.chunks == (
        b'data: {"a": 1,  "b": [true, null]}\n\n',
        b'event: delta\ndata: {"e": 1.5}\n\n',
        b'data: {"c":"d"}\n\n',
        b"data: [DONE]\n\n",
    )


def test_events_read_by_libyaml_replay_as_compact_json_of_their_data(tmp_path: Path) -> None:
    """A file the block reader leaves to libyaml (here for a comment after a value) has no lines kept: its events'
    data is served as compact JSON, as servers send it, the same data as above."""
    path = tmp_path / "edited.yaml"
    path.write_text(EVENTS_AS_WRITTEN.replace("status: 200", "status: 200  # a comment"))
    (interaction,) = read_recording(path).interactions
    assert interaction.response.chunks == (
        b'data: {"a":1,"b":[true,null]}\n\n',
        b'event: delta\ndata: {"e":1.5}\n\n',
        b'data: {"c":"d"}\n\n',
        b"data: [DONE]\n\n",
    )


def test_events_are_written_as_compact_json_the_server_s_way(tmp_path: Path) -> None:
    """The wire's compact JSON, unless YAML 1.1 would read it otherwise (``1e-05`` is a string there): then
    PyYAML's flow mapping (``1.0e-05``, a float in both). Either way the value replays unchanged."""
    body = b'data: {"id":"x","n":[1,2.5]}\n\ndata: {"p":1e-05,"q":"\\u2028"}\n\n'
    text = native.write(native.to_documents([_interaction(body, "text/event-stream")]))
    assert '    - json: {"id":"x","n":[1,2.5]}\n' in text
    assert '    - json: {"p": 1.0e-05, "q": "\\L"}\n' in text
    path = tmp_path / "c.yaml"
    path.write_text(text)
    chunks = read_recording(path).interactions[0].response.chunks
    assert chunks[0] == b'data: {"id":"x","n":[1,2.5]}\n\n'
    assert [parse_json(chunk.removeprefix(b"data: ")) for chunk in chunks] == [
        {"id": "x", "n": [1, 2.5]},
        {"p": 1e-05, "q": "\u2028"},
    ]


def test_append_keeps_every_existing_byte(tmp_path: Path) -> None:
    existing = (
        native.write(native.to_documents([_interaction(b'{"n": 1}', "application/json")])) + "# a reviewer's note\n"
    )
    combined = native.append(existing, native.to_documents([_interaction(b'{"n": 2}', "application/json")]))
    assert combined.startswith(existing.replace("count: 1\n", "").rstrip("\n"))  # all but the closing count
    assert combined.endswith("count: 2\n")
    path = tmp_path / "c.yaml"
    path.write_text(combined)
    assert [i.response.body for i in read_recording(path).interactions] == [b'{"n":1}', b'{"n":2}']


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("llm_cassette: 3\ninteractions: []\n", "written by a newer pytest-llmcassette (cassette format 3"),
        ("llm_cassette: 2\ninteractions: []\n", "no closing 'count' line: the file was cut short"),
        ("llm_cassette: 1\n", "interactions is missing"),
        ("llm_cassette: 1\ninteractions:\n- request: {method: GET}\n  response: {status: 200}\n", "no URL"),
        (
            "llm_cassette: 1\ninteractions:\n- request: {method: GET, url: 'http://x/'}\n  response: {status: 999}\n",
            "HTTP status code",
        ),
        (
            "llm_cassette: 1\ninteractions:\n- request: {method: GET, url: 'http://x/', json: 3}\n"
            "  response: {status: 200}\n",
            "json body must be a mapping or a list",
        ),
        (
            "llm_cassette: 1\ninteractions:\n- request: {method: GET, url: 'http://x/'}\n"
            "  response: {status: 200, base64: '!!!'}\n",
            "not valid base64",
        ),
        (
            "llm_cassette: 1\ninteractions:\n- request: {method: GET, url: 'http://x/'}\n"
            "  response: {status: 200, text: a, json: {}}\n",
            "more than one body: json, text",
        ),
        (
            "llm_cassette: 1\ninteractions:\n- request: {method: POST, url: 'http://x/', json: {a: .nan}}\n"
            "  response: {status: 200}\n",
            "the request json body is not JSON data",
        ),
    ],
)
def test_malformed_native_files_name_file_interaction_and_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(CassetteFormatError) as caught:
        read_recording(path)
    assert str(path) in caught.value.msg and problem in caught.value.msg
    if "interactions:\n-" in text:
        assert "interaction 0" in caught.value.msg


@pytest.mark.parametrize(
    "body",
    ["json: &loop [*loop]", "json: &loop {a: *loop}", "events: [{json: &loop {a: [*loop]}}]"],
)
def test_values_that_contain_themselves_are_a_format_error(tmp_path: Path, body: str) -> None:
    path = tmp_path / "recursive.yaml"
    request = "{method: GET, url: 'http://x/'}"
    path.write_text(f"llm_cassette: 1\ninteractions:\n- request: {request}\n  response: {{status: 200, {body}}}\n")
    with pytest.raises(CassetteFormatError) as caught:
        read_recording(path)
    assert str(path) in caught.value.msg and "contain itself" in caught.value.msg


def test_embedding_vectors_are_one_line_each_and_exact(tmp_path: Path) -> None:
    vector = [0.1, -0.2, 1e-05, 3.141592653589793, 0.0, -0.0, 12345.678, 2.5e-10, 7, 1.0000000000000002]
    body = json.dumps({"object": "list", "data": [{"embedding": vector, "index": 0}], "usage": {"total": 4}})
    text = native.write(native.to_documents([_interaction(body.encode(), "application/json")]))
    line = next(line for line in text.splitlines() if "embedding:" in line)
    assert line.strip().removeprefix("- ").startswith("embedding: [") and line.endswith("]")  # one line
    path = tmp_path / "embeddings.yaml"
    path.write_text(text)
    (interaction,) = read_recording(path).interactions
    replayed = json.loads(interaction.response.body)["data"][0]["embedding"]
    assert replayed == vector and [math.copysign(1, x) for x in replayed] == [math.copysign(1, x) for x in vector]
    assert yaml.safe_load(text)["interactions"][0]["response"]["json"]["usage"] == {"total": 4}
