"""Collect a suite in this process with pytest and tell, as JSON, whether the plugin loaded, which heavy modules
were imported by then and, with ``--time-plugin``, how long the plugin's import and its hooks took in-process.

Run with the environment's Python: ``python probe_imports.py [--time-plugin] SUITE [pytest args]``. The
benchmark's start-up phase (``bench/startup.py``) runs it for its import check and its in-process timing.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

HEAVY = ("respx", "httpx", "httpx2", "openai", "yaml")


class Probe:
    def __init__(self) -> None:
        self.found: dict[str, object] = {}

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.found = {
            "plugin_loaded": session.config.pluginmanager.has_plugin("llm_cassette"),
            "checked": list(HEAVY),
            "heavy_imported": [name for name in HEAVY if name in sys.modules],
            "items": len(session.items),
        }


def _timed_plugin() -> dict[str, float]:
    """Import the plugin before pytest does, timing it, and time each of its plain hooks when pytest calls them."""
    spent = {"import_s": 0.0, "hooks_s": 0.0}
    start = time.perf_counter()
    module = importlib.import_module("pytest_llmcassette.plugin")
    spent["import_s"] = time.perf_counter() - start

    def timing(hook: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(hook)  # keeps the signature and pytest's hook options, which pluggy reads
        def timed(*args: Any, **kwargs: Any) -> Any:
            begin = time.perf_counter()
            try:
                return hook(*args, **kwargs)
            finally:
                spent["hooks_s"] += time.perf_counter() - begin

        return timed

    for name, hook in list(vars(module).items()):
        if name.startswith("pytest_") and inspect.isfunction(hook) and not inspect.isgeneratorfunction(hook):
            setattr(module, name, timing(hook))
    return spent


def main() -> None:
    arguments = sys.argv[1:]
    spent = _timed_plugin() if arguments[:1] == ["--time-plugin"] else {}
    arguments = arguments[1:] if spent else arguments
    probe = Probe()
    code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *arguments], plugins=[probe])
    print(json.dumps({"exit_code": int(code), **probe.found, **spent}))


if __name__ == "__main__":
    main()
