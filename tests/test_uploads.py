"""Uploads and transcriptions (multipart forms): matched on their parts, never the boundary; written as readable
parts; shortened on request; replayed through the real openai SDK, sync and async."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import cassette_text
from pytest_llmcassette import _multipart
from pytest_llmcassette._matching import MatchRules, request_key
from stub_server import StubServer

AUDIO = bytes(range(256)) * 8  # not UTF-8: written as base64
SUITE = """
import asyncio
import io

import pytest
from chat import async_client, client

AUDIO = bytes(range(256)) * 8
LINES = b'{"prompt": "hi", "completion": "there"}\\n' * 3


@pytest.mark.llm_cassette
def test_upload_and_transcribe():
    uploaded = client().files.create(file=("train.jsonl", io.BytesIO(LINES)), purpose="fine-tune")
    assert (uploaded.filename, uploaded.bytes, uploaded.purpose) == ("train.jsonl", len(LINES), "fine-tune")
    heard = client().audio.transcriptions.create(model="whisper-1", file=("hello.wav", AUDIO, "audio/wav"))
    assert heard.text == "heard 2048 bytes of hello.wav"


@pytest.mark.llm_cassette
def test_transcribe_async():
    async def transcribe():
        async with async_client() as aclient:
            return await aclient.audio.transcriptions.create(model="whisper-1", file=("a.wav", AUDIO, "audio/wav"))

    assert asyncio.run(transcribe()).text == "heard 2048 bytes of a.wav"
