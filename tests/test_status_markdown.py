"""kb status --format markdown [--since REF]: a pull-request comment of what a change leaves stale or missing."""

from __future__ import annotations

from pathlib import Path

from conftest import RunKb, article, commit_all, hash_of, translation, write_kb


def two_commits(root: Path) -> Path:
    """First commit: a, b and c translated into zh, b missing in ja. Second: a's second paragraph changed, d new."""
    write_kb(root, {f"docs/en/{name}.md": article(f"Article {name.upper()}", f"First of {name}.\n\nSecond of {name}.\n")
                    for name in "abc"})
    write_kb(root, {f"docs/zh/{name}.md": translation(f"文章 {name}", f"{name} 一。\n\n{name} 二。\n",
                                                      hash_of(root, f"{name}.md")) for name in "abc"})
    write_kb(root, {f"docs/ja/{name}.md": translation(f"記事 {name}", f"{name} 一。\n\n{name} 二。\n",
                                                      hash_of(root, f"{name}.md")) for name in "ac"})
    commit_all(root, "first")
    write_kb(root, {"docs/en/a.md": article("Article A", "First of a.\n\nSecond of a, changed.\n"),
                    "docs/en/d.md": article("Article D | new", "New.\n")})
    commit_all(root, "second")
    return root


def test_the_whole_help_center_as_a_pull_request_comment(tmp_path: Path, run_kb: RunKb) -> None:
    root = two_commits(tmp_path)
    code, out, _ = run_kb(root, "status", "--format", "markdown")
    assert code == 0
    assert out == """\
## Translation status

### zh: 1 stale, 1 missing

| article | status | changed paragraphs | file |
|---|---|---|---|
| Article A | stale | 1 | `docs/zh/a.md` |
| Article D \\| new | missing |  | `docs/en/d.md` |

### ja: 1 stale, 2 missing

| article | status | changed paragraphs | file |
|---|---|---|---|
| Article A | stale | 1 | `docs/ja/a.md` |
| Article B | missing |  | `docs/en/b.md` |
| Article D \\| new | missing |  | `docs/en/d.md` |
"""
    code, out, _ = run_kb(root, "status")  # the default output is unchanged
    assert "## Translation status" not in out and "zh stale     docs/zh/a.md" in out


def test_since_a_ref_only_what_changed_since_then(tmp_path: Path, run_kb: RunKb) -> None:
    root = two_commits(tmp_path)
    code, out, _ = run_kb(root, "status", "--format", "markdown", "--since", "HEAD~1")
    assert code == 0
    assert out.startswith("## Translation status\n\nArticles changed since `HEAD~1`: 2 (`a.md`, `d.md`).\n")
    assert "Article B" not in out  # missing in ja since the first commit: not this change's doing
    assert "| Article A | stale | 1 | `docs/ja/a.md` |" in out and "| Article D \\| new | missing |" in out
    (root / "docs/zh/c.md").unlink()  # the working tree counts: a translation deleted, not yet committed
    code, out, _ = run_kb(root, "status", "--format", "markdown", "--since", "HEAD")
    assert out == ("## Translation status\n\nArticles changed since `HEAD`: 1 (`c.md`).\n\n"
                   "### zh: 1 missing\n\n| article | status | changed paragraphs | file |\n|---|---|---|---|\n"
                   "| Article C | missing |  | `docs/en/c.md` |\n\n### ja: up to date\n")
    code, _, err = run_kb(root, "status", "--format", "markdown", "--since", "nope")
    assert code == 2 and "--since nope: not a commit of the repository" in err
    assert run_kb(root, "status", "--since", "HEAD")[0] == 2
