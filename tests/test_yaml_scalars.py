"""``_yaml._scalars`` types plain scalars exactly as PyYAML's safe loader does, and replay never imports PyYAML."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from pytest_llmcassette._yaml import _scalars
from pytest_llmcassette.formats import native

ROOT = Path(__file__).parent.parent
EDGES = [
    "",
    "~",
    "null",
    "Null",
    "NULL",
    "nULL",
    "yes",
    "Yes",
    "YES",
    "yEs",
    "y",
    "n",
    "no",
    "on",
    "off",
    "Off",
    "OFF",
    "true",
    "True",
    "TRUE",
    "tRue",
    "false",
    "nothing",
    "o",
    "0",
    "-0",
    "+0",
    "00",
    "01",
    "07",
    "08",
    "0o7",
    "0x1F",
    "0b101",
    "1_000",
    "190:20:30",
    "1",
    "-1",
    "+12",
    "123456789012345678901234567890",
    "1.",
    "1.5",
    "-1.5",
    "+1.5",
    "0.5",
    "00.5",
    ".5",
    "-.5",
    "1.5e+3",
    "1.5E-3",
    "1.0e-05",
    "1e-05",
    "1.5e3",
    "1.5_0",
    ".inf",
    "-.Inf",
    ".nan",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "<<",
    "=",
    "-",
    "+",
    "1.5.5",
    "3.11.7",
    "1.2.3e+4",
    "1..",
    "..5",
    "1 2",
    "١٢",
    "²",
    "12a",
    "-x",
]


def _pyyaml_tag(text: str) -> str:
    return str(Resolver().resolve(ScalarNode, text, (True, False)))


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    return bool(a == b)


def _assert_types_as_pyyaml(text: str) -> None:
    tag = _scalars.resolve(text)
    assert tag == _pyyaml_tag(text), text
    try:
        expected = SafeConstructor().construct_object(ScalarNode(tag, text), deep=True)
    except (ValueError, yaml.YAMLError) as error:  # a merge key's tag, a 13th month
        with pytest.raises(type(error)):
            _scalars.value(tag, text)
        return
    assert _same(_scalars.value(tag, text), expected), text


@pytest.mark.parametrize("text", EDGES)
def test_edges_type_as_pyyaml_types_them(text: str) -> None:
    _assert_types_as_pyyaml(text)


@given(st.from_regex(r"\A[-+]?[0-9._eE+:x-]{0,12}\Z") | st.text(alphabet="-+.0123456789eEyYnNtTfFoOlLu~<=:_ ab"))
def test_numbers_and_words_type_as_pyyaml_types_them(text: str) -> None:
    _assert_types_as_pyyaml(text)


@given(st.text(max_size=20))
def test_any_text_types_as_pyyaml_types_it(text: str) -> None:
    _assert_types_as_pyyaml(text)


def test_the_first_characters_of_implicit_types_are_pyyaml_s() -> None:
    """Scalars starting otherwise are strings without asking PyYAML: its resolvers must start with no other."""
    assert set(Resolver.yaml_implicit_resolvers) - {""} == set(_scalars._MAY_BE_TYPED)


def test_replaying_a_cassette_imports_no_yaml(tmp_path: Path) -> None:
    """Reading cassettes this plugin wrote never loads PyYAML (25 ms a process); other tools' files may."""
    examples = (ROOT / "examples").rglob("*.yaml")
    cassettes = sorted(path for path in examples if path.read_text(encoding="utf-8").startswith(native.HEADER))
    assert cassettes
    with_versions = tmp_path / "versions.yaml"  # the SDK's headers, as every recording holds them
    text = cassettes[0].read_text(encoding="utf-8")
    with_versions.write_text(
        text.replace("    headers:\n", "    headers:\n      x-stainless-runtime-version: 3.11.7\n", 1), encoding="utf-8"
    )
    assert yaml.safe_load(with_versions.read_text(encoding="utf-8")) != yaml.safe_load(text)
    cassettes.append(with_versions)
    script = (
        "import sys\nfrom pathlib import Path\nfrom pytest_llmcassette.formats import read_recording\n"
        f"for path in {[str(path) for path in cassettes]!r}:\n    read_recording(Path(path))\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'yaml'))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
