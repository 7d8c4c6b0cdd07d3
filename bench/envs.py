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
DIR = Path(__file__).resolve().parent / ".work" / "envs"


@dataclass(frozen=True, slots=True)
class Env:
    """A named environment and what ``pip install`` gets for it (``{project}`` stands for the checkout measured)."""

    name: str
    requirements: tuple[str, ...]
    reported: tuple[str, ...]  # distributions whose versions the report names

    @property
    def path(self) -> Path:
        return DIR / self.name

    @property
    def python(self) -> str:
        return str(self.path / "bin" / "python")


LLMCASSETTE = Env(
    "llmcassette", ("-e", "{project}", "openai", "pyinstrument"), ("openai", "httpx2", "respx", "httpx", "pytest")
)
# What a user pays is measured against an environment with nothing but the SDK and pytest: no respx, no httpx
# (openai 3 sends through httpx2 and does not depend on httpx), no pytest plugin of any tool.
OPENAI_ONLY = Env("openai-only", ("openai", "pytest"), ("openai", "httpx2", "pytest"))
VCRPY = Env("vcrpy", ("vcrpy", "pytest-recording", "openai", "pytest"), ("openai", "vcrpy", "pytest-recording"))
CASSETTER = Env("cassetter", ("cassetter[httpx2]", "openai", "pytest"), ("openai", "cassetter"))


def ensure(env: Env, project: Path, rebuild: bool = False) -> None:
    """Create ``env`` and install its requirements, unless an identical one is already there."""
    requirements = [item.format(project=project) for item in env.requirements]
    wanted = {"python": sys.version, "requirements": requirements}
    stamp = env.path / STAMP
    if not rebuild and stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return
    shutil.rmtree(env.path, ignore_errors=True)
    print(f"[bench] building environment {env.name}: pip install {' '.join(requirements)}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(env.path)], check=True)
    pip = [env.python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *requirements], check=True)
    stamp.write_text(json.dumps(wanted))


_VERSIONS = """import importlib.metadata as m, json, sys
names = sys.argv[1:] or sorted({d.metadata["Name"] for d in m.distributions()} - {"pip", "setuptools"}, key=str.lower)
def version(name):
    try:
        return m.version(name)
    except m.PackageNotFoundError:
        return "absent"
print(json.dumps({name: version(name) for name in names}))"""


def versions(env: Env, everything: bool = False) -> dict[str, str]:
    """The installed versions of the distributions ``env`` reports (of all of them, with ``everything``)."""
    names = () if everything else env.reported
    output = subprocess.run([env.python, "-c", _VERSIONS, *names], check=True, capture_output=True, text=True).stdout
    result: dict[str, str] = json.loads(output)
    return result
