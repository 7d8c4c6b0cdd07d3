"""What replay saved: the tokens a recorded response says it used, and, at prices the user gives, the money.

Read from the usage fields the providers put in their answers: OpenAI chat completions, Responses and embeddings
(also the usage chunk of a stream), Anthropic messages (input, output and cache tokens, streamed in
``message_start``/``message_delta``), Gemini's ``usageMetadata``, Groq's streamed ``x_groq.usage``, Cohere's
``usage.tokens``. No price table is shipped, since prices change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._model import Interaction
from ._provenance import model_of


@dataclass(frozen=True, slots=True)
class Tokens:
    input: int = 0
    output: int = 0
    cached: int = 0  # of the input, read from a cache

    def __add__(self, other: Tokens) -> Tokens:
        return Tokens(self.input + other.input, self.output + other.output, self.cached + other.cached)

    @property
    def total(self) -> int:
        return self.input + self.output


@dataclass(frozen=True, slots=True)
class Price:
    """Dollars per million tokens."""

    input: float
    output: float
    cached: float | None = None  # None: as input

    def figures(self) -> tuple[float, ...]:
        return (self.input, self.output) if self.cached is None else (self.input, self.output, self.cached)

    def of(self, tokens: Tokens) -> float:
        cached = self.input if self.cached is None else self.cached
        return (
            (tokens.input - tokens.cached) * self.input + tokens.cached * cached + tokens.output * self.output
        ) / 1e6


def usage(interaction: Interaction) -> tuple[str, Tokens]:
    """The model an interaction asked for, and the tokens its response says it used (zero when it does not say)."""
    model = model_of(interaction.request.body, interaction.request.url) or "(no model)"
    chunks = interaction.response.chunks
    if chunks and chunks[0].lstrip().startswith(b"{"):
        return model, _tokens(_json(b"".join(chunks)))
    return model, _streamed(_data(chunk) for chunk in interaction.response.chunks if b"usage" in chunk)


def _streamed(events: Iterable[Any]) -> Tokens:
    """The tokens of a stream, from its events that mention usage: OpenAI's usage chunk and Responses'
    ``response.completed`` as they come; Anthropic's input from ``message_start`` and output from its last
    ``message_delta`` (a running total); Gemini's last ``usageMetadata`` (each chunk repeats the running figures);
    Groq's ``x_groq.usage``; Cohere's ``message-end``."""
    total, start, running_output, gemini = Tokens(), Tokens(), 0, Tokens()
    for event in events:
        if not isinstance(event, Mapping):
            continue
        kind = event.get("type")
        if kind == "message_start":
            start = _tokens(event.get("message"))
        elif kind == "message_delta":
            running_output = _int((event.get("usage") or {}).get("output_tokens"))
        elif kind in ("response.completed", "response.incomplete"):
            total += _tokens(event.get("response"))
        elif kind == "message-end":  # Cohere
            total += _tokens(event.get("delta"))
        elif "usageMetadata" in event:
            gemini = _tokens(event)
        elif isinstance(event.get("x_groq"), Mapping):  # Groq: the last chunk's usage
            total += _tokens(event["x_groq"])
        else:
            total += _tokens(event)
    anthropic = Tokens(start.input, running_output or start.output, start.cached)
    return total + anthropic + gemini


def prices(lines: Iterable[str]) -> dict[str, Price]:
    """Prices from ``model = input, output[, cached]`` lines (dollars per million tokens); ``ValueError`` naming a
    line that is not one."""
    table = {}
    for line in lines:
        if not line.strip():
            continue
        model, equals, figures = line.partition("=")
        price = _price(figures.split(",")) if equals and model.strip() else None
        if price is None:
            raise ValueError(f"llm_cassette_prices: {line.strip()!r} is not `model = input, output[, cached]`")
        table[model.strip()] = price
    return table


def price_table(given: Any) -> dict[str, Price]:
    """Prices from a mapping of model to ``(input, output[, cached])`` or ``"input, output[, cached]"``;
    ``ValueError`` naming an entry that is not one."""
    if not isinstance(given, Mapping):
        raise ValueError(f"expected a mapping of model to (input, output[, cached]), not {given!r}")
    table = {}
    for model, figures in given.items():
        price = _price(figures.split(",") if isinstance(figures, str) else figures)
        if not isinstance(model, str) or not model or price is None:
            raise ValueError(f"{model!r}: {figures!r} is not (input, output[, cached]) dollars per million tokens")
        table[model] = price
    return table


def _price(figures: Any) -> Price | None:
    """Two or three figures (dollars per million tokens, 0 or more) as a ``Price``; None if they are not."""
    try:
        numbers = [float(figure) for figure in figures]
    except (TypeError, ValueError):
        return None
    if len(numbers) not in (2, 3) or any(number < 0 or number != number for number in numbers):
        return None
    return Price(*numbers)


def _tokens(document: Any) -> Tokens:
    if not isinstance(document, Mapping):
        return Tokens()
    usage = document.get("usage")
    if isinstance(usage, Mapping):
        if isinstance(usage.get("tokens"), Mapping):  # Cohere: tokens used (beside billed_units)
            usage = usage["tokens"]
        if "prompt_tokens" in usage:  # OpenAI chat completions and embeddings
            cached = _int((usage.get("prompt_tokens_details") or {}).get("cached_tokens"))
            return Tokens(_int(usage.get("prompt_tokens")), _int(usage.get("completion_tokens")), cached)
        cached = _int(usage.get("cache_read_input_tokens")) + _int(
            (usage.get("input_tokens_details") or {}).get("cached_tokens")
        )
        created = _int(usage.get("cache_creation_input_tokens"))
        # Anthropic counts cache reads and writes beside input_tokens; OpenAI's Responses counts them within it
        extra = _int(usage.get("cache_read_input_tokens")) + created
        return Tokens(_int(usage.get("input_tokens")) + extra, _int(usage.get("output_tokens")), cached)
    metadata = document.get("usageMetadata")  # Gemini
    if isinstance(metadata, Mapping):
        output = _int(metadata.get("candidatesTokenCount")) + _int(metadata.get("thoughtsTokenCount"))
        return Tokens(_int(metadata.get("promptTokenCount")), output, _int(metadata.get("cachedContentTokenCount")))
    return Tokens()


def _data(event: bytes) -> Any:
    """The JSON data of one server-sent event's chunk (only events that mention usage are parsed at all)."""
    start = event.find(b"data:")
    if start == -1:
        return None
    end = event.find(b"\n", start)
    return _json(event[start + 5 : end if end != -1 else len(event)])


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _int(value: Any) -> int:
    return value if type(value) is int and value > 0 else 0
