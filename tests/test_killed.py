"""A run killed with SIGKILL half-way leaves the previous output whole, and the next run completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from conftest import REPO, article, copy_sample, translation, write_kb

from kb_tools import freshness, search

HANG_GUARD = 300  # seconds: a run that takes longer than this is stuck, not slow


def kb(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the kb CLI in a process of its own, to completion."""
    return subprocess.run([sys.executable, "-m", "kb_tools.cli", "--config", str(root / "mkdocs.yml"), *args],
                          capture_output=True, text=True, env=_env(), timeout=HANG_GUARD, check=False)


def kill_when(root: Path, ready: Callable[[], bool], *args: str) -> None:
    """Start kb with args and SIGKILL it, workers and all, as soon as ready() is true."""
    process = subprocess.Popen([sys.executable, "-m", "kb_tools.cli", "--config", str(root / "mkdocs.yml"), *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(),
                               start_new_session=True)
    deadline = time.monotonic() + HANG_GUARD
    try:
        while not ready():
            assert process.poll() is None, f"kb {' '.join(args)} ended before it could be killed"
            assert time.monotonic() < deadline, f"kb {' '.join(args)} never got there"
            time.sleep(0.005)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL


def files(folder: Path) -> dict[str, bytes]:
    """Every file under folder by its relative path, with its content (the build stamps left out)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".kb-build"}


def count_files(folder: Path) -> int:
    """Files under folder, counted while a build moves folders in it (os.walk skips one that is gone)."""
    return sum(len(names) for _, _, names in os.walk(folder))


def _env() -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO)}


def test_a_killed_build_leaves_no_half_site_and_the_next_build_completes_it(tmp_path: Path) -> None:
    clean = copy_sample(tmp_path / "clean")
    assert kb(clean, "build").returncode == 0
    expected = files(clean / "site")

    root = copy_sample(tmp_path / "killed")
    site = root / "site"
    kill_when(root, lambda: count_files(site) >= 40, "build", "--force")
    languages = ("en", "zh", "ja", "es", "ko")
    for lang in languages:  # each language is all there or not there at all
        if (site / lang).exists():
            assert files(site / lang) == files(clean / "site" / lang), lang
    unfinished = [lang for lang in languages if not (site / lang / ".kb-build").exists()]
    assert unfinished, "the build was killed after it had finished every language"

    result = kb(root, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    for lang in unfinished:
        assert f"{lang}: built" in result.stdout, result.stdout
    assert files(site) == expected  # byte for byte the clean build's site, nothing left over
    assert sorted(p.name for p in site.iterdir() if p.name.startswith(".")) == []


def test_a_build_killed_after_an_edit_keeps_the_previous_site(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    assert kb(root, "build", "--lang", "en").returncode == 0
    before = files(root / "site" / "en")
    page = root / "docs" / "en" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nA new closing line.\n", encoding="utf-8")

    scratch = root / "site"
    kill_when(root, lambda: any(count_files(p) for p in scratch.glob(".en.kb-tmp-*")), "build", "--lang", "en")
    assert files(root / "site" / "en") == before

    result = kb(root, "build", "--lang", "en")
    assert "en: built" in result.stdout, result.stdout
    assert "A new closing line." in (root / "site" / "en" / "index.html").read_text(encoding="utf-8")


def big_help_center(root: Path, articles: int = 200) -> Path:
    """A help center with many stale zh translations, so that a run takes long enough to be killed mid-way."""
    paragraphs = "\n\n".join(f"Paragraph {n} about withdrawal fees and network limits." for n in range(30))
    files_: dict[str, str | bytes] = {}
    for n in range(articles):
        files_[f"docs/en/topic/article-{n}.md"] = article(f"Article {n}", f"# Heading {n}\n\n{paragraphs}\n")
        files_[f"docs/zh/topic/article-{n}.md"] = translation(f"文章 {n}", f"# 标题 {n}\n\n{paragraphs}\n", "abcdef1")
    files_["docs/en/index.md"] = article("Home", "Welcome.\n")
    return write_kb(root, files_, languages=("en", "zh"))


def test_a_killed_review_leaves_the_previous_review_site(tmp_path: Path) -> None:
    root = big_help_center(tmp_path)
    assert kb(root, "review").returncode == 0
    review = root / "review"
    before = files(review)
    assert "zh/topic/article-199.html" in before
    (root / "docs" / "zh" / "topic" / "article-0.md").unlink()  # the next review site differs

    kill_when(root, lambda: any(count_files(p) for p in root.glob(".review.kb-tmp-*")), "review")
    assert files(review) == before

    assert kb(root, "review").returncode == 0
    after = files(review)
    assert b"kb draft zh topic/article-0.md" in after["zh/topic/article-0.html"]  # now a missing article's page
    assert "zh/topic/article-199.html" in after
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".review")) == []


def test_a_killed_index_update_leaves_the_previous_index_searchable(tmp_path: Path) -> None:
    root = big_help_center(tmp_path)
    assert kb(root, "index", "--lang", "en").returncode == 0
    folder = freshness.index_dir(root, "en")
    written = {p.name for p in folder.iterdir()}
    for n in range(200):  # every article changes: the update rewrites them all
        page = root / "docs" / "en" / "topic" / f"article-{n}.md"
        page.write_text(page.read_text(encoding="utf-8").replace("withdrawal", "deposit"), encoding="utf-8")

    # Killed while it writes the new segment, and once the segment is written but perhaps not yet listed.
    for suffix in ("", ".seg"):
        kill_when(root, lambda: any(p.name not in written and p.name.endswith(suffix) for p in folder.iterdir()),  # noqa: B023
                  "index", "--lang", "en")
        with search.Searcher(root, "en") as searcher:  # the old index, or the new one, whole
            found = (len(searcher.search("withdrawal", limit=500)), len(searcher.search("deposit", limit=500)))
        assert found in ((200, 0), (0, 200))

    result = kb(root, "index", "--lang", "en")
    assert result.returncode == 0, result.stderr
    with search.Searcher(root, "en") as searcher:
        assert len(searcher.search("deposit", limit=500)) == 200


def test_a_killed_first_index_leaves_no_broken_index(tmp_path: Path) -> None:
    root = big_help_center(tmp_path)
    index_root = freshness.index_dir(root, "en").parent
    kill_when(root, lambda: any(count_files(p) for p in index_root.glob(".en.kb-tmp-*")), "index", "--lang", "en")
    assert not freshness.index_dir(root, "en").exists()

    result = kb(root, "search", "withdrawal fees", "--lang", "en", "--json")
    assert result.returncode == 0, result.stderr
    assert '"path": "topic/article-' in result.stdout
    assert [p.name for p in index_root.iterdir()] == ["en"]  # the scratch folder of the killed run is gone
