"""``python -m pytest_llmcassette``: convert leaves sources alone and drops credentials; check names problems."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import DATA, SEED


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest_llmcassette", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_convert_writes_beside_the_source_and_refuses_to_overwrite(tmp_path: Path) -> None:
    source = tmp_path / "recorded.yaml"
    source.write_text((DATA / "formats" / "vcrpy.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    before = source.read_bytes()

    first = cli("convert", source)
    assert first.returncode == 0, first.stderr
    converted = tmp_path / "recorded.llm.yaml"
    text = converted.read_text(encoding="utf-8")
    assert text.count("- request:") == 2 and "llm_cassette: 2" in text
    assert "cookie" not in text.lower() and "x-stainless-retry-count" not in text and "date:" not in text
    assert source.read_bytes() == before

    again = cli("convert", source)
    assert again.returncode == 1 and "exists; pass --force" in again.stderr
    assert cli("convert", source, "--force").returncode == 0


def test_convert_never_replaces_its_source(tmp_path: Path) -> None:
    result = cli("convert", SEED, "--out", SEED.parent)
    assert result.returncode == 1 and "would replace its source" in result.stderr


def test_check_reports_each_file_and_fails_for_any_unreadable_one(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 2\ninteractions:\n- request: {url: 'http://x/'}\n  response: {code: 200}\n")
    result = cli("check", SEED, broken)
    assert result.returncode == 1
    assert f"ok: {SEED} (go-vcr, 2 interactions)" in result.stdout
    assert f"cannot read {broken}, interaction 0: the request has no method" in result.stderr
    assert cli("convert", "--check", SEED).returncode == 0
