"""Deterministic loopback servers in the wire formats of google-genai, mistralai, groq and cohere.

``SDKStubServer`` is ``stub_server.StubServer`` (the same serving on 127.0.0.1, prompt ``stop()``, chunked
streams, the run-varying response headers and the ``x-stub-*`` request headers) answering these APIs instead of
OpenAI's and Anthropic's. Each answers ``echo: <last user text>``, one word a streamed event, in the shapes the
SDKs parse (checked against their sources):

- Gemini: ``POST /v1/models/{model}:generateContent`` (google-genai 3's default API version; ``/v1beta`` too),
  a ``GenerateContentResponse``, and ``:streamGenerateContent?alt=sse``: one ``GenerateContentResponse`` an
  event, ``data: ...`` lines ending ``\\r\\n\\r\\n`` as Google sends them, ``finishReason`` on the last; the key
  in ``x-goog-api-key``.
- Mistral: ``POST /v1/chat/completions``, plain or ``stream: true`` (chunks, ``usage`` on the last one, then
  ``data: [DONE]``); a Bearer key.
- Groq: ``POST /openai/v1/chat/completions``, OpenAI's shape plus ``x_groq`` (the request id; on the last chunk
  of a stream also ``usage``), streams ending ``data: [DONE]``; a Bearer key.
- Cohere: ``POST /v2/chat``, a ``V2ChatResponse``, or with ``stream: true`` named events (``event:
  message-start``, ``content-start``, ``content-delta``..., ``content-end``, ``message-end``) whose data carry the
  same ``type``, then ``data: [DONE]``; a Bearer key.

A request without its API's credential gets 401 in the API's error shape, so a recording proves the SDK sent it.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from stub_server import CREATED, StubServer, _Handler

GEMINI_PATH = re.compile(r"/v1(?:beta)?/models/(?P<model>[^/:]+):(?P<method>generateContent|streamGenerateContent)")
CHAT_PATHS = {"/v1/chat/completions": "mistral", "/openai/v1/chat/completions": "groq", "/v2/chat": "cohere"}


def _compact(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


def echo_words(text: str) -> list[str]:
    return ["echo:", *text.split()]


def pieces(words: list[str]) -> list[str]:
    """The words as streamed: each after the first with its leading space, so the pieces join to the answer."""
    return [word if position == 0 else " " + word for position, word in enumerate(words)]


# Gemini (generativelanguage.googleapis.com)


def gemini_user_text(body: dict[str, Any]) -> str:
    users = [content for content in body.get("contents", []) if content.get("role", "user") == "user"]
    return " ".join(part.get("text", "") for part in users[-1].get("parts", [])) if users else ""


def gemini_response(model: str, text: str, words: int, finished: bool = True) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
    if finished:
        candidate["finishReason"] = "STOP"
    usage = {"promptTokenCount": 5, "candidatesTokenCount": words, "totalTokenCount": 5 + words}
    return {"candidates": [candidate], "usageMetadata": usage, "modelVersion": model, "responseId": "stub-gemini"}


def gemini_events(model: str, words: list[str]) -> list[str]:
    return [
        f"data: {_compact(gemini_response(model, piece, position + 1, finished=position == len(words) - 1))}\r\n\r\n"
        for position, piece in enumerate(pieces(words))
    ]


def gemini_error(status: int, message: str) -> bytes:
    kind = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 404: "NOT_FOUND"}.get(status, "INTERNAL")
    return json.dumps({"error": {"code": status, "message": message, "status": kind}}).encode()


# Mistral and Groq (OpenAI's chat completions, each with its own additions)


def chat_user_text(body: dict[str, Any]) -> str:
    users = [message for message in body.get("messages", []) if message.get("role") == "user"]
    content = users[-1]["content"] if users else ""
    return content if isinstance(content, str) else " ".join(part.get("text", "") for part in content)


def chat_usage(words: list[str], api: str) -> dict[str, Any]:
    usage: dict[str, Any] = {"prompt_tokens": 5, "completion_tokens": len(words), "total_tokens": 5 + len(words)}
    if api == "groq":
        usage |= {"queue_time": 0.001, "prompt_time": 0.002, "completion_time": 0.003, "total_time": 0.005}
    return usage


def chat_completion(api: str, model: str, words: list[str]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": " ".join(words)}
    if api == "mistral":
        message["tool_calls"] = None
    answer: dict[str, Any] = {
        "id": f"stub-{api}",
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": chat_usage(words, api),
    }
    if api == "groq":
        answer |= {"system_fingerprint": "fp_stub", "x_groq": {"id": "req_stub"}}
    return answer


def chat_events(api: str, model: str, words: list[str]) -> list[str]:
    base = {"id": f"stub-{api}", "object": "chat.completion.chunk", "created": CREATED, "model": model}
    chunks: list[dict[str, Any]] = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}
    ]
    chunks += [
        {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        for piece in pieces(words)
    ]
    last: dict[str, Any] = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    if api == "groq":
        chunks[0]["x_groq"] = {"id": "req_stub"}
        last["x_groq"] = {"id": "req_stub", "usage": chat_usage(words, api)}
    else:
        last["usage"] = chat_usage(words, api)
    return [f"data: {_compact(chunk)}\n\n" for chunk in [*chunks, last]] + ["data: [DONE]\n\n"]


# Cohere v2


def cohere_usage(words: list[str]) -> dict[str, Any]:
    tokens = {"input_tokens": 5, "output_tokens": len(words)}
    return {"billed_units": tokens, "tokens": tokens}


def cohere_response(words: list[str]) -> dict[str, Any]:
    return {
        "id": "stub-cohere",
        "message": {"role": "assistant", "content": [{"type": "text", "text": " ".join(words)}]},
        "finish_reason": "COMPLETE",
        "usage": cohere_usage(words),
    }


def cohere_events(words: list[str]) -> list[str]:
    empty = {"role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []}
    events: list[dict[str, Any]] = [
        {"id": "stub-cohere", "type": "message-start", "delta": {"message": empty}},
        {"type": "content-start", "index": 0, "delta": {"message": {"content": {"type": "text", "text": ""}}}},
    ]
    events += [
        {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": piece}}}}
        for piece in pieces(words)
    ]
    events += [
        {"type": "content-end", "index": 0},
        {"type": "message-end", "delta": {"finish_reason": "COMPLETE", "usage": cohere_usage(words)}},
    ]
    return [f"event: {event['type']}\ndata: {_compact(event)}\n\n" for event in events] + ["data: [DONE]\n\n"]


class _SDKHandler(_Handler):
    server: SDKStubServer

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length", 0)))
        self.server.received.append((self.path, dict(self.headers), raw))
        parts = urlsplit(self.path)
        if gemini := GEMINI_PATH.fullmatch(parts.path):
            return self._gemini(gemini["model"], gemini["method"], parse_qs(parts.query), json.loads(raw))
        api = CHAT_PATHS.get(parts.path)
        if api is None:
            return self._send(404, "application/json", b'{"message": "not found"}')
        if not self.headers.get("authorization", "").startswith("Bearer "):
            return self._send(401, "application/json", json.dumps({"message": "invalid api token"}).encode())
        body = json.loads(raw)
        model = body.get("model", "stub")
        words = echo_words(chat_user_text(body))
        if api == "cohere" and body.get("stream"):
            return self._stream(cohere_events(words))
        if api == "cohere":
            return self._send(200, "application/json", json.dumps(cohere_response(words)).encode())
        if body.get("stream"):
            return self._stream(chat_events(api, model, words))
        return self._send(200, "application/json", json.dumps(chat_completion(api, model, words)).encode())

    def _gemini(self, model: str, method: str, query: dict[str, list[str]], body: dict[str, Any]) -> None:
        if not self.headers.get("x-goog-api-key"):
            return self._send(401, "application/json", gemini_error(401, "API key not valid."))
        words = echo_words(gemini_user_text(body))
        if method == "generateContent":
            answer = gemini_response(model, " ".join(words), len(words))
            return self._send(200, "application/json", json.dumps(answer).encode())
        if query.get("alt") != ["sse"]:  # without it Google answers one JSON array, which the SDK never asks for
            return self._send(400, "application/json", gemini_error(400, "stub: stream only with alt=sse"))
        return self._stream(gemini_events(model, words))


class SDKStubServer(StubServer):
    """A ``StubServer`` speaking Gemini's, Mistral's, Groq's and Cohere's APIs; ``root`` is its URL with no path."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(port)
        self.RequestHandlerClass = _SDKHandler

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"
