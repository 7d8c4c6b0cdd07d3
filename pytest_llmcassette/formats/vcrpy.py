"""vcrpy cassettes (``version: 1``), read as they are; a response's ``status`` is a ``{code, message}`` mapping.

```yaml
interactions:
- request:
    body: '{"model":"gpt-4o-mini","messages":[...]}'  # a string, !!binary or null
    headers: {content-type: [application/json]}
    method: POST
    uri: https://api.openai.com/v1/chat/completions
  response:
    body: {string: '{"id":"chatcmpl-1",...}'}  # !!binary when not UTF-8 (gzip, with its content-encoding)
    headers: {content-type: [application/json]}
    status: {code: 200, message: OK}
version: 1
```
A serializer like pydantic-ai's ``json_body_serializer`` stores a JSON body as YAML data under ``parsed_body``, in
place of ``body``; a request ``body`` may also be JSON data. vcrpy before 6 wrote httpx responses in httpx's terms:
``{status_code, http_version, headers, content}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._model import Interaction, Provenance
from . import _shared
from ._shared import Where

NAME = "vcrpy"


def matches(document: Mapping[str, Any]) -> bool:
    first = _shared.first_interaction(document)
    if first is None:
        return document.get("version") == 1 and set(document) == {"version", "interactions"}  # all vcrpy writes
    response = first.get("response")
    return isinstance(response, Mapping) and (isinstance(response.get("status"), Mapping) or "status_code" in response)


def read(document: Mapping[str, Any], path: Path) -> tuple[Interaction, ...]:
    return _shared.each_interaction(document, path, _interaction)


def provenance(document: Mapping[str, Any], path: Path) -> Provenance | None:
    """None: vcrpy stores no recording day."""
    return None


def _interaction(request: Mapping[str, Any], response: Mapping[str, Any], where: Where) -> Interaction:
    recorded_request = _shared.request(
        request.get("method"),
        request.get("uri"),
        _shared.headers(request.get("headers"), where, "request headers"),
        _body(request, where, "request"),
        where,
    )
    if "status_code" in response:  # vcrpy < 6, httpx
        status = response["status_code"]
        body = _shared.text_body(response.get("content"), where, "the response content")
    else:
        status = where.field(response, "status", dict, "response status").get("code")
        body = _body(response, where, "response")
    headers = _shared.headers(response.get("headers"), where, "response headers")
    return Interaction(recorded_request, _shared.response(status, headers, body, where))


def _body(message: Mapping[str, Any], where: Where, what: str) -> bytes:
    """``parsed_body`` as JSON, else ``body``: text or ``!!binary`` (in ``{string: ...}`` for a response)."""
    body = message.get("body")
    if "parsed_body" in message:
        if body is not None:
            raise where.error(f"the {what} has both body and parsed_body")
        return _shared.json_body(message["parsed_body"], where, f"the {what} parsed_body")
    if what == "request" and isinstance(body, dict | list):
        return _shared.json_body(body, where, "the request body")
    if what == "response" and body is not None:
        body = where.mapping(body, "the response body")
        if "string" not in body:
            raise where.error("the response body has no 'string'")
        body = body["string"]
    return _shared.text_body(body, where, f"the {what} body")
