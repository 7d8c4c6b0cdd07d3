"""Cassettes that know where they came from: a provenance header, kept byte-identical on an unchanged re-record,
hints in mismatch messages about what moved since, and expiry."""

from __future__ import annotations

import datetime
import re

import openai
import pytest
import yaml

from conftest import cassette_text
from stub_server import StubServer

ASK = """
import pytest
from chat import client

@pytest.mark.llm_cassette
def test_ask(request):
    question = request.config.getoption("--question")
    model = request.config.getoption("--model")
    client().chat.completions.create(model=model, messages=[{"role": "user", "content": question}])
"""

CONFTEST = """
def pytest_addoption(parser):
    parser.addoption("--question", default="hi")
    parser.addoption("--model", default="stub-model")
"""


@pytest.fixture
def recorded(suite: pytest.Pytester, stub: StubServer) -> pytest.Pytester:
    suite.makepyfile(test_ask=ASK)
    suite.makeconftest(CONFTEST)
    suite.runpytest("--record-mode=once").assert_outcomes(passed=1)
    return suite


def _age(pytester: pytest.Pytester, days: int, sdk: str | None = None) -> None:
    """Make the cassette look recorded ``days`` ago (by another SDK)."""
    path = pytester.path / "cassettes" / "test_ask" / "test_ask.yaml"
    on = datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=days)
    text = re.sub(r"  date: '[0-9-]+'", f"  date: '{on.isoformat()}'", path.read_text())
    if sdk is not None:
        text = re.sub(r"  - OpenAI/Python [^\n]+", f"  - {sdk}", text)
    path.write_text(text)


def test_a_recording_says_where_it_came_from(recorded: pytest.Pytester) -> None:
    text = cassette_text(recorded, "test_ask", "test_ask")
    document = yaml.safe_load(text)
    assert list(document) == ["llm_cassette", "recorded", "interactions", "count"]
    assert document["recorded"] == {
        "by": f"pytest-llmcassette {__import__('importlib.metadata').metadata.version('pytest-llmcassette')}",
        "date": datetime.datetime.now(datetime.UTC).date().isoformat(),
        "test": "test_ask.py::test_ask",
        "sdks": [f"OpenAI/Python {openai.__version__}"],
        "models": ["stub-model"],
    }
    header = text.split("interactions:")[0]
    assert "127.0.0.1" not in header and str(recorded.path) not in header  # nothing identifying


def test_an_unchanged_re_recording_leaves_the_file_byte_identical(recorded: pytest.Pytester) -> None:
    _age(recorded, 40)  # recorded on another day
    before = cassette_text(recorded, "test_ask", "test_ask")
    result = recorded.runpytest("--record-mode=rewrite", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_ask.yaml: unchanged, mode rewrite, 1 live request*"])
    assert cassette_text(recorded, "test_ask", "test_ask") == before
    recorded.runpytest("--record-mode=rewrite", "--question=changed").assert_outcomes(passed=1)
    after = cassette_text(recorded, "test_ask", "test_ask")
    assert after != before and datetime.datetime.now(datetime.UTC).date().isoformat() in after


def test_a_mismatch_says_what_moved_since_the_recording(recorded: pytest.Pytester, stub: StubServer) -> None:
    stub.stop()
    _age(recorded, 212, sdk="OpenAI/Python 1.0.0")
    result = recorded.runpytest("--model=gpt-4.1-mini")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "  since:    recorded 212 days ago (*); recorded with OpenAI/Python 1.0.0, now OpenAI/Python "
            f"{openai.__version__}; model stub-model in the recording, gpt-4.1-mini now",
        ]
    )


def test_an_old_cassette_warns_or_fails(recorded: pytest.Pytester, stub: StubServer) -> None:
    stub.stop()
    _age(recorded, 100)
    recorded.runpytest("--llm-cassette-max-age=90d").stdout.fnmatch_lines(
        ["*was recorded 100 days ago (*), more than max_age (90 days).*"]
    )
    recorded.runpytest("--llm-cassette-max-age=120d").stdout.no_fnmatch_line("*more than max_age*")
    recorded.makeconftest(
        CONFTEST + "\nimport pytest\n\n@pytest.fixture(scope='module')\ndef llm_cassette_config():\n"
        "    return {'max_age': '12w', 'max_age_action': 'fail'}\n"
    )
    result = recorded.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*recorded 100 days ago (*), more than max_age (84 days).",
            "To re-record this test: `pytest 'test_ask.py::test_ask' --record-mode=rewrite`",
        ]
    )


SEED_TEST = """
import pytest

@pytest.mark.llm_cassette("seed.yaml", allow_unused=True)
def test_seed():
    pass
"""


def test_a_cassette_without_a_date_is_judged_by_the_day_given_or_noted(pytester: pytest.Pytester) -> None:
    from conftest import SEED

    pytester.makepyfile(test_go_recording=SEED_TEST)
    folder = pytester.path / "cassettes" / "test_go_recording"
    folder.mkdir(parents=True)
    (folder / "seed.yaml").write_bytes(SEED.read_bytes())
    noted = pytester.runpytest("--llm-cassette-max-age=30d")
    noted.assert_outcomes(passed=1)
    noted.stdout.fnmatch_lines(["*seed.yaml says no recording day (go-vcr cassette): max_age does not judge it*"])
    pytester.makeconftest(
        "import pytest\n\n@pytest.fixture(scope='module')\ndef llm_cassette_config():\n"
        "    return {'recorded_on': '2020-01-01', 'max_age_action': 'fail'}\n"
    )
    judged = pytester.runpytest("--llm-cassette-max-age=30d")
    judged.assert_outcomes(errors=1)
    judged.stdout.fnmatch_lines(["*seed.yaml was recorded * days ago (2020-01-01), more than max_age (30 days).*"])
