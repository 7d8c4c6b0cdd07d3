"""Hostile and broken cassettes: each fails with the plugin's own one-paragraph error, never anything else.

``CASES`` is the corpus: a broken file (text, bytes, or bytes made on the spot), a fragment of the problem the
error must state, and where it must point (an interaction, or a line or byte position of the YAML). Each case is
read with ``read_recording`` and checked with ``python -m pytest_llmcassette check``; ``check`` on a folder of them
all reports every one. A case marked ``bug`` is a defect of the plugin, kept as a strict xfail until it is fixed.
Then: every cut of a recorded format-2 cassette fails, version skew, encodings that are odd but valid, and a
hypothesis property that mutated cassettes of every format only ever raise ``CassetteFormatError``.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_llmcassette import CassetteFormatError
from pytest_llmcassette.__main__ import main
from pytest_llmcassette.formats import native, read_recording

ROOT = Path(__file__).parent.parent
MB = 2**20
TMP = "<TMP>"  # replaced by the test's tmp_path: where a Python tag would write, were it ever run

# A native format-2 cassette as the plugin writes it: a JSON answer, then a stream.
CASSETTE = """\
# Recorded by pytest-llmcassette. Replayed by `pytest`; re-record with `pytest --record-mode=rewrite`.
llm_cassette: 2
interactions:
- request:
    method: POST
    url: https://api.openai.com/v1/chat/completions
    headers:
      content-type: application/json
    json:
      model: gpt-4o-mini
      messages:
      - role: user
        content: Say hello
  response:
    status: 200
    headers:
      content-type: application/json
    json:
      id: chatcmpl-1
      choices:
      - index: 0
        message:
          role: assistant
          content: Hello!
        finish_reason: stop
- request:
    method: POST
    url: https://api.openai.com/v1/chat/completions
    headers:
      content-type: application/json
    json:
      model: gpt-4o-mini
      stream: true
      messages:
      - role: user
        content: Count to two
  response:
    status: 200
    headers:
      content-type: text/event-stream
    events:
    - json: {"id":"chatcmpl-2","choices":[{"index":0,"delta":{"content":"one"}}]}
    - json: {"id":"chatcmpl-2","choices":[{"index":0,"delta":{"content":" two"}}]}
    - data: '[DONE]'
count: 2
"""
SECOND = "        finish_reason: stop\n"  # where the first interaction ends: edit(..., after=SECOND) edits the second
REQUEST_JSON = CASSETTE[CASSETTE.index("    json:\n      model") : CASSETTE.index("  response:")]
RESPONSE_JSON = CASSETTE[CASSETTE.index("    json:\n      id:") : CASSETTE.index(SECOND) + len(SECOND)]
EVENTS = CASSETTE[CASSETTE.index("    events:\n") : CASSETTE.index("count: 2")]
FIRST_EVENT = EVENTS.splitlines(keepends=True)[1]

VCRPY = """\
interactions:
- request:
    body: '{"model":"m"}'
    headers: {content-type: [application/json]}
    method: POST
    uri: https://api.openai.com/v1/chat/completions
  response:
    body: {string: '{"id":"1"}'}
    headers: {content-type: [application/json]}
    status: {code: 200, message: OK}
version: 1
"""
GOVCR = """\
---
version: 2
interactions:
    - id: 0
      request:
        body: '{"model":"m"}'
        url: https://api.openai.com/v1/chat/completions
        method: POST
      response:
        body: '{"id":"1"}'
        code: 200
        duration: 1.5ms
"""
CASSETTER = """\
version: 1
interactions:
- request:
    method: POST
    uri: https://api.openai.com/v1/chat/completions
    body: {type: json, content: {model: m}}
  response:
    status: 200
    headers: {content-type: [application/json]}
    body: {type: json, content: {id: '1'}}
  recorded_at: 2026-01-01T00:00:00.123456+00:00
