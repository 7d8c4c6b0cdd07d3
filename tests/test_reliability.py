"""Nothing recorded is ever lost or silently changed: faults while recording are replayed as they happened, a
stream the client cut is never served as a whole answer, interrupted and failed writes leave the old file,
pytest-xdist and concurrent requests give the same files as a serial run, two plugins never share a file."""

from __future__ import annotations

import pytest

from conftest import cassette_text
from stub_server import StubServer

FAULTS = """
import openai
import pytest
from chat import client


def events_until_error(**headers):
    received = []
    stream = client(max_retries=0).chat.completions.create(
        model="stub-model", messages=[{"role": "user", "content": "one two three four five six"}], stream=True,
        extra_headers=headers,
    )
    with pytest.raises(Exception) as caught:
        for chunk in stream:
            received.append(chunk.choices[0].delta.content)
    return received, caught.value


@pytest.mark.llm_cassette
def test_refused():
    dead = openai.OpenAI(base_url="http://127.0.0.1:9/v1", api_key="sk-x", max_retries=0)
    with pytest.raises(openai.APIConnectionError):
        dead.chat.completions.create(model="stub-model", messages=[{"role": "user", "content": "hi"}])


@pytest.mark.llm_cassette
def test_reset_mid_stream():
    received, error = events_until_error(**{"x-stub-reset-after": "3"})
    assert received == ["", "echo:", " one"]
    assert type(error).__name__ in ("RemoteProtocolError", "ReadError", "APIConnectionError"), repr(error)


@pytest.mark.llm_cassette
def test_server_error():
    with pytest.raises(openai.InternalServerError):
        client(max_retries=0).chat.completions.create(
            model="stub-model", messages=[{"role": "user", "content": "hi"}], extra_headers={"x-stub-status": "500"}
        )


@pytest.mark.llm_cassette
def test_timeout():
    with pytest.raises(openai.APITimeoutError):
        client(max_retries=0, timeout=0.2).chat.completions.create(
            model="stub-model", messages=[{"role": "user", "content": "hi"}], extra_headers={"x-stub-sleep-ms": "5000"}
        )
"""


def test_faults_while_recording_replay_as_they_happened(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_faults=FAULTS)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=4)
    assert "    error:\n      type: ConnectError\n" in cassette_text(suite, "test_faults", "test_refused")
    reset = cassette_text(suite, "test_faults", "test_reset_mid_stream")
    assert reset.count("    - json:") == 3
    assert "    error:\n      type: ReadError\n" in reset or "    error:\n      type: RemoteProtocolError\n" in reset
    assert "status: 500" in cassette_text(suite, "test_faults", "test_server_error")
    assert "    error:\n      type: ReadTimeout\n" in cassette_text(suite, "test_faults", "test_timeout")
    stub.stop()
    suite.runpytest().assert_outcomes(passed=4)


CUT = """
import pytest
from chat import client

LEFT_OPEN = []

def stream():
    return client().chat.completions.create(
        model="stub-model", messages=[{"role": "user", "content": "one two three four five six seven"}], stream=True
    )


@pytest.mark.llm_cassette("cut.yaml")
def test_reads_four():
    answer = stream()
    pieces = [next(iter(answer)).choices[0].delta.content for _ in range(4)]
    answer.close()  # or LEFT_OPEN.append(answer): neither read to its end nor closed when the test ends
    assert pieces == ["", "echo:", " one", " two"]


@pytest.mark.llm_cassette("cut.yaml", record_mode="none")
def test_reads_all():
    assert "".join(c.choices[0].delta.content or "" for c in stream() if c.choices).startswith("echo: one")
"""


@pytest.mark.parametrize("end", ["answer.close()", "LEFT_OPEN.append(answer)"])
def test_a_stream_the_client_cut_is_never_served_whole(suite: pytest.Pytester, stub: StubServer, end: str) -> None:
    suite.makepyfile(test_cut=CUT.replace("answer.close()", end, 1))
    suite.runpytest("--record-mode=once", "-k", "four").assert_outcomes(passed=1)
    text = cassette_text(suite, "test_cut", "cut")
    assert "cut_by_client: true" in text and text.count("    - json:") == 4
    stub.stop()
    result = suite.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*recorded cut short: the client stopped reading it after 4 chunks (server-sent events), and this test*"]
    )


INTERRUPTED = """
import pytest
from chat import ask

@pytest.mark.llm_cassette
def test_chat(request):
    assert ask("hello") == "echo: hello"
    if request.config.getoption("--record-mode") == "rewrite":
        raise KeyboardInterrupt
"""


def test_an_interrupted_recording_leaves_the_old_file_and_no_temporary_one(
    suite: pytest.Pytester, stub: StubServer
) -> None:
    suite.makepyfile(test_interrupted=INTERRUPTED)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=1)
    folder = suite.path / "cassettes" / "test_interrupted"
    before = (folder / "test_chat.yaml").read_bytes()
    result = suite.runpytest_subprocess("--record-mode=rewrite")  # in-process, it would interrupt this session
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert (folder / "test_chat.yaml").read_bytes() == before
    assert [path.name for path in folder.iterdir()] == ["test_chat.yaml"]


UNWRITABLE = """
import pytest
from chat import ask

@pytest.mark.llm_cassette("blocked/test.yaml")
def test_chat():
    assert ask("hello") == "echo: hello"
"""


def test_a_cassette_that_cannot_be_written_is_an_error_naming_its_path(
    suite: pytest.Pytester, stub: StubServer
) -> None:
    suite.makepyfile(test_unwritable=UNWRITABLE)
    (suite.path / "cassettes" / "test_unwritable").mkdir(parents=True)
    (suite.path / "cassettes" / "test_unwritable" / "blocked").write_text("a file where a folder should be")
    result = suite.runpytest("--record-mode=once")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*llm_cassette: cannot write *cassettes/test_unwritable/blocked/test.yaml: *"])


