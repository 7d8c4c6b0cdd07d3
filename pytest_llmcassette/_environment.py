"""Placeholder values for the environment variables an SDK demands at construction, for tests that only replay.

``openai.OpenAI()`` refuses to build without ``OPENAI_API_KEY``, ``anthropic.Anthropic()`` needs a key before
sending, ``AzureOpenAI()`` also an endpoint and an API version, ``genai.Client()``, ``groq.Groq()`` and
``cohere.ClientV2()`` their keys: in replay nothing is sent, so any value will do, except the Azure endpoint and
version, which must give the recorded URLs; they are read from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlsplit

from ._model import Interaction

PLACEHOLDER_KEY = "replay-without-a-key"
# Each SDK's key variables: the first is set when none of them is (genai warns when both of its own are set).
KEY_VARIABLES = (
    ("OPENAI_API_KEY",),
    ("ANTHROPIC_API_KEY",),
    ("AZURE_OPENAI_API_KEY",),
    ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    ("MISTRAL_API_KEY",),
    ("GROQ_API_KEY",),
    ("CO_API_KEY",),
)


def placeholders(interactions: Iterable[Interaction], environ: Mapping[str, str]) -> dict[str, str]:
    """The variables to set, none of them set in ``environ``: each SDK's key, and Azure's endpoint and version when
    the recording has Azure URLs."""
    values = {names[0]: PLACEHOLDER_KEY for names in KEY_VARIABLES if not any(name in environ for name in names)}
    for interaction in interactions:
        parts = urlsplit(interaction.request.url)
        if parts.netloc.endswith(".openai.azure.com") or "/openai/deployments/" in parts.path:
            values.setdefault("AZURE_OPENAI_ENDPOINT", f"{parts.scheme}://{parts.netloc}")
            version = dict(parse_qsl(parts.query)).get("api-version")
            if version:
                values.setdefault("OPENAI_API_VERSION", version)
    return {name: value for name, value in values.items() if name not in environ}
