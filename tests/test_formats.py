"""Other tools' cassettes: each fixture in ``data/formats`` replays with the real openai SDK, no server running;
shapes are told apart by what they hold; a malformed file is named with its interaction and its problem.

The vcrpy and cassetter fixtures were recorded by the tools themselves (``data/formats/generate.py``) from
``stub_server.py``; the go-vcr ones are written by hand with the same traffic. Expected answers come from the stub.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pytest_llmcassette import CassetteFormatError, _yaml
from pytest_llmcassette._model import Interaction
from pytest_llmcassette.formats import read_recording
from stub_server import answer_words, chunks, completion

FORMATS = Path(__file__).parent / "data" / "formats"
MODEL = "stub-model"
PLAIN_QUESTION = "What is a cassette?"
STREAM_QUESTION = "Stream a short answer"
FIXTURES = {
    "vcrpy.yaml": "vcrpy",
    "vcrpy_gzip.yaml": "vcrpy",
    "vcrpy_parsed_json.yaml": "vcrpy",
    "cassetter.yaml": "cassetter",
    "govcr_v1.yaml": "go-vcr",
    "govcr_v2_minimal.yaml": "go-vcr",
    "govcr_v2_full.yaml": "go-vcr",
}

# Written into each inner session: the recorded calls, made again through the real openai SDK.
CLIENT = """
import openai


def _messages(text):
    return [{"role": "user", "content": text}]


def _usage(usage):
    return usage.prompt_tokens, usage.completion_tokens, usage.total_tokens


def _streamed(chunks):
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices), _usage(chunks[-1].usage)


def ask(url, text):
    reply = openai.OpenAI(base_url=url, api_key="x").chat.completions.create(model=MODEL, messages=_messages(text))
    return reply.choices[0].message.content, _usage(reply.usage)


def ask_stream(url, text):
    client = openai.OpenAI(base_url=url, api_key="x")
    stream = client.chat.completions.create(
        model=MODEL, messages=_messages(text), stream=True, stream_options={"include_usage": True}
    )
    return _streamed(list(stream))


async def ask_async(url, text):
    client = openai.AsyncOpenAI(base_url=url, api_key="x")
    reply = await client.chat.completions.create(model=MODEL, messages=_messages(text))
    return reply.choices[0].message.content, _usage(reply.usage)


async def ask_stream_async(url, text):
    client = openai.AsyncOpenAI(base_url=url, api_key="x")
    stream = await client.chat.completions.create(
        model=MODEL, messages=_messages(text), stream=True, stream_options={"include_usage": True}
    )
    return _streamed([chunk async for chunk in stream])
