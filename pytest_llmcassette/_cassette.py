"""One test's cassette: what it may replay, what it records, what it left unused, what is to be written."""

from __future__ import annotations

import datetime
import itertools
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import _diagnosis, _drift, _guard, _multipart, _provenance, _scrub, _wire
from ._errors import CassetteError, NoMatchingInteraction, SecretInCassette, StreamCutByClient, UnusedInteractions
from ._matching import MatchRules, RequestIndex
from ._model import Headers, Interaction, RecordedError, RecordedRequest, RecordedResponse, Recording
from ._words import counted
from .formats import native


class RecordMode(StrEnum):
    NONE = "none"  # replay only
    ONCE = "once"  # record a missing cassette, else replay only
    NEW_EPISODES = "new_episodes"  # replay what matches, record and append the rest
    ALL = "all"  # record everything anew, replace the cassette
    REWRITE = "rewrite"  # the same as ``all``, as pytest-recording names it

    @property
    def replaces(self) -> bool:
        """Whether the mode records everything anew and replaces the cassette (``all``, ``rewrite``)."""
        return self in (RecordMode.ALL, RecordMode.REWRITE)

    @property
    def writes_existing(self) -> bool:
        """Whether the mode records, and writes, even when the cassette exists (``new_episodes``, ``all``,
        ``rewrite``)."""
        return self.replaces or self is RecordMode.NEW_EPISODES


@dataclass(frozen=True, slots=True)
class CassetteOptions:
    """How a test's cassette behaves: from the ``llm_cassette_config`` fixture, the marker and the command line."""

    record_mode: RecordMode = RecordMode.NONE
    rules: MatchRules = field(default_factory=MatchRules)
    scrub: _scrub.ScrubRules = field(default_factory=_scrub.ScrubRules)
    allow_unused: bool = False
    record_retries: bool = False
    replay_placeholders: bool = True
    max_age_days: int | None = None
    max_age_action: str = "warn"  # or "fail"
    recorded_on: datetime.date | None = None  # the day a cassette without provenance (another tool's) was recorded
    verify: bool = False  # also send each replayed request to the live API and compare the shapes
    allowed_hosts: tuple[str, ...] = ()  # hosts a replaying test may reach live (a local test server...)
    allow_loopback: bool = False  # and 127.0.0.1, ::1, localhost
    max_upload_bytes: int | None = None  # a larger uploaded file is written as its size and SHA-256 only


_RETRIED_STATUSES = frozenset({408, 409, 429})  # and 5xx: what the SDKs retry


