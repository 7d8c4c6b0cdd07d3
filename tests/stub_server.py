"""A deterministic OpenAI-compatible server on 127.0.0.1, for recording cassettes in tests and benchmarks.

``POST /v1/chat/completions`` (and Azure's ``POST /openai/deployments/{name}/chat/completions?api-version=...``)
answers ``echo: <last user message>``, plain or streamed (one word an event, a usage event when asked,
``[DONE]``), always over chunked transfer for streams; ``POST /v1/messages`` does the same in Anthropic's shape
(named events); ``GET /v1/models`` lists one model. Uploads (multipart forms): ``POST /v1/files`` answers a file
object, ``POST /v1/audio/transcriptions`` the text ``heard <size> bytes of <filename>``. Like a real server,
every answer carries headers that vary
between runs (``date``, a random ``x-request-id`` and ``cf-ray``, a ``set-cookie``) beside fixed ones
(``server: stub``, ``openai-processing-ms: 1``, ``x-ratelimit-remaining-requests: 99``).

Request headers steer it:

- ``x-stub-gzip: 1``: gzip the (plain) body.
- ``x-stub-delay-ms: N``: wait N ms before each streamed event.
- ``x-stub-sleep-ms: N``: wait N ms before sending the response headers (for client timeouts).
- ``x-stub-status: S``: answer status S with a JSON error body in the API's shape.
- ``x-stub-fail-times: N``, ``x-stub-fail-status: S`` (default 500), ``x-stub-fail-key: K``: the first N requests
  carrying the same K answer status S as above, later ones answer normally (SDK retries); counted per server. S 0
  resets the connection instead of answering.
- ``x-stub-reset-after: N``: on a stream, send N events, then reset the connection (no terminating chunk).
- ``x-stub-drift: new-field`` or ``renamed``: a plain chat answer with an added field, or ``usage`` renamed.
- ``x-stub-echo: <header name>``: the answer ends with ``I saw your key: <that request header's value>``, the
  value one word (one event when streamed), so tests can check a secret echoed in a body or an event is scrubbed.

Waits end at once when the server stops. ``python tests/stub_server.py [port]`` serves until interrupted and
prints its base URL.
"""

from __future__ import annotations

import email.parser
import email.policy
import gzip
import hashlib
import json
import secrets
import selectors
import socket
import struct
import sys
import threading
import time
from collections import Counter
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

CREATED = 1_700_000_000
ENDINGS = {
    "chat": "/chat/completions",
    "messages": "/messages",
    "models": "/v1/models",
    "files": "/v1/files",
    "transcriptions": "/audio/transcriptions",
}
MODELS = {"object": "list", "data": [{"id": "stub-model", "object": "model", "created": CREATED, "owned_by": "stub"}]}


def answer_words(body: dict[str, Any]) -> list[str]:
    user = [m for m in body.get("messages", []) if m.get("role") == "user"]
    content = user[-1]["content"] if user else ""
    text = content if isinstance(content, str) else json.dumps(content)
    return ["echo:", *text.split()]


def completion(body: dict[str, Any], words: list[str]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": CREATED,
        "model": body.get("model", "stub"),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": " ".join(words)}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": len(words), "total_tokens": 5 + len(words)},
    }


def drifted(answer: dict[str, Any], headers: Any) -> dict[str, Any]:
    """The answer as an API that moved would give it: ``x-stub-drift: new-field`` adds an optional field,
    ``renamed`` renames ``usage`` (for verify mode's tests)."""
    drift = headers.get("x-stub-drift")
    if drift == "new-field":
        return {**answer, "system_fingerprint": "fp_stub"}
    if drift == "renamed":
        return {("token_usage" if key == "usage" else key): value for key, value in answer.items()}
    return answer


