"""The transport bridge: httpx and httpx2 traffic goes through one respx router, and the cassette answers.

While a marked test runs, ``HTTPTransport.handle_request`` and ``AsyncHTTPTransport.handle_async_request`` of
httpx and of httpx2 (when installed) are patched, and so is the aiohttp transport of ``DefaultAioHttpClient``
(``httpx_aiohttp``'s, or the copy openai and anthropic vendor), an httpx/httpx2 transport too. Each request is
handed to a respx router (an httpx2 request translated to httpx, which respx speaks) whose one route asks the
cassette. A replayed response is served as a
lazy stream, one chunk (one server-sent event) at a time. A pass-through goes to the original transport and its
body is teed into the cassette while the client reads it, never buffered first.

The bridge translates and delegates; matching is the cassette's job.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import respx
from respx.models import AllMockedAssertionError, PassThrough

from ._cassette import Cassette
from ._errors import StreamCutByClient
from ._guard import sending_live
from ._model import RecordedError, RecordedRequest, RecordedResponse

Finish = Callable[[bytes, RecordedError | None, bool], None]  # body, the error that ended it, cut by the client
SideEffect = Callable[[httpx.Request], httpx.Response | httpx.Request]


class _NoResponse(Exception):
    """A recording of a request that got no response: the transport raises its library's error for it."""

    def __init__(self, error: RecordedError) -> None:
        self.error = error


@dataclass(frozen=True, slots=True)
class _Library:
    """One HTTP library's transports and the stream types its responses need."""

    module: Any
    replay: type
    sync_tee: type
    async_tee: type

    def error(self, recorded: RecordedError, request: Any = None) -> Exception:
        """The library's exception of the recorded kind (its ``TransportError`` for a kind it does not have)."""
        kind = getattr(self.module, recorded.kind, None)
        if not (isinstance(kind, type) and issubclass(kind, self.module.TransportError)):
            kind = self.module.TransportError
        error: Exception = kind(recorded.message, request=request)
        return error


def _library(module: Any) -> _Library:
    class Replay(module.SyncByteStream, module.AsyncByteStream):  # type: ignore[misc]
        """A recorded body, yielded one chunk at a time, then the error or the cut that ended it, if any."""

        def __init__(self, recorded: RecordedResponse, cut: StreamCutByClient | None) -> None:
            self.recorded, self.cut = recorded, cut

        def __iter__(self) -> Iterator[bytes]:
            yield from self.recorded.chunks
            self._end()

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for chunk in self.recorded.chunks:
                yield chunk
            self._end()

        def _end(self) -> None:
            if self.recorded.error is not None:
                raise library.error(self.recorded.error)
            if self.cut is not None:
                raise self.cut

    class SyncTee(module.SyncByteStream):  # type: ignore[misc]
        """Passes a live body through chunk by chunk, and hands the whole of it on once read, broken or closed."""

        def __init__(self, inner: Any, finish: Finish) -> None:
            self._inner, self._finish, self._chunks = inner, _once(finish), list[bytes]()

        def __iter__(self) -> Iterator[bytes]:
            try:
                for chunk in self._inner:
                    self._chunks.append(chunk)
                    yield chunk
            except module.TransportError as error:
                self._finish(b"".join(self._chunks), _recorded(error), False)
                raise
            self._finish(b"".join(self._chunks), None, False)

        def close(self) -> None:
            self._inner.close()
            self._finish(b"".join(self._chunks), None, True)  # before the end: the client cut it

        def cut(self) -> None:
            """The test ended with the body neither read to its end nor closed: what was read is kept as cut."""
            self._finish(b"".join(self._chunks), None, True)

    class AsyncTee(module.AsyncByteStream):  # type: ignore[misc]
        __init__, cut = SyncTee.__init__, SyncTee.cut

        async def __aiter__(self) -> AsyncIterator[bytes]:
            try:
                async for chunk in self._inner:
                    self._chunks.append(chunk)
                    yield chunk
            except module.TransportError as error:
                self._finish(b"".join(self._chunks), _recorded(error), False)
                raise
            self._finish(b"".join(self._chunks), None, False)

        async def aclose(self) -> None:
            await self._inner.aclose()
            self._finish(b"".join(self._chunks), None, True)

    library = _Library(module, Replay, SyncTee, AsyncTee)
    return library


def _recorded(error: Exception) -> RecordedError:
    return RecordedError(type(error).__name__, str(error))


def _once(finish: Finish) -> Finish:
    called = False

    def call(body: bytes, error: RecordedError | None, cut: bool) -> None:
        nonlocal called
        if not called:
            called = True
            finish(body, error, cut)

    return call


_HTTPX = _library(httpx)
_HTTPX2_INSTALLED = importlib.util.find_spec("httpx2") is not None
_httpx2: _Library | None = None


