"""The kb command line itself: its commands, their help, bad commands, and -v logging."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import article, commit_all, write_kb
from mt_server import API_KEY, MTServer, Script

from kb_tools.cli import main

COMMANDS = ["status", "check", "index", "search", "new", "draft", "approve", "diff", "review", "build", "prepare",
            "serve", "i18n"]


def exit_code(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run kb where argparse exits by itself (--help, bad usage): (code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def test_help_lists_every_command_with_its_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = exit_code(capsys, "--help")
    assert code == 0 and out.startswith("usage: kb ")
    for name in COMMANDS:
        assert re.search(rf"^    {name} +\w", out, re.M), name
    assert "-v, --verbose" in out


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_has_its_own_help(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, err = exit_code(capsys, name, "--help")
    assert code == 0 and err == ""
    assert out.startswith(f"usage: kb {name} ")


def test_an_unknown_command_exits_2_with_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = exit_code(capsys, "publish")
    assert code == 2 and out == ""
    assert err.startswith("usage: kb ")
    assert "kb: error: argument command: invalid choice: 'publish'" in err


def test_verbose_shows_engine_retries_and_cache_misses(tmp_path: Path, run_kb,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRE_API_KEY", API_KEY)
    root = write_kb(tmp_path, {"docs/en/a.md": article("Limits", "Withdrawals are limited.\n")})
    commit_all(root, "source")
    engine = ("--engine", "libre", "--backoff", "0.2", "--timeout", "10")
    with MTServer(Script(fail_with=[429])) as server:
        code, out, err = run_kb(root, "-v", "draft", "zh", *engine, "--engine-url", server.url)
    assert code == 0 and "zh: 1 drafted" in out, err
    assert "info: libre: ServerException (ERR_TOO_MANY_REQUESTS): retry 1 of 4 in 0.2 s\n" in err
    assert "debug:" not in err and API_KEY not in err
    write_kb(root, {"docs/en/b.md": article("Fees", "Fees are low.\n")})
    with MTServer(Script(fail_with=[429])) as server:
        code, out, err = run_kb(root, "draft", "zh", "b.md", *engine, "--engine-url", server.url)
        assert code == 0 and "retry" not in err and "info:" not in err  # quiet without -v
        write_kb(root, {"docs/en/c.md": article("Caps", "Caps apply daily.\n")})
        code, out, err = run_kb(root, "-vv", "draft", "zh", "c.md", *engine, "--engine-url", server.url)
    assert code == 0, err
    assert "debug: libre: not in the cache: sending 4 characters" in err  # the title, "Caps"
    assert API_KEY not in err
