"""Shared fixtures: the loopback stub server, and the seed cassette's location."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stub_server import StubServer

DATA = Path(__file__).parent / "data"
SEED = DATA / "openai-go-llamacpp-tool-call.yaml"


@pytest.fixture
def stub() -> Iterator[StubServer]:
    with StubServer() as server:
        yield server
