"""Cassettes safe to commit: no secret is ever written (headers, URLs, bodies, events), headers are kept by
allow-list, user hooks scrub what only the project knows (and apply when matching), nothing secret-shaped is
written, retried attempts are left out, and the same traffic gives the same bytes."""

from __future__ import annotations

import pytest

from conftest import cassette_text
from stub_server import StubServer

ENV_KEY = "sk-envtest-0123456789abcdefghij"
SESSION = "sess-0123456789abcdef"
OPENAI_KEY = "sk-test-SECRET-never-in-a-cassette"  # chat.SECRET
ANTHROPIC_KEY = "sk-ant-fieldtest-0123456789abcdef"
AZURE_KEY = "azurefieldtest0123456789abcdef"

ECHOED = (
    """
import os

import anthropic
import openai
import pytest
from chat import client

ROOT = os.environ["STUB_URL"].removesuffix("/v1")
ECHO = {"x-stub-echo": "authorization"}


@pytest.mark.llm_cassette
def test_openai():
    answer = client().chat.completions.create(
        model="stub-model", messages=[{"role": "user", "content": "hi"}], extra_headers=ECHO,
        extra_query={"session": "@SESSION@"},
    )
    assert answer.choices[0].message.content.startswith("echo: hi")
    stream = client().chat.completions.create(
        model="stub-model", messages=[{"role": "user", "content": "stream"}], stream=True, extra_headers=ECHO,
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices).startswith("echo: stream")


@pytest.mark.llm_cassette
def test_anthropic():
    claude = anthropic.Anthropic(base_url=ROOT, api_key="@ANTHROPIC@")
    reply = claude.messages.create(
        model="claude-stub", max_tokens=64, messages=[{"role": "user", "content": "hi"}],
        extra_headers={"x-stub-echo": "authorization"},  # anthropic 2.x sends its key as a bearer token
    )
    assert reply.content[0].text.startswith("echo: hi")
    with claude.messages.stream(
        model="claude-stub", max_tokens=64, messages=[{"role": "user", "content": "stream"}],
        extra_headers={"x-stub-echo": "authorization"},
    ) as events:
        assert "".join(events.text_stream).startswith("echo: stream")


@pytest.mark.llm_cassette
def test_azure():
    azure = openai.AzureOpenAI(api_key="@AZURE@", azure_endpoint=ROOT, api_version="2024-10-21")
    answer = azure.chat.completions.create(
        model="deployment", messages=[{"role": "user", "content": "hi"}], extra_headers={"x-stub-echo": "api-key"},
    )
    assert answer.choices[0].message.content.startswith("echo: hi")
    stream = azure.chat.completions.create(
        model="deployment", messages=[{"role": "user", "content": "stream"}], stream=True,
        extra_headers={"x-stub-echo": "api-key"},
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices).startswith("echo: stream")


@pytest.mark.llm_cassette
def test_environment():
    answer = client().chat.completions.create(
        model="stub-model", messages=[{"role": "user", "content": "my key is " + os.environ["OPENAI_API_KEY"]}],
    )
    assert answer.choices[0].message.content.startswith("echo: my key is")
""".replace("@SESSION@", SESSION)
    .replace("@ANTHROPIC@", ANTHROPIC_KEY)
    .replace("@AZURE@", AZURE_KEY)
)


def _all_cassettes(pytester: pytest.Pytester) -> str:
    return "".join(path.read_text() for path in sorted((pytester.path / "cassettes").rglob("*.yaml")))


def test_no_secret_is_ever_written_and_replay_still_passes(
    suite: pytest.Pytester, stub: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    suite.makepyfile(test_echo=ECHOED)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=4)
    written = _all_cassettes(suite)
    for secret in (OPENAI_KEY, ANTHROPIC_KEY, AZURE_KEY, ENV_KEY, SESSION):
        assert secret not in written
    assert "session=REDACTED" in written  # a secret-named query parameter
    assert "content: 'echo: hi I saw your key: Bearer REDACTED'" in written  # echoed in a body (openai, anthropic)
    assert '"delta":{"content":" Bearer REDACTED"}' in written  # and in a server-sent event: OpenAI's,
    assert '"delta":{"type":"text_delta","text":" Bearer REDACTED"}' in written  # Anthropic's,
    assert '"delta":{"content":" REDACTED"}' in written  # Azure's
    assert "content: 'echo: hi I saw your key: REDACTED'" in written  # Azure's api-key header
    assert "content: my key is REDACTED" in written  # the environment's key, in the request too
    assert written.count("REDACTED") == 9
    stub.stop()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-another-key-in-ci-0123456789")  # redacted before matching too
    suite.runpytest().assert_outcomes(passed=4)


def test_default_header_lists(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_echo=ECHOED)
    suite.runpytest("--record-mode=once", "-k", "openai or anthropic").assert_outcomes(passed=2)
    for test in ("test_openai", "test_anthropic"):
        document = __import__("yaml").safe_load(cassette_text(suite, "test_echo", test))
        for interaction in document["interactions"]:
            request = set(interaction["request"]["headers"])
            assert {"content-type", "accept", "user-agent", "x-stainless-package-version"} <= request
            assert request <= {
                "content-type",
                "accept",
                "user-agent",
                "anthropic-version",
                "x-stainless-lang",
                "x-stainless-package-version",
                "x-stainless-runtime",
                "x-stainless-runtime-version",
            }
            response = set(interaction["response"]["headers"])
            assert {"content-type", "openai-processing-ms", "x-ratelimit-remaining-requests"} <= response
            assert not response & {"date", "server", "x-request-id", "cf-ray", "set-cookie"}


