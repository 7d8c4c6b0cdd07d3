"""Results as Markdown: tables, the targets and whether each holds, and the machine they were measured on."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.headers) + " |"]
        lines.append("|" + "|".join("---" if n == 0 else "---:" for n in range(len(self.headers))) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        lines += ["", *self.notes] if self.notes else []
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    wanted: str
    measured: str
    holds: bool


@dataclass(frozen=True, slots=True)
class Section:
    """What one benchmark phase found: its tables and the targets it checks."""

    tables: list[Table]
    targets: list[Target] = field(default_factory=list)


def targets_table(targets: list[Target]) -> Table:
    rows = [(t.name, t.wanted, t.measured, "yes" if t.holds else "**no**") for t in targets]
    return Table("Targets", ("target", "wanted", "measured", "holds"), rows)


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")), "?"
    )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs (nproc), {cpu}; Python {platform.python_version()} on {platform.platform()}; "
        f"load average at start {load}"
    )


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def document(sections: list[Section], header: list[str]) -> str:
    tables = [table for section in sections for table in section.tables]
    targets = [target for section in sections for target in section.targets]
    parts = ["\n".join(header), targets_table(targets).markdown(), *(table.markdown() for table in tables)]
    return "\n\n".join(parts) + "\n"


def microseconds(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f}"


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f}"
