"""Placeholder values for the environment variables an SDK demands at construction, for tests that only replay.

``openai.OpenAI()`` refuses to build without ``OPENAI_API_KEY``, ``anthropic.Anthropic()`` needs a key before
sending, ``AzureOpenAI()`` also an endpoint and an API version: in replay nothing is sent, so any value will do,
except the Azure endpoint and version, which must give the recorded URLs; they are read from them.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit

from ._model import Interaction

PLACEHOLDER_KEY = "replay-without-a-key"
KEY_VARIABLES = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_OPENAI_API_KEY")


def placeholders(interactions: Iterable[Interaction]) -> dict[str, str]:
    """The variables to set where unset: every key variable, and Azure's endpoint and version when the recording
    has Azure URLs."""
    values = dict.fromkeys(KEY_VARIABLES, PLACEHOLDER_KEY)
    for interaction in interactions:
        parts = urlsplit(interaction.request.url)
        if parts.netloc.endswith(".openai.azure.com") or "/openai/deployments/" in parts.path:
            values.setdefault("AZURE_OPENAI_ENDPOINT", f"{parts.scheme}://{parts.netloc}")
            version = dict(parse_qsl(parts.query)).get("api-version")
            if version:
                values.setdefault("OPENAI_API_VERSION", version)
    return values