def chunks(body: dict[str, Any], words: list[str]) -> list[dict[str, Any]]:
    base = {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": CREATED, "model": body.get("model")}
    events = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    for position, word in enumerate(words):
        piece = word if position == 0 else " " + word
        events.append({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if body.get("stream_options", {}).get("include_usage"):
        usage = {"prompt_tokens": 5, "completion_tokens": len(words), "total_tokens": 5 + len(words)}
        events.append({**base, "choices": [], "usage": usage})
    return events


def message(body: dict[str, Any], words: list[str]) -> dict[str, Any]:
    return {
        "id": "msg_stub",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "stub"),
        "content": [{"type": "text", "text": " ".join(words)}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": len(words)},
    }


def message_events(body: dict[str, Any], words: list[str]) -> list[tuple[str, dict[str, Any]]]:
    start = {
        **message(body, words),
        "content": [],
        "stop_reason": None,
        "usage": {"input_tokens": 5, "output_tokens": 1},
    }
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start}),
        (
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
    ]
    for position, word in enumerate(words):
        delta = {"type": "text_delta", "text": word if position == 0 else " " + word}
        events.append(("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}))
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": len(words)},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return events


def error_body(status: int, anthropic: bool) -> bytes:
    """An error in the API's own shape, as its SDK parses it."""
    kind = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error"}.get(status, "api_error")
    error = {"type": kind, "message": f"stub error {status}"}
    return json.dumps({"type": "error", "error": error} if anthropic else {"error": {**error, "code": None}}).encode()


def _path_kind(path: str) -> str | None:
    """Which API a request path asks for (a key of ``ENDINGS``; chat also at Azure's deployments), or None."""
    path = urlsplit(path).path.rstrip("/")
    return next((kind for kind, ending in ENDINGS.items() if path.endswith(ending)), None)


def form_fields(content_type: str, raw: bytes) -> dict[str, tuple[str | None, bytes]]:
    """A multipart form's parts by name: (filename, content)."""
    head = f"content-type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    return {
        str(part.get_param("name", header="content-disposition")): (part.get_filename(), part.get_payload(decode=True))
        for part in message.iter_parts()
    }


def upload_answer(kind: str, fields: dict[str, tuple[str | None, bytes]]) -> dict[str, Any]:
    filename, content = fields["file"]
    if kind == "transcriptions":
        return {"text": f"heard {len(content)} bytes of {filename}"}
    purpose = fields.get("purpose", (None, b""))[1].decode()
    digest = hashlib.sha256(content).hexdigest()[:12]
    return {
        "id": f"file-{digest}",
        "object": "file",
        "bytes": len(content),
        "created_at": CREATED,
        "filename": filename,
        "purpose": purpose,
        "status": "processed",
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: StubServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def version_string(self) -> str:
        return "stub"

    def do_GET(self) -> None:
        if _path_kind(self.path) != "models":
            return self.send_error(501)  # as for any method the server does not serve
        self.server.received.append((self.path, dict(self.headers), b""))
        self._send(200, "application/json", json.dumps(MODELS).encode())

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length", 0)))
        self.server.received.append((self.path, dict(self.headers), raw))
        kind = _path_kind(self.path)
        if kind in ("files", "transcriptions"):
            fields = form_fields(self.headers["content-type"], raw)
            return self._send(200, "application/json", json.dumps(upload_answer(kind, fields)).encode())
        if kind not in ("chat", "messages"):
            return self._send(404, "application/json", b'{"error": {"message": "not found"}}')
        if self._stopped_waiting("x-stub-sleep-ms"):
            return
        anthropic = kind == "messages"
        failure = self._failure()
        if failure == 0 and self.headers.get("x-stub-fail-status") == "0" and self._failed_now:
            return self._reset()
        status = failure or int(self.headers.get("x-stub-status", 200))
        if status != 200:
            return self._send(status, "application/json", error_body(status, anthropic))
        body = json.loads(raw)
        words = answer_words(body)
        if echoed := self.headers.get("x-stub-echo"):
            words += ["I", "saw", "your", "key:", self.headers.get(echoed, "(none)")]
        if anthropic and body.get("stream"):
            return self._stream(
                [f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in message_events(body, words)]
            )
        if anthropic:
            return self._send(200, "application/json", json.dumps(message(body, words)).encode())
        if body.get("stream"):
            events = [f"data: {json.dumps(c, separators=(',', ':'))}\n\n" for c in chunks(body, words)]
            return self._stream([*events, "data: [DONE]\n\n"])
        return self._send(200, "application/json", json.dumps(drifted(completion(body, words), self.headers)).encode())

    def _failure(self) -> int:
        """``x-stub-fail-status`` while this ``x-stub-fail-key`` has failed fewer than ``x-stub-fail-times``, else 0
        (``_failed_now`` tells a failure whose status is 0, a reset, from none)."""
        self._failed_now = False
        times = int(self.headers.get("x-stub-fail-times", 0))
        if not times:
            return 0
        key = self.headers.get("x-stub-fail-key", "")
        with self.server.lock:
            self.server.failures[key] += 1
            failed = self.server.failures[key]
        self._failed_now = failed <= times
        return int(self.headers.get("x-stub-fail-status", 500)) if self._failed_now else 0

    def _reset(self) -> None:
        """Reset the connection (a zero linger), answering nothing."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _stopped_waiting(self, header: str) -> bool:
        """Wait the milliseconds that header asks (if any); True, closing the connection, if the server stopped."""
        milliseconds = self.headers.get(header)
        stopped = self.server.stopped.wait(int(milliseconds) / 1000) if milliseconds else self.server.stopped.is_set()
        self.close_connection |= stopped
        return stopped

    def _start(self, status: int, content_type: str) -> None:
        self.send_response(status)  # also sends server and date
        self.send_header("content-type", content_type)
        self.send_header("set-cookie", "session=secret-cookie")
        self.send_header("x-request-id", f"req_{secrets.token_hex(12)}")
        self.send_header("cf-ray", f"{secrets.token_hex(8)}-AMS")
        self.send_header("openai-processing-ms", "1")
        self.send_header("x-ratelimit-remaining-requests", "99")

    def _send(self, status: int, content_type: str, payload: bytes) -> None:
        self._start(status, content_type)
        if self.headers.get("x-stub-gzip"):
            payload = gzip.compress(payload)
            self.send_header("content-encoding", "gzip")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _stream(self, events: list[str]) -> None:
        reset_after = int(self.headers.get("x-stub-reset-after", len(events) + 1))
        self._start(200, "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for event in events[:reset_after]:
            if self._stopped_waiting("x-stub-delay-ms"):
                return
            data = event.encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
            self.server.sent_at.append(time.perf_counter())
        if reset_after <= len(events):
            return self._reset()  # a reset once finish() closes rfile, the socket's last user
        self.wfile.write(b"0\r\n\r\n")


class StubServer(ThreadingHTTPServer):
    """Serves on a thread while used as a context manager; ``stop()`` returns at once and frees the port."""

    daemon_threads = True
    request_queue_size = 128  # many requests in flight at once (thread pools, asyncio.gather) all get through

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.socket.setblocking(False)  # so that accepting never blocks the loop
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.sent_at: list[float] = []
        self.failures: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._connections: set[socket.socket] = set()
        self._thread = threading.Thread(target=self.serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve(self) -> None:
        """Accept connections until ``stop()``: waits on the listening socket and a wake-up socket, no timer."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                selector.select()
                if self.stopped.is_set():
                    return
                with suppress(OSError):  # e.g. the client gave up before its connection was accepted
                    self.process_request(*self.get_request())

    def stop(self) -> None:
        """Stop serving, close the port and every open connection, so that any request that still comes fails."""
        self.stopped.set()
        with suppress(OSError):
            self._wake_w.send(b"\0")
        if self._thread.is_alive():
            self._thread.join()
        self.server_close()
        with self.lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._wake_r.close()
        self._wake_w.close()

    def process_request(self, request: Any, client_address: Any) -> None:
        request.setblocking(True)
        with self.lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet for a client that went away or a server that stopped; a traceback for anything else."""
        if not self.stopped.is_set() and not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


if __name__ == "__main__":
    server = StubServer(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(server.base_url, flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
