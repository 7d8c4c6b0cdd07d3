"""The pytest side: ``--record-mode``, the ``llm_cassette`` marker, the fixtures, and the hook that fails a test.

Loading this module imports nothing beyond pytest: the cassette machinery, respx, httpx and YAML load when the
first marked test sets up.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._cassette import Cassette
    from ._report import RunReport
    from ._session import CassetteSession

RECORD_MODES = ("none", "once", "new_episodes", "all", "rewrite")  # _cassette.RecordMode, without importing it at load

_cassette_key: pytest.StashKey[Cassette] = pytest.StashKey()
_passed_key: pytest.StashKey[bool] = pytest.StashKey()
_session_key: pytest.StashKey[CassetteSession] = pytest.StashKey()
_report_key: pytest.StashKey[RunReport] = pytest.StashKey()
_started_key: pytest.StashKey[float] = pytest.StashKey()
ORPHAN_ACTIONS = ("report", "fail", "delete")


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    group = parser.getgroup("llm_cassette")
    group.addoption(
        "--llm-cassette-report",
        metavar="PATH",
        default=None,
        help="llm_cassette: write the run report (every marked test's cassette, totals, orphans) as JSON to PATH.",
    )
    group.addoption(
        "--llm-cassette-max-age",
        metavar="AGE",
        default=None,
        help="llm_cassette: warn about (or, with max_age_action='fail', fail for) cassettes recorded longer ago "
        "than AGE: days, or 90d, 12w, 1y.",
    )
    group.addoption(
        "--llm-cassette-verify",
        action="store_true",
        default=False,
        help="llm_cassette: replay every test and also send each recorded request to the live API (needs the key "
        "and the network; writes nothing), and report how each live answer's shape differs from its recording.",
    )
    group.addoption(
        "--llm-cassette-orphans",
        choices=ORPHAN_ACTIONS,
        default="report",
        help="llm_cassette: cassettes no test used in a run of every test: report them (default), fail the run, "
        "or delete them.",
    )
    parser.addini(
        "llm_cassette_prices",
        type="linelist",
        default=[],
        help="llm_cassette: prices for the run report's ledger, one `model = input, output[, cached]` a line, in "
        "dollars per million tokens.",
    )
    parser.addini(
        "llm_cassette_blocked_hosts",
        type="linelist",
        default=[],
        help="llm_cassette: more hosts (names, * for any part) that --block-network keeps tests without the marker "
        "from reaching, beside the LLM APIs'.",
    )
    if not _pytest_recording_active(pluginmanager):
        group.addoption(
            "--record-mode",
            action="store",
            default=None,
            choices=RECORD_MODES,
            help="llm_cassette: none (default, replay only), once, new_episodes, all or rewrite.",
        )
        group.addoption(
            "--block-network",
            action="store_true",
            default=False,
            help="llm_cassette: tests without the llm_cassette marker may not reach an LLM API (api.openai.com, "
            "api.anthropic.com, ... and llm_cassette_blocked_hosts): a forgotten marker fails instead of spending.",
        )


def _pytest_recording_active(pluginmanager: pytest.PytestPluginManager) -> bool:
    """pytest-recording registers the same ``--record-mode`` and ``--block-network``: when it is loaded, share its
    options."""
    if pluginmanager.has_plugin("recording") or pluginmanager.has_plugin("pytest_recording"):
        return True
    if pluginmanager.is_blocked("recording") or os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return importlib.util.find_spec("pytest_recording") is not None


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_started_key] = time.monotonic()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "llm_cassette(path=None, *, record_mode=None, ignore_body_paths=(), filter_headers=(), allow_unused=False): "
        "record the test's LLM traffic into a YAML cassette and replay it strictly.",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A marked test gets the ``llm_cassette`` fixture first, so its own fixtures already replay. The default
    cassette folders of the marked tests are counted, to tell orphan cassettes at the end."""
    folders = []
    for item in items:
        marked = item.get_closest_marker("llm_cassette") is not None
        if marked and isinstance(item, pytest.Function) and "llm_cassette" not in item.fixturenames:
            item.fixturenames.insert(0, "llm_cassette")
        if marked:
            folders.append(item.path.parent / "cassettes" / item.path.stem)
    if folders:
        from ._report import relative

        _report(config).folders.update(relative(folder, config.rootpath) for folder in folders)


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        _report(items[0].config).partial = True


