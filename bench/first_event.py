"""Record mode streams live: the SDK must see each event when the server sends it, not when the body ends.

The stub server sleeps before every event (``x-stub-delay-ms``), so a recorder that buffered the body would hand
out the first event only after the last one was sent. Server and test run in separate processes; both read
``time.perf_counter``, which on Linux is ``CLOCK_MONOTONIC`` and so comparable across processes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

import envs
import measure
import suite
from report import Section, Table, Target, milliseconds

REQUESTS = 3
PYTEST = ("-m", "pytest", "-q", "-p", "no:cacheprovider")
MODES = {
    "plugin recording (--record-mode=all)": ("--record-mode=all",),
    "no plugin (-p no:llm_cassette)": ("-p", "no:llm_cassette"),
}
LAG_LIMIT_S = 0.020  # a tenth of the delay between events: far below what buffering would add


class Server(Protocol):
    sent_at: list[float]

    @property
    def base_url(self) -> str: ...


def time_first_event(work: Path, server: Server, requests_made: int = REQUESTS) -> Section:
    folder = work / "suites" / "first_event"
    suite.first_event_suite(folder, server.base_url, requests_made)
    python = envs.LLMCASSETTE.python
    out = work / "out" / "first-event.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    rows, lags = [], {}
    for label, options in MODES.items():
        out.unlink(missing_ok=True)
        server.sent_at.clear()
        job = measure.Job(label, (python, *PYTEST, *options), folder, {"BENCH_OUT": str(out)}, 1)
        measure.checked(job)
        requests = json.loads(out.read_text().splitlines()[-1])["requests"]
        per_request = len(server.sent_at) // len(requests)
        first_sent, first_seen, last_sent, worst = [], [], [], []
        for number, request in enumerate(requests):
            sent = server.sent_at[number * per_request : (number + 1) * per_request]
            seen = request["seen"]  # the SDK yields no chunk for the final [DONE] event
            first_sent.append(sent[0] - request["start"])
            first_seen.append(seen[0] - request["start"])
            last_sent.append(sent[-1] - request["start"])
            worst.append(max(s - t for s, t in zip(seen, sent, strict=False)))
        lags[label] = measure.median(first_seen) - measure.median(first_sent)
        rows.append(
            (
                label,
                milliseconds(measure.median(first_sent)),
                milliseconds(measure.median(first_seen)),
                milliseconds(lags[label]),
                milliseconds(measure.median(worst)),
                milliseconds(measure.median(last_sent)),
            )
        )
    recording = lags[next(iter(MODES))]
    table = Table(
        f"Record mode: when the SDK sees streamed events (server waits {suite.FIRST_EVENT_DELAY_MS} ms before each)",
        (
            "row",
            "server sent 1st event, ms",
            "SDK saw 1st event, ms",
            "lag ms",
            "worst lag over all events, ms",
            "server sent last event, ms",
        ),
        rows,
        [f"Times from the SDK call's start; medians of {requests_made} streamed requests in one test."],
    )
    target = Target(
        "first streamed event in record mode",
        "seen when sent",
        f"lag {milliseconds(recording)} ms",
        recording <= LAG_LIMIT_S,
    )
    return Section([table], [target])
