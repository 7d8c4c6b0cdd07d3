"""What the file holds is what the SDK gets: replay of a native cassette serves exactly the events and bodies that
``yaml.safe_load`` of the same file describes, whichever YAML reader read it.

Recorded streamed cassettes are edited at every line with constructs the block reader leaves to libyaml
(a comment after a value, an anchor, a tag), and each edit is replayed through the real openai SDK.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml

from pytest_llmcassette import CassetteOptions
from pytest_llmcassette._model import Interaction, RecordedRequest
from pytest_llmcassette._session import CassetteSession
from pytest_llmcassette._wire import response as wire_response
from pytest_llmcassette._yaml import _block
from pytest_llmcassette.formats import native, read_recording
from stub_server import chunks

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's reading, as yaml.safe_load's, quicker
EXAMPLES = Path(__file__).parent.parent / "examples" / "cassettes" / "test_chat"
BASE_URL = "http://127.0.0.1:8765/v1"


def _long_stream() -> Interaction:
    """A streamed answer of 25 events, as the stub server sends one."""
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "long"}], "stream": True}
    words = [f"w{n}" for n in range(22)]
    events = b"".join(b"data: %s\n\n" % json.dumps(c, separators=(",", ":")).encode() for c in chunks(body, words))
    request = RecordedRequest("POST", f"{BASE_URL}/chat/completions", (), json.dumps(body).encode())
    headers = (("content-type", "text/event-stream"),)
    return Interaction(request, wire_response(200, headers, events + b"data: [DONE]\n\n"))


def _recorded_cassette() -> str:
    """The shipped example cassettes (recorded for real) and a long stream, written as one native cassette."""
    recorded = [i for path in sorted(EXAMPLES.iterdir()) for i in read_recording(path).interactions]
    return native.write(native.to_documents([*recorded, _long_stream()]))


CASSETTE = _recorded_cassette()


def _edits(text: str) -> Iterator[tuple[str, str]]:
    """``(what, edited text)`` for every line: a comment after it, and an anchor or a tag on its value."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        variants = {"comment": line + "  # edited by hand"}
        key, colon, value = line.partition(": ")
        if colon and value and not value.startswith(("|", "&", "!")):
            variants["anchor"] = f"{key}: &edited {value}"
            if not value.startswith(("{", "[", "'", '"')) and not value[0].isdigit():
                variants["tag"] = f"{key}: !!str {value}"
        for what, edited in variants.items():
            yield f"line {number + 1} {what}", "\n".join([*lines[:number], edited, *lines[number + 1 :]])
    yield "directive first", "%YAML 1.1\n---\n" + text


def _yaml_edits(text: str) -> list[tuple[str, str]]:
    """The edits that are still YAML (an anchor on a key's nested collection may not be)."""
    edits = []
    for what, edited in _edits(text):
        try:
            yaml.load(edited, SAFE_LOADER)
        except yaml.YAMLError:
            continue
        edits.append((what, edited))
    return edits


def _expected(interaction: dict[str, Any]) -> list[Any]:
    """What the SDK must receive for an interaction, as ``yaml.safe_load`` describes it: events, or a JSON body."""
    response = interaction["response"]
    if "events" in response:
        return list(response["events"])
    return [response["json"]]


def _received(raw: bytes, streamed: bool) -> list[Any]:
    if not streamed:
        return [json.loads(raw)]
    events = []
    for block in raw.decode().split("\n\n")[:-1]:
        event: dict[str, Any] = {}
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            try:
                event["json" if name == "data" else name] = json.loads(value) if name == "data" else value
            except ValueError:  # data that is not JSON: [DONE]
                event[name] = value
        events.append(event)
    return events


CLIENT = openai.OpenAI(base_url=BASE_URL, api_key="replay", max_retries=0)
SESSION = CassetteSession()


def _replay(path: Path, document: dict[str, Any]) -> list[list[Any]]:
    """Every interaction of ``document`` asked of the replaying cassette at ``path`` through the openai SDK."""
    session, client = SESSION, CLIENT
    cassette = session.open(path, CassetteOptions())
    answers = []
    with session.bridge.serving(cassette):
        for interaction in document["interactions"]:
            request = interaction["request"]
            with client.chat.completions.with_streaming_response.create(**request["json"]) as response:
                answers.append(_received(response.read(), "events" in interaction["response"]))
    cassette.verify()
    return answers


def test_the_edits_reach_libyaml() -> None:
    """The edits below are the ones the block reader gives up on, so the test exercises libyaml's reading."""
    declined = 0
    for _, text in _yaml_edits(CASSETTE):
        try:
            _block.read(text)
        except _block.Unsupported:
            declined += 1
    assert declined > 100
    assert _block.read(CASSETTE) == yaml.load(CASSETTE, SAFE_LOADER)  # and the unedited cassette is the block reader's


@pytest.mark.parametrize(("what", "text"), _yaml_edits(CASSETTE), ids=lambda value: value if len(value) < 40 else "")
def test_replay_serves_what_safe_load_reads(tmp_path: Path, what: str, text: str) -> None:
    document = yaml.load(text, SAFE_LOADER)
    path = tmp_path / "edited.yaml"
    path.write_text(text)
    received = _replay(path, document)
    assert received == [_expected(interaction) for interaction in document["interactions"]], what
