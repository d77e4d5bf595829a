"""No secret in any message: an engine's errors never show its API key."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from conftest import article, commit_all, write_kb

from kb_tools.engines import Engine, EngineError, redact


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_engine_that_cannot_be_reached_does_not_print_its_key(tmp_path: Path, run_kb,  # type: ignore[no-untyped-def]
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRE_API_KEY", "sekret-123")
    root = write_kb(tmp_path, {"docs/en/withdraw.md": article("Withdrawal times", "Most arrive in 30 minutes.\n")})
    commit_all(root, "sources")
    url = f"http://127.0.0.1:{closed_port()}/"
    code, _, err = run_kb(root, "draft", "zh", "--engine", "libre", "--engine-url", url, "--backoff", "0.01")
    line = err.strip().splitlines()[-1]
    assert code == 1 and line.startswith(f"kb: libre at {url}: ")
    assert "sekret-123" not in err  # deep-translator puts the key in the URL it reports: kb never repeats it


def test_keys_in_urls_and_in_the_environment_are_blanked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPL_API_KEY", "0a1b2c3d:fx")
    text = ("GET https://api.example/translate?auth_key=abc123&text=hi token=t0k "
            "failed: key 0a1b2c3d:fx refused (access_token=zz9)")
    assert redact(text) == ("GET https://api.example/translate?auth_key=***&text=hi token=*** "
                            "failed: key *** refused (access_token=***)")


def test_an_engine_error_is_redacted_wherever_it_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRE_API_KEY", "sekret-123")
    engine = Engine("libre", "en", "zh", url=f"http://127.0.0.1:{closed_port()}/?key=sekret-123", retries=0)
    with pytest.raises(EngineError) as failed:
        engine.translate("Hello")
    assert "sekret-123" not in str(failed.value) and "key=***" in str(failed.value)
