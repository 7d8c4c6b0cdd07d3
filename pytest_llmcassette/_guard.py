"""The network guard: while a test replays, no connection leaves the process unless the user allowed its host.

Requests on httpx and httpx2 (and their aiohttp transport) never reach a socket in replay: the cassette answers
them. Anything else (aiohttp used directly, requests, urllib3, a raw socket) would reach the network silently;
the guard makes ``socket.connect`` fail instead, with the plugin's message. With ``--block-network``, tests that
are not marked cannot even look up the LLM APIs' hosts (``refusing_hosts``).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from ._errors import NetworkBlocked

_LOOPBACK_NAMES = frozenset({"localhost"})
LLM_HOSTS = (
    "api.openai.com",
    "*.openai.azure.com",
    "api.anthropic.com",
    "generativelanguage.googleapis.com",
    "*aiplatform.googleapis.com",
    "api.mistral.ai",
    "api.groq.com",
    "api.cohere.com",
    "api.cohere.ai",
    "api.together.xyz",
    "api.fireworks.ai",
    "api.deepseek.com",
    "api.x.ai",
    "openrouter.ai",
    "bedrock-runtime.*.amazonaws.com",
)
_bridge_sending = ContextVar("llm_cassette_bridge_sending", default=False)


@contextmanager
def sending_live() -> Iterator[None]:
    """The bridge sends a request it records through an aiohttp transport: ``refusing_aiohttp`` lets it pass."""
    token = _bridge_sending.set(True)
    try:
        yield
    finally:
        _bridge_sending.reset(token)


def allowed_addresses(hosts: tuple[str, ...]) -> frozenset[str]:
    """The addresses the allowed host names resolve to, beside the names themselves."""
    addresses = set(hosts)
    for host in hosts:
        try:
            addresses.update(str(info[4][0]) for info in socket.getaddrinfo(host, None))
        except OSError:
            continue  # a name that does not resolve allows nothing more
    return frozenset(addresses)


def is_allowed(host: str, allowed: frozenset[str], loopback: bool) -> bool:
    if host in allowed:
        return True
    if not loopback:
        return False
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@contextmanager
def refusing_aiohttp(allowed: Callable[[str], bool], describe: Callable[[str], str]) -> Iterator[None]:
    """aiohttp used directly is not intercepted: while the block runs, a request through an
    ``aiohttp.ClientSession`` to a host nobody allowed raises ``NetworkBlocked`` with ``describe(url)``, in every
    record mode, instead of going to the network unrecorded; the bridge's own live requests through an aiohttp
    transport (``sending_live``) pass. Only an aiohttp already imported is watched: importing it costs every run,
    and the socket guard catches the rest in replay."""
    aiohttp = sys.modules.get("aiohttp")
    if aiohttp is None:
        yield
        return
    session = aiohttp.ClientSession
    original = session._request

    async def request(self: Any, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
        host = urlsplit(str(url)).hostname or ""
        if not _bridge_sending.get() and not allowed(host):
            raise NetworkBlocked(describe(f"{method.upper()} {url}"))
        return await original(self, method, url, *args, **kwargs)

    session._request = request
    try:
        yield
    finally:
        session._request = original


def _matches_host(host: str, patterns: tuple[str, ...]) -> bool:
    """Whether ``host`` is one of ``patterns`` (names, ``*`` for any part of one), case and a final dot aside."""
    name = host.lower().rstrip(".")
    return any(fnmatch.fnmatchcase(name, pattern.lower()) for pattern in patterns)


@contextmanager
def refusing_hosts(patterns: tuple[str, ...], describe: Callable[[str], str]) -> Iterator[None]:
    """While the block runs, looking up a host that ``patterns`` name raises ``NetworkBlocked`` with
    ``describe(host)``: every client (httpx, aiohttp, requests, asyncio) resolves a name before it connects."""
    original = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and _matches_host(name, patterns):
            raise NetworkBlocked(describe(name))
        return original(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.getaddrinfo = original


@contextmanager
def blocking(allowed: Callable[[str], bool], describe: Callable[[str, int], str]) -> Iterator[None]:
    """While the block runs, ``socket.connect``/``connect_ex`` to a host ``allowed`` refuses raise
    ``NetworkBlocked`` with ``describe(host, port)``."""
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(address: Any) -> None:
        if isinstance(address, tuple) and address and isinstance(address[0], str) and not allowed(address[0]):
            raise NetworkBlocked(describe(address[0], address[1] if len(address) > 1 else 0))

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return original_connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]
