"""Words for messages: counts with their nouns."""

from __future__ import annotations


def counted(count: int, noun: str) -> str:
    """``1 interaction``, ``2 interactions``: a count and its noun, plural by adding ``s``."""
    return f"{count} {noun}{'s' * (count != 1)}"