def _report(config: pytest.Config) -> RunReport:
    report = config.stash.get(_report_key, None)
    if report is None:
        from ._report import RunReport

        report = config.stash[_report_key] = RunReport()
        report.partial = any("::" in argument for argument in config.args)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """With ``--block-network``, a test without the marker runs (set-up to teardown) unable to reach an LLM API."""
    config = item.config
    if not config.getoption("block_network", False) or item.get_closest_marker("llm_cassette") is not None:
        return (yield)
    from ._guard import LLM_HOSTS, refusing_hosts

    hosts = (*LLM_HOSTS, *config.getini("llm_cassette_blocked_hosts"))
    with refusing_hosts(hosts, lambda host: _unmarked_message(item.nodeid, host)):
        return (yield)


def _unmarked_message(test: str, host: str) -> str:
    return (
        f"llm_cassette: {test} tried to reach {host} while --block-network is on: an LLM API's host (or one listed "
        "in llm_cassette_blocked_hosts), and the test has no @pytest.mark.llm_cassette, so the call would go to the "
        "live API (and spend money) in every run.\n"
        "Mark it @pytest.mark.llm_cassette and record it once with `--record-mode=once`."
    )


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


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist, on the controller: a worker's report joins the run's."""
    data = getattr(node, "workeroutput", {}).get("llm_cassette")
    if data:
        _report(node.config).merge(data)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A worker sends its report to the controller; the controller (or a serial run) tells the orphans, acts on
    them, and writes the JSON report."""
    config = session.config
    report = config.stash.get(_report_key, None)
    if report is None:
        return
    worker_output = getattr(config, "workeroutput", None)
    if worker_output is not None:
        worker_output["llm_cassette"] = report.worker_data()
        return
    from ._report import write_json

    action = config.getoption("llm_cassette_orphans")
    report.orphans = report.find_orphans(config.rootpath) if report.uses else []
    if report.orphans and action == "delete":
        for orphan in report.orphans:
            (config.rootpath / orphan).unlink(missing_ok=True)
    elif report.orphans and action == "fail" and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    target = config.getoption("llm_cassette_report")
    if target:
        _price_and_time(report, config)
        write_json(report, Path(target))


def _prices(given: Any) -> dict[str, list[float]]:
    """The ``llm_cassette_prices`` fixture's table, checked (as the report keeps it: model -> figures)."""
    from ._errors import CassetteError
    from ._ledger import price_table

    try:
        return {model: list(price.figures()) for model, price in price_table(given).items()}
    except ValueError as error:
        raise CassetteError(f"llm_cassette: the llm_cassette_prices fixture: {error}") from None


def _price_and_time(report: RunReport, config: pytest.Config) -> None:
    from ._errors import CassetteError
    from ._ledger import Price, prices

    try:
        from_ini = prices(config.getini("llm_cassette_prices"))
    except ValueError as error:
        raise CassetteError(str(error)) from None
    report.prices = {**from_ini, **{model: Price(*figures) for model, figures in report.fixture_prices.items()}}
    report.seconds = time.monotonic() - config.stash.get(_started_key, time.monotonic())


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    report = config.stash.get(_report_key, None)
    if report is None or not report.uses or hasattr(config, "workeroutput"):
        return
    from ._report import render

    _price_and_time(report, config)
    terminalreporter.write_sep("-", "llm_cassette")
    verbose = config.get_verbosity() > 0
    render(report, terminalreporter.write_line, verbose, config.getoption("llm_cassette_orphans"))


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """The folder of the test module's cassettes: ``cassettes/<module stem>/`` beside it (as pytest-recording)."""
    path = request.node.path
    return str(path.parent / "cassettes" / path.stem)


