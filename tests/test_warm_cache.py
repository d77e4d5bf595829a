"""A warm kb status or kb check, read from .kb-cache/, says exactly what a cold run without it says."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import RunKb, article, hash_of, translation, write_kb

BODY = "\nWithdrawals leave after 2 confirmations.\n\n## Fees\n\nEach network charges a fee of 1 USDT.\n"
ZH = "\n提币在 2 次确认后离开。\n\n## 费用\n\n每个网络收取 1 USDT 的费用。\n"


def commit(root: Path, message: str, date: str) -> None:
    """Commit everything with a fixed date, so that a date the source changed on shows which commit it came from."""
    env = {**os.environ, "GIT_COMMITTER_DATE": f"{date}T12:00:00", "GIT_AUTHOR_DATE": f"{date}T12:00:00"}
    for args in ([] if (root / ".git").exists() else [["init", "-q", "-b", "main"]]) + [["add", "-A"],
                                                                                       ["commit", "-q", "-m", message]]:
        subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=t@example.com", *args], cwd=root,
                       env=env, check=True, capture_output=True)


def cold(root: Path, tmp: Path, run_kb: RunKb, *args: str) -> str:
    """What kb prints for the same repository without a cache (a copy without .kb-cache/)."""
    copy = tmp / "cold"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".kb-cache"))
    return run_kb(copy, *args).out


def same(root: Path, tmp: Path, run_kb: RunKb) -> str:
    """Run status and check warm (twice: the second reads what the first kept) and cold; all must agree."""
    status, check = ("status", "--format", "json"), ("check", "--format", "json")
    for args in (status, check):
        first, second = run_kb(root, *args).out, run_kb(root, *args).out
        assert first == second == cold(root, tmp, run_kb, *args), args
    return run_kb(root, *status).out


def test_warm_status_and_check_follow_edits_and_commits(tmp_path: Path, run_kb: RunKb) -> None:
    root = tmp_path / "kb"
    root.mkdir()
    write_kb(root, {f"docs/en/{name}.md": article(name.title(), BODY) for name in ("withdraw", "deposit")})
    write_kb(root, {f"docs/{lang}/{name}.md": translation("提币", ZH, hash_of(root, f"{name}.md"))
                    for lang in ("zh", "ja") for name in ("withdraw", "deposit")})
    commit(root, "articles and translations", "2026-01-05")
    source = root / "docs/en/withdraw.md"
    source.write_text(source.read_text().replace("a fee", "its own fee"))
    commit(root, "clarify fees", "2026-02-10")
    assert '"source_changed_on": "2026-02-10"' in same(root, tmp_path, run_kb)

    # One source edited, not committed: which paragraphs changed moves; a translation edited: its QA moves.
    source.write_text(source.read_text() + "\nA new paragraph with 3 numbers: 4, 5.\n")
    zh = root / "docs/zh/deposit.md"
    zh.write_text(zh.read_text().replace("1 USDT", "2 USDT"))
    out = same(root, tmp_path, run_kb)
    assert "A new paragraph" in out

    # A commit that leaves every file as it is still changes history: the deposit source, edited
    # after its translations were made, changed on no date until that edit is committed.
    deposit = root / "docs/en/deposit.md"
    deposit.write_text(deposit.read_text().replace("2 confirmations", "3 confirmations"))
    assert '"source_changed_on": "2026-03-20"' not in same(root, tmp_path, run_kb)
    commit(root, "later edits", "2026-03-20")
    out = same(root, tmp_path, run_kb)
    assert '"source_changed_on": "2026-03-20"' in out and '"source_changed_on": "2026-02-10"' in out

    # The glossary changes what QA finds in files that did not change.
    write_kb(root, {"locales/glossary.yml": "required:\n  network:\n    zh: 网络通道\n"})
    same(root, tmp_path, run_kb)
    assert "glossary term" in run_kb(root, "check").out


def test_blocks_kept_from_before_an_edit_are_not_used_after_a_scan_without_blocks_saw_it(tmp_path: Path) -> None:
    from kb_tools import config
    from kb_tools.scan import scan

    root = write_kb(tmp_path, {"docs/en/withdraw.md": article("Withdraw", BODY),
                               "docs/zh/withdraw.md": translation("提币", ZH, "0123456789ab")})
    settings = config.load(root / "mkdocs.yml")
    assert "每个网络" in scan(settings).docs["zh"]["withdraw.md"].blocks[-1].text  # kept in blocks.pickle
    zh = root / "docs/zh/withdraw.md"
    zh.write_text(zh.read_text().replace("每个网络收取 1 USDT 的费用。", "费用因网络而异。"))
    assert scan(settings, blocks=False).docs["zh"]["withdraw.md"].parsed is None  # read again, its blocks not
    for _ in range(2):  # read from the file, then from the cache
        assert scan(settings).docs["zh"]["withdraw.md"].blocks[-1].text == "费用因网络而异。"