CONFIGURED = """
import pytest
from chat import ask

@pytest.fixture(scope="module")
def llm_cassette_config():
    return {
        "keep_response_headers": ["x-request-id"],
        "drop_request_headers": ["user-agent"],
        "drop_response_headers": ["x-ratelimit-remaining-requests"],  # one name the x-ratelimit- prefix keeps
    }

@pytest.mark.llm_cassette
def test_configured():
    assert ask("hi") == "echo: hi"

@pytest.mark.llm_cassette(keep_request_headers=["authorization"])
def test_never_a_credential():
    pass
"""


def test_user_header_lists_extend_the_defaults_and_never_keep_a_credential(
    suite: pytest.Pytester, stub: StubServer
) -> None:
    suite.makepyfile(test_configured=CONFIGURED)
    result = suite.runpytest("--record-mode=once")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*authorization carry credentials and are never written*"])
    text = cassette_text(suite, "test_configured", "test_configured")
    assert "x-request-id:" in text and "content-type:" in text and "openai-processing-ms:" in text
    assert "user-agent" not in text and "x-stainless-lang" in text
    assert "x-ratelimit-remaining-requests" not in text


HOOKED = """
import dataclasses
import json

import pytest
from chat import client


def anonymous(request):
    body = json.loads(request.body)
    body["user"] = "anonymous"
    return dataclasses.replace(request, body=json.dumps(body).encode())


@pytest.fixture(scope="module")
def llm_cassette_config():
    return {"before_record_request": anonymous}


@pytest.mark.llm_cassette
def test_user_field(request):
    user = request.config.getoption("--user-name")
    answer = client().chat.completions.create(
        model="stub-model", messages=[{"role": "user", "content": "hi"}], user=user
    )
    assert answer.choices[0].message.content == "echo: hi"
"""

HOOKED_CONFTEST = """
def pytest_addoption(parser):
    parser.addoption("--user-name")
"""


def test_a_request_hook_applies_when_matching(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_hooked=HOOKED)
    suite.makeconftest(HOOKED_CONFTEST)
    suite.runpytest("--record-mode=once", "--user-name=alice-1234").assert_outcomes(passed=1)
    text = cassette_text(suite, "test_hooked", "test_user_field")
    assert "user: anonymous" in text and "alice" not in text
    stub.stop()
    suite.runpytest("--user-name=bob-5678").assert_outcomes(passed=1)


SHAPED = """
import pytest
from chat import ask

@pytest.mark.llm_cassette
def test_pasted_key():
    assert ask("use sk-proj-abcdefghij0123456789KLMN please").startswith("echo:")
"""


def test_anything_shaped_like_a_key_stops_the_write(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_shaped=SHAPED)
    result = suite.runpytest("--record-mode=once")
    result.assert_outcomes(errors=1, passed=1)
    output = result.stdout.str()
    assert "test_pasted_key.yaml: 2 values still look secret after scrubbing" in output
    assert "interaction 0, request.json.messages[0].content: something shaped like an openai key" in output
    assert "interaction 0, response.json.choices[0].message.content: something shaped like an openai key" in output
    assert "abcdefghij0123456789" not in output
    assert not (suite.path / "cassettes").exists()

    suite.makeconftest(
        "import pytest\n\n@pytest.fixture\ndef llm_cassette_config():\n"
        "    return {'allow_secret_patterns': ['openai-key']}\n"
    )
    suite.runpytest("--record-mode=once").assert_outcomes(passed=1)
    assert "sk-proj-abcdefghij0123456789KLMN" in cassette_text(suite, "test_shaped", "test_pasted_key")


RETRIED = """
import pytest
from chat import client

FAIL_ONCE = {"x-stub-fail-times": "1", "x-stub-fail-status": "@STATUS@", "x-stub-fail-key": "@KEY@"}

@pytest.mark.llm_cassette@OPTIONS@
def test_retried():
    answer = client(max_retries=2).chat.completions.create(
        model="stub-model", messages=[{"role": "user", "content": "again"}], extra_headers=FAIL_ONCE
    )
    assert answer.choices[0].message.content == "echo: again"
"""


@pytest.mark.parametrize(("marker", "written"), [("", 1), ("(record_retries=True)", 2)])
@pytest.mark.parametrize(("status", "failed_attempt"), [("503", "status: 503"), ("0", "type: ReadError")])
def test_retried_attempts(
    suite: pytest.Pytester, stub: StubServer, marker: str, written: int, status: str, failed_attempt: str
) -> None:
    """A failed attempt the SDK retried (an error status, or a connection reset: status 0) is not written."""
    key = f"{marker or 'plain'}-{status}"
    test = RETRIED.replace("@KEY@", key).replace("@OPTIONS@", marker).replace("@STATUS@", status)
    suite.makepyfile(test_retried=test)
    result = suite.runpytest("--record-mode=once", "-W", "always")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*the SDK retried a request while recording*"])
    text = cassette_text(suite, "test_retried", "test_retried")
    assert text.count("- request:") == written
    assert (failed_attempt in text) == (written == 2)
    stub.stop()
    suite.runpytest().assert_outcomes(passed=1)  # a kept failure is retried at once, not after the SDK's back-off


def test_the_same_traffic_gives_the_same_bytes(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_echo=ECHOED)
    runs = []
    for arguments in ((), ("-n", "2"), ()):
        suite.runpytest("--record-mode=rewrite", "-k", "not environment", *arguments).assert_outcomes(passed=3)
        runs.append({path.name: path.read_bytes() for path in (suite.path / "cassettes").rglob("*.yaml")})
    assert len(runs[0]) == 3 and runs[0] == runs[1] == runs[2]
