"""The plugin in a pytest installation: cheap to load, and at ease beside pytest-recording."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("respx", "httpx", "httpx2", "httpcore", "yaml", "openai", "anthropic", "pytest_llmcassette._bridge")


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    code = f"import sys, pytest, pytest_llmcassette.plugin; print([m for m in {HEAVY!r} if m in sys.modules])"
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert output.strip() == "[]"


def test_unknown_marker_options_are_an_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.llm_cassette(record="once")
        def test_typo():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*llm_cassette: unknown option 'record' in the llm_cassette marker (did you mean 'record_mode'?)*"]
    )
    assert "Traceback" not in result.stdout.str()


RECORDING_SUITE = """
import pytest
from chat import ask

@pytest.mark.vcr
def test_with_vcrpy():
    import httpx
    assert httpx.get(__import__("chat").URL.replace("/v1", "/health")).status_code == 501

@pytest.mark.llm_cassette
def test_with_llm_cassette():
    assert ask("beside vcr") == "echo: beside vcr"
"""


def test_runs_beside_pytest_recording_sharing_record_mode(suite: pytest.Pytester) -> None:
    pytest.importorskip("pytest_recording")
    suite.makepyfile(test_both=RECORDING_SUITE)
    result = suite.runpytest("--record-mode=once")
    result.assert_outcomes(passed=2)
    assert (suite.path / "cassettes" / "test_both" / "test_with_llm_cassette.yaml").is_file()
    assert (suite.path / "cassettes" / "test_both" / "test_with_vcrpy.yaml").is_file()
    suite.runpytest().assert_outcomes(passed=2)


def test_owns_record_mode_when_pytest_recording_is_disabled(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_alone="""
        import pytest
        from chat import ask

        @pytest.mark.llm_cassette
        def test_alone():
            assert ask("alone") == "echo: alone"
        """
    )
    suite.runpytest("-p", "no:recording", "--record-mode=once").assert_outcomes(passed=1)
    result = suite.runpytest("-p", "no:recording", "--help")
    result.stdout.fnmatch_lines(["*--record-mode=*", "*llm_cassette: none (default, replay only)*"])


def test_the_command_line_offers_exactly_the_record_modes() -> None:
    from pytest_llmcassette import RecordMode
    from pytest_llmcassette.plugin import RECORD_MODES

    assert sorted(RECORD_MODES) == sorted(mode.value for mode in RecordMode)


OVERRIDES_CONFTEST = """
import pytest

@pytest.fixture(scope="module")
def vcr_cassette_dir(request):
    return str(request.path.parent / "tapes")
"""

OVERRIDES_SUITE = """
import pytest
from chat import ask

@pytest.fixture
def default_cassette_name(request):
    return "module-" + request.node.name

@pytest.mark.llm_cassette
def test_module_override():
    assert ask("module") == "echo: module"

class TestClassOverride:
    @pytest.fixture
    def default_cassette_name(self):
        return "class-wide"

    @pytest.fixture
    def llm_cassette_config(self):
        return {"allow_unused": True}

    @pytest.mark.llm_cassette
    def test_class(self):
        assert ask("class") == "echo: class"

@pytest.mark.parametrize("default_cassette_name", ["parametrized"])
@pytest.mark.llm_cassette
def test_parametrized(default_cassette_name):
    assert ask("parametrized") == "echo: parametrized"
"""


def test_the_cassette_fixtures_are_overridden_at_every_scope(suite: pytest.Pytester) -> None:
    """conftest, module, class and parametrization overrides all reach the cassette; the plugin's own defaults
    are computed without setting their fixtures up, so this holds them to pytest's choice."""
    suite.makeconftest(OVERRIDES_CONFTEST)
    suite.makepyfile(test_overrides=OVERRIDES_SUITE)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=3)
    tapes = suite.path / "tapes"
    written = sorted(path.name for path in tapes.iterdir())
    assert written == ["class-wide.yaml", "module-test_module_override.yaml", "parametrized.yaml"]
    assert not (suite.path / "cassettes").exists()
    suite.runpytest().assert_outcomes(passed=3)


def test_the_default_cassette_path_is_the_fixtures_default(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_defaults="""
        import pytest
        from chat import ask

        class TestQuestions:
            @pytest.mark.llm_cassette
            @pytest.mark.parametrize("word", ["a/b"])
            def test_word(self, word, vcr_cassette_dir, default_cassette_name, llm_cassette):
                assert ask(word) == "echo: " + word
                assert str(llm_cassette.path) == f"{vcr_cassette_dir}/{default_cassette_name}.yaml"
        """
    )
    suite.runpytest("--record-mode=once").assert_outcomes(passed=1)
    assert (suite.path / "cassettes" / "test_defaults" / "TestQuestions.test_word[a-b].yaml").is_file()