@pytest.fixture
def default_cassette_name(request: pytest.FixtureRequest) -> str:
    """The test's cassette file name without suffix: qualified by every class it is in (``TestA.TestB.test_x``),
    unsafe characters replaced."""
    return _cassette_name(request, every_class=True)


def _cassette_name(request: pytest.FixtureRequest, every_class: bool) -> str:
    """The test's name after every class it is in, or (as pytest-recording names it) after the innermost only."""
    classes = [node.name for node in request.node.listchain() if isinstance(node, pytest.Class)]
    name = ".".join([*(classes if every_class else classes[-1:]), request.node.name])
    for character in "<>?%*:|\"'/\\":
        name = name.replace(character, "-")
    return name


@pytest.fixture(scope="module")
def llm_cassette_config() -> dict[str, Any]:
    """Override at any scope to configure cassettes: ``record_mode``, ``ignore_body_paths``,
    ``filter_headers`` (more header names never to write) and ``allow_unused``."""
    return {}


@pytest.fixture(scope="session")
def llm_cassette_prices() -> dict[str, Any]:
    """Override in the root ``conftest.py`` to price the run report's ledger: ``{"gpt-4o-mini": (0.15, 0.6,
    0.075)}``, dollars per million input, output and (optionally) cached input tokens; over the
    ``llm_cassette_prices`` ini lines for the same model. Read once, when the first marked test sets up."""
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
    if default_cassette_name == _cassette_name(request, every_class=False):
        # pytest-recording's own default (when it is loaded, its fixture is the one pytest gives): it leaves outer
        # classes out, so TestA.TestInner.test_x and TestB.TestInner.test_x would share one file
        default_cassette_name = _cassette_name(request, every_class=True)
    mode, max_age = config.getoption("record_mode", None), config.getoption("llm_cassette_max_age")
    verify = config.getoption("llm_cassette_verify")
    path, options = cassette_options(
        args, kwargs, mode, max_age, verify, llm_cassette_config, vcr_cassette_dir, default_cassette_name
    )
    session = config.stash.get(_session_key, None)
    if session is None:
        from ._session import CassetteSession

        # one id for the whole run, pytest-xdist's workers included
        run = getattr(config, "workerinput", {}).get("testrunuid", "")
        session = config.stash[_session_key] = CassetteSession(run)
        _report(config).fixture_prices = _prices(request.getfixturevalue("llm_cassette_prices"))
    cassette = session.open(path, options, request.node.nodeid)
    cassette.check_age()
    request.node.stash[_cassette_key] = cassette
    try:
        # the test's own respx routes (respx's fixture) answer first; the cassette answers the rest
        user_routes = request.getfixturevalue("respx_mock") if "respx_mock" in request.fixturenames else None
        with session.bridge.serving(cassette, user_routes), _placeholder_keys(cassette), _network_guard(cassette):
            yield cassette
    finally:
        from ._report import relative

        use = session.close(cassette, request.node.stash.get(_passed_key, False), request.node.nodeid)
        _report(config).uses.append(replace(use, path=relative(cassette.path, config.rootpath)))


@contextlib.contextmanager
def _network_guard(cassette: Cassette) -> Iterator[None]:
    """While a test only replays, a connection to a host nobody allowed fails; in any mode, so does a request
    through aiohttp, which is not intercepted (see ``_guard``)."""
    if cassette.options.verify:
        yield
        return
    from ._guard import blocking, refusing_aiohttp

    with refusing_aiohttp(cassette.allows, cassette.aiohttp_message), contextlib.ExitStack() as stack:
        if cassette.guarded:
            stack.enter_context(blocking(cassette.allows, cassette.blocked_message))
        yield


@contextlib.contextmanager
def _placeholder_keys(cassette: Cassette) -> Iterator[None]:
    """While a test only replays, the API-key variables an SDK demands get placeholders where unset, so that
    ``openai.OpenAI()`` builds without a key; the environment is as it was afterwards."""
    if cassette.records or not cassette.options.replay_placeholders:
        yield
        return
    from ._environment import placeholders

    added = placeholders(cassette.interactions, os.environ)
    os.environ.update(added)
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)