"""


def _request(question: str, stream: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": question}], "model": MODEL}
    return {**body, "stream": True, "stream_options": {"include_usage": True}} if stream else body


def _answer(question: str, stream: bool = False) -> tuple[str, tuple[int, int, int]]:
    """The stub's answer to the question: text and (prompt, completion, total) tokens."""
    body = _request(question, stream)
    words = answer_words(body)
    usage = chunks(body, words)[-1]["usage"] if stream else completion(body, words)["usage"]
    return " ".join(words), (usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"])


def _base_url(path: Path) -> str:
    found = re.search(r"http://127\.0\.0\.1:\d+/v1(?=/chat/completions)", path.read_text(encoding="utf-8"))
    assert found, f"no recorded URL in {path}"
    return found.group()


def _suite(pytester: pytest.Pytester, cassette: Path, body: str) -> None:
    pytester.makepyfile(formats_client=f"MODEL = {MODEL!r}\n{CLIENT}")
    pytester.makepyfile(
        test_replay=f"""
        import asyncio
        import pytest
        from formats_client import ask, ask_async, ask_stream, ask_stream_async

        CASSETTE = {str(cassette)!r}
        URL = {_base_url(cassette)!r}
        PLAIN, STREAM = {PLAIN_QUESTION!r}, {STREAM_QUESTION!r}
        {body}
        """
    )


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_replays_with_the_sdk_sync_and_async(pytester: pytest.Pytester, name: str) -> None:
    cassette = FORMATS / name
    before = cassette.read_bytes()
    _suite(
        pytester,
        cassette,
        f"""
        PLAIN_ANSWER, STREAM_ANSWER = {_answer(PLAIN_QUESTION)!r}, {_answer(STREAM_QUESTION, stream=True)!r}

        @pytest.mark.llm_cassette(CASSETTE)
        def test_sync():
            assert ask(URL, PLAIN) == PLAIN_ANSWER
            assert ask_stream(URL, STREAM) == STREAM_ANSWER

        @pytest.mark.llm_cassette(CASSETTE)
        def test_async():
            assert asyncio.run(ask_stream_async(URL, STREAM)) == STREAM_ANSWER
            assert asyncio.run(ask_async(URL, PLAIN)) == PLAIN_ANSWER
        """,
    )
    pytester.runpytest().assert_outcomes(passed=2)
    assert cassette.read_bytes() == before


def test_another_question_or_a_missing_call_fails(pytester: pytest.Pytester) -> None:
    _suite(
        pytester,
        FORMATS / "cassetter.yaml",
        """
        @pytest.mark.llm_cassette(CASSETTE)
        def test_other_question():
            ask(URL, "Something never recorded")

        @pytest.mark.llm_cassette(CASSETTE)
        def test_plain_only():
            ask(URL, PLAIN)
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        ["*no recorded interaction matches this request*", "*cassette: *cassetter.yaml (cassetter, 2 interactions*"]
    )
    result.stdout.fnmatch_lines(["*1 recorded interaction was never requested*", "*#1 POST *Stream a short answer*"])


# --- reading, without the SDK ---------------------------------------------------------------------------------


def _events(interaction: Interaction) -> list[Any]:
    """The data of each server-sent event of the response, JSON parsed."""
    events = interaction.response.body.decode().split("\n\n")
    assert events[-1] == ""
    return [
        event if event == "[DONE]" else json.loads(event) for event in (e.removeprefix("data: ") for e in events[:-1])
    ]


@pytest.mark.parametrize(("name", "format_name"), FIXTURES.items())
def test_fixture_reads_as_the_stub_answered(name: str, format_name: str) -> None:
    recording = read_recording(FORMATS / name)
    assert recording.format == format_name
    plain, streamed = recording.interactions
    for interaction, body in ((plain, _request(PLAIN_QUESTION)), (streamed, _request(STREAM_QUESTION, stream=True))):
        assert interaction.request.method == "POST"
        assert interaction.request.url == _base_url(FORMATS / name) + "/chat/completions"
        assert json.loads(interaction.request.body) == body
        assert interaction.response.status == 200
    assert json.loads(plain.response.body) == completion(
        _request(PLAIN_QUESTION), answer_words(_request(PLAIN_QUESTION))
    )
    stream_request = _request(STREAM_QUESTION, stream=True)
    assert _events(streamed) == [*chunks(stream_request, answer_words(stream_request)), "[DONE]"]
    for interaction in recording.interactions:  # replay serves bodies decoded, and framing comes from the body served
        names = {header.lower() for header, _ in interaction.response.headers}
        assert not names & {"content-encoding", "content-length", "transfer-encoding"}


@pytest.mark.parametrize("name", [name for name in FIXTURES if name != "govcr_v2_minimal.yaml"])
def test_event_streams_are_split_one_chunk_per_event(name: str) -> None:
    plain, streamed = read_recording(FORMATS / name).interactions
    assert len(plain.response.chunks) == 1
    assert len(streamed.response.chunks) == len(_events(streamed))
    assert all(chunk.endswith(b"\n\n") and chunk.count(b"\n\n") == 1 for chunk in streamed.response.chunks)


def test_fixtures_hold_what_they_are_named_for() -> None:
    gzipped = _yaml.load((FORMATS / "vcrpy_gzip.yaml").read_bytes())["interactions"][0]["response"]
    assert gzipped["body"]["string"][:2] == b"\x1f\x8b" and gzipped["headers"]["content-encoding"] == ["gzip"]
    parsed = _yaml.load((FORMATS / "vcrpy_parsed_json.yaml").read_bytes())["interactions"]
    assert [("body" in i["request"], "parsed_body" in i["request"]) for i in parsed] == [(False, True)] * 2
    assert "parsed_body" in parsed[0]["response"] and "string" in parsed[1]["response"]["body"]
    cassetter = _yaml.load((FORMATS / "cassetter.yaml").read_bytes())["interactions"]
    assert [i["response"]["body"]["type"] for i in cassetter] == ["json", "text"]


# --- go-vcr: what format 2 may leave out -------------------------------------------------------------------------

REQUEST_FIELDS = {"proto", "proto_major", "proto_minor", "content_length", "transfer_encoding", "trailer", "host"}
REQUEST_FIELDS |= {"remote_addr", "request_uri", "body", "form", "headers", "url", "method"}
RESPONSE_FIELDS = {"proto", "proto_major", "proto_minor", "transfer_encoding", "trailer", "content_length"}
RESPONSE_FIELDS |= {"uncompressed", "body", "headers", "status", "code", "duration"}


def test_govcr_fixtures_have_every_field_or_only_the_needed_ones() -> None:
    full = _yaml.load((FORMATS / "govcr_v2_full.yaml").read_bytes())
    minimal = _yaml.load((FORMATS / "govcr_v2_minimal.yaml").read_bytes())
    version_1 = _yaml.load((FORMATS / "govcr_v1.yaml").read_bytes())
    assert (full["version"], minimal["version"], version_1["version"]) == (2, 2, 1)
    for item in full["interactions"]:
        assert set(item) == {"id", "request", "response"}
        assert (set(item["request"]), set(item["response"])) == (REQUEST_FIELDS, RESPONSE_FIELDS)
    for item in minimal["interactions"]:
        assert (set(item), set(item["request"]), set(item["response"])) == (
            {"request", "response"},
            {"body", "url", "method"},
            {"body", "code"},
        )
    for item in version_1["interactions"]:
        assert set(item["request"]) == {"body", "form", "headers", "url", "method"}
        assert set(item["response"]) == {"body", "headers", "status", "code", "duration"}


def test_govcr_optional_fields_change_nothing_replayed() -> None:
    def replayed(i: Interaction) -> tuple[object, ...]:
        return i.request.method, i.request.url, i.request.body, i.response.status, i.response.body

    full, minimal = (
        read_recording(FORMATS / name).interactions for name in ("govcr_v2_full.yaml", "govcr_v2_minimal.yaml")
    )
    assert [replayed(i) for i in full] == [replayed(i) for i in minimal]
    assert minimal[1].response.headers == () and len(minimal[1].response.chunks) == 1  # no content type: one chunk


def test_govcr_format_1_empty_duration(tmp_path: Path) -> None:
    """go-vcr format 1 writes ``duration: ""`` for an unknown duration."""
    path = tmp_path / "c.yaml"
    path.write_text(
        (FORMATS / "govcr_v1.yaml").read_text(encoding="utf-8").replace("duration: 152.358µs", 'duration: ""'),
        encoding="utf-8",
    )
    assert len(read_recording(path).interactions) == 2


# --- detection by shape, whatever the version ---------------------------------------------------------------------

VCRPY = """
version: 1
interactions:
- request: {body: null, headers: {}, method: GET, uri: 'http://x/a'}
  response: {body: {string: ok}, headers: {Content-Type: [text/plain]}, status: {code: 200, message: OK}}
"""
VCRPY_HTTPX_BEFORE_6 = """
version: 1
interactions:
- request: {body: '', headers: {}, method: GET, uri: 'http://x/a'}
  response: {content: ok, headers: {content-type: [text/plain]}, http_version: HTTP/1.1, status_code: 201}
"""
CASSETTER = """
version: 1
interactions:
- request: {method: GET, uri: 'http://x/a', headers: {}, body: {type: none}}
  response: {status: 200, headers: {content-type: [text/plain]}, body: {type: text, content: ok}}
  recorded_at: 2026-01-01T00:00:00+00:00
"""
GOVCR_1 = """
version: 1
interactions:
- request: {body: '', form: {}, headers: {}, url: 'http://x/a', method: GET}
  response: {body: ok, headers: {Content-Type: [text/plain]}, status: 200 OK, code: 200, duration: 1ms}
"""


@pytest.mark.parametrize(
    ("text", "format_name", "status"),
    [
        (VCRPY, "vcrpy", 200),
        (VCRPY_HTTPX_BEFORE_6, "vcrpy", 201),
        (CASSETTER, "cassetter", 200),
        (GOVCR_1, "go-vcr", 200),
        (VCRPY.replace("version: 1", "version: 2"), "vcrpy", 200),
        (CASSETTER.replace("version: 1\n", ""), "cassetter", 200),
    ],
)
def test_shape_not_version_tells_the_format(tmp_path: Path, text: str, format_name: str, status: int) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    recording = read_recording(path)
    assert recording.format == format_name
    ((request, response),) = ((i.request, i.response) for i in recording.interactions)
    assert (request.method, request.url, request.body) == ("GET", "http://x/a", b"")
    assert (response.status, response.body, response.header("content-type")) == (status, b"ok", "text/plain")


@pytest.mark.parametrize(
    ("text", "format_name"),
    [
        ("version: 1\ninteractions: []\n", "vcrpy"),
        ("version: 1\ninteractions: []\nws_interactions: []\n", "cassetter"),
    ],
)
def test_empty_cassettes(tmp_path: Path, text: str, format_name: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    assert (read_recording(path).format, read_recording(path).interactions) == (format_name, ())


def test_bodies_as_each_format_stores_them(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        """
version: 1
interactions:
- request: {method: POST, uri: 'http://x/a', body: {type: binary, content: 00ff10}}
  response: {status: 200, body: {type: json, content: just a string}}
- request: {method: POST, uri: 'http://x/a', body: {type: json, content: [1, {b: null}]}}
  response: {status: 204, body: {type: none}}
- request: {method: POST, uri: 'http://x/a', body: {type: text, content: "é\\n"}}
  response: {status: 200}
"""
    )
    bodies = [(i.request.body, i.response.body) for i in read_recording(path).interactions]
    assert bodies == [(b"\x00\xff\x10", b'"just a string"'), (b'[1,{"b":null}]', b""), ("é\n".encode(), b"")]
    path.write_text(
        """
version: 1
interactions:
- request: {method: POST, uri: 'http://x/a', body: {model: m, n: 1}}
  response: {status: {code: 200}, body: {string: !!binary AP8=}}
- request: {method: POST, uri: 'http://x/a', parsed_body: [1, 2]}
  response: {status: {code: 200}, parsed_body: {a: é}, body: null}
"""
    )
    bodies = [(i.request.body, i.response.body) for i in read_recording(path).interactions]
    assert bodies == [(b'{"model":"m","n":1}', b"\x00\xff"), (b"[1,2]", '{"a":"é"}'.encode())]


# --- malformed files ----------------------------------------------------------------------------------------------

VCR_OK = "- request: {method: GET, uri: 'http://x/'}\n  response: {status: {code: 200}}\n"
CASSETTER_OK = "- request: {method: GET, uri: 'http://x/'}\n  response: {status: 200}\n"
GOVCR_OK = "- request: {method: GET, url: 'http://x/'}\n  response: {code: 200}\n"


def _vcrpy(second: str) -> str:
    return f"version: 1\ninteractions:\n{VCR_OK}{second}"


def _cassetter(request_body: str = "", response_body: str = "") -> str:
    request = "{method: POST, uri: 'http://x/'" + (f", body: {request_body}" if request_body else "") + "}"
    response = "{status: 200" + (f", body: {response_body}" if response_body else "") + "}"
    return f"version: 1\ninteractions:\n{CASSETTER_OK}- request: {request}\n  response: {response}\n"


@pytest.mark.parametrize(
    ("text", "index", "problem"),
    [
        ("interactions: [\n", None, "not valid YAML"),
        ("- a\n- b\n", None, "the document is not a mapping"),
        ("version: 1\n", None, "it has no 'interactions'"),
        ("version: 1\ninteractions: {}\n", None, "interactions must be a list, not a mapping"),
        (
            "version: 1\ninteractions:\n- request: {method: GET, uri: 'http://x/'}\n  response: {status: '200'}\n",
            None,
            "unknown cassette shape",
        ),
        (_vcrpy("- oops\n"), 1, "the interaction must be a mapping, not a string"),
        (_vcrpy("- request: {uri: 'http://x/'}\n  response: {status: {code: 200}}\n"), 1, "the request has no method"),
        (_vcrpy("- request: {method: GET}\n  response: {status: {code: 200}}\n"), 1, "the request has no URL"),
        (_vcrpy("- request: {method: GET, uri: 'http://x/'}\n"), 1, "response is missing"),
        (_vcrpy("- request: {method: GET, uri: 'http://x/'}\n  response: {}\n"), 1, "response status is missing"),
        (
            _vcrpy("- request: {method: GET, uri: 'http://x/'}\n  response: {status: {message: OK}}\n"),
            1,
            "the response status must be an HTTP status code, not None",
        ),
        (
            _vcrpy("- request: {method: GET, uri: 'http://x/', headers: [a]}\n  response: {status: {code: 200}}\n"),
            1,
            "request headers must be a mapping, not a list",
        ),
        (
            _vcrpy("- request: {method: GET, uri: 'http://x/', body: 3}\n  response: {status: {code: 200}}\n"),
            1,
            "the request body must be a string, not an integer",
        ),
        (
            _vcrpy("- request: {method: GET, uri: 'http://x/'}\n  response: {status: {code: 200}, body: {text: a}}\n"),
            1,
            "the response body has no 'string'",
        ),
        (
            _vcrpy("- request: {method: GET, uri: 'http://x/'}\n  response: {status: {code: 200}, body: [a]}\n"),
            1,
            "the response body must be a mapping, not a list",
        ),
        (
            _vcrpy(
                "- request: {method: GET, uri: 'http://x/', body: a, parsed_body: {}}\n"
                "  response: {status: {code: 200}}\n"
            ),
            1,
            "the request has both body and parsed_body",
        ),
        (
            _vcrpy(
                "- request: {method: GET, uri: 'http://x/'}\n  response: {status: {code: 200}, parsed_body: .nan}\n"
            ),
            1,
            "the response parsed_body is not JSON data",
        ),
        (
            _vcrpy(
                "- request: {method: GET, uri: 'http://x/'}\n"
                "  response: {status: {code: 200}, headers: {content-encoding: [gzip]},"
                " body: {string: !!binary H4sIAAAA}}\n"
            ),
            1,
            "the response body is not valid gzip",
        ),
        (
            _vcrpy("- request: {method: GET, uri: 'http://x/'}\n  response: {status_code: 200, content: {a: 1}}\n"),
            1,
            "the response content must be a string, not a mapping",
        ),
        (_cassetter(request_body="{type: binary, content: zz}"), 1, "the request binary body is not valid hex"),
        (_cassetter(request_body="{type: binary, content: abc}"), 1, "the request binary body is not valid hex"),
        (_cassetter(response_body="{type: binary, content: [1]}"), 1, "the response binary body must be a string"),
        (_cassetter(response_body="{type: text, content: {a: 1}}"), 1, "the response text body must be a string"),
        (_cassetter(response_body="{type: json, content: {at: 2026-01-01}}"), 1, "the response json body is not JSON"),
        (_cassetter(response_body="{type: json}"), 1, "the response json body has no content"),
        (_cassetter(response_body="{type: none, content: a}"), 1, "the response body is of type none but has content"),
        (_cassetter(response_body="{type: xml, content: a}"), 1, "the response body type 'xml' is not json, text"),
        (_cassetter(request_body="plain"), 1, "the request body must be a mapping, not a string"),
        (
            f"version: 1\ninteractions:\n{CASSETTER_OK}- request: {{uri: 'http://x/'}}\n  response: {{status: 200}}\n",
            1,
            "the request has no method",
        ),
        (
            f"version: 1\ninteractions:\n{CASSETTER_OK}- request: {{method: GET}}\n  response: {{status: 200}}\n",
            1,
            "the request has no URL",
        ),
        (
            f"version: 1\ninteractions:\n{CASSETTER_OK}- request: {{method: GET, uri: 'http://x/'}}\n"
            "  response: {status: 999}\n",
            1,
            "the response status must be an HTTP status code, not 999",
        ),
        (
            f"version: 2\ninteractions:\n{GOVCR_OK}- request: {{url: 'http://x/'}}\n  response: {{code: 200}}\n",
            1,
            "the request has no method",
        ),
        (
            f"version: 2\ninteractions:\n{GOVCR_OK}- request: {{method: GET}}\n  response: {{code: 200}}\n",
            1,
            "the request has no URL",
        ),
        (
            f"version: 2\ninteractions:\n{GOVCR_OK}- request: {{method: GET, url: 'http://x/'}}\n"
            "  response: {code: 200, duration: soon}\n",
            1,
            "response duration 'soon' is not a Go duration",
        ),
    ],
)
def test_malformed_files_name_file_interaction_and_problem(
    tmp_path: Path, text: str, index: int | None, problem: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CassetteFormatError) as caught:
        read_recording(path)
    message = caught.value.msg
    assert message.startswith(f"llm_cassette: cannot read {path}")
    assert (caught.value.path, caught.value.index) == (path, index)
    assert (f"interaction {index}:" in message) == (index is not None)
    assert problem in message
