"""``python -m pytest_llmcassette``: convert leaves sources alone and drops credentials; check names problems
(file, interaction, field path), never a secret's value, in files and in folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, SEED
from pytest_llmcassette.__main__ import main
from pytest_llmcassette.formats import native

OPENAI_KEY = "sk-proj-Abc123def456GHI789jkl012MNO345"
GOOGLE_KEY = "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"

NATIVE = """\
llm_cassette: 1
interactions:
- request:
    method: POST
    url: https://api.openai.com/v1/chat/completions
    headers:
      content-type: application/json
    json:
      model: gpt-4o-mini
      messages:
      - role: user
        content: hi
  response:
    status: 200
    headers:
      content-type: text/event-stream
    events:
    - json: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"Hel"}}]}
    - json: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"lo"}}]}
    - data: '[DONE]'
"""


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def cassettes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of cassettes: good ones (native, vcrpy), two edited by hand to hold a key, a broken one, a
    workflow file, and a hidden folder. It is not named ``cassettes``, so a file's content decides what is skipped."""
    for name in ("OPENAI_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "recorded"
    write(root / "test_chat" / "test_reply.yaml", NATIVE)
    write(root / "vcrpy.yaml", (DATA / "formats" / "vcrpy.yaml").read_text(encoding="utf-8"))
    write(root / "test_chat" / "test_pasted.yaml", NATIVE.replace('"lo"', f'"lo {OPENAI_KEY}"'))
    write(root / "test_chat" / "deep" / "test_google.yml", NATIVE.replace("content: hi", f"content: '{GOOGLE_KEY}'"))
    write(root / "test_chat" / "deep" / "broken.yaml", "interactions:\n- request: [unclosed\n")
    write(root / "ci.yml", "name: ci\non: push\n")
    write(root / ".hidden" / "test_pasted.yaml", NATIVE.replace('"lo"', f'"{OPENAI_KEY}"'))
    return root


def test_check_a_folder_names_file_interaction_and_field_never_the_value(
    cassettes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "check", cassettes)
    assert code == 1 and not err
    pasted, broken, google, summary = out.splitlines()
    chat = cassettes / "test_chat"
    assert pasted.startswith(
        f"{chat / 'test_pasted.yaml'}: interaction 0, response.events[1].json.choices[0].delta.content: something"
    )
    assert pasted.endswith("openai key")
    assert broken.startswith(f"{chat / 'deep' / 'broken.yaml'}: cannot read: not valid YAML: ")
    assert "line 2, column 12" in broken
    assert google.startswith(f"{chat / 'deep' / 'test_google.yml'}: interaction 0, request.json.messages[0].content:")
    assert google.endswith("google key")
    assert summary == "checked 5 cassettes (1 other YAML file skipped): 3 problems"
    assert OPENAI_KEY[3:] not in out and GOOGLE_KEY[4:] not in out


def test_check_a_folder_reports_every_broken_cassette_and_skips_other_yaml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In a ``cassettes`` folder every YAML file is a cassette, even empty; elsewhere, a file starting with this
    plugin's header is one; other YAML that is not a cassette (CI workflows, configs) is skipped and counted."""
    cut = write(tmp_path / "cassettes" / "t" / "test_a.yaml", native.HEADER)  # cut after its first line
    empty = write(tmp_path / "cassettes" / "t" / "test_b.yaml", "")
    code, out, _ = run(capsys, "check", tmp_path / "cassettes")
    assert code == 1
    assert out.splitlines() == [
        f"{cut}: cannot read: not a cassette: the document is not a mapping",
        f"{empty}: cannot read: the file is empty",
        "checked 2 cassettes: 2 problems",
    ]
    assert run(capsys, "check", tmp_path / "cassettes" / "t")[:2] == (1, out)  # a folder below `cassettes` too
    assert run(capsys, "check", "--only-cassettes", cut, empty)[:2] == (1, out)  # as pre-commit names them

    write(tmp_path / ".github" / "workflows" / "ci.yaml", "name: ci\non: push\n")  # hidden: never read
    write(tmp_path / "src" / "config.yaml", "debug: true\n")
    write(tmp_path / "src" / "empty.yml", "")
    write(tmp_path / "mkdocs.yml", "site_name: docs\nnav: [index.md\n")  # not even valid YAML
    assert run(capsys, "check", tmp_path / "src")[:2] == (
        0,
        "checked 0 cassettes (2 other YAML files skipped): no problems\n",
    )
    ours = write(tmp_path / "src" / "recorded" / "test_c.yaml", native.HEADER)
    code, out, _ = run(capsys, "check", tmp_path)
    assert code == 1
    assert out.splitlines() == [
        f"{cut}: cannot read: not a cassette: the document is not a mapping",
        f"{empty}: cannot read: the file is empty",
        f"{ours}: cannot read: not a cassette: the document is not a mapping",
        "checked 3 cassettes (3 other YAML files skipped): 3 problems",
    ]


def test_check_takes_files_and_reports_a_named_file_that_is_no_cassette(
    cassettes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, pasted, other = cassettes / "test_chat" / "test_reply.yaml", cassettes / "vcrpy.yaml", cassettes / "ci.yml"
    assert run(capsys, "check", good, pasted) == (0, "checked 2 cassettes: no problems\n", "")

    code, out, _ = run(capsys, "check", "-v", good, pasted, other, cassettes / "test_chat" / "test_pasted.yaml")
    assert code == 1
    assert out.splitlines()[:3] == [
        f"ok: {good} (native, 1 interaction)",
        f"ok: {pasted} (vcrpy, 2 interactions)",
        f"{other}: cannot read: not a cassette: it has no 'interactions'",
    ]
    assert "interaction 0, response.events[1]" in out and OPENAI_KEY[3:] not in out
    assert out.endswith("checked 4 cassettes: 2 problems\n")

    # what pre-commit passes: every staged YAML file; --only-cassettes skips the others as a folder walk does
    assert run(capsys, "check", "--only-cassettes", good, other)[:2] == (
        0,
        "checked 1 cassette (1 other YAML file skipped): no problems\n",
    )


def test_allow_pattern_silences_a_false_positive(cassettes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (cassettes / "test_chat" / "deep" / "broken.yaml").unlink()
    code, out, _ = run(capsys, "check", "--allow-pattern", "openai-key", "--allow-pattern", "google-key", cassettes)
    assert (code, out) == (0, "checked 4 cassettes (1 other YAML file skipped): no problems\n")
    assert run(capsys, "check", "--allow-pattern", "openai-key", cassettes / "test_chat" / "deep")[0] == 1


def test_usage_errors_exit_with_2_and_name_the_problem(cassettes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["check", str(cassettes), "src/missing"])
    assert exited.value.code == 2 and "no such file or folder: src/missing" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["check", "--allow-pattern", "openai", str(cassettes)])
    assert exited.value.code == 2 and "invalid choice: 'openai'" in capsys.readouterr().err


def test_check_finds_known_secrets_and_foreign_credential_headers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vcrpy = (DATA / "formats" / "vcrpy.yaml").read_text(encoding="utf-8")
    header = write(
        tmp_path / "header.yaml", vcrpy.replace("      accept:\n", "      x-api-key:\n      - plain-1234\n", 1)
    )
    monkeypatch.setenv("MY_SERVICE_TOKEN", "unshaped-but-known")
    known = write(tmp_path / "known.yaml", NATIVE.replace("content: hi", "content: unshaped-but-known"))
    code, out, _ = run(capsys, "check", header, known)
    assert code == 1
    assert f"{header}: interaction 0, request.headers.x-api-key[0]: a known secret value" in out
    assert f"{known}: interaction 0, request.json.messages[0].content: a known secret value" in out
    assert "plain-1234" not in out and "unshaped-but-known" not in out


def test_check_reports_what_cannot_be_read_with_its_interaction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write(
        tmp_path / "broken.yaml", "version: 2\ninteractions:\n- request: {url: 'http://x/'}\n  response: {code: 200}\n"
    )
    code, out, _ = run(capsys, "check", SEED, broken)
    assert code == 1
    assert out == f"{broken}: cannot read interaction 0: the request has no method\nchecked 2 cassettes: 1 problem\n"


def test_convert_writes_beside_the_source_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path / "recorded.yaml", (DATA / "formats" / "vcrpy.yaml").read_text(encoding="utf-8"))
    before = source.read_bytes()

    code, _, err = run(capsys, "convert", source)
    assert code == 0, err
    converted = tmp_path / "recorded.llm.yaml"
    text = converted.read_text(encoding="utf-8")
    assert text.count("- request:") == 2 and "llm_cassette: 2" in text
    assert "cookie" not in text.lower() and "x-stainless-retry-count" not in text and "date:" not in text
    assert source.read_bytes() == before

    code, _, err = run(capsys, "convert", source)
    assert code == 1 and "exists; pass --force" in err
    assert run(capsys, "convert", source, "--force")[0] == 0
    assert run(capsys, "convert", "--check", source)[1] == f"ok: {source} (vcrpy, 2 interactions)\n"


def test_convert_never_replaces_its_source(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "convert", SEED, "--out", SEED.parent)
    assert code == 1 and "would replace its source" in err


def test_convert_a_folder_keeps_its_layout_and_skips_native_cassettes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "cassettes"
    for name in ("vcrpy.yaml", "cassetter.yaml"):
        write(source / "a" / name, (DATA / "formats" / name).read_text(encoding="utf-8"))
    write(source / "b" / "vcrpy.yaml", (DATA / "formats" / "govcr_v1.yaml").read_text(encoding="utf-8"))
    write(source / "b" / "native.yaml", NATIVE)
    write(source / "ci.yml", "name: ci\n")

    code, out, err = run(capsys, "convert", source, "--out", tmp_path / "out")
    assert code == 0, err
    written = sorted(path.relative_to(tmp_path / "out").as_posix() for path in (tmp_path / "out").rglob("*"))
    assert written == ["a", "a/cassetter.yaml", "a/vcrpy.yaml", "b", "b/vcrpy.yaml"]
    assert out.count("converted: ") == 3

    assert run(capsys, "convert", source)[0] == 0  # beside each source, as *.llm.yaml
    assert run(capsys, "convert", source)[2].count("exists; pass --force") == 3  # the results are not converted


def test_convert_refuses_to_write_a_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vcrpy = (DATA / "formats" / "vcrpy.yaml").read_text(encoding="utf-8")
    source = write(tmp_path / "keyed.yaml", vcrpy.replace("What is a cassette?", f"What is {OPENAI_KEY}?", 1))
    code, _, err = run(capsys, "convert", source)
    assert code == 1 and not (tmp_path / "keyed.llm.yaml").exists()
    assert "interaction 0, request.json.messages[0].content: something shaped like" in err and "openai key" in err
    assert OPENAI_KEY[3:] not in err
    assert run(capsys, "convert", "--allow-pattern", "openai-key", source)[0] == 0


def test_the_module_runs_as_a_command() -> None:
    command = [sys.executable, "-m", "pytest_llmcassette", "check", str(SEED)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, "checked 1 cassette: no problems\n", "")