def _libraries() -> list[_Library]:
    """httpx, and httpx2 when installed: imported here, on the first marked test, never when the plugin loads."""
    global _httpx2
    if not _HTTPX2_INSTALLED:
        return [_HTTPX]
    module = importlib.import_module("httpx2")
    if _httpx2 is None or _httpx2.module is not module:  # a reloaded httpx2 gets its own stream types
        _httpx2 = _library(module)
    return [_HTTPX, _httpx2]


class Bridge:
    """Routes every httpx/httpx2 request to the cassette being served, through one respx router; the test's own
    respx routes (``respx_mock``), when it has them, answer first."""

    def __init__(self) -> None:
        self.router = respx.Router(assert_all_called=False, assert_all_mocked=True)
        self.router.route(name="llm_cassette").mock(side_effect=_signed(lambda request: self._answer(request)))
        self._cassette: Cassette | None = None
        self._user_routes: respx.Router | None = None
        self._restore: list[tuple[type, str, Any]] = []

    @contextlib.contextmanager
    def serving(self, cassette: Cassette, user_routes: respx.Router | None = None) -> Iterator[Cassette]:
        """Answer from ``user_routes`` (a respx router the test set up), then from ``cassette``, while the block
        runs; the transports are restored after it."""
        if self._cassette is not None:
            raise RuntimeError("llm_cassette: a cassette is already being served")
        self._cassette, self._user_routes = cassette, user_routes
        try:
            for library in _libraries():
                self._patch(library)
            with _live_past_respx() if user_routes is not None else contextlib.nullcontext():
                yield cassette
        finally:
            while self._restore:
                owner, name, original = self._restore.pop()
                setattr(owner, name, original)
            self._cassette = self._user_routes = None
            self.router.reset()

    def _answer(self, request: httpx.Request) -> httpx.Response | httpx.Request:
        """respx side effect: the recorded response, or the request itself to pass it through."""
        assert self._cassette is not None
        cassette = self._cassette
        recorded = cassette.play(request.method, str(request.url), request.content, request.headers.multi_items())
        if recorded is None:
            return request
        if recorded.status == 0 and recorded.error is not None:
            raise _NoResponse(recorded.error)
        cut = cassette.cut_error(recorded) if recorded.cut_by_client else None
        return httpx.Response(
            recorded.status, headers=recorded.headers, stream=_HTTPX.replay(recorded, cut), request=request
        )

    def _patch(self, library: _Library) -> None:
        """Patch the library's own transports, and the aiohttp transports built on it (``DefaultAioHttpClient``)."""
        module = library.module
        self._patch_sync(library, module.HTTPTransport)
        for transport in (module.AsyncHTTPTransport, *_aiohttp_transports(module)):
            self._patch_async(library, transport)

    def _patch_sync(self, library: _Library, transport_type: type) -> None:
        module, router, record = library.module, self.router, self._record
        send = transport_type.handle_request  # type: ignore[attr-defined]
        translate = _identity if module is httpx else _to_httpx

        def handle_request(transport: Any, request: Any) -> Any:
            request.read()
            translated = translate(request)
            if self._user_routes is not None:
                try:
                    users = self._user_routes.handler(translated)
                except AllMockedAssertionError:
                    pass  # no route of the user's: the cassette's turn
                except PassThrough:
                    return send(transport, request)  # the user's pass-through: live, never recorded
                else:
                    return _as_library_response(library, users)
            try:
                response = router.handler(translated)
            except PassThrough:
                began = self._began()
                try:
                    response = send(transport, request)
                except module.TransportError as error:
                    record(request, None, began)(b"", _recorded(error), False)
                    raise
                response.stream = self._teed(library.sync_tee(response.stream, record(request, response, began)))
                return response
            except _NoResponse as no_response:
                raise library.error(no_response.error, request) from None
            cassette = self._cassette
            if cassette is not None and cassette.verifying:
                try:
                    live = send(transport, request)
                    try:
                        raw = b"".join(live.stream)
                    finally:
                        live.stream.close()
                except module.TransportError as error:
                    cassette.unreachable(error)
                else:
                    cassette.compare_live(_replay_of(response).recorded, live.status_code, _headers(live), raw)
            return _answer_as(library, response)

        self._replace(transport_type, "handle_request", handle_request)

    def _patch_async(self, library: _Library, transport_type: type) -> None:
        module, router, record = library.module, self.router, self._record
        asend = transport_type.handle_async_request  # type: ignore[attr-defined]
        translate = _identity if module is httpx else _to_httpx

        async def handle_async_request(transport: Any, request: Any) -> Any:
            await request.aread()
            translated = translate(request)
            if self._user_routes is not None:
                try:
                    users = await self._user_routes.async_handler(translated)
                except AllMockedAssertionError:
                    pass  # no route of the user's: the cassette's turn
                except PassThrough:
                    return await asend(transport, request)  # the user's pass-through: live, never recorded
                else:
                    return _as_library_response(library, users)
            try:
                response = await router.async_handler(translated)
            except PassThrough:
                began = self._began()
                try:
                    with sending_live():
                        response = await asend(transport, request)
                except module.TransportError as error:
                    record(request, None, began)(b"", _recorded(error), False)
                    raise
                response.stream = self._teed(library.async_tee(response.stream, record(request, response, began)))
                return response
            except _NoResponse as no_response:
                raise library.error(no_response.error, request) from None
            cassette = self._cassette
            if cassette is not None and cassette.verifying:
                try:
                    live = await asend(transport, request)
                    try:
                        raw = b"".join([chunk async for chunk in live.stream])
                    finally:
                        await live.stream.aclose()
                except module.TransportError as error:
                    cassette.unreachable(error)
                else:
                    cassette.compare_live(_replay_of(response).recorded, live.status_code, _headers(live), raw)
            return _answer_as(library, response)

        self._replace(transport_type, "handle_async_request", handle_async_request)

    def _replace(self, owner: type, name: str, patched: Any) -> None:
        self._restore.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, patched)

    def _began(self) -> int:
        assert self._cassette is not None
        return self._cassette.tick()

    def _teed(self, tee: Any) -> Any:
        """``tee``, which the cassette cuts at teardown if the test left it unread and open."""
        assert self._cassette is not None
        self._cassette.streaming(tee.cut)
        return tee

    def _record(self, request: Any, response: Any, began: int) -> Finish:
        """What records the exchange once its body is read (or it broke): ``response`` None when none came."""
        assert self._cassette is not None
        sent = RecordedRequest(request.method, str(request.url), tuple(request.headers.multi_items()), request.content)
        status = response.status_code if response is not None else 0
        headers = _headers(response) if response is not None else ()
        record = self._cassette.record
        return lambda body, error, cut: record(sent, status, headers, body, error, cut, began)


