"""Collect a suite in this process with pytest and tell, as JSON, whether the plugin loaded and which heavy
modules were imported by then. Run with the environment's Python: ``python probe_imports.py SUITE [pytest args]``.
"""

from __future__ import annotations

import json
import sys

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


def main() -> None:
    probe = Probe()
    code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *sys.argv[1:]], plugins=[probe])
    print(json.dumps({"exit_code": int(code), **probe.found}))


if __name__ == "__main__":
    main()