"""


def edit(old: str, new: str, text: str = CASSETTE, after: str = "") -> str:
    """``text`` with the first ``old`` (past ``after``) made ``new``; ``old`` must be there, so no case is valid."""
    start = text.index(after)
    if old not in text[start:]:
        raise ValueError(f"{old!r} is not in the text to edit")
    return text[:start] + text[start:].replace(old, new, 1)


def cut_after(marker: str, text: str = CASSETTE) -> str:
    """``text`` up to and including the first ``marker``."""
    return text[: text.index(marker) + len(marker)]


def billion_laughs() -> str:
    """Nine levels of nine aliases each: 9**9 (387 million) values once expanded."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    return "\n".join(lines) + "\nllm_cassette: 2\ninteractions: []\ncount: 0\n"


def fifty_megabytes_of_garbage() -> bytes:
    return b"llm_cassette: 2\ninteractions:\n" + b"lorem ipsum dolor sit amet\n" * (50 * MB // 27)


NOT_GZIP = base64.b64encode(b"\x1f\x8b, the gzip magic number, then not gzip").decode()
VCRPY_NOT_GZIP = edit("""'{"id":"1"}'""", "!!binary " + NOT_GZIP, VCRPY)
AT_0, AT_1 = r"interaction 0\b", r"interaction 1\b"
LINE = r"line \d+"
POSITION = r"position \d+"


@dataclass(frozen=True)
class Case:
    """A broken file, what its error must say, and where it must point (a regex, None for the whole file)."""

    id: str
    content: str | bytes | Callable[[], bytes]
    problem: str
    where: str | None = None
    bug: str | None = None  # a defect of the plugin that makes this case fail today: a strict xfail

    def write(self, path: Path) -> Path:
        content = self.content() if callable(self.content) else self.content
        if isinstance(content, str):
            content = content.replace(TMP, str(path.parent)).encode()
        path.write_bytes(content)
        return path


CASES = [
    # Not YAML at all, or YAML that is not one cassette.
    Case("yaml-unclosed-quote", edit("url: https", "url: 'https"), "not valid YAML", LINE),
    Case("yaml-tab-indent", edit("    method: POST", "\tmethod: POST"), "not valid YAML", LINE),
    Case("yaml-two-documents", CASSETTE + "---\n" + CASSETTE, "expected a single document", LINE),
    Case("yaml-nested-too-deep", "interactions: " + "[" * 5000 + "]" * 5000 + "\n", "nesting depth", LINE),
    Case(
        "merge-conflict-in-events",
        edit(FIRST_EVENT, f"<<<<<<< HEAD\n{FIRST_EVENT}=======\n{FIRST_EVENT}>>>>>>> 3f2a1c9 (re-record)\n"),
        "not valid YAML",
        LINE,
    ),
    Case(
        "merge-conflict-on-count",
        edit("count: 2\n", "<<<<<<< HEAD\ncount: 2\n=======\ncount: 3\n>>>>>>> feature\n"),
        "not valid YAML",
        LINE,
    ),
    Case(
        "duplicate-key-method",
        edit("method: POST\n", "method: POST\n    method: GET\n"),
        "'method' appears twice",
        LINE,
    ),
    Case("duplicate-key-interactions", CASSETTE + "interactions: []\n", "'interactions' appears twice", LINE),
    Case("empty-file", "", "the file is empty"),
    Case("comments-only", "# Recorded by pytest-llmcassette.\n", "not a mapping"),
    Case("yaml-list", "- request: {method: GET}\n- response: {status: 200}\n", "not a mapping"),
    Case("mapping-without-interactions", "model: gpt-4o-mini\nmessages: []\n", "it has no 'interactions'"),
    Case("alias-bomb", billion_laughs(), "alias bomb"),
    Case("alias-contains-itself", "llm_cassette: 2\ninteractions: &loop [*loop]\ncount: 1\n", "contain itself"),
    Case("fifty-megabytes-of-garbage", fifty_megabytes_of_garbage, "50.0 MB, more than the 20 MB a cassette may"),
    # Bytes that are not UTF-8 text.
    Case("latin-1-byte", edit("Say hello", "Say h\xe9llo").encode("latin-1"), "UTF-8", POSITION),
    Case("stray-0xff-in-an-event", edit('"one"', '"o\udcffne"').encode("utf-8", "surrogateescape"), "UTF-8", POSITION),
    Case("nul-byte", edit("Say hello", "Say\0hello"), "control characters are not allowed", POSITION),
    Case("utf-16-without-bom", CASSETTE.encode("utf-16-le"), "not valid YAML", POSITION),
    # Python object tags: refused, never run (the marker file must not appear).
    Case(
        "python-object-apply",
        f"!!python/object/apply:os.system ['echo pwned > {TMP}/pwned']\n",
        "python/object/apply",
        LINE,
    ),
    Case(
        "python-object-new-in-a-body",
        edit("model: gpt-4o-mini", f"model: !!python/object/new:os.system ['echo pwned > {TMP}/pwned']"),
        "python/object/new",
        LINE,
    ),
    Case(
        "python-name-tag",
        edit("llm_cassette: 2", "llm_cassette: !!python/name:os.system"),
        "python/name:os.system",
        LINE,
    ),
    Case(
        "timestamp-with-a-13th-month",
        edit("model: gpt-4o-mini", "model: 2026-13-01"),
        "month must be in 1..12",
        LINE,
    ),
    # Cut short: at a byte inside the events, at a line boundary, or with interactions deleted by hand.
    Case("cut-inside-an-event", cut_after('"content":"o'), "not valid YAML", LINE),
    Case("cut-before-count-line", cut_after("    - data: '[DONE]'\n"), "no closing 'count' line"),
    Case("cut-inside-count-line", cut_after("count: "), "no closing 'count' line"),
    Case("cut-after-first-interaction", cut_after(SECOND), "no closing 'count' line"),
    Case("cut-after-interactions-line", cut_after("interactions:\n"), "interactions must be a list, not null"),
    Case("interaction-deleted-by-hand", edit("count: 2", "count: 3"), "count: 3 but it holds 2 interaction"),
    # Wrong types.
    Case(
        "method-is-an-integer",
        edit("method: POST", "method: 42"),
        "method must be an HTTP method such as POST, not 42",
        AT_0,
    ),
    Case("method-is-a-list", edit("method: POST", "method: [POST]", after=SECOND), "such as POST, not ['POST']", AT_1),
    Case(
        "url-is-a-list",
        edit("url: https://api.openai.com/v1/chat/completions", "url: [https://x/]"),
        "URL must be an absolute URL, not ['https://x/']",
        AT_0,
    ),
    Case(
        "status-is-a-string",
        edit("status: 200", "status: '200'"),
        "status must be an HTTP status code, not '200'",
        AT_0,
    ),
    Case("status-is-a-boolean", edit("status: 200", "status: true"), "HTTP status code, not True", AT_0),
    Case(
        "headers-are-a-list",
        edit(
            "headers:\n      content-type: application/json\n",
            "headers: [content-type, application/json]\n",
            after="response:",
        ),
        "response headers must be a mapping, not a list",
        AT_0,
    ),
    Case(
        "header-value-is-a-mapping",
        edit("content-type: application/json", "content-type: {type: json}"),
        "request headers 'content-type' must be a string or a list of strings",
        AT_0,
    ),
    Case("events-are-a-string", edit(EVENTS, "    events: 'data: one'\n"), "the response events must be a list", AT_1),
    Case(
        "an-event-is-an-integer", edit("    - data: '[DONE]'", "    - 42"), "event 2 must be a non-empty mapping", AT_1
    ),
    Case(
        "json-body-is-a-string",
        edit(REQUEST_JSON, "    json: '{model: m}'\n"),
        "request json body must be a mapping or a list",
        AT_0,
    ),
    Case(
        "text-body-is-an-integer",
        edit(RESPONSE_JSON, "    text: 42\n"),
        "response text body must be a string, not an integer",
        AT_0,
    ),
    Case(
        "base64-body-is-not-base64",
        edit(RESPONSE_JSON, "    base64: 'not*base64'\n"),
        "response base64 body is not valid base64",
        AT_0,
    ),
    Case(
        "two-bodies",
        edit("  response:", "  response:\n    text: hello", after=SECOND),
        "more than one body: events, text",
        AT_1,
    ),
    Case("count-is-a-string", edit("count: 2", "count: '2'"), "count must be a whole number, not '2'"),
    Case(
        "count-is-a-boolean",
        cut_after(SECOND) + "count: true\n",
        "count must be a whole number, not True",
    ),
    Case(
        "cut-by-client-is-a-string",
        edit("count: 2", "    cut_by_client: 'yes'\ncount: 2"),
        "cut_by_client must be true or false, not 'yes'",
        AT_1,
    ),
    Case(
        "interactions-are-a-mapping",
        "llm_cassette: 2\ninteractions: {request: {}}\ncount: 1\n",
        "interactions must be a list, not a mapping",
    ),
    Case(
        "an-interaction-is-an-integer",
        "llm_cassette: 2\ninteractions:\n- 42\ncount: 1\n",
        "the interaction must be a mapping, not an integer",
        AT_0,
    ),
    Case(
        "value-of-100-kb",
        edit("method: POST", "method: " + "P" * 100_000 + " X"),
        "method must be an HTTP method",
        AT_0,
    ),
    # Unknown and misspelt keys.
    Case(
        "misspelt-jsn",
        edit("    json:\n      model", "    jsn:\n      model"),
        "unknown key 'jsn' (did you mean 'json'?)",
        AT_0,
    ),
    Case("misspelt-stauts", edit("status: 200", "stauts: 200"), "unknown key 'stauts' (did you mean 'status'?)", AT_0),
    Case(
        "misspelt-interaction",
        edit("interactions:", "interaction:"),
        "unknown key 'interaction' (did you mean 'interactions'?)",
    ),
    Case(
        "misspelt-respone",
        edit("  response:", "  respone:"),
        "'respone'",
        AT_0,
    ),
    Case(
        "unknown-interaction-key",
        edit("  response:", "  recorded_at: 2026-01-01\n  response:"),
        "'recorded_at'",
        AT_0,
    ),
    Case(
        "unknown-event-field",
        edit("    - data: '[DONE]'", "    - dta: '[DONE]'"),
        "event 2 has unknown field",
        AT_1,
    ),
    # Versions.
    Case(
        "version-999",
        edit("llm_cassette: 2", "llm_cassette: 999"),
        "cassette format 999; this one reads 1 to 2): upgrade the plugin",
    ),
    Case("version-0", edit("llm_cassette: 2", "llm_cassette: 0"), "llm_cassette: 0 is not a cassette format version"),
    Case("version-one", edit("llm_cassette: 2", "llm_cassette: one"), "'one' is not a cassette format version"),
    Case(
        "version-true",
        edit("llm_cassette: 2", "llm_cassette: true"),
        "llm_cassette: True is not a cassette format version",
    ),
    # A body of server-sent events that is not one.
    Case("events-are-strings", edit(FIRST_EVENT, "    - 'data: one'\n"), "event 0 must be a non-empty mapping", AT_1),
    Case(
        "event-with-json-and-data",
        edit(FIRST_EVENT, FIRST_EVENT + "      data: x\n"),
        "event 0 has both json and data",
        AT_1,
    ),
    Case(
        "event-data-with-a-line-break",
        edit("    - data: '[DONE]'", '    - data: "done\\n\\ndata: injected"'),
        "event 2: data holds a line break",
        AT_1,
    ),
    # Other tools' formats with broken fields.
    Case(
        "vcrpy-without-uri",
        edit("    uri: https://api.openai.com/v1/chat/completions\n", "", VCRPY),
        "the request has no URL",
        AT_0,
    ),
    Case(
        "vcrpy-body-is-not-gzip",
        edit("content-type: [application/json]", "content-encoding: [gzip]", VCRPY_NOT_GZIP, after="response:"),
        "response body is not valid gzip",
        AT_0,
    ),
    Case(
        "vcrpy-null-status-in-second-interaction",
        VCRPY.replace("version: 1\n", "")
        + edit("status: {code: 200, message: OK}", "status:", VCRPY).split("interactions:\n")[1],
        "response status must be a mapping, not null",
        AT_1,
    ),
    Case("govcr-code-is-a-string", edit("code: 200", 'code: "x"', GOVCR), "HTTP status code, not 'x'", AT_0),
    Case("govcr-duration-is-not-a-duration", edit("1.5ms", "forever", GOVCR), "'forever' is not a Go duration", AT_0),
    Case(
        "cassetter-body-of-unknown-type",
        edit("body: {type: json, content: {id: '1'}}", "body: {type: xml, content: '<a/>'}", CASSETTER),
        "response body type 'xml' is not json, text, binary or none",
        AT_0,
    ),
    Case(
        "cassetter-body-is-an-integer",
        edit("{type: json, content: {id: '1'}}", "42", CASSETTER),
        "the response body must be a mapping, not an integer",
        AT_0,
    ),
    Case("unknown-cassette-shape", edit("status: 200", "stat: 200", CASSETTER), "unknown cassette shape"),
]
PARAMS = [
    pytest.param(case, id=case.id, marks=[pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else [])
    for case in CASES
]


def run_check(*paths: Path) -> tuple[int, str]:
    """``python -m pytest_llmcassette check PATHS``, in this process: the exit code and all it printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", *map(str, paths)])
    return code, out.getvalue() + err.getvalue()


def one_line(text: str) -> str:
    return " ".join(text.split())


def read_error(path: Path) -> CassetteFormatError:
    """The error ``read_recording`` raises for ``path``: the plugin's own, and nothing else."""
    with pytest.raises(CassetteFormatError) as caught:
        read_recording(path)
    return caught.value


def assert_one_paragraph(message: str, path: Path) -> None:
    assert message.startswith(f"llm_cassette: cannot read {path}"), message
    assert "Traceback" not in message and "\n\n" not in message, message
    assert message.count("\n") <= 4, message  # libyaml's own errors take up to four lines
    assert len(message) <= 2000, f"a {len(message):,}-character message"


def test_the_corpus_is_large_and_its_base_cassette_is_what_the_plugin_writes(tmp_path: Path) -> None:
    assert len(CASES) >= 30 and len({case.id for case in CASES}) == len(CASES)
    path = tmp_path / "valid.yaml"
    path.write_text(CASSETTE)
    recording = read_recording(path)
    assert len(recording.interactions) == 2
    written = native.write(native.to_documents(recording.interactions))
    assert written.split("\n", 1)[1] == CASSETTE.split("\n", 1)[1]  # the writer's own lines, but for the comment
    for text in (VCRPY, GOVCR, CASSETTER):
        path.write_text(text)
        assert len(read_recording(path).interactions) == 1


@pytest.mark.parametrize("case", PARAMS)
def test_a_broken_file_fails_with_one_paragraph_naming_file_place_and_problem(tmp_path: Path, case: Case) -> None:
    path = case.write(tmp_path / f"{case.id}.yaml")
    started = time.perf_counter()
    error = read_error(path)
    assert time.perf_counter() - started < 5, "a broken file must fail fast"
    message = str(error)
    assert case.problem in message
    if case.where is not None:
        assert re.search(case.where, message), f"{message!r} does not say where ({case.where})"
    assert_one_paragraph(message, path)
    code, output = run_check(path)
    assert code != 0 and str(path) in output and one_line(case.problem) in one_line(output)
    assert not (tmp_path / "pwned").exists()


def test_check_on_a_folder_of_broken_files_reports_every_one(tmp_path: Path) -> None:
    """In a ``cassettes`` folder every file is reported, even one that is clearly no cassette; in another folder,
    every file with a cassette key at a line's start or this plugin's header; named, every file. Cases of known bugs
    are left out (they read, or crash)."""
    folder = tmp_path / "cassettes" / "broken"
    folder.mkdir(parents=True)
    paths = {case.id: case.write(folder / f"{case.id}.yaml") for case in CASES if case.bug is None}
    code, output = run_check(tmp_path / "cassettes")
    assert code == 1 and output.splitlines()[-1].startswith(f"checked {len(paths)} cassettes: ")
    for case_id, path in paths.items():
        assert any(str(path) in line for line in output.splitlines()), f"{case_id} not reported"
    elsewhere = tmp_path / "fixtures"
    elsewhere.mkdir()
    for path in paths.values():
        os.link(path, elsewhere / path.name)
    code, output = run_check(elsewhere)
    assert code == 1
    for case_id, path in paths.items():
        text = path.read_bytes()
        if re.search(rb"^(interactions|llm_cassette):", text, re.M) or text.startswith(native.HEADER.encode()):
            assert str(elsewhere / path.name) in output, f"{case_id} not reported outside a cassettes folder"
    code, output = run_check(*paths.values())
    assert code == 1
    for case_id, path in paths.items():
        assert str(path) in output, f"{case_id} not reported when named"
    assert not (folder / "pwned").exists()


# Every cut of a recorded format-2 cassette at a line boundary is refused: ``count`` is its last line.
EXAMPLES = ROOT / "examples" / "cassettes"
RECORDED = native.write(
    native.to_documents(
        read_recording(EXAMPLES / "test_chat" / "test_plain_answer.yaml").interactions
        + read_recording(EXAMPLES / "test_chat" / "test_streamed_answer.yaml").interactions
    )
)
RECORDED_LINES = RECORDED.splitlines(keepends=True)


@pytest.mark.parametrize(
    "kept",
    [pytest.param(kept, id=f"{kept}-of-{len(RECORDED_LINES)}-lines") for kept in range(len(RECORDED_LINES))],
)
def test_every_cut_at_a_line_boundary_is_refused(tmp_path: Path, kept: int) -> None:
    path = tmp_path / "cut.yaml"
    path.write_text("".join(RECORDED_LINES[:kept]))
    assert_one_paragraph(str(read_error(path)), path)
    code, output = run_check(path)
    assert code == 1 and str(path) in output


def test_every_cut_inside_the_events_is_refused(tmp_path: Path) -> None:
    """A cut at a byte in the middle of the events (every 7th byte from there to the end, but the final newline)."""
    data = RECORDED.encode()
    path = tmp_path / "cut.yaml"
    for end in range(data.index(b"    events:"), len(data) - 1, 7):
        path.write_bytes(data[:end])
        assert_one_paragraph(str(read_error(path)), path)
    path.write_bytes(data[:-1])  # only the final newline missing: still the whole cassette
    assert len(read_recording(path).interactions) == 2


def test_a_format_1_cassette_without_count_is_read(tmp_path: Path) -> None:
    assert read_recording(EXAMPLES / "test_chat" / "test_plain_answer.yaml").format == "native"
    path = tmp_path / "format1.yaml"
    path.write_text(edit("llm_cassette: 2", "llm_cassette: 1", CASSETTE.replace("count: 2\n", "")))
    assert len(read_recording(path).interactions) == 2
    code, _ = run_check(path)
    assert code == 0


@pytest.mark.parametrize("version", [3, 10])
def test_a_newer_format_asks_to_upgrade_the_plugin(tmp_path: Path, version: int) -> None:
    path = tmp_path / "newer.yaml"
    path.write_text(edit("llm_cassette: 2", f"llm_cassette: {version}"))
    message = str(read_error(path))
    assert f"cassette format {version}" in message and "upgrade the plugin" in message
    code, output = run_check(path)
    assert code == 1 and "upgrade the plugin" in output


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.encode("utf-16"), id="utf-16-with-bom"),
        pytest.param(lambda text: "\ufeff".encode() + text.encode(), id="utf-8-with-bom"),
        pytest.param(lambda text: text.replace("\n", "\r\n").encode(), id="crlf-line-ends"),
    ],
)
def test_odd_but_valid_encodings_read_the_same(tmp_path: Path, encode: Callable[[str], bytes]) -> None:
    """YAML allows UTF-16 and UTF-8 with a byte order mark, and CRLF line ends: not broken files. (UTF-16 without
    a byte order mark is not YAML: a case above.)"""
    expected = tmp_path / "utf8.yaml"
    expected.write_text(CASSETTE)
    path = tmp_path / "odd.yaml"
    path.write_bytes(encode(CASSETTE))
    assert read_recording(path).interactions == read_recording(expected).interactions