"""


def test_uploads_record_readably_and_replay(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_up=SUITE)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=2)
    text = cassette_text(suite, "test_up", "test_upload_and_transcribe")
    assert "multipart:\n" in text
    assert "- name: purpose\n      text: fine-tune\n" in text
    assert "filename: train.jsonl" in text and '{"prompt": "hi", "completion": "there"}' in text
    assert "filename: hello.wav\n      content_type: audio/wav\n      base64: AAECAwQF" in text
    assert f"boundary={_multipart.BOUNDARY}" in text  # not the random one the client drew
    assert "models:\n  - whisper-1\n" in text  # the form's model field
    stub.stop()
    suite.runpytest().assert_outcomes(passed=2)


def test_a_re_recorded_upload_writes_the_same_file(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_up=SUITE)
    suite.runpytest("--record-mode=once", "-k", "async").assert_outcomes(passed=1)
    first = cassette_text(suite, "test_up", "test_transcribe_async")
    suite.runpytest("--record-mode=rewrite", "-k", "async").assert_outcomes(passed=1)
    assert cassette_text(suite, "test_up", "test_transcribe_async").split("recorded:")[0] == first.split("recorded:")[0]
    assert (
        "interactions:" + first.split("interactions:")[1]
        == "interactions:" + cassette_text(suite, "test_up", "test_transcribe_async").split("interactions:")[1]
    )


SENT_FILE = "file=a.wav (audio/wav, 2048 bytes)*"


def test_a_changed_file_fails_with_a_field_diff(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_up=SUITE)
    suite.runpytest("--record-mode=once", "-k", "async").assert_outcomes(passed=1)
    stub.stop()
    suite.makepyfile(test_up=SUITE.replace("AUDIO = bytes(range(256)) * 8", "AUDIO = bytes(range(255, -1, -1)) * 8"))
    result = suite.runpytest("-k", "async")
    result.assert_outcomes(failed=1)
    recorded, sent = (hashlib.sha256(bytes(order) * 8).hexdigest() for order in (range(256), range(255, -1, -1)))
    result.stdout.fnmatch_lines(
        [
            "llm_cassette: no recorded interaction matches this request",
            '*request:  POST http://127.0.0.1:*/v1/audio/transcriptions form: model="whisper-1" ' + SENT_FILE,
            "What differs from #0 (recorded → sent):",
            f'  file.sha256: "{recorded[:20]}*" → "{sent[:20]}*"',
        ]
    )
    result.stdout.no_fnmatch_line("*boundary*")


def test_large_files_are_written_as_their_size_and_hash(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_up=SUITE)
    suite.makeconftest(
        "import pytest\n\n@pytest.fixture(scope='module')\ndef llm_cassette_config():\n"
        "    return {'max_upload_bytes': 100}\n"
    )
    suite.runpytest("--record-mode=once").assert_outcomes(passed=2)
    text = cassette_text(suite, "test_up", "test_upload_and_transcribe")
    digest = hashlib.sha256(AUDIO).hexdigest()
    assert f"filename: hello.wav\n      content_type: audio/wav\n      size: 2048\n      sha256: {digest}\n" in text
    assert "AAECAwQF" not in text
    assert "- name: purpose\n      text: fine-tune\n" in text  # fields are kept whole
    stub.stop()
    suite.runpytest().assert_outcomes(passed=2)


def test_a_broken_form_in_a_cassette_names_the_file_and_the_part(suite: pytest.Pytester) -> None:
    folder = suite.path / "cassettes" / "test_bad"
    folder.mkdir(parents=True)
    (folder / "test_it.yaml").write_text(
        "llm_cassette: 2\ninteractions:\n- request:\n    method: POST\n    url: http://127.0.0.1:9/v1/files\n"
        "    multipart:\n    - name: file\n      size: 3\n  response:\n    status: 200\ncount: 1\n"
    )
    suite.makepyfile(test_bad="import pytest\n\n@pytest.mark.llm_cassette\ndef test_it():\n    pass\n")
    result = suite.runpytest()
    result.stdout.fnmatch_lines(
        ["*cassettes/test_bad/test_it.yaml*multipart part 0 needs one of text, base64, or size and sha256*"]
    )


# Names as clients send them: the email parser reads a parameter without the spaces around it.
NAMES = st.text(st.characters(codec="utf-8", exclude_characters='\r\n"\\'), max_size=8).filter(
    lambda name: name == name.strip()
)
PARTS = st.lists(
    st.builds(
        _multipart.Part,
        name=NAMES.filter(bool),
        content=st.binary(max_size=64),
        filename=st.none() | NAMES,
        content_type=st.none() | st.sampled_from(["text/plain", "audio/wav", "application/octet-stream"]),
    ),
    min_size=1,
    max_size=4,
)


@given(PARTS)
def test_a_form_reads_back_as_it_was_built(parts: list[_multipart.Part]) -> None:
    assert _multipart.parse(_multipart.build(parts)) == tuple(parts)


def test_the_boundary_never_decides_a_match() -> None:
    parts = [_multipart.Part("file", b"--x\r\n\x00\xff", "a.bin", "application/octet-stream")]
    ours = _multipart.build(parts)
    theirs = ours.replace(_multipart.BOUNDARY.encode(), b"0b80bb5b31582663")
    rules = MatchRules()
    assert request_key("POST", "http://h/v1/files", ours, rules) == request_key(
        "POST", "http://h/v1/files", theirs, rules
    )
    changed = _multipart.build([_multipart.Part("file", b"other", "a.bin", "application/octet-stream")])
    assert request_key("POST", "http://h/v1/files", ours, rules) != request_key(
        "POST", "http://h/v1/files", changed, rules
    )
    assert _multipart.parse(b'{"file": 1}') is None and _multipart.parse(b"--not a form") is None


def test_ignored_paths_name_a_forms_parts() -> None:
    def form(model: str, content: bytes) -> bytes:
        return _multipart.build([_multipart.Part("model", model.encode()), _multipart.Part("file", content, "a.wav")])

    rules = MatchRules.from_paths(["file.sha256", "file.size"])
    url = "http://h/v1/audio/transcriptions"
    assert request_key("POST", url, form("m", b"one"), rules) == request_key("POST", url, form("m", b"other"), rules)
    assert request_key("POST", url, form("m", b"one"), rules) != request_key("POST", url, form("n", b"one"), rules)
