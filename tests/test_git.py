"""kb's git reading on real repositories: odd file names, shallow clones, no git at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import article, commit_all, git, hash_of, scan, translation, write_kb

from kb_tools.git import Git, dirty_files, head, last_changed

ODD_NAMES = ["提币.md", 'fees "maker" and taker.md']
SOURCE = "Withdrawals leave your account after 2 confirmations.\n\nMost arrive within 30 minutes.\n"
ZH = "提币在 2 次确认后离开您的账户。\n\n大多数在 30 分钟内到账。\n"


def odd_center(root: Path) -> Path:
    """Reviewed zh translations under odd file names, then a source edit that makes them stale, all committed."""
    for name in ODD_NAMES:
        write_kb(root, {f"docs/en/{name}": article("Withdraw crypto", SOURCE)})
        write_kb(root, {f"docs/zh/{name}": translation("提币", ZH, hash_of(root, name))})
    commit_all(root.parent if (root.parent / ".git").exists() else root, "reviewed translations")
    for name in ODD_NAMES:
        path = root / "docs/en" / name
        path.write_text(path.read_text() + "\nA closing paragraph.\n", encoding="utf-8")
    commit_all(root.parent if (root.parent / ".git").exists() else root, "one more paragraph")
    return root


def test_uncommitted_translations_with_odd_names_are_left_alone(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    git(tmp_path, "init", "-q", "-b", "main")  # the help center in a folder of a bigger repository
    root = odd_center(tmp_path / "help")
    mine = {}
    for name in ODD_NAMES:
        path = root / "docs/zh" / name
        mine[name] = path.read_text(encoding="utf-8").replace("大多数", "绝大多数")  # not committed yet
        path.write_text(mine[name], encoding="utf-8")
    code, out, err = run_kb(root, "draft", "zh", "--engine", "memory")
    assert code == 0, err
    for name in ODD_NAMES:
        assert f"skipped {name}: docs/zh/{name} has uncommitted changes: commit them, or pass --force" in out
        assert (root / "docs/zh" / name).read_text(encoding="utf-8") == mine[name]
    assert "zh: 0 drafted, 2 skipped" in out
    code, out, err = run_kb(root, "draft", "zh", "--engine", "memory", "--force")
    assert code == 0 and "zh: 2 drafted" in out, err
    assert all("status: machine" in (root / "docs/zh" / name).read_text(encoding="utf-8") for name in ODD_NAMES)


def test_last_changed_dates_of_odd_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-05T10:00:00+00:00")
    root = write_kb(tmp_path, {f"docs/en/{name}": article("Withdraw crypto", SOURCE) for name in ODD_NAMES})
    commit_all(root, "two articles")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-03-09T10:00:00+00:00")
    (root / "docs/en/提币.md").write_text(article("Withdraw crypto", SOURCE + "\nMore.\n"), encoding="utf-8")
    (root / "mkdocs.yml").write_text((root / "mkdocs.yml").read_text() + "\n", encoding="utf-8")
    commit_all(root, "edit one")
    assert last_changed(root, root / "docs") == {"docs/en/提币.md": "2026-03-09",
                                                 'docs/en/fees "maker" and taker.md': "2026-01-05"}
    assert [date for _, date in Git(root).versions("docs/en/提币.md")] == ["2026-03-09", "2026-01-05"]


def test_a_shallow_clone_says_so_when_the_translated_version_is_beyond_it(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    origin = odd_center(tmp_path / "origin")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    code, out, err = run_kb(clone, "status", "zh")
    assert code == 0, err
    hint = "the history is shallow (git clone --depth): fetch more with git fetch --unshallow"
    made_from = scan(origin).docs["zh"]["提币.md"].translation.source_hash  # type: ignore[union-attr]
    assert f"    git history holds no version of docs/en/提币.md with hash {made_from}: {hint}" in out
    assert out.count(hint) == 2 and "paragraph added" not in out
    git(clone, "fetch", "-q", "--unshallow")  # what the hint says to do
    code, out, err = run_kb(clone, "status", "zh")
    assert code == 0 and hint not in out, err
    assert out.count("line 9: paragraph added: A closing paragraph.") == 2


def test_without_a_repository_or_without_git_nothing_breaks(tmp_path: Path, run_kb,  # type: ignore[no-untyped-def]
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_kb(tmp_path, {"docs/en/a.md": article("Limits", "Withdrawals are limited.\n"),
                               "docs/zh/a.md": translation("限额", "提币有限额。\n", "0123456789ab")})
    assert (Git(root).prefix, Git(root).versions("docs/en/a.md"), Git(root).read("HEAD", "docs/en/a.md")) == \
        (None, [], None)
    assert (last_changed(root, root / "docs"), dirty_files(root, root / "docs"), head(root)) == ({}, set(), "")
    commit_all(root, "a repository, but git is gone")
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-bin"))
    assert (Git(root).prefix, last_changed(root, root / "docs"), head(root)) == (None, {}, "")
    code, out, err = run_kb(root, "status", "zh")
    assert code == 0, err
    assert "    not in a git repository: cannot tell which paragraphs changed" in out
