"""Strict replay: what matches, in which order, and how a test fails when something does not."""

from __future__ import annotations

import textwrap

import pytest

RECORDED = """\
llm_cassette: 1
interactions:
- request:
    method: POST
    url: http://127.0.0.1:9/v1/chat/completions
    json: {model: stub-model, messages: [{role: user, content: same}]}
  response:
    status: 200
    headers: {content-type: application/json}
    json: {id: a, object: chat.completion, created: 1, model: stub-model,
           choices: [{index: 0, finish_reason: stop, message: {role: assistant, content: first answer}}]}
- request:
    method: POST
    url: http://127.0.0.1:9/v1/chat/completions
    json: {model: stub-model, messages: [{role: user, content: same}]}
  response:
    status: 200
    headers: {content-type: application/json}
    json: {id: b, object: chat.completion, created: 1, model: stub-model,
           choices: [{index: 0, finish_reason: stop, message: {role: assistant, content: second answer}}]}
- request:
    method: POST
    url: http://127.0.0.1:9/v1/things?b=2&a=1
    headers: {content-type: application/json}
    json: {b: [1, 2], a: {y: 1, x: 2}, trace: {id: recorded-trace}}
  response:
    status: 201
    text: created
- request:
    method: PUT
    url: http://127.0.0.1:9/v1/raw
    text: exact bytes
  response:
    status: 204
"""


@pytest.fixture
def recorded(pytester: pytest.Pytester) -> pytest.Pytester:
    """An inner session whose test module has a hand-written cassette with the interactions above."""
    pytester.makepyfile(chat=open_chat())
    folder = pytester.path / "cassettes" / "test_inner"
    folder.mkdir(parents=True)
    (folder / "cassette.yaml").write_text(RECORDED)
    return pytester


def open_chat() -> str:
    from conftest import CHAT_MODULE

    return CHAT_MODULE


def inner(pytester: pytest.Pytester, body: str, *args: str) -> pytest.RunResult:
    header = "import asyncio, pathlib, httpx, pytest\nfrom chat import *\n"
    pytester.makepyfile(test_inner=header + textwrap.dedent(body))
    return pytester.runpytest(*args)


ALL_USED = """
        def use_all():
            with httpx.Client() as http:
                assert http.post("http://127.0.0.1:9/v1/things?a=1&b=2",
                                 content=b'{ "trace": {"id": "recorded-trace"}, "a": {"x": 2, "y": 1},  "b": [1, 2] }',
                                 headers={"content-type": "application/json"}).status_code == 201
                assert http.put("http://127.0.0.1:9/v1/raw", content=b"exact bytes").status_code == 204
"""


def test_identical_requests_replay_in_recorded_order(recorded: pytest.Pytester) -> None:
    result = inner(
        recorded,
        ALL_USED
        + """
        @pytest.mark.llm_cassette("cassette.yaml")
        def test_order():
            assert ask("same") == "first answer"
            assert ask("same") == "second answer"
            use_all()
        """,
    )
    result.assert_outcomes(passed=1)


def test_each_interaction_plays_at_most_once(recorded: pytest.Pytester) -> None:
    result = inner(
        recorded,
        """
        @pytest.mark.llm_cassette("cassette.yaml")
        def test_three_times():
            ask("same"); ask("same"); ask("same")
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*no recorded interaction matches this request*",
            "  test:     test_inner.py::test_three_times",
            "*(native, 4 interactions, 2 used), record mode none",
            '  request:  POST http://127.0.0.1:9/v1/chat/completions model=stub-model messages=1 last user: "same"',
            "This request is recorded 2 times, and this is call 3: the test now makes it more often than when it*",
            "To re-record this test: `pytest 'test_inner.py::test_three_times' --record-mode=rewrite`",
        ]
    )


def test_json_key_order_whitespace_and_query_order_do_not_matter(recorded: pytest.Pytester) -> None:
    result = inner(
        recorded,
        ALL_USED
        + """
        @pytest.mark.llm_cassette("cassette.yaml", allow_unused=True)
        def test_shapes():
            use_all()
        """,
    )
    result.assert_outcomes(passed=1)


def test_non_json_bodies_compare_as_bytes(recorded: pytest.Pytester) -> None:
    result = inner(
        recorded,
        """
        @pytest.mark.llm_cassette("cassette.yaml", allow_unused=True)
        def test_raw():
            httpx.put("http://127.0.0.1:9/v1/raw", content=b"exact  bytes")
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            '*request:  PUT http://127.0.0.1:9/v1/raw "exact bytes"',
            '  recorded #3 (unused, 0% alike): "exact bytes"',
            "The body differs from #3's (neither JSON nor a form: compared byte for byte):",
            "  recorded: b'exact bytes'",
            "  sent:     b'exact  bytes'",
        ]
    )


