"""The stub server itself, spoken to with plain httpx: its endpoints, its headers and each fault it injects."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from stub_server import StubServer

CHAT = "/chat/completions"


def ask(stub: StubServer, text: str = "hi there", path: str = CHAT, **body: Any) -> dict[str, Any]:
    return {
        "url": stub.base_url + path,
        "json": {"model": "stub-model", "messages": [{"role": "user", "content": text}], **body},
    }


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def events(response: httpx.Response) -> list[str]:
    return [line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")]


def test_stop_is_prompt_closes_the_port_and_open_connections() -> None:
    with StubServer() as stub, httpx.Client() as client:
        assert client.post(**ask(stub)).status_code == 200  # the client keeps this connection open
        started = time.perf_counter()
        stub.stop()
        assert time.perf_counter() - started < 0.2
        with pytest.raises(httpx.TransportError):
            client.post(**ask(stub))
        with pytest.raises(httpx.ConnectError):
            httpx.get(stub.base_url + "/models")
    stub.stop()  # a second stop does nothing


def test_run_as_a_script_prints_its_url_and_serves() -> None:
    script = Path(__file__).with_name("stub_server.py")
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        assert httpx.get(url + "/models").json()["data"][0]["id"] == "stub-model"
    finally:
        process.kill()  # not SIGINT: a shell running this in the background may have it ignored
        process.communicate()


def test_models_and_unserved_paths(stub: StubServer, client: httpx.Client) -> None:
    models = client.get(stub.base_url + "/models")
    assert models.json() == {
        "object": "list",
        "data": [{"id": "stub-model", "object": "model", "created": 1_700_000_000, "owned_by": "stub"}],
    }
    assert client.post(**ask(stub, path="/embeddings")).status_code == 404
    assert client.get(stub.base_url + "/files").status_code == 501


def test_azure_deployments_answer_as_chat_completions(stub: StubServer) -> None:
    url = stub.base_url.removesuffix("/v1") + "/openai/deployments/my-deployment/chat/completions"
    answer = httpx.post(url, params={"api-version": "2024-10-21"}, json=ask(stub)["json"]).json()
    assert answer["object"] == "chat.completion"
    assert answer["choices"][0]["message"]["content"] == "echo: hi there"
    assert stub.received[-1][0] == "/openai/deployments/my-deployment/chat/completions?api-version=2024-10-21"


@pytest.mark.parametrize("stream", [False, True])
def test_answers_carry_headers_that_vary_as_a_real_servers_do(
    stub: StubServer, client: httpx.Client, stream: bool
) -> None:
    first, second = (client.post(**ask(stub, stream=stream)).headers for _ in range(2))
    assert first["server"] == "stub"
    assert abs(parsedate_to_datetime(first["date"]).timestamp() - time.time()) < 60
    assert first["openai-processing-ms"] == "1" and first["x-ratelimit-remaining-requests"] == "99"
    assert first["set-cookie"] == "session=secret-cookie"
    assert first["x-request-id"] != second["x-request-id"] and first["cf-ray"] != second["cf-ray"]


@pytest.mark.parametrize("path", [CHAT, "/messages"])
@pytest.mark.parametrize("status", [429, 500])
def test_status_answers_an_error_in_the_apis_shape(
    stub: StubServer, client: httpx.Client, status: int, path: str
) -> None:
    response = client.post(**ask(stub, path=path), headers={"x-stub-status": str(status)})
    assert response.status_code == status
    error = response.json()["error"]
    assert error["type"] == ("rate_limit_error" if status == 429 else "api_error")
    assert error["message"] == f"stub error {status}"
    assert ("type" in response.json()) == (path == "/messages")  # Anthropic's {"type": "error", "error": ...}


def test_fail_times_per_key_then_answers(stub: StubServer, client: httpx.Client) -> None:
    def status(key: str, **knobs: str) -> int:
        headers = {"x-stub-fail-times": "2", "x-stub-fail-key": key, **knobs}
        return client.post(**ask(stub), headers=headers).status_code

    assert [status("a", **{"x-stub-fail-status": "503"}) for _ in range(3)] == [503, 503, 200]
    assert [status("b") for _ in range(3)] == [500, 500, 200]  # its own count; 500 by default
    assert status("a") == 200


def test_sleep_delays_the_headers_and_stop_cuts_it_short(stub: StubServer, client: httpx.Client) -> None:
    started = time.perf_counter()
    assert client.post(**ask(stub), headers={"x-stub-sleep-ms": "100"}).status_code == 200
    assert time.perf_counter() - started >= 0.1
    with pytest.raises(httpx.ReadTimeout):
        client.post(**ask(stub), headers={"x-stub-sleep-ms": "10000"}, timeout=0.05)
    started = time.perf_counter()
    stub.stop()  # the handler is still sleeping
    assert time.perf_counter() - started < 0.2


def test_delay_spaces_the_events(stub: StubServer) -> None:
    with httpx.stream("POST", **ask(stub, "a b", stream=True), headers={"x-stub-delay-ms": "10"}) as response:
        assert events(response)[-1] == "[DONE]"
    gaps = [later - earlier for earlier, later in zip(stub.sent_at, stub.sent_at[1:], strict=False)]
    assert len(stub.sent_at) == 6 and min(gaps) >= 0.01


def test_gzip(stub: StubServer, client: httpx.Client) -> None:
    response = client.post(**ask(stub), headers={"x-stub-gzip": "1"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["choices"][0]["message"]["content"] == "echo: hi there"  # as httpx unzipped it


@pytest.mark.parametrize("path", [CHAT, "/messages"])
def test_reset_after_cuts_a_stream_with_a_reset(stub: StubServer, path: str) -> None:
    received: list[str] = []
    with (
        pytest.raises(httpx.ReadError, match="reset"),
        httpx.stream(
            "POST", **ask(stub, "a b c d", path, stream=True), headers={"x-stub-reset-after": "3"}
        ) as response,
    ):
        received.extend(line for line in response.iter_lines() if line.startswith("data: "))
    assert len(received) == 3


@pytest.mark.parametrize("path", [CHAT, "/messages"])
def test_echo_puts_a_request_header_in_the_answer_and_in_one_event(
    stub: StubServer, client: httpx.Client, path: str
) -> None:
    headers = {"x-stub-echo": "authorization", "authorization": "Bearer sk-secret"}
    answer = client.post(**ask(stub, "hi", path), headers=headers).json()
    text = answer["content"][0]["text"] if path == "/messages" else answer["choices"][0]["message"]["content"]
    assert text == "echo: hi I saw your key: Bearer sk-secret"
    with client.stream("POST", **ask(stub, "hi", path, stream=True), headers=headers) as response:
        assert sum("Bearer sk-secret" in event for event in events(response)) == 1
