"""The pytest side: ``--record-mode``, the ``llm_cassette`` marker, the fixtures, and the hook that fails a test.

Loading this module imports nothing beyond pytest: the cassette machinery, respx, httpx and YAML load when the
first marked test sets up.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._cassette import Cassette
    from ._session import CassetteSession

RECORD_MODES = ("none", "once", "new_episodes", "all", "rewrite")  # _cassette.RecordMode, without importing it at load

_cassette_key: pytest.StashKey[Cassette] = pytest.StashKey()
_passed_key: pytest.StashKey[bool] = pytest.StashKey()
_session_key: pytest.StashKey[CassetteSession] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if not _pytest_recording_active(pluginmanager):
        parser.getgroup("llm_cassette").addoption(
            "--record-mode",
            action="store",
            default=None,
            choices=RECORD_MODES,
            help="llm_cassette: none (default, replay only), once, new_episodes, all or rewrite.",
        )


def _pytest_recording_active(pluginmanager: pytest.PytestPluginManager) -> bool:
    """pytest-recording registers the same ``--record-mode``: when it is loaded, share its option."""
    if pluginmanager.has_plugin("recording") or pluginmanager.has_plugin("pytest_recording"):
        return True
    if pluginmanager.is_blocked("recording") or os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return importlib.util.find_spec("pytest_recording") is not None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "llm_cassette(path=None, *, record_mode=None, ignore_body_paths=(), filter_headers=(), allow_unused=False): "
        "record the test's LLM traffic into a YAML cassette and replay it strictly.",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A marked test gets the ``llm_cassette`` fixture first, so its own fixtures already replay."""
    for item in items:
        marked = item.get_closest_marker("llm_cassette") is not None
        if marked and isinstance(item, pytest.Function) and "llm_cassette" not in item.fixturenames:
            item.fixturenames.insert(0, "llm_cassette")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After a test that passed: fail it for a mismatch it swallowed or for interactions it never used. A test
    that failed after a mismatch fails with the mismatch, once, however the SDK or a task group wrapped it."""
    cassette = item.stash.get(_cassette_key, None)
    try:
        result = yield
    except BaseException:
        if cassette is not None and cassette.errors:
            raise cassette.errors[0] from None
        raise
    if cassette is not None:
        cassette.verify()
        item.stash[_passed_key] = True
    return result


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    session = config.stash.get(_session_key, None)
    if session is None or not (session.written or session.replayed):
        return
    from ._words import counted

    terminalreporter.write_sep("-", "llm_cassette")
    terminalreporter.write_line(f"{counted(session.replayed, 'cassette')} replayed, {len(session.written)} written")
    for path in session.written:
        terminalreporter.write_line(f"  wrote {path}")


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """The folder of the test module's cassettes: ``cassettes/<module stem>/`` beside it (as pytest-recording)."""
    path = request.node.path
    return str(path.parent / "cassettes" / path.stem)


@pytest.fixture
def default_cassette_name(request: pytest.FixtureRequest) -> str:
    """The test's cassette file name without suffix: qualified by every class it is in (``TestA.TestB.test_x``),
    unsafe characters replaced."""
    classes = [node.name for node in request.node.listchain() if isinstance(node, pytest.Class)]
    name = ".".join([*classes, request.node.name])
    for character in "<>?%*:|\"'/\\":
        name = name.replace(character, "-")
    return name


@pytest.fixture(scope="module")
def llm_cassette_config() -> dict[str, Any]:
    """Override at any scope to configure cassettes: ``record_mode``, ``ignore_body_paths``,
    ``filter_headers`` (more header names never to write) and ``allow_unused``."""
    return {}


@pytest.fixture
def llm_cassette(
    request: pytest.FixtureRequest,
    vcr_cassette_dir: str,
    default_cassette_name: str,
    llm_cassette_config: dict[str, Any],
) -> Iterator[Cassette]:
    """The test's cassette, replaying (or recording) every httpx/httpx2 request the test makes."""
    config = request.config
    marker = request.node.get_closest_marker("llm_cassette")
    from ._options import cassette_options

    args, kwargs = (marker.args, marker.kwargs) if marker is not None else ((), {})
    if not args and request.node.get_closest_marker("vcr") is not None:
        from ._errors import CassetteError

        raise CassetteError(
            "llm_cassette: this test is marked both @pytest.mark.vcr and @pytest.mark.llm_cassette, and both would "
            f"use the cassette {vcr_cassette_dir}/{default_cassette_name}.yaml. Remove one marker, or give "
            'llm_cassette a file of its own: @pytest.mark.llm_cassette("<name>.llm.yaml").'
        )
    mode = config.getoption("record_mode", None)
    path, options = cassette_options(args, kwargs, mode, llm_cassette_config, vcr_cassette_dir, default_cassette_name)
    session = config.stash.get(_session_key, None)
    if session is None:
        from ._session import CassetteSession

        session = config.stash[_session_key] = CassetteSession()
    cassette = session.open(path, options)
    request.node.stash[_cassette_key] = cassette
    try:
        with session.bridge.serving(cassette), _placeholder_keys(cassette):
            yield cassette
    finally:
        session.close(cassette, passed=request.node.stash.get(_passed_key, False))


@contextlib.contextmanager
def _placeholder_keys(cassette: Cassette) -> Iterator[None]:
    """While a test only replays, the API-key variables an SDK demands get placeholders where unset, so that
    ``openai.OpenAI()`` builds without a key; the environment is as it was afterwards."""
    if cassette.records or not cassette.options.replay_placeholders:
        yield
        return
    from ._environment import placeholders

    added = {name: value for name, value in placeholders(cassette.interactions).items() if name not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)
