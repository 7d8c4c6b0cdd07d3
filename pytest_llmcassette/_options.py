"""A test's cassette path and options, from the ``llm_cassette_config`` fixture, the marker and the command line.

List options (header names, ignored paths, variables, patterns) from the fixture and the marker add up; any
other option set on the marker wins over the fixture's, and ``--record-mode`` over both but a marker's.
"""

from __future__ import annotations

import datetime
import difflib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from . import _scrub
from ._cassette import CassetteOptions, RecordMode
from ._errors import CassetteError
from ._matching import MatchRules

LIST_KEYS = frozenset(
    {
        "ignore_body_paths",
        "keep_request_headers",
        "keep_response_headers",
        "drop_request_headers",
        "drop_response_headers",
        "filter_headers",
        "secret_env_vars",
        "allow_secret_patterns",
        "allowed_hosts",
    }
)
CONFIG_KEYS = LIST_KEYS | {
    "record_mode",
    "allow_unused",
    "record_retries",
    "replay_placeholders",
    "allow_loopback",
    "max_age",
    "max_age_action",
    "max_upload_bytes",
    "recorded_on",
    "before_record_request",
    "before_record_response",
}


def cassette_options(
    marker_args: tuple[Any, ...],
    marker_options: Mapping[str, Any],
    command_line_mode: str | None,
    command_line_max_age: str | None,
    verify: bool,
    settings: Mapping[str, Any],
    folder: str,
    name: str,
) -> tuple[Path, CassetteOptions]:
    """The cassette's path and options; ``CassetteError`` naming the option that is wrong."""
    for source, given in (("llm_cassette_config", settings), ("the llm_cassette marker", marker_options)):
        for key in sorted(set(given) - CONFIG_KEYS):
            close = sorted(known for known in CONFIG_KEYS if known.startswith(key))[:1]
            close = close or difflib.get_close_matches(key, CONFIG_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise CassetteError(
                f"llm_cassette: unknown option {key!r} in {source}{hint}; options are {', '.join(sorted(CONFIG_KEYS))}"
            )
    if len(marker_args) > 1:
        raise CassetteError("llm_cassette: the marker takes one cassette path at most")
    merged = {**settings, **marker_options}
    lists = {key: (*_names(settings, key), *_names(marker_options, key)) for key in LIST_KEYS}
    mode = marker_options.get("record_mode") or command_line_mode or settings.get("record_mode") or "none"
    if verify:
        mode = "none"  # verify replays every recording, sends it live beside, and writes nothing
    try:
        record_mode = RecordMode(mode)
    except ValueError:
        modes = ", ".join(mode.value for mode in RecordMode)
        raise CassetteError(f"llm_cassette: record_mode {mode!r} is not one of {modes}") from None
    path = Path(os.path.normpath(Path(folder, marker_args[0]))) if marker_args else Path(folder, f"{name}.yaml")
    try:
        scrub = _scrub.ScrubRules(
            request_headers=_scrub.ScrubRules().request_headers.changed(
                lists["keep_request_headers"], (*lists["drop_request_headers"], *lists["filter_headers"])
            ),
            response_headers=_scrub.ScrubRules().response_headers.changed(
                lists["keep_response_headers"], (*lists["drop_response_headers"], *lists["filter_headers"])
            ),
            secret_env_vars=lists["secret_env_vars"],
            allowed_patterns=_patterns(lists["allow_secret_patterns"]),
            before_record_request=_hook(merged, "before_record_request"),
            before_record_response=_hook(merged, "before_record_response"),
        )
    except ValueError as error:
        raise CassetteError(f"llm_cassette: {error}") from None
    try:
        rules = MatchRules.from_paths(lists["ignore_body_paths"])
    except ValueError as error:
        raise CassetteError(f"llm_cassette: ignore_body_paths: {error}") from None
    options = CassetteOptions(
        record_mode=record_mode,
        rules=rules,
        scrub=scrub,
        allow_unused=bool(merged.get("allow_unused", False)),
        record_retries=bool(merged.get("record_retries", False)),
        replay_placeholders=bool(merged.get("replay_placeholders", True)),
        max_age_days=_days(marker_options.get("max_age") or command_line_max_age or settings.get("max_age")),
        max_age_action=_action(merged.get("max_age_action", "warn")),
        verify=verify,
        recorded_on=_day(merged.get("recorded_on")),
        allowed_hosts=lists["allowed_hosts"],
        allow_loopback=bool(merged.get("allow_loopback", False)),
        max_upload_bytes=_size(merged.get("max_upload_bytes")),
    )
    return path, options


def _size(value: Any) -> int | None:
    if value is None or (type(value) is int and value >= 0):
        return value
    raise CassetteError(f"llm_cassette: max_upload_bytes must be a number of bytes (0 or more), not {value!r}")


def _days(value: Any) -> int | None:
    """A maximum age: a number of days, or text such as ``90d``, ``12w``, ``1y``."""
    if value is None or (type(value) is int and value >= 0):
        return value
    match = re.fullmatch(r"(\d+)\s*([dwy])", str(value).strip())
    if match is None:
        raise CassetteError(f"llm_cassette: max_age must be days, or text such as 90d, 12w or 1y, not {value!r}")
    return int(match[1]) * {"d": 1, "w": 7, "y": 365}[match[2]]


def _day(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise CassetteError(f"llm_cassette: recorded_on must be a day such as 2026-01-31, not {value!r}") from None


def _action(value: Any) -> str:
    if value not in ("warn", "fail"):
        raise CassetteError(f"llm_cassette: max_age_action must be 'warn' or 'fail', not {value!r}")
    return str(value)


def _names(options: Mapping[str, Any], key: str) -> tuple[str, ...]:
    if key not in options:
        return ()
    value = options[key]
    if isinstance(value, str) or not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
        raise CassetteError(f"llm_cassette: {key} must be a list of strings, not {value!r}")
    return tuple(value)


def _patterns(names: Iterable[str]) -> frozenset[str]:
    unknown = sorted(set(names) - set(_scrub.SECRET_PATTERNS))
    if unknown:
        known = ", ".join(_scrub.SECRET_PATTERNS)
        raise ValueError(f"allow_secret_patterns names unknown patterns {', '.join(unknown)}; patterns are {known}")
    return frozenset(names)


def _hook(options: Mapping[str, Any], key: str) -> Callable[..., Any] | None:
    hook = options.get(key)
    if hook is not None and not callable(hook):
        raise CassetteError(f"llm_cassette: {key} must be a function, not {hook!r}")
    return hook
