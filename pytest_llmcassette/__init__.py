"""pytest-llmcassette: record LLM SDK traffic into readable YAML cassettes and replay it strictly in tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "Cassette",
    "CassetteError",
    "CassetteFormatError",
    "CassetteNotFound",
    "CassetteOptions",
    "Interaction",
    "NoMatchingInteraction",
    "ReadOnlyCassette",
    "RecordMode",
    "RecordedRequest",
    "RecordedResponse",
    "SecretInCassette",
    "UnusedInteractions",
]

if TYPE_CHECKING:
    from ._cassette import Cassette, CassetteOptions, RecordMode
    from ._errors import (
        CassetteError,
        CassetteFormatError,
        CassetteNotFound,
        NoMatchingInteraction,
        ReadOnlyCassette,
        SecretInCassette,
        UnusedInteractions,
    )
    from ._model import Interaction, RecordedRequest, RecordedResponse


def __getattr__(name: str) -> Any:
    """Public names load on first use, so that pytest loading the plugin stays cheap."""
    if name in ("Cassette", "CassetteOptions", "RecordMode"):
        from . import _cassette

        return getattr(_cassette, name)
    if name in ("Interaction", "RecordedRequest", "RecordedResponse"):
        from . import _model

        return getattr(_model, name)
    if name in __all__:
        from . import _errors

        return getattr(_errors, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
