"""Compact JSON text, as cassettes need it on every read, with each encoder built once.

``json.JSONEncoder.encode`` builds a new C encoder (and a table for spotting circular values) on every call;
building it once makes an event's serialization about a third cheaper. Values come from YAML, where only an
alias can make one circular: encoding such a value raises ``RecursionError``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder
from typing import Any

Encode = Callable[[Any], str]


def _unsupported(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _encoder(*, sort_keys: bool = False, allow_nan: bool = True) -> Encode:
    make = getattr(encoder, "c_make_encoder", None)  # the C encoder json.JSONEncoder builds on each call
    if make is None:  # no C accelerator: the standard encoder
        standard = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys, allow_nan=allow_nan)
        return standard.encode
    chunks = make(None, _unsupported, encoder.encode_basestring, None, ":", ",", sort_keys, False, allow_nan)
    return lambda value: "".join(chunks(value, 0))


compact: Encode = _encoder()
"""Compact JSON; NaN and infinities written as JavaScript does (as a server-sent event may hold them)."""
strict_compact: Encode = _encoder(allow_nan=False)
"""Compact, standard JSON: a NaN or an infinity raises ``ValueError``."""
canonical: Encode = _encoder(sort_keys=True)
"""Compact JSON with sorted keys: one text for equal values, whatever their key order."""
