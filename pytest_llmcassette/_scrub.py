"""What never reaches a cassette or a terminal: headers outside the allow-lists, secret values wherever they
occur, and what the user's hooks take out; and the last check of a document before it is written.

Secrets are known by value (the credential headers of the recorded requests, the API-key environment
variables, URL query parameters whose names look secret) and replaced by ``REDACTED`` in URLs, headers, bodies
and server-sent events. What still looks like a provider key after that stops the write (``find_secrets``).
The same scrubbing applies to a live request before it is matched, so a scrubbed cassette still matches.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ._model import Headers, Interaction, RecordedRequest, RecordedResponse
from ._yaml import OneLineJSON

PLACEHOLDER = "REDACTED"

# Kept by default: what helps to read a recording, and nothing that identifies anyone or changes every call.
REQUEST_HEADERS = frozenset(
    {
        "content-type",
        "accept",
        "user-agent",
        "openai-beta",
        "anthropic-version",
        "anthropic-beta",
        "x-stainless-lang",
        "x-stainless-package-version",
        "x-stainless-runtime",
        "x-stainless-runtime-version",
    }
)
RESPONSE_HEADERS = frozenset(
    {"content-type", "openai-processing-ms", "openai-version", "retry-after", "retry-after-ms", "x-should-retry"}
)
RESPONSE_HEADER_PREFIXES = ("x-ratelimit-", "anthropic-ratelimit-")

# Never written, whatever a user keeps: their values are credentials.
CREDENTIAL_HEADERS = ("authorization", "proxy-authorization", "api-key", "x-api-key", "x-goog-api-key")
_CREDENTIAL_NAME = re.compile(r"auth|api[-_]?key|(^|-)key$|(^|-)token$|secret|cookie|session|password|credential", re.I)
_SECRET_QUERY = re.compile(
    r"^(api[-_]?key|key|token|access[-_]token|refresh[-_]token|session|session[-_]id|sig|signature|code|password|"
    r"secret|client[-_]secret|auth)$",
    re.I,
)

SECRET_ENV_VARS = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "MISTRAL_API_KEY",
    "GROQ_API_KEY",
)
_SECRET_ENV_SUFFIXES = ("_API_KEY", "_TOKEN")
_SHORTEST_SECRET = 8  # shorter values ("1", "true") would be replaced everywhere they occur by chance

# What a provider key looks like, by name; a name in ``allow_secret_patterns`` turns its pattern off.
SECRET_PATTERNS: Mapping[str, re.Pattern[str]] = {
    "anthropic-key": re.compile(r"\bsk-ant-[A-Za-z0-9_-]{16,}"),
    "openai-key": re.compile(r"\bsk-(?!ant-)[A-Za-z0-9_-]{16,}"),
    "google-key": re.compile(r"\bAIza[0-9A-Za-z_-]{30,}"),
    "groq-key": re.compile(r"\bgsk_[A-Za-z0-9]{20,}"),
    "huggingface-token": re.compile(r"\bhf_[A-Za-z0-9]{30,}"),
    "github-token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})"),
    "aws-access-key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "bearer-token": re.compile(r"\bBearer\s+(?!REDACTED\b)[A-Za-z0-9._~+/=-]{16,}"),
    "jwt": re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
}

RequestHook = Callable[[RecordedRequest], "RecordedRequest | None"]
ResponseHook = Callable[[RecordedResponse], "RecordedResponse | None"]


@dataclass(frozen=True, slots=True)
class HeaderList:
    """Header names a side of a recording keeps: the defaults, what the user adds, less what the user drops."""

    names: frozenset[str]
    prefixes: tuple[str, ...] = ()
    dropped: frozenset[str] = frozenset()  # names the user dropped that a kept prefix would otherwise keep

    def keeps(self, name: str) -> bool:
        lowered = name.lower()
        return lowered in self.names or (lowered.startswith(self.prefixes) and lowered not in self.dropped)

    def changed(self, keep: Iterable[str] = (), drop: Iterable[str] = ()) -> HeaderList:
        """Names to keep and to drop on top of these; dropping a prefix (``x-ratelimit-``) drops every name it
        kept."""
        kept = {name.lower() for name in keep}
        credentials = sorted(name for name in kept if is_credential_header(name))
        if credentials:
            raise ValueError(f"{', '.join(credentials)} carry credentials and are never written")
        dropped = {name.lower() for name in drop}
        prefixes = tuple(prefix for prefix in self.prefixes if prefix not in dropped)
        return HeaderList(frozenset((self.names | kept) - dropped), prefixes, (self.dropped | dropped) - kept)


@dataclass(frozen=True, slots=True)
class ScrubRules:
    """How a test's recordings are scrubbed: from the ``llm_cassette_config`` fixture and the marker."""

    request_headers: HeaderList = HeaderList(REQUEST_HEADERS)
    response_headers: HeaderList = HeaderList(RESPONSE_HEADERS, RESPONSE_HEADER_PREFIXES)
    secret_env_vars: tuple[str, ...] = ()
    allowed_patterns: frozenset[str] = frozenset()
    before_record_request: RequestHook | None = None
    before_record_response: ResponseHook | None = None