def _aiohttp_transports(module: Any) -> list[type]:
    """The aiohttp transports built on ``module`` that are loaded: ``httpx_aiohttp``'s, and the copies openai and
    anthropic vendor for their ``DefaultAioHttpClient`` (each module named ``...httpx_aiohttp.transport``)."""
    found, pending = [], list(module.AsyncBaseTransport.__subclasses__())
    while pending:
        transport = pending.pop()
        pending.extend(transport.__subclasses__())
        if transport.__module__.endswith("httpx_aiohttp.transport") and "handle_async_request" in transport.__dict__:
            found.append(transport)
    return found


def _headers(response: Any) -> tuple[tuple[str, str], ...]:
    return tuple(response.headers.multi_items())


def _signed(side_effect: SideEffect) -> SideEffect:
    """``side_effect`` with its signature worked out once: respx looks for a ``route`` parameter on every call,
    and would otherwise rebuild the signature each time."""
    side_effect.__signature__ = inspect.signature(side_effect)  # type: ignore[attr-defined]
    return side_effect


def _identity(request: httpx.Request) -> httpx.Request:
    return request


def _to_httpx(request: Any) -> httpx.Request:
    """The request for respx, in httpx's terms: method, URL, headers and body (given as a stream, so httpx adds no
    headers of its own). A pass-through sends, and records, the original request."""
    copy = httpx.Request(
        request.method,
        _httpx_url(str(request.url)),
        headers=request.headers.multi_items(),
        stream=httpx.ByteStream(request.content),
    )
    copy.read()
    return copy


@functools.lru_cache(maxsize=256)
def _httpx_url(url: str) -> httpx.URL:
    """Parsed once per URL: a test suite talks to a handful of URLs."""
    return httpx.URL(url)


def _replay_of(response: httpx.Response) -> Any:
    """The ``Replay`` stream the cassette's route answered with."""
    return response.stream


@contextlib.contextmanager
def _live_past_respx() -> Iterator[None]:
    """A respx router that passes through whatever reaches httpcore: with ``respx_mock`` (which patches httpcore),
    what the bridge sends live (a recording, a pass-through) would otherwise be refused by the user's router,
    which the bridge already asked first."""
    with respx.mock(assert_all_called=False, using="httpcore") as live:
        live.route(name="llm_cassette: live").pass_through()
        yield


def _as_library_response(library: _Library, response: httpx.Response) -> Any:
    """A response of a user's respx route, as ``library``'s (its body read whole: the user built it)."""
    if library is _HTTPX:
        return response
    return library.module.Response(response.status_code, headers=response.headers.raw, content=response.read())


def _answer_as(library: _Library, response: httpx.Response) -> Any:
    """The cassette's answer (respx's httpx response around a ``Replay`` stream), as ``library``'s: the same
    recorded chunks, still served lazily."""
    if library is _HTTPX:
        return response
    replay = _replay_of(response)
    stream = library.replay(replay.recorded, replay.cut)
    return library.module.Response(response.status_code, headers=response.headers.raw, stream=stream)
