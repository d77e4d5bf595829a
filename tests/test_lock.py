"""No lost work: one kb draft per language at a time, and read-only files are left alone with a clear error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import REPO, article, commit_all, hash_of, translation, write_kb
from mt_server import API_KEY, MTServer, Script

HANG_GUARD = 60  # seconds


class Gate(list[str]):
    """Script.received that holds each request until opened: keeps a kb draft busy inside its run."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived, self.opened = threading.Event(), threading.Event()

    def append(self, text: str) -> None:
        self.arrived.set()
        self.opened.wait(HANG_GUARD)
        super().append(text)


def sources(root: Path, count: int = 3) -> Path:
    files = {f"docs/en/a{i}.md": article(f"Article {i}", f"First part {i}.\n\nSecond part {i}.\n")
             for i in range(count)}
    write_kb(root, files, languages=("en", "zh"))
    commit_all(root, "sources")
    return root


def kb_draft(root: Path, server: MTServer) -> list[str]:
    return [sys.executable, "-m", "kb_tools.cli", "--config", str(root / "mkdocs.yml"), "draft", "zh",
            "--engine", "libre", "--engine-url", server.url, "--backoff", "0.05"]


def env() -> dict[str, str]:
    return {**os.environ, "LIBRE_API_KEY": API_KEY, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO)}


def test_a_second_draft_of_the_same_language_refuses_and_sends_nothing(tmp_path: Path) -> None:
    root = sources(tmp_path)
    gate = Gate()
    with MTServer(Script(received=gate)) as server:
        first = subprocess.Popen(kb_draft(root, server), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, env=env())
        try:
            assert gate.arrived.wait(HANG_GUARD), "the first kb draft sent nothing"
            requests = server.script.requests
            second = subprocess.run(kb_draft(root, server), capture_output=True, text=True, env=env(),
                                    timeout=HANG_GUARD, check=False)
            assert second.returncode == 2, second.stdout + second.stderr
            assert second.stderr.strip() == (f"kb: kb draft zh is already running (pid {first.pid}): wait for it "
                                             "to finish (.kb-cache/locks/draft-zh.lock is held while it runs)")
            assert server.script.requests == requests  # the second run sent nothing
        finally:
            gate.opened.set()
            out, err = first.communicate(timeout=HANG_GUARD)
    assert first.returncode == 0, err
    assert "zh: 3 drafted" in out
    assert len(gate) == len(set(gate)) == 9  # every text sent once: 3 articles of title and two paragraphs


def test_a_killed_draft_leaves_no_lock_behind(tmp_path: Path) -> None:
    root = sources(tmp_path)
    gate = Gate()
    with MTServer(Script(received=gate)) as server:
        first = subprocess.Popen(kb_draft(root, server), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env=env(), start_new_session=True)
        try:
            assert gate.arrived.wait(HANG_GUARD)
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
            gate.opened.set()
        again = subprocess.run(kb_draft(root, server), capture_output=True, text=True, env=env(),
                               timeout=HANG_GUARD, check=False)
    assert again.returncode == 0, again.stderr
    assert "zh: 3 drafted" in again.stdout


@pytest.fixture
def libre_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRE_API_KEY", API_KEY)


def test_draft_leaves_a_read_only_translation_alone_and_drafts_the_rest(  # type: ignore[no-untyped-def]
        tmp_path: Path, run_kb, libre_key: None) -> None:
    root = sources(tmp_path)
    kept = root / "docs/zh/a1.md"
    write_kb(root, {"docs/zh/a1.md": translation("旧", "旧的。\n", "abcdef1")}, languages=("en", "zh"))  # stale
    commit_all(root, "an old translation")
    before = kept.read_text(encoding="utf-8")
    kept.chmod(0o444)
    with MTServer() as server:
        code, out, err = run_kb(root, "draft", "zh", "--engine", "libre", "--engine-url", server.url)
    assert code == 1
    assert "kb: docs/zh/a1.md: cannot write (read-only): make it writable, or leave it out of kb draft" in err
    assert kept.read_text(encoding="utf-8") == before
    assert not any("1" in text for text in server.script.received)  # nothing of a1 was sent
    assert "zh: 2 drafted" in out
    assert (root / "docs/zh/a0.md").exists() and (root / "docs/zh/a2.md").exists()


def test_draft_into_a_read_only_folder_says_so_for_each_article(  # type: ignore[no-untyped-def]
        tmp_path: Path, run_kb, libre_key: None) -> None:
    root = sources(tmp_path, count=2)
    folder = root / "docs/zh"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with MTServer() as server:
            code, _, err = run_kb(root, "draft", "zh", "--engine", "libre", "--engine-url", server.url)
    finally:
        folder.chmod(0o755)
    assert code == 1
    assert err.count("kb: docs/zh: cannot write (read-only): make it writable") == 2
    assert server.script.received == [] and list(folder.iterdir()) == []


def test_approve_leaves_a_read_only_translation_alone(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    root = sources(tmp_path, count=2)
    for i in range(2):
        write_kb(root, {f"docs/zh/a{i}.md": translation(f"文章 {i}", f"第一部分 {i}。\n\n第二部分 {i}。\n",
                                                         hash_of(root, f"a{i}.md"), "machine")},
                 languages=("en", "zh"))
    commit_all(root, "drafts")
    kept = root / "docs/zh/a0.md"
    before = kept.read_text(encoding="utf-8")
    kept.chmod(0o444)
    code, out, _ = run_kb(root, "approve", "zh", "a0.md", "a1.md", "--by", "Reviewer")
    assert code == 1
    assert "not approved zh a0.md\n    docs/zh/a0.md: cannot write (read-only): make it writable" in out
    assert "approved zh a1.md" in out
    assert kept.read_text(encoding="utf-8") == before
    assert "status: reviewed" in (root / "docs/zh/a1.md").read_text(encoding="utf-8")