class Cassette:
    """The interactions a test may replay, the ones it played, and the ones it recorded.

    ``play`` answers a request from the recording, returns None when the request is to go to the server and
    be ``record``-ed, or raises the plugin's failure. A failure is also kept, so that a test which catches it
    still fails. Requests may come from several threads at once.
    """

    def __init__(
        self,
        path: Path,
        options: CassetteOptions,
        recording: Recording | None,
        index: RequestIndex | None,
        test: str = "",
    ) -> None:
        self.path = path
        self.test = test  # its pytest node id, for messages
        self.options = options
        self.recording = recording
        mode = options.record_mode
        replaying = recording is not None and not mode.replaces
        self.records = mode.writes_existing or (mode is RecordMode.ONCE and recording is None)
        self.interactions: tuple[Interaction, ...] = recording.interactions if replaying and recording else ()
        self._index = index if replaying else None
        self.played = [False] * len(self.interactions)
        self.recorded: list[Interaction] = []
        self._spans: list[_Span] = []  # when each recorded exchange began and ended, and where it came from
        self._streams: list[Callable[[], None]] = []  # live bodies being teed (see streaming)
        self._clock = itertools.count()
        self.errors: list[CassetteError] = []
        self._lock = threading.Lock()
        self._thread = threading.get_ident()  # the test's own; requests from others are concurrent by nature
        self.drifts: list[_drift.Drift] = []  # in verify mode, one for each replayed response
        allows = options.allowed_hosts or options.allow_loopback
        self._allowed_addresses = _guard.allowed_addresses(options.allowed_hosts) if allows else None
        self._secrets = _scrub.environment_values(options.scrub.secret_env_vars)  # and, as recorded, the headers'

    def play(
        self, method: str, url: str, body: bytes, headers: Sequence[tuple[str, str]] = ()
    ) -> RecordedResponse | None:
        """The recorded response to this request, or None when it is to go to the server and be recorded."""
        secrets = self._secrets | _scrub.credential_values(headers) | _scrub.query_values(url)
        sent = _scrub.request(RecordedRequest(method, url, (), body), self.options.scrub, secrets)
        if self._index is not None and sent is not None:
            with self._lock:
                position = self._index.take(sent.method, sent.url, sent.body, self.played)
            if position is not None:
                return _for_replay(self.interactions[position].response)
        if self.records:
            return None
        if self._allowed_addresses is not None and self._reaches_allowed_host(url):
            return None  # what the cassette does not answer, an allowed host does, live (never written)
        if sent is None:
            message = (
                "llm_cassette: the before_record_request hook dropped this request, so no recording answers it\n"
                f"  test: {self.test}"
            )
        else:
            situation = replace(self._situation(), sdk_now=_provenance.sdk_of(headers))
            message = _diagnosis.no_match(situation, self._index, sent.method, sent.url, sent.body)
        error = NoMatchingInteraction(message)
        with self._lock:
            self.errors.append(error)
        raise error

    def record(
        self,
        request: RecordedRequest,
        status: int,
        headers: Headers,
        raw_body: bytes,
        error: RecordedError | None = None,
        cut: bool = False,
        began: int | None = None,
    ) -> None:
        """Keep a live exchange as it came (body decoded, events split); it is scrubbed when written.

        ``status`` 0 with an ``error``: no response came. ``cut``: the client closed the body before its end, which
        is kept as a cut unless the body is complete after all (a stream's last event, or the whole length).
        ``began``: the ``tick()`` at which the exchange began, so that exchanges in flight at once are written in
        an order that does not depend on which finished first.
        """
        try:
            response = _wire.response(status, headers, raw_body) if status else RecordedResponse(0)
        except ValueError:  # a body that does not decode as its content-encoding says: kept as it came
            response = RecordedResponse(status, _wire.without(headers, _wire.FRAMING), (raw_body,))
        cut = cut and not _wire.complete(headers, raw_body, response)
        if error is not None or cut:
            response = replace(response, error=error, cut_by_client=cut)
        secrets = _scrub.credential_values(request.headers) | _scrub.query_values(request.url)
        with self._lock:
            self._secrets |= secrets
            ended = next(self._clock)
            self._spans.append(_Span(ended if began is None else began, ended, threading.get_ident() != self._thread))
            self.recorded.append(Interaction(request, response))

    def streaming(self, cut: Callable[[], None]) -> None:
        """A live body is being teed into this cassette; ``cut`` records what was read of it, if the test ends
        before it is read to its end or closed (``end_streams``)."""
        with self._lock:
            self._streams.append(cut)

    def end_streams(self) -> None:
        """At teardown: each live body left open and unread is kept as cut by the client, never lost."""
        with self._lock:
            streams, self._streams = self._streams, []
        for cut in streams:
            cut()  # a body already recorded is left as it was

    def tick(self) -> int:
        """A point in time, for ``record(began=...)``."""
        return next(self._clock)

    @property
    def guarded(self) -> bool:
        """Whether the network guard holds while this test runs: it only replays, and verifies nothing."""
        return not self.records and not self.options.verify

    def allows(self, host: str) -> bool:
        """Whether a connection to ``host`` may leave the process while this test replays."""
        return self._allowed_addresses is not None and _guard.is_allowed(
            host, self._allowed_addresses, self.options.allow_loopback
        )

    def blocked_message(self, host: str, port: int) -> str:
        return (
            f"llm_cassette: this test tried to connect to {host}:{port} while replaying "
            f"{_diagnosis.shown_path(self.path)}: a request this plugin does not answer (not sent with httpx or "
            "httpx2: aiohttp, requests, a raw socket...), which would reach the network.\n"
            f"  test: {self.test}\n"
            "Send it with httpx/httpx2 (openai and anthropic do by default), or allow the host: "
            "allowed_hosts=['<host>'] (allow_loopback=True for 127.0.0.1 and localhost)."
        )

    def aiohttp_message(self, request: str) -> str:
        return (
            f"llm_cassette: this test sent {request} through aiohttp, which this plugin does not intercept: it would "
            "go to the network and never reach the cassette.\n"
            f"  test: {self.test}\n"
            "Send it with httpx/httpx2 or through an aiohttp transport the plugin intercepts "
            "(openai.DefaultAioHttpClient(), anthropic.DefaultAioHttpClient(), httpx_aiohttp.HttpxAiohttpClient()); "
            "google-genai's async client sends through httpx2 when given "
            "HttpOptions(async_client_args={'transport': httpx2.AsyncHTTPTransport()}). "
            "Or allow the host: allowed_hosts=['<host>']."
        )

    def _reaches_allowed_host(self, url: str) -> bool:
        host = urlsplit(url).hostname
        return host is not None and self.allows(host)

    @property
    def verifying(self) -> bool:
        return self.options.verify and self._index is not None

    def compare_live(self, recorded: RecordedResponse, status: int, headers: Headers, raw_body: bytes) -> None:
        """Verify mode: how a live answer to a replayed request differs in shape from its recording."""
        if status != recorded.status and (status in _REFUSALS or status >= 500):
            why = _REFUSALS.get(status, "a server error; try again later")
            reason = f"the live API answered {status} (recorded {recorded.status}): {why}"
            with self._lock:
                self.drifts.append(_drift.Drift(_drift.UNVERIFIED, (reason,)))
            return
        try:
            live = _wire.response(status, headers, raw_body)
        except ValueError as error:
            drift = _drift.Drift(_drift.BREAKING, (f"the live body does not decode: {error}",))
        else:
            drift = _drift.compare(_drift.shape(recorded), _drift.shape(live))
        with self._lock:
            self.drifts.append(drift)

    def unreachable(self, error: BaseException) -> None:
        """Verify mode: the live API could not be asked."""
        with self._lock:
            self.drifts.append(_drift.Drift(_drift.UNVERIFIED, (f"the live API could not be reached: {error}",)))

    def check_age(self) -> None:
        """Warn, or fail, when the cassette this test replays was recorded longer ago than ``max_age``."""
        limit, recording = self.options.max_age_days, self.recording
        if limit is None or self.records or recording is None:
            return
        recorded_on = recording.provenance.date if recording.provenance is not None else self.options.recorded_on
        if recorded_on is None:
            warnings.warn(
                f"llm_cassette: {_diagnosis.shown_path(self.path)} says no recording day ({recording.format}"
                " cassette): max_age does not judge it; give the day with recorded_on='YYYY-MM-DD'",
                stacklevel=1,
            )
            return
        age = (datetime.datetime.now(datetime.UTC).date() - recorded_on).days
        if age <= limit:
            return
        message = (
            f"llm_cassette: {_diagnosis.shown_path(self.path)} was recorded {counted(age, 'day')} ago "
            f"({recorded_on.isoformat()}), more than max_age ({counted(limit, 'day')}).\n"
            f"{self._situation().rerecord()}"
        )
        if self.options.max_age_action == "fail":
            raise CassetteError(message)
        warnings.warn(message, stacklevel=1)

    def cut_error(self, response: RecordedResponse) -> StreamCutByClient:
        """The failure for reading a replayed stream past where the client stopped reading it while recording."""
        count = len(response.chunks)
        return StreamCutByClient(
            f"llm_cassette: this response in {self.path} was recorded cut short: the client stopped reading it after "
            f"{counted(count, 'chunk')} (server-sent events), and this test reads further.\n"
            "Re-record it with the test reading the whole stream: `--record-mode=rewrite`."
        )

    @property
    def unused(self) -> list[int]:
        return [position for position, played in enumerate(self.played) if not played]

    def verify(self) -> None:
        """Fail for a mismatch the test swallowed, then for interactions it never used."""
        if self.errors:
            raise self.errors[0]
        unused = self.unused
        if unused and not self.options.allow_unused:
            raise UnusedInteractions(_diagnosis.unused(self._situation(), unused))

    def text_to_write(self, existing_text: str | None, replaced_in_run: bool = False) -> tuple[str, int, bool] | None:
        """The cassette's new text, how many interactions it adds, and whether they are appended to
        ``existing_text``; None when the file is to stay as it is. ``all``/``rewrite`` replace the file, unless
        another test of the run already did (``replaced_in_run``): then they append to it.

        Recordings are scrubbed first; ``SecretInCassette`` when anything shaped like a secret is still there.
        """
        if not self.records:
            return None
        written = self._interactions_to_write()
        items = native.to_documents(written)
        replacing = self.options.record_mode.replaces and not replaced_in_run
        appending = existing_text is not None and not replacing
        self._check_secrets(items, first=len(self.interactions) if appending else 0)
        if appending:
            assert existing_text is not None
            return (native.append(existing_text, items), len(items), True) if items else None
        return native.write(items, _provenance.of(written, self.test)), len(items), False

    def _interactions_to_write(self) -> list[Interaction]:
        """What was recorded, less the attempts the SDK retried (unless kept), scrubbed, forms rebuilt."""
        recorded = _in_deterministic_order(self.recorded, self._spans)
        recorded = _without_retried(recorded, self.path, keep=self.options.record_retries)
        kept = (_scrub.interaction(item, self.options.scrub, self._secrets) for item in recorded)
        limit = self.options.max_upload_bytes
        return [replace(item, request=_multipart.recorded(item.request, limit)) for item in kept if item is not None]

    def _check_secrets(self, items: list[dict[str, Any]], first: int) -> None:
        """Fail, naming each field, when a document to write still holds a secret (``first``: its position)."""
        findings = [
            f"interaction {position}, {finding}"
            for position, item in enumerate(items, start=first)
            for finding in _scrub.find_secrets(item, self._secrets, self.options.scrub.allowed_patterns)
        ]
        if findings:
            raise SecretInCassette(self.path, findings[:20], len(findings))

    def _situation(self) -> _diagnosis.Situation:
        recording = self.recording
        return _diagnosis.Situation(
            self.test,
            _diagnosis.shown_path(self.path),
            self.options.record_mode.value,
            None if recording is None else recording.format,
            self.interactions,
            self.played,
            self.options.rules.ignore_body_paths,
            frozenset(self._secrets),
            None if recording is None else recording.provenance,
        )


