"""Files kb writes for people get the usual modes (0666 and 0777 less the umask); the site, only what readers get."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import article, build_site, commit_all, write_kb

SOURCE = ["Deposits arrive after 2 confirmations.", "Withdrawals take up to 30 minutes."]
ZH = ["充值在 2 次确认后到账。", "提币最多需要 30 分钟。"]


@pytest.fixture(params=[0o022, 0o077], ids=["umask-022", "umask-077"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield int(request.param)
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_drafts_approvals_memory_review_and_site_are_readable_as_the_umask_allows(tmp_path: Path, run_kb,  # type: ignore[no-untyped-def]
                                                                                  umask: int) -> None:
    body = "\n\n".join(SOURCE) + "\n"
    root = write_kb(tmp_path, {"docs/en/times.md": article("Processing times", body),
                               "docs/en/copy.md": article("Processing times", body),
                               "docs/zh/times.md": "---\ntitle: 处理时间\n---\n\n" + "\n\n".join(ZH) + "\n"},
                    languages=("en", "zh"))
    commit_all(root, "sources and a legacy translation")
    assert run_kb(root, "approve", "zh", "times.md", "--by", "li.wei")[0] == 0  # and feeds the memory
    assert run_kb(root, "draft", "zh", "--engine", "memory")[0] == 0  # copy.md, all from the memory
    assert run_kb(root, "review")[0] == 0
    assert [r.outcome for r in build_site(root / "mkdocs.yml")] == ["built", "built"]
    written = [root / "docs/zh/copy.md", root / "docs/zh/times.md", root / "locales/zh/memory.json",
               *sorted((root / "review").rglob("*")), *sorted((root / "site").rglob("*"))]
    files, folders = 0o666 & ~umask, 0o777 & ~umask
    assert (root / "site/zh/times/index.html").exists() and (root / "review/index.html").exists()
    wrong = {str(p.relative_to(root)): oct(mode(p)) for p in written if mode(p) != (folders if p.is_dir() else files)}
    assert wrong == {}


def test_a_rewritten_file_keeps_its_mode(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    root = write_kb(tmp_path, {"docs/en/times.md": article("Processing times", "\n\n".join(SOURCE) + "\n"),
                               "docs/zh/times.md": "---\ntitle: 处理时间\n---\n\n" + "\n\n".join(ZH) + "\n"},
                    languages=("en", "zh"))
    commit_all(root, "sources and a legacy translation")
    (root / "docs/zh/times.md").chmod(0o640)  # the owner's choice: readable by the group only
    assert run_kb(root, "approve", "zh", "times.md", "--by", "li.wei")[0] == 0
    assert "reviewed_by: li.wei" in (root / "docs/zh/times.md").read_text(encoding="utf-8")
    assert mode(root / "docs/zh/times.md") == 0o640


def test_the_build_stamp_is_kept_outside_the_published_site(tmp_path: Path) -> None:
    root = write_kb(tmp_path, {"docs/en/index.md": article("Home", "Welcome.\n")}, languages=("en",))
    commit_all(root, "home")
    assert build_site(root / "mkdocs.yml")[0].outcome == "built"
    assert [p.name for p in (root / "site").rglob(".*")] == []  # nothing hidden in what readers get
    assert (root / ".kb-cache/build/en.stamp").exists()
    assert build_site(root / "mkdocs.yml")[0].outcome == "skipped"