@functools.lru_cache(maxsize=512)
def is_credential_header(name: str) -> bool:
    """Kept for each name seen: a suite's requests carry the same few dozen header names."""
    return name.lower() in CREDENTIAL_HEADERS or _CREDENTIAL_NAME.search(name) is not None


def credential_values(headers: Iterable[tuple[str, str]]) -> set[str]:
    """The secrets a request's headers carry: each credential header's value, and a bearer's token alone."""
    values = set()
    for name, value in headers:
        if is_credential_header(name) and name.lower() not in ("cookie", "set-cookie"):
            scheme, _, token = value.partition(" ")
            values.add(token.strip() if scheme.lower() in ("bearer", "basic", "token") and token else value.strip())
    return {value for value in values if len(value) >= _SHORTEST_SECRET}


def environment_values(extra_names: Iterable[str] = ()) -> set[str]:
    """The values of the API-key environment variables that are set: the well-known ones, any ``*_API_KEY`` or
    ``*_TOKEN``, and ``extra_names``."""
    names = {*SECRET_ENV_VARS, *extra_names}
    secret_names = [name for name in os.environ if name in names or name.endswith(_SECRET_ENV_SUFFIXES)]
    values = {os.environ[name].strip() for name in secret_names}  # only these values are read (and decoded)
    return {value for value in values if len(value) >= _SHORTEST_SECRET}


def query_values(url: str) -> set[str]:
    """The values of the URL's query parameters whose names look secret."""
    query = urlsplit(url).query
    if not query:
        return set()
    found = {value for key, value in parse_qsl(query, True) if _SECRET_QUERY.match(key)}
    return {value for value in found if len(value) >= _SHORTEST_SECRET}


def url(raw: str, values: Iterable[str] = ()) -> str:
    """The URL with secret-named query values, and any known secret value, replaced."""
    parts = urlsplit(raw)
    if parts.query and any(_SECRET_QUERY.match(key) for key, _ in parse_qsl(parts.query, True)):
        query = [(key, PLACEHOLDER if _SECRET_QUERY.match(key) else v) for key, v in parse_qsl(parts.query, True)]
        raw = urlunsplit(parts._replace(query=urlencode(query)))
    return text(raw, values)


def text(value: str, values: Iterable[str]) -> str:
    for secret in values:
        if secret in value:
            value = value.replace(secret, PLACEHOLDER)
    return value


def data(value: bytes, values: Iterable[str]) -> bytes:
    for secret in values:
        encoded = secret.encode()
        if encoded in value:
            value = value.replace(encoded, PLACEHOLDER.encode())
    return value


def request(recorded: RecordedRequest, rules: ScrubRules, values: Iterable[str]) -> RecordedRequest | None:
    """The request as matched and written: known secrets out of its URL and body, then the user's hook.

    Headers are left to ``interaction``: matching never reads them.
    """
    values = tuple(values)
    scrubbed = replace(recorded, url=url(recorded.url, values), body=data(recorded.body, values))
    hook = rules.before_record_request
    return scrubbed if hook is None else hook(scrubbed)


def interaction(recorded: Interaction, rules: ScrubRules, values: Iterable[str]) -> Interaction | None:
    """The interaction as it may be written, or None when a hook drops it."""
    values = tuple(values)
    scrubbed_request = request(recorded.request, rules, values)
    if scrubbed_request is None:
        return None
    response = recorded.response
    response = replace(response, chunks=tuple(data(chunk, values) for chunk in response.chunks))
    hook = rules.before_record_response
    if hook is not None:
        hooked = hook(response)
        if hooked is None:
            return None
        response = hooked
    return Interaction(
        replace(scrubbed_request, headers=_headers(scrubbed_request.headers, rules.request_headers, values)),
        replace(response, headers=_headers(response.headers, rules.response_headers, values)),
    )


def _headers(headers: Headers, kept: HeaderList, values: tuple[str, ...]) -> Headers:
    return tuple(
        (name, text(value, values)) for name, value in headers if kept.keeps(name) and not is_credential_header(name)
    )


def find_secrets(document: Any, values: Iterable[str] = (), allowed_patterns: Iterable[str] = ()) -> list[str]:
    """Where ``document`` (a cassette as YAML data) still holds a known secret or a provider-key-shaped value:
    ``"<field path>: <what>"`` for each, never the value itself."""
    values = tuple(value for value in values if len(value) >= _SHORTEST_SECRET)
    patterns = [(name, pattern) for name, pattern in SECRET_PATTERNS.items() if name not in set(allowed_patterns)]
    found = []
    for path, scalar in _strings(document, ""):
        if any(value in scalar for value in values):
            found.append(f"{path}: a known secret value")
            continue
        for name, pattern in patterns:
            if pattern.search(scalar):
                article = "an" if name[0] in "aeiou" else "a"
                found.append(f"{path}: something shaped like {article} {name.replace('-', ' ')}")
                break
    return found


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a document (keys and values, and bytes decoded), with its field path."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield from _strings(key, child)
            yield from _strings(item, child)
    elif isinstance(value, list | tuple):
        for position, item in enumerate(value):
            yield from _strings(item, f"{path}[{position}]")
    elif isinstance(value, str):
        yield path, value
    elif isinstance(value, bytes):
        yield path, value.decode("utf-8", "replace")
    elif isinstance(value, OneLineJSON):
        yield from _strings(value.value, path)
