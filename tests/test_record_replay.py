"""Record against the loopback server, then replay with it stopped: both SDK clients, plain and streamed."""

from __future__ import annotations

import pytest

from conftest import cassette_text
from stub_server import StubServer

ROUND_TRIP = """
import asyncio
import pytest
from chat import ask, ask_async, ask_stream, ask_stream_async

@pytest.mark.llm_cassette
def test_sync():
    assert ask("hello there") == "echo: hello there"
    assert ask_stream("stream me") == "echo: stream me"

@pytest.mark.llm_cassette
def test_async():
    assert asyncio.run(ask_async("async hello")) == "echo: async hello"
    assert asyncio.run(ask_stream_async("async stream")) == "echo: async stream"

@pytest.mark.llm_cassette
def test_gzip():
    assert ask("zipped", extra_headers={"x-stub-gzip": "1"}) == "echo: zipped"
"""


def test_record_once_then_replay_without_server(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_chat=ROUND_TRIP)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=3)
    assert len(stub.received) == 5
    stub.stop()

    suite.runpytest().assert_outcomes(passed=3)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=3)


def test_cassette_is_readable_yaml_without_credentials(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_chat=ROUND_TRIP)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=3)

    text = cassette_text(suite, "test_chat", "test_sync")
    assert text.startswith("# Recorded by pytest-llmcassette")
    assert "content: hello there" in text  # the request body is YAML data, not an escaped string
    assert '"content":" stream"}' in text  # one line of YAML data (a flow mapping, compact JSON) per SSE event
    assert text.count("\n    - json: {") == 6 and "\n    - data: '[DONE]'\n" in text
    assert "data: '[DONE]'" in text
    for secret in ("sk-test-secret", "authorization", "secret-cookie", "set-cookie", "x-request-id", "      date:"):
        assert secret not in text.lower()
    assert "user-agent: OpenAI/Python" in text and "x-stainless-package-version:" in text  # what helps to read it
    assert "x-stainless-retry-count" not in text and "x-stainless-os" not in text
    zipped = cassette_text(suite, "test_chat", "test_gzip")
    assert "content: 'echo: zipped'" in zipped and "content-encoding" not in zipped


def test_replayed_stream_is_lazy(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(
        test_lazy="""
        import pytest
        from chat import client

        @pytest.mark.llm_cassette
        def test_lazy():
            stream = client().chat.completions.create(
                model="stub-model", messages=[{"role": "user", "content": "one two three four five"}], stream=True
            )
            events = iter(stream)
            next(events)
            read_after_first = stream.response.num_bytes_downloaded
            rest = list(events)
            assert len(rest) >= 6
            assert 0 < read_after_first < stream.response.num_bytes_downloaded / 3
        """
    )
    suite.runpytest("--record-mode=once").assert_outcomes(passed=1)
    stub.stop()
    suite.runpytest().assert_outcomes(passed=1)


def test_recording_passes_events_through_as_they_arrive(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(
        test_tee="""
        import pathlib
        import time
        import pytest
        from chat import client

        @pytest.mark.llm_cassette
        def test_tee():
            stream = client().chat.completions.create(
                model="stub-model", messages=[{"role": "user", "content": "a b c d"}], stream=True,
                extra_headers={"x-stub-delay-ms": "150"},
            )
            next(iter(stream))
            pathlib.Path("first_event_at").write_text(repr(time.perf_counter()))
            list(stream)
        """
    )
    suite.runpytest("--record-mode=once").assert_outcomes(passed=1)
    first_seen = float((suite.path / "first_event_at").read_text())  # the inner session runs in this process
    assert first_seen - stub.sent_at[0] < 0.1  # seen as soon as the server sent it...
    assert stub.sent_at[-1] - first_seen > 0.8  # ...long before the server sent the rest
    assert "delta" in cassette_text(suite, "test_tee", "test_tee")


def test_cassette_paths_follow_class_and_parameters(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_names="""
        import pytest
        from chat import ask

        class TestGroup:
            @pytest.mark.llm_cassette
            @pytest.mark.parametrize("word", ["a/b", "c:d"])
            def test_param(self, word):
                assert ask(word) == "echo: " + word

        @pytest.mark.llm_cassette("shared/custom.yaml")
        def test_custom_path():
            assert ask("custom") == "echo: custom"
        """
    )
    suite.runpytest("--record-mode=once").assert_outcomes(passed=3)
    folder = suite.path / "cassettes" / "test_names"
    assert sorted(p.name for p in folder.iterdir()) == [
        "TestGroup.test_param[a-b].yaml",
        "TestGroup.test_param[c-d].yaml",
        "shared",
    ]
    assert (folder / "shared" / "custom.yaml").is_file()


def test_missing_cassette_in_none_mode_says_how_to_record(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_missing="""
        import pytest
        from chat import ask

        @pytest.mark.llm_cassette
        def test_missing():
            ask("never sent")
        """
    )
    result = suite.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*no cassette at *test_missing.yaml*", "*pytest 'test_missing.py::test_missing' --record-mode=once*"]
    )


def test_unmarked_tests_are_untouched(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_plain="""
        from chat import ask

        def test_live():
            assert ask("live") == "echo: live"
        """
    )
    suite.runpytest().assert_outcomes(passed=1)
    assert not (suite.path / "cassettes").exists()


def test_an_edited_cassette_is_read_anew(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(
        test_edit="""
        import pytest
        from chat import ask

        @pytest.mark.llm_cassette
        def test_edit():
            assert ask("original") == "echo: original"
        """
    )
    suite.runpytest("--record-mode=once").assert_outcomes(passed=1)
    stub.stop()
    suite.runpytest().assert_outcomes(passed=1)

    cassette = suite.path / "cassettes" / "test_edit" / "test_edit.yaml"
    cassette.write_text(cassette.read_text().replace("content: 'echo: original'", "content: edited by hand"))
    result = suite.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*AssertionError*edited by hand*"])