def _for_replay(response: RecordedResponse) -> RecordedResponse:
    """A recorded error the SDK would retry is served with a retry delay of one millisecond: the SDK retries at once
    instead of sleeping through its back-off."""
    if response.status not in _RETRIED_STATUSES and response.status < 500:
        return response
    headers = _wire.without(response.headers, frozenset({"retry-after", "retry-after-ms"}))
    return replace(response, headers=(*headers, ("retry-after-ms", "1")))


def _retry_count(request: RecordedRequest) -> int:
    value = next((v for name, v in request.headers if name.lower() == "x-stainless-retry-count"), "0")
    return int(value) if value.isdigit() else 0


# Live answers that say nothing of the API's shape: the request was refused (verify mode calls them unverified).
_REFUSALS = {
    401: "is the API key set, and valid?",
    403: "does the key have access?",
    407: "a proxy wants credentials",
    429: "rate-limited; try again later",
}


def _without_retried(recorded: list[Interaction], path: Path, keep: bool) -> list[Interaction]:
    """``recorded`` less each failed attempt (an error status, or a transport error) that the SDK sent again (the
    same request, with a higher ``x-stainless-retry-count``), unless ``keep``; the user is told when a retry
    happened."""
    retried = set()
    for later, interaction in enumerate(recorded):
        count = _retry_count(interaction.request)
        if not count:
            continue
        request = interaction.request
        fate = "kept (record_retries)" if keep else "not written (record_retries=True keeps them)"
        warnings.warn(
            f"llm_cassette: the SDK retried a request while recording {path} (attempt {count + 1} of "
            f"{request.method} {_scrub.url(request.url)}); the failed attempts are {fate}",
            stacklevel=1,
        )
        for earlier, attempt in enumerate(recorded[:later]):
            response = attempt.response
            failed = response.error is not None or response.status in _RETRIED_STATUSES or response.status >= 500
            same = (attempt.request.method, attempt.request.url, attempt.request.body) == (
                request.method,
                request.url,
                request.body,
            )
            if failed and same and _retry_count(attempt.request) < count:
                retried.add(earlier)
    return (
        recorded if keep else [interaction for position, interaction in enumerate(recorded) if position not in retried]
    )


@dataclass(frozen=True, slots=True)
class _Span:
    """When a recorded exchange began and ended (``Cassette.tick``), and whether a thread other than the test's
    made it."""

    began: int
    ended: int
    other_thread: bool


def _in_deterministic_order(recorded: list[Interaction], spans: list[_Span]) -> list[Interaction]:
    """``recorded`` in the order its exchanges began, but exchanges that were in flight at once, or that came one
    after another from other threads than the test's (a thread pool), sorted by their content: two recordings of
    the same traffic are written alike, whichever thread or task was quicker."""
    order = sorted(range(len(recorded)), key=lambda position: spans[position].began)
    batches: list[list[Interaction]] = []
    last_end, last_from_other_thread = -1, False
    for position in order:
        span = spans[position]
        if batches and (span.began < last_end or (span.other_thread and last_from_other_thread)):
            batches[-1].append(recorded[position])
        else:
            batches.append([recorded[position]])
        last_end, last_from_other_thread = max(last_end, span.ended), span.other_thread
    return [item for batch in batches for item in sorted(batch, key=_content)]


def _content(interaction: Interaction) -> tuple[str, str, bytes, int, bytes]:
    request, response = interaction.request, interaction.response
    return request.method, request.url, request.body, response.status, response.body
