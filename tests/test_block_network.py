"""``--block-network``: a test without the marker cannot reach an LLM API (a forgotten marker fails instead of
spending money in CI); other hosts, and marked tests, are not affected."""

from __future__ import annotations

import importlib.util

import pytest

from stub_server import StubServer

SUITE = """
import os

import openai
import pytest
from chat import ask


def test_forgot_the_marker():
    client = openai.OpenAI(api_key="sk-live-would-spend", max_retries=0)
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])


def test_caught_by_the_code():
    try:
        openai.OpenAI(api_key="sk-x", max_retries=0, base_url="https://my-team.openai.azure.com/v1").models.list()
    except Exception:
        pass


def test_a_local_server():
    assert ask("local") == "echo: local"


@pytest.mark.llm_cassette
def test_marked():
    assert ask("recorded") == "echo: recorded"
"""
WITHOUT_PYTEST_RECORDING = ("-p", "no:recording")


def test_unmarked_tests_cannot_reach_an_llm_api(suite: pytest.Pytester, stub: StubServer) -> None:
    suite.makepyfile(test_net=SUITE)
    suite.runpytest("--record-mode=once", "-k", "marked", *WITHOUT_PYTEST_RECORDING).assert_outcomes(passed=1)
    result = suite.runpytest("--block-network", *WITHOUT_PYTEST_RECORDING)
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*llm_cassette: test_net.py::test_forgot_the_marker tried to reach api.openai.com while --block-network "
            "is on: an LLM API's host*",
            "Mark it @pytest.mark.llm_cassette and record it once with `--record-mode=once`*",
        ]
    )
    result.stdout.fnmatch_lines(["*test_caught_by_the_code tried to reach my-team.openai.azure.com*"])
    result.stdout.no_fnmatch_line("*APIConnectionError*")


def test_the_ini_adds_hosts(suite: pytest.Pytester, stub: StubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    suite.makepyfile(test_net=SUITE)
    suite.makeini("[pytest]\nllm_cassette_blocked_hosts =\n    LOCALHOST\n")
    monkeypatch.setenv("STUB_URL", stub.base_url.replace("127.0.0.1", "localhost"))
    result = suite.runpytest("--block-network", "-k", "local", *WITHOUT_PYTEST_RECORDING)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test_a_local_server tried to reach localhost while --block-network is on*"])
    suite.runpytest("-k", "local", *WITHOUT_PYTEST_RECORDING).assert_outcomes(passed=1)


@pytest.mark.skipif(importlib.util.find_spec("pytest_recording") is None, reason="needs pytest-recording installed")
def test_the_switch_is_shared_with_pytest_recording(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_net=SUITE)
    result = suite.runpytest("--block-network", "-k", "forgot")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test_forgot_the_marker tried to reach api.openai.com while --block-network is on*"])
