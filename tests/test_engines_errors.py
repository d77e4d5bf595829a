"""kb draft when the engine cannot help: one line that says why and what to do, nothing half written."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import RunKb, article, commit_all, write_kb
from mt_server import API_KEY, MTServer

from kb_tools import engines


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A committed help center with one English article and no translations."""
    root = write_kb(tmp_path, {"docs/en/limits.md": article("Limits", "Withdrawals are limited.\n")})
    commit_all(root, "source")
    return root


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A server on 127.0.0.1 that takes every connection and never answers."""
    # The kernel completes the connections from the backlog; nothing ever accepts or reads them.
    with socket.create_server(("127.0.0.1", 0), backlog=16) as sock:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"


def test_an_engine_that_never_answers_times_out_with_one_line(root: Path, run_kb: RunKb, silent_url: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRE_API_KEY", API_KEY)
    code, out, err = run_kb(root, "draft", "zh", "--engine", "libre", "--engine-url", silent_url,
                            "--timeout", "0.5", "--backoff", "0")
    assert code == 1
    assert err.strip() == "kb: libre: no answer within 0.5 s after 5 tries: try again later, or raise --timeout"
    assert "0 characters sent to libre" in out
    assert not (root / "docs/zh").exists()


@pytest.mark.parametrize(("engine", "line"), [
    ("deepl", "kb: deepl: no API key: set the environment variable DEEPL_API_KEY"),
    ("microsoft", "kb: microsoft: no API key: set the environment variable MICROSOFT_API_KEY"),
    ("libre", "kb: libre: no API key: set the environment variable LIBRE_API_KEY "
              "(any value, if your server needs none)"),
])
def test_a_missing_api_key_is_named_before_anything_is_sent(root: Path, run_kb: RunKb, engine: str, line: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(engines.ENGINES[engine].key_env, raising=False)
    with MTServer() as server:  # where libre would go: it must not be asked either
        code, _, err = run_kb(root, "draft", "zh", "--engine", engine, "--engine-url", server.url)
    assert code == 1
    assert err.strip() == line
    assert server.script.requests == 0
    assert not (root / "docs/zh").exists()


def test_a_refused_key_is_named_and_not_printed(root: Path, run_kb: RunKb, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRE_API_KEY", "not-the-key")
    with MTServer() as server:
        code, _, err = run_kb(root, "draft", "zh", "--engine", "libre", "--engine-url", server.url, "--backoff", "0")
    assert code == 1
    assert err.strip() == "kb: libre: the API key was refused: check LIBRE_API_KEY"
    assert server.script.received == []


def test_libre_without_a_url_and_an_unknown_engine_say_what_to_pass(root: Path, run_kb: RunKb,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRE_API_KEY", API_KEY)
    code, _, err = run_kb(root, "draft", "zh", "--engine", "libre")
    assert code == 1
    assert err.strip() == "kb: libre: needs the URL of your LibreTranslate server: pass --engine-url"
    code, _, err = run_kb(root, "draft", "zh", "--engine", "bing")
    assert code == 2
    assert err.strip() == f"kb: unknown engine 'bing': use one of {', '.join(engines.ENGINES)}"
