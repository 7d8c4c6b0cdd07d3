"""A deterministic OpenAI-compatible server on 127.0.0.1, for recording cassettes in tests and benchmarks.

``POST /v1/chat/completions`` answers ``echo: <last user message>``, plain or streamed (one word an event, a
usage event when asked, ``[DONE]``), always over chunked transfer for streams; ``POST /v1/messages`` does the
same in Anthropic's shape (named events). Request headers steer it:
``x-stub-gzip: 1`` gzips the body, ``x-stub-delay-ms: N`` sleeps N ms before each event, ``x-stub-status: N``
answers with that status. ``python tests/stub_server.py`` serves until stopped and prints its base URL.
"""

from __future__ import annotations

import gzip
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREATED = 1_700_000_000


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
    events = [
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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: StubServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length", 0)))
        self.server.received.append((self.path, dict(self.headers), raw))
        anthropic = self.path.endswith("/messages")
        if not anthropic and not self.path.endswith("/chat/completions"):
            return self._send(404, "application/json", b'{"error": {"message": "not found"}}')
        body = json.loads(raw)
        status = int(self.headers.get("x-stub-status", 200))
        if status != 200:
            error = {"error": {"message": "stub error", "type": "invalid_request_error"}}
            return self._send(status, "application/json", json.dumps(error).encode())
        words = answer_words(body)
        if anthropic and body.get("stream"):
            return self._stream(
                [f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in message_events(body, words)]
            )
        if anthropic:
            return self._send(200, "application/json", json.dumps(message(body, words)).encode())
        if body.get("stream"):
            events = [f"data: {json.dumps(c, separators=(',', ':'))}\n\n" for c in chunks(body, words)]
            return self._stream([*events, "data: [DONE]\n\n"])
        return self._send(200, "application/json", json.dumps(completion(body, words)).encode())

    def _send(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("set-cookie", "session=secret-cookie")
        self.send_header("x-request-id", "req-stub")
        if self.headers.get("x-stub-gzip"):
            payload = gzip.compress(payload)
            self.send_header("content-encoding", "gzip")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _stream(self, events: list[str]) -> None:
        delay = int(self.headers.get("x-stub-delay-ms", 0)) / 1000
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for event in events:
            if delay:
                time.sleep(delay)
            data = event.encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
            self.server.sent_at.append(time.perf_counter())
        self.wfile.write(b"0\r\n\r\n")


class StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.sent_at: list[float] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop serving and close the port, so that any request that still reaches it fails."""
        if self._thread.is_alive():
            self.shutdown()
            self._thread.join()
        self.server_close()


if __name__ == "__main__":
    server = StubServer(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(server.base_url, flush=True)
    server.serve_forever()