def test_ignored_body_paths_come_from_the_config_fixture(recorded: pytest.Pytester) -> None:
    recorded.makeconftest(
        """
        import pytest

        @pytest.fixture
        def llm_cassette_config():
            return {"ignore_body_paths": ["trace.id"], "allow_unused": True}
        """
    )
    result = inner(
        recorded,
        """
        @pytest.mark.llm_cassette("cassette.yaml")
        def test_trace():
            response = httpx.post("http://127.0.0.1:9/v1/things?a=1&b=2", json={"a": {"x": 2, "y": 1}, "b": [1, 2],
                                  "trace": {"id": "another-run"}})
            assert response.text == "created"
        """,
    )
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_mismatch_fails_after_one_attempt_even_when_caught(recorded: pytest.Pytester, kind: str) -> None:
    call = 'ask("other")' if kind == "sync" else 'asyncio.run(ask_async("other"))'
    result = inner(
        recorded,
        f"""
        @pytest.mark.llm_cassette("cassette.yaml")
        def test_caught(llm_cassette):
            try:
                {call}
            except BaseException as error:
                pathlib.Path("caught").write_text(type(error).__name__)
            pathlib.Path("attempts").write_text(str(len(llm_cassette.errors)))
        """,
    )
    result.assert_outcomes(failed=1)
    assert (recorded.path / "caught").read_text() == "NoMatchingInteraction"
    assert (recorded.path / "attempts").read_text() == "1"
    result.stdout.fnmatch_lines(
        [
            "*no recorded interaction matches this request*",
            '  recorded #0 (unused, 67% alike): model=stub-model messages=1 last user: "same"',
            "What differs from #0 (recorded → sent):",
            '  messages[0].content: "same" → "other"',
        ]
    )
    assert "APIConnectionError" not in result.stdout.str()
    assert "SECRET" not in result.stdout.str()


def test_unused_interactions_are_listed(recorded: pytest.Pytester) -> None:
    result = inner(
        recorded,
        """
        @pytest.mark.llm_cassette("cassette.yaml")
        def test_partial():
            assert ask("same") == "first answer"
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*3 recorded interactions were never requested*",
            '  #1 POST http://127.0.0.1:9/v1/chat/completions model=stub-model messages=1 last user: "same"',
            "  #2 POST http://127.0.0.1:9/v1/things?b=2&a=1 keys=b,a,trace",
            '  #3 PUT http://127.0.0.1:9/v1/raw "exact bytes"',
            "If the test no longer makes these requests, re-record it: `pytest 'test_inner.py::test_partial' *",
        ]
    )


def test_an_additional_request_suggests_new_episodes(recorded: pytest.Pytester) -> None:
    """A request no unused recording shares a method and URL with is one more request: new_episodes adds it."""
    result = inner(
        recorded,
        """
        @pytest.mark.llm_cassette("cassette.yaml", allow_unused=True)
        def test_more():
            httpx.get("http://127.0.0.1:9/v1/models")
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "No unused recording has this method and URL: if the test now makes one more request, add it with "
            "`pytest 'test_inner.py::test_more' --record-mode=new_episodes`."
        ]
    )


def test_unused_interactions_a_test_allowed_are_counted_in_the_run_report(recorded: pytest.Pytester) -> None:
    result = inner(
        recorded,
        """
        @pytest.mark.llm_cassette("cassette.yaml", allow_unused=True)
        def test_partial():
            assert ask("same") == "first answer"
        """,
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["1 cassette replayed (1 interaction played, 3 unused)"])


def test_no_unused_report_for_a_failed_or_skipped_test(recorded: pytest.Pytester) -> None:
    result = inner(
        recorded,
        """
        @pytest.mark.llm_cassette("cassette.yaml")
        def test_fails():
            assert ask("same") == "not this"

        @pytest.mark.llm_cassette("cassette.yaml")
        def test_skips():
            pytest.skip("not today")
        """,
    )
    result.assert_outcomes(failed=1, skipped=1)
    assert "never requested" not in result.stdout.str()
