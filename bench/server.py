"""The project's loopback stub server (``tests/stub_server.py``), imported by path and run on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def stub_module(repo: Path) -> ModuleType:
    """``tests/stub_server.py`` as a module (it needs only the standard library); its ``StubServer`` serves."""
    name = "bench_stub_server"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, repo / "tests" / "stub_server.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {repo / 'tests' / 'stub_server.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
