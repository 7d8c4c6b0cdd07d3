"""go-vcr cassettes, format 1 (go-vcr v1/v2: no ``id``) and format 2 (go-vcr v3/v4), read as they are.

Bodies are strings; headers map a name to a list of values; ``code`` is the status. The other fields of
format 2 (``proto``, ``content_length``, ``transfer_encoding``, ``duration``...) describe the wire and take
no part in replay; they are checked only for their type, as go-vcr itself would refuse them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._model import Interaction, Provenance
from . import _shared
from ._shared import Where

NAME = "go-vcr"
_DURATION = re.compile(r"^-?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^0?$")  # format 1 may write ""


def matches(document: Mapping[str, Any]) -> bool:
    first = _shared.first_interaction(document)
    if first is None:
        return document.get("version") == 2 and "interactions" in document
    response = first.get("response")
    return isinstance(response, Mapping) and "code" in response


def read(document: Mapping[str, Any], path: Path) -> tuple[Interaction, ...]:
    return _shared.each_interaction(document, path, _interaction)


def provenance(document: Mapping[str, Any], path: Path) -> Provenance | None:
    """None: go-vcr stores no recording day."""
    return None


def _interaction(request: Mapping[str, Any], response: Mapping[str, Any], where: Where) -> Interaction:
    for name in ("content_length", "proto_major", "proto_minor"):
        where.optional(request, name, int, f"request {name}")
        where.optional(response, name, int, f"response {name}")
    duration = response.get("duration")
    if duration is not None and not (isinstance(duration, int | float) or _DURATION.match(str(duration))):
        raise where.error(f"response duration {duration!r} is not a Go duration")
    recorded_request = _shared.request(
        request.get("method"),
        request.get("url"),
        _shared.headers(request.get("headers"), where, "request headers"),
        _shared.text_body(request.get("body"), where, "the request body"),
        where,
    )
    recorded_response = _shared.response(
        response.get("code"),
        _shared.headers(response.get("headers"), where, "response headers"),
        _shared.text_body(response.get("body"), where, "the response body"),
        where,
    )
    return Interaction(recorded_request, recorded_response)
