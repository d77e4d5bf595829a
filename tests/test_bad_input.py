"""Bad input gets a clear path:line error and fails only its own page: never a traceback, a hang, or a leak."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, article, write_kb

HANG_GUARD = 60  # seconds: kb check and kb status take about one on these help centers
BUILD_GUARD = 300  # seconds: a build of two languages takes well under a minute

# An alias bomb: nine levels of nine aliases each would expand to 9**9 strings.
BOMB = "---\ntitle: Bomb\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)) + "---\n\nBody\n"

# name -> (files, the line kb check and kb status show)
CASES: dict[str, tuple[dict[str, str | bytes], str]] = {
    "impossible date": (
        {"docs/zh/good.md": "---\ntitle: 好\ntranslation:\n  source_hash: abcdef1\n  status: reviewed\n"
                            "  reviewed_by: me\n  reviewed_on: 2026-13-45\n---\n\n好\n"},
        "docs/zh/good.md:7: '2026-13-45' is not a date (month must be in 1..12): write a real date as YYYY-MM-DD"),
    "alias bomb": ({"docs/en/bomb.md": BOMB},
                   "docs/en/bomb.md:3: YAML aliases are not allowed in front matter: write the value out"),
    "duplicate key": ({"docs/en/dup.md": "---\ntitle: Dup\ncritical: true\ncritical: false\n---\n\nBody\n"},
                      "docs/en/dup.md:4: key 'critical' is written twice: keep one of them"),
    "invalid UTF-8": ({"docs/en/bad.md": b"---\ntitle: Bad\n---\n\nCaf\xe9 \xff\n"},
                      "docs/en/bad.md:5: invalid UTF-8 at byte 23: save the file as UTF-8"),
    "NUL byte": ({"docs/en/nul.md": b"---\ntitle: Nul\n---\n\nA\x00B\n"},
                 "docs/en/nul.md:1: binary file, not Markdown text: remove it, or save it as UTF-8 Markdown"),
    "nested brackets": ({"docs/en/brackets.md": article("Brackets", "Text.\n\n" + "[" * 100_000 + "\n")},
                        "docs/en/brackets.md:7: more than 100 unclosed [ in one paragraph"),
    "run of emphasis": ({"docs/en/stars.md": article("Stars", "*" * 10_000 + "a" + "*" * 10_000 + "\n")},
                        "docs/en/stars.md:5: a run of 10000 * characters: write at most 500, or put them in `code`"),
    "nested quotes": ({"docs/en/quotes.md": article("Quotes", ">" * 100_000 + " a\n")},
                      "docs/en/quotes.md:5: quotes nested more than 100 deep"),
    "nested lists": ({"docs/en/lists.md": article("Lists", "".join("    " * i + "- a\n" for i in range(1000)))},
                     "docs/en/lists.md:106: indented more than 400 columns (lists nested too deep)"),
}
SYMLINKS = {  # name -> (links as {path: target}, the lines kb check and kb status show)
    "symlink to itself": ({"docs/en/self.md": "self.md"},
                          ["docs/en/self.md:1: symlink loop: it points at self.md, which leads back to itself"]),
    "symlink pair": ({"docs/en/a.md": "b.md", "docs/en/b.md": "a.md"},
                     ["docs/en/a.md:1: symlink loop: it points at b.md",
                      "docs/en/b.md:1: symlink loop: it points at a.md"]),
    "folder loop": ({"docs/en/sub/loop": ".."},
                    ["docs/en/sub/loop:1: symlink loop: the folder it points at (..) contains it: remove the link"]),
    "symlink out of docs/": ({"docs/en/secret.txt": "../../../secret.txt"},
                             ["docs/en/secret.txt:1: symlink points outside docs/"]),
}


def help_center(root: Path, files: dict[str, str | bytes], links: dict[str, str]) -> Path:
    """Two languages with good pages, plus the bad files and symlinks."""
    (root.parent / "secret.txt").write_text("SECRET-TOKEN\n", encoding="utf-8")  # outside the help center
    good: dict[str, str | bytes] = {
        "docs/en/index.md": article("Home", "Welcome.\n"), "docs/en/good.md": article("Good", "Fine text.\n"),
        "docs/zh/index.md": "---\ntitle: 首页\n---\n\n欢迎\n"}
    write_kb(root, {**good, **files}, languages=("en", "zh"))
    for path, target in links.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / path)
    return root


def kb(root: Path, *args: str, timeout: int = HANG_GUARD) -> subprocess.CompletedProcess[str]:
    """Run the kb CLI in its own process; a hang fails the test with TimeoutExpired."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "kb_tools.cli", "--config", str(root / "mkdocs.yml"), *args],
                          capture_output=True, text=True, env=env, timeout=timeout, check=False)


def assert_reported(root: Path, lines: list[str]) -> None:
    """kb check and kb status name each bad file at its line, without a traceback."""
    check = kb(root, "check")
    assert check.returncode == 1, check.stdout + check.stderr
    status = kb(root, "status")
    assert status.returncode == 0, status.stdout + status.stderr
    for result in (check, status):
        assert "Traceback" not in result.stderr, result.stderr
        for line in lines:
            assert line in result.stdout, result.stdout


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_file_is_reported_at_its_line(tmp_path: Path, case: str) -> None:
    files, line = CASES[case]
    assert_reported(help_center(tmp_path / "kb", files, {}), [line])


@pytest.mark.parametrize("case", sorted(SYMLINKS))
def test_a_bad_symlink_is_reported(tmp_path: Path, case: str) -> None:
    links, lines = SYMLINKS[case]
    assert_reported(help_center(tmp_path / "kb", {}, links), lines)


def test_the_build_publishes_every_other_page_and_nothing_bad(tmp_path: Path) -> None:
    files = {path: data for case_files, _ in CASES.values() for path, data in case_files.items()}
    links = {path: target for case_links, _ in SYMLINKS.values() for path, target in case_links.items()}
    root = help_center(tmp_path / "kb", files, links)

    result = kb(root, "build", timeout=BUILD_GUARD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    site = root / "site"
    for lang in ("en", "zh"):
        assert f"{lang}: built" in result.stdout
        assert (site / lang / "index.html").is_file()
        # zh: the translation with an impossible date is invalid, so zh readers get the source.
        assert "Fine text." in (site / lang / "good" / "index.html").read_text(encoding="utf-8")
        published = {p.relative_to(site / lang).as_posix() for p in (site / lang).rglob("*")}
        for name in ("bomb", "dup", "bad", "nul", "brackets", "stars", "quotes", "lists", "self", "a", "b", "sub"):
            assert f"{name}/index.html" not in published, name
    assert not any("SECRET-TOKEN" in p.read_text(errors="replace") for p in site.rglob("*.txt"))
    assert not list(site.rglob("secret.txt"))
    # A source that cannot be read is left out of every language, with its reason.
    assert "docs/en/bad.md:5: invalid UTF-8 at byte 23: save the file as UTF-8 (left out of the zh site)" \
        in result.stdout


def test_a_fifo_named_like_an_article_is_reported_not_waited_on(tmp_path: Path) -> None:
    root = help_center(tmp_path / "kb", {}, {})
    os.mkfifo(root / "docs/en/pipe.md")  # an open of it for reading would wait for a writer
    assert_reported(root, ["docs/en/pipe.md:1: cannot be read (not a regular file)"])
    result = kb(root, "build", timeout=BUILD_GUARD)
    assert result.returncode == 0 and "pipe" not in {p.name for p in (root / "site/en").iterdir()}, result.stderr