SEVERAL = """
import pytest
from chat import ask, ask_stream

@pytest.mark.llm_cassette
@pytest.mark.parametrize("word", ["one", "two", "three", "four"])
def test_chat(word):
    assert ask(word) == f"echo: {word}"
    assert ask_stream(word + " more") == f"echo: {word} more"

class TestGrouped:
    @pytest.mark.llm_cassette
    def test_grouped(self):
        assert ask("grouped") == "echo: grouped"

@pytest.mark.llm_cassette("shared.yaml", record_mode="new_episodes", allow_unused=True)
@pytest.mark.parametrize("word", ["alpha", "beta", "gamma"])
def test_shared(word):
    assert ask(word) == f"echo: {word}"
"""


def _files(pytester: pytest.Pytester) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((pytester.path / "cassettes").rglob("*.yaml"))}


def test_xdist_records_and_replays_as_a_serial_run_does(suite: pytest.Pytester, stub: StubServer) -> None:
    """Recorded by two workers (``--dist loadscope``), the files are the serial run's, byte for byte; replayed by
    two workers (``--dist loadfile``), every test passes. (``--dist load`` is the other tests' default.)"""
    suite.makepyfile(test_several=SEVERAL)
    suite.runpytest("--record-mode=once", "-k", "not shared").assert_outcomes(passed=5)
    serial = _files(suite)
    for path in (suite.path / "cassettes").rglob("*.yaml"):
        path.unlink()
    suite.runpytest("--record-mode=once", "-n", "2", "--dist=loadscope", "-k", "not shared").assert_outcomes(passed=5)
    assert _files(suite) == serial
    stub.stop()
    suite.runpytest("-n", "2", "--dist=loadfile", "-k", "not shared").assert_outcomes(passed=5)


def test_tests_writing_one_cassette_at_once_lose_nothing(suite: pytest.Pytester, stub: StubServer) -> None:
    """Three tests append to one file from two workers: each write happens under the file's lock."""
    suite.makepyfile(test_several=SEVERAL)
    suite.runpytest("-n", "2", "-k", "shared").assert_outcomes(passed=3)
    text = cassette_text(suite, "test_several", "shared")
    assert text.endswith("count: 3\n") and all(f"content: {word}\n" in text for word in ("alpha", "beta", "gamma"))
    stub.stop()
    suite.runpytest("-n", "2", "-k", "shared").assert_outcomes(passed=3)


SHARED_REWRITE = """
import pytest
from chat import ask

@pytest.mark.llm_cassette("shared.yaml", allow_unused=True)
@pytest.mark.parametrize("word", ["alpha", "beta", "gamma", "delta"])
def test_shared(word):
    assert ask(word) == f"echo: {word}"
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_rewrite_of_a_shared_cassette_keeps_every_test_s_recording(
    suite: pytest.Pytester, stub: StubServer, workers: list[str]
) -> None:
    """In rewrite, the first test of the run to write a file replaces it, the others of that run append."""
    suite.makepyfile(test_rewritten=SHARED_REWRITE)
    for _ in range(1 if workers else 2):  # twice: the second run replaces the first's file, then appends
        suite.runpytest("--record-mode=rewrite", *workers).assert_outcomes(passed=4)
        text = cassette_text(suite, "test_rewritten", "shared")
        assert text.endswith("count: 4\n")
        assert all(f"content: {word}\n" in text for word in ("alpha", "beta", "gamma", "delta"))
    stub.stop()
    suite.runpytest(*workers).assert_outcomes(passed=4)


CONCURRENT = """
import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from chat import ask, ask_async, ask_stream_async

WORDS = ["one", "two", "three", "one", "two", "three", "four", "four"]


@pytest.mark.llm_cassette("threads.yaml")
@pytest.mark.parametrize("round", range(10))
def test_threads(round):
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(ask, WORDS)) == [f"echo: {word}" for word in WORDS]


@pytest.mark.llm_cassette("tasks.yaml")
@pytest.mark.parametrize("round", range(10))
def test_tasks(round):
    async def main():
        plain = asyncio.gather(*(ask_async(word) for word in WORDS))
        streamed = asyncio.gather(*(ask_stream_async(word) for word in WORDS))
        return await asyncio.gather(plain, streamed)

    plain, streamed = asyncio.run(main())
    assert plain == streamed == [f"echo: {word}" for word in WORDS]
"""


def test_concurrent_requests_replay_and_record_deterministically(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_concurrent=CONCURRENT)
    recordings = []
    for _ in range(2):
        suite.runpytest("--record-mode=rewrite", "-k", "0").assert_outcomes(passed=2)
        recordings.append(_files(suite))
    assert recordings[0] == recordings[1]
    assert recordings[0]["threads.yaml"].count(b"- request:") == 8
    stub.stop()
    suite.runpytest().assert_outcomes(passed=20)  # each round: identical requests in flight, each its own recording


BOTH = """
import pytest

@pytest.mark.vcr
@pytest.mark.llm_cassette
def test_both():
    pass

@pytest.mark.vcr
@pytest.mark.llm_cassette("own.llm.yaml", record_mode="once")
def test_own_file():
    pass
"""


def test_vcr_and_llm_cassette_on_one_test_never_share_a_file(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmarkers =\n    vcr: vcrpy\n")
    pytester.makepyfile(test_both=BOTH)
    result = pytester.runpytest("-p", "no:recording")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*marked both @pytest.mark.vcr and @pytest.mark.llm_cassette*Remove one marker*"])
