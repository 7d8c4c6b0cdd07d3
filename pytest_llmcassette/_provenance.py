"""Where a cassette came from: the plugin that wrote it, the day, the test, the SDKs and the models it recorded.

Written at the top of a native cassette, readable in review and never identifying (no host, user or path beyond
the test's id). Read back to tell a developer what moved since the recording, and how old it is.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ._matching import body_value
from ._model import Interaction, Provenance

_SDK_HEADER = "user-agent"
_MODEL_IN_PATH = re.compile(r"/models/([^/:]+):")


def of(interactions: Iterable[Interaction], test: str, today: datetime.date | None = None) -> Provenance:
    """The provenance of a recording made now."""
    interactions = list(interactions)
    return Provenance(
        f"pytest-llmcassette {_version()}",
        today or datetime.datetime.now(datetime.UTC).date(),
        test,
        tuple(dict.fromkeys(agent for i in interactions if (agent := _sdk(i.request.headers)))),
        tuple(dict.fromkeys(model for i in interactions if (model := model_of(i.request.body, i.request.url)))),
    )


def read(value: Any) -> Provenance | None:
    """A cassette's ``recorded`` mapping as a ``Provenance``; None when absent. ``ValueError`` when malformed."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError("recorded must be a mapping")
    try:
        day = datetime.date.fromisoformat(str(value.get("date")))
    except ValueError:
        raise ValueError(f"recorded.date must be a date such as 2026-12-04, not {value.get('date')!r}") from None
    lists = {key: value.get(key) or [] for key in ("sdks", "models")}
    if not all(isinstance(items, list) and all(isinstance(item, str) for item in items) for items in lists.values()):
        raise ValueError("recorded.sdks and recorded.models must be lists of strings")
    return Provenance(
        str(value.get("by", "")), day, str(value.get("test", "")), tuple(lists["sdks"]), tuple(lists["models"])
    )


def sdk_of(headers: Iterable[tuple[str, str]]) -> str | None:
    """The SDK and version that sent a request, from its user agent."""
    return _sdk(headers)


def model_of(body: bytes, url: str = "") -> str | None:
    """The model a request asks for: its JSON body's or form's ``model``, else the URL's (Gemini's
    ``/models/<model>:...``)."""
    value = body_value(body)
    model = value.get("model") if isinstance(value, dict) else None
    return model if isinstance(model, str) else _model_in_url(url)


def _sdk(headers: Iterable[tuple[str, str]]) -> str | None:
    return next((value for name, value in headers if name.lower() == _SDK_HEADER), None)


def _model_in_url(url: str) -> str | None:
    match = _MODEL_IN_PATH.search(urlsplit(url).path)
    return match[1] if match else None


def _version() -> str:
    try:
        return importlib.metadata.version("pytest-llmcassette")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
