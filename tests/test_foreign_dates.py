"""Another tool's cassette that says when it was recorded: cassetter's per-interaction ``recorded_at`` gives the
recording day (the oldest interaction's), which ``max_age`` judges as it judges this plugin's own provenance."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from pytest_llmcassette._errors import CassetteFormatError
from pytest_llmcassette.formats import read_recording

FORMATS = Path(__file__).parent / "data" / "formats"


def _cassetter(*recorded_at: str | None) -> str:
    """A cassetter cassette of one GET per ``recorded_at`` line (None: the interaction has none)."""
    lines = ["version: 1", "interactions:"]
    for index, day in enumerate(recorded_at):
        lines += [
            f"- request: {{method: GET, uri: 'http://x/{index}', headers: {{}}, body: {{type: none}}}}",
            "  response: {status: 200, headers: {content-type: [text/plain]}, body: {type: text, content: ok}}",
        ]
        if day is not None:
            lines.append(f"  recorded_at: {day}")
    return "\n".join(lines) + "\n"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_cassetter_file_gives_its_recording_day() -> None:
    recording = read_recording(FORMATS / "cassetter.yaml")
    assert recording.format == "cassetter"
    assert recording.provenance is not None
    assert recording.provenance.date == datetime.date(2026, 11, 25)


def test_the_oldest_interaction_gives_the_day_in_utc(tmp_path: Path) -> None:
    recording = read_recording(
        _write(tmp_path, _cassetter("2026-03-02T10:00:00+00:00", None, "2026-03-01T02:00:00+05:00"))
    )
    assert recording.provenance is not None
    assert recording.provenance.date == datetime.date(2026, 2, 28)  # 2026-03-01T02:00+05:00 is 21:00 UTC the day before


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("'2026-05-06T07:08:09.123456Z'", datetime.date(2026, 5, 6)),  # a string, as a JSON-minded writer quotes it
        ("2026-05-06", datetime.date(2026, 5, 6)),  # a YAML date
        ("2026-05-06 23:59:59", datetime.date(2026, 5, 6)),  # no zone: taken as it is
    ],
)
def test_a_date_in_another_spelling_is_read(tmp_path: Path, value: str, day: datetime.date) -> None:
    recording = read_recording(_write(tmp_path, _cassetter(value)))
    assert recording.provenance is not None
    assert recording.provenance.date == day


def test_no_recorded_at_means_no_recording_day(tmp_path: Path) -> None:
    assert read_recording(_write(tmp_path, _cassetter(None, None))).provenance is None


@pytest.mark.parametrize("name", ["vcrpy.yaml", "vcrpy_gzip.yaml", "govcr_v1.yaml", "govcr_v2_full.yaml"])
def test_vcrpy_and_go_vcr_write_no_date_to_read(name: str) -> None:
    recording = read_recording(FORMATS / name)
    assert recording.provenance is None


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("yesterday", "'yesterday'"),
        ("'2026-11-31T00:00:00Z'", "'2026-11-31T00:00:00Z'"),  # a string YAML leaves alone: no 31st of November
        ("20261125", "20261125"),
        ("[2026, 11, 25]", "[2026, 11, 25]"),
    ],
)
def test_a_malformed_date_names_the_file_and_the_interaction(tmp_path: Path, value: str, shown: str) -> None:
    path = _write(tmp_path, _cassetter("2026-11-25T08:30:26+00:00", value))
    with pytest.raises(CassetteFormatError) as caught:
        read_recording(path)
    assert (caught.value.path, caught.value.index) == (path, 1)
    assert caught.value.problem == (
        f"recorded_at must be a date and time such as 2026-11-25T08:30:26+00:00, not {shown}"
    )
    assert f"cannot read {path}, interaction 1: recorded_at must be" in str(caught.value)


def test_an_impossible_yaml_timestamp_is_refused_with_its_line(tmp_path: Path) -> None:
    """A plain scalar shaped as a timestamp is YAML's to read: an impossible one fails the file, at its line."""
    path = _write(tmp_path, _cassetter("2026-11-25T08:30:26+00:00", "2026-13-01T00:00:00+00:00"))
    with pytest.raises(CassetteFormatError, match=r"c\.yaml: not valid YAML: month must be in 1\.\.12 \(line 8\)"):
        read_recording(path)


MARKED = """
import pytest

@pytest.mark.llm_cassette("cassetter.yaml", allow_unused=True)
def test_replayed():
    pass
"""


def test_max_age_judges_a_cassetter_cassette_by_its_interactions_day(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_foreign=MARKED)
    folder = pytester.path / "cassettes" / "test_foreign"
    folder.mkdir(parents=True)
    (folder / "cassetter.yaml").write_bytes((FORMATS / "cassetter.yaml").read_bytes())
    age = (datetime.datetime.now(datetime.UTC).date() - datetime.date(2026, 11, 25)).days
    assert age > 1, "the fixture was recorded on 2026-11-25"

    warned = pytester.runpytest("--llm-cassette-max-age=1d")
    warned.assert_outcomes(passed=1)
    warned.stdout.fnmatch_lines(
        [f"*cassetter.yaml was recorded {age} days ago (2026-11-25), more than max_age (1 day).*"]
    )
    warned.stdout.no_fnmatch_line("*says no recording day*")

    pytester.makeconftest(
        "import pytest\n\n@pytest.fixture(scope='module')\ndef llm_cassette_config():\n"
        "    return {'max_age_action': 'fail'}\n"
    )
    failed = pytester.runpytest("--llm-cassette-max-age=1d")
    failed.assert_outcomes(errors=1)
    failed.stdout.fnmatch_lines(
        [
            f"*cassetter.yaml was recorded {age} days ago (2026-11-25), more than max_age*",
            "*To record anew, convert it first: `python -m pytest_llmcassette convert *cassetter.yaml`.",
        ]
    )
    pytester.runpytest(f"--llm-cassette-max-age={age}d").stdout.no_fnmatch_line("*more than max_age*")
