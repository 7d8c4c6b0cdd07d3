"""The benchmark's virtual environments under ``bench/.work/envs``: one per tool, installed from the index by name.

An environment is built once and reused while its requirements and the Python building it stay the same (a
stamp file records both); ``rebuild=True`` starts it afresh. Competitors live only here, never in the project's
own dependencies.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

STAMP = "bench-requirements.json"


@dataclass(frozen=True, slots=True)
class Env:
    """A named environment and what ``pip install`` gets for it (``{repo}`` stands for this checkout)."""

    name: str
    requirements: tuple[str, ...]
    reported: tuple[str, ...]  # distributions whose versions the report names

    def path(self, work: Path) -> Path:
        return work / "envs" / self.name

    def python(self, work: Path) -> Path:
        return self.path(work) / "bin" / "python"


LLMCASSETTE = Env(
    "llmcassette", ("-e", "{repo}", "openai", "pyinstrument"), ("openai", "httpx2", "respx", "pytest", "PyYAML")
)
VCRPY = Env("vcrpy", ("vcrpy", "pytest-recording", "openai", "pytest"), ("openai", "vcrpy", "pytest-recording"))
CASSETTER = Env("cassetter", ("cassetter[httpx2]", "openai", "pytest"), ("openai", "cassetter"))
BRIDGE = Env("bridge", ("-e", "{repo}", "httpx2", "pytest-httpx2"), ("httpx2", "respx", "pytest-httpx2"))
ALL = (LLMCASSETTE, VCRPY, CASSETTER, BRIDGE)


def ensure(env: Env, work: Path, repo: Path, rebuild: bool = False) -> None:
    """Create ``env`` and install its requirements, unless an identical one is already there."""
    path = env.path(work)
    requirements = [item.format(repo=repo) for item in env.requirements]
    wanted = {"python": sys.version, "requirements": requirements}
    stamp = path / STAMP
    if not rebuild and stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return
    shutil.rmtree(path, ignore_errors=True)
    print(f"[bench] building environment {env.name}: pip install {' '.join(requirements)}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    pip = [str(env.python(work)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *requirements], check=True)
    stamp.write_text(json.dumps(wanted))


def versions(env: Env, work: Path) -> dict[str, str]:
    """The installed versions of the distributions ``env`` reports."""
    script = (
        "import importlib.metadata as m, json, sys\nprint(json.dumps({name: m.version(name) for name in sys.argv[1:]}))"
    )
    output = subprocess.run(
        [str(env.python(work)), "-c", script, *env.reported], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, str] = json.loads(output)
    return result