def test_a_50_mb_cassette_is_read_or_refused_within_seconds(tmp_path: Path) -> None:
    """640,000 events, the headers of their response written as a flow mapping (as a hand edit may leave them)."""
    head = edit(
        "headers:\n      content-type: text/event-stream\n",
        "headers: {content-type: text/event-stream}\n",
        after=SECOND,
    )
    event = FIRST_EVENT.replace("one", "word").encode()
    path = tmp_path / "huge.yaml"
    path.write_bytes(head[: head.index(FIRST_EVENT)].encode() + event * (50 * MB // len(event)) + b"count: 2\n")
    command = [sys.executable, "-m", "pytest_llmcassette", "check", str(path)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=5)
    except subprocess.TimeoutExpired:
        pytest.fail("check took over 5 s on a 50 MB cassette")
    assert "alias bomb" not in result.stdout and "Traceback" not in result.stderr
    assert "50.0 MB, more than the 20 MB a cassette may" in result.stdout


# Mutated cassettes of every format: read, or refused with the plugin's error, never another exception.
SOURCES = [
    *sorted(path.read_bytes() for path in EXAMPLES.rglob("*.yaml")),
    *sorted(path.read_bytes() for path in (ROOT / "tests" / "data").rglob("*.yaml")),
    RECORDED.encode(),
    CASSETTE.encode(),
]
SCALARS = [b"42", b"3.5", b"true", b"null", b"''", b"[]", b"{}", b"[1, 2]", b"{a: 1}", b"!!binary aGk=", b"2026-01-01",
           b"0x1F", b".nan", b"*nowhere", b"&anchor 1", b"|", b"'unclosed", b"1e400", b"9" * 30]  # fmt: skip
KEYS = [b"jsn", b"method", b"status", b"code", b"count", b"llm_cassette", b"interactions", b"events", b"body",
        b"uri", b"<<", b"? x", b"-", b"request", b"response", b"!!python/name:os.system"]  # fmt: skip
MUTATIONS = ("delete", "duplicate", "swap", "cut", "retype", "insert key", "replace", "indent", "dedent")


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A shipped cassette with one to three random mutations."""
    data = draw(st.sampled_from(SOURCES))
    for _ in range(draw(st.integers(1, 3))):
        lines = data.splitlines(keepends=True) or [b"\n"]
        at, other = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        line = lines[at]
        indent = b" " * (len(line) - len(line.lstrip(b" ")))
        mutation = draw(st.sampled_from(MUTATIONS))
        if mutation == "cut":
            data = data[: draw(st.integers(0, len(data)))]
            continue
        if mutation == "replace" and data:
            byte = draw(st.integers(0, len(data) - 1))
            new = draw(
                st.one_of(
                    st.characters().map(lambda c: c.encode("utf-8", "surrogatepass")), st.binary(min_size=1, max_size=1)
                )
            )
            data = data[:byte] + new + data[byte + 1 :]
            continue
        if mutation == "delete":
            del lines[at]
        elif mutation == "duplicate":
            lines.insert(at, line)
        elif mutation == "swap":
            lines[at], lines[other] = lines[other], line
        elif mutation == "retype" and b": " in line:
            lines[at] = line[: line.index(b": ") + 2] + draw(st.sampled_from(SCALARS)) + b"\n"
        elif mutation == "insert key":
            lines.insert(at, indent + draw(st.sampled_from(KEYS)) + b": " + draw(st.sampled_from(SCALARS)) + b"\n")
        elif mutation == "indent":
            lines[at] = b"  " + line
        elif mutation == "dedent":
            lines[at] = line[2:] if line.startswith(b"  ") else line
        data = b"".join(lines)
    return data


@pytest.fixture(scope="module")
def mutation_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mutated") / "cassette.yaml"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated())
def test_mutated_cassettes_only_ever_raise_the_plugin_error(mutation_path: Path, data: bytes) -> None:
    mutation_path.write_bytes(data)
    try:
        read_recording(mutation_path)
    except CassetteFormatError as error:
        assert str(mutation_path) in str(error) and "Traceback" not in str(error)
        unreadable = True
    else:
        unreadable = False
    code, output = run_check(mutation_path)
    assert code == 1 or (code == 0 and not unreadable)
    assert "Traceback" not in output
