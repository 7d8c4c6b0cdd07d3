"""What never reaches a cassette or a terminal: credentials in headers and in URL query strings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ._model import Headers, Interaction, RecordedRequest, RecordedResponse

REDACTED = "REDACTED"

# Any header whose name says it carries a secret: authorization, api-key, x-api-key, x-goog-api-key,
# cookie, set-cookie, proxy-authorization, x-auth-token, openai-organization/-project identifiers...
_SECRET_NAME = re.compile(
    r"auth|api[-_]?key|(^|-)key$|(^|-)token$|secret|cookie|session|password|credential|organization|project", re.I
)
_SECRET_QUERY = re.compile(r"^(api[-_]?key|key|token|access[-_]token|sig|signature|code|password)$", re.I)

# Transport framing: rebuilt by whoever sends the body, never replayed as recorded.
TRANSPORT_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive", "host", "accept-encoding"}
)
# Client telemetry that changes with every SDK release: kept out so a re-recording diffs only on what matters.
_VOLATILE_REQUEST = re.compile(r"^(x-stainless-|user-agent$)", re.I)


def is_secret_header(name: str) -> bool:
    return _SECRET_NAME.search(name) is not None


def response_headers(headers: Iterable[tuple[str, str]], extra_secrets: Iterable[str] = ()) -> Headers:
    """Response headers fit to write: no credentials, no transport framing."""
    extra = {name.lower() for name in extra_secrets}
    return tuple(
        (name, value)
        for name, value in headers
        if name.lower() not in TRANSPORT_HEADERS and name.lower() not in extra and not is_secret_header(name)
    )


def request_headers(headers: Iterable[tuple[str, str]], extra_secrets: Iterable[str] = ()) -> Headers:
    """Request headers fit to write: as for responses, and without the SDK's per-release telemetry."""
    return tuple(
        (name, value) for name, value in response_headers(headers, extra_secrets) if not _VOLATILE_REQUEST.match(name)
    )


def url(raw: str) -> str:
    """The URL with the values of credential-like query parameters replaced."""
    parts = urlsplit(raw)
    if not parts.query or not any(_SECRET_QUERY.match(key) for key, _ in parse_qsl(parts.query, True)):
        return raw
    query = [(key, REDACTED if _SECRET_QUERY.match(key) else value) for key, value in parse_qsl(parts.query, True)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def interaction(recorded: Interaction, extra_secrets: Iterable[str] = ()) -> Interaction:
    """The interaction as it may be written: credentials out of both sides' headers and out of the URL."""
    request, response = recorded.request, recorded.response
    return Interaction(
        RecordedRequest(
            request.method, url(request.url), request_headers(request.headers, extra_secrets), request.body
        ),
        RecordedResponse(response.status, response_headers(response.headers, extra_secrets), response.chunks),
    )
