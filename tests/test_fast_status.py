"""The shortcuts of a fast kb status and kb check say what the long way says."""

from __future__ import annotations

from pathlib import Path

from conftest import RunKb, article, hash_of, translation, write_kb
from test_warm_cache import commit, same

from kb_tools import scan as scan_mod

SAMPLE = Path(__file__).resolve().parent.parent / "docs"


def test_the_nesting_regex_lets_through_only_bodies_the_line_walk_finds_nothing_in() -> None:
    bodies = [path.read_text(encoding="utf-8") for path in sorted(SAMPLE.rglob("*.md"))]
    for n in (99, 100, 101, 102):  # around each limit, written in each way a line can reach it
        bodies += ["> " * n + "quote", ">" * n + " quote", " >\t" * n + "quote", "\t" * n + "- item",
                   " " * (4 * n) + "- item", "\u3000" * (4 * n) + "x", "\t" * (n // 4) + " " * (3 * n) + "x",
                   "[" * n + "x", "word [" * n, "\\[" * n + "[x", "*" * (5 * n) + "x", "_" * (5 * n + 1),
                   "para\n\n" + "[" * (n // 2) + "\n\n" + "[" * (n // 2) + "x", "\n" * (n + 1) + "x"]
    tripped = 0
    for body in bodies:
        for text in (body, f"intro\n\n{body}\n\nend"):
            assert scan_mod._too_deep(text, 3) == scan_mod._too_deep_lines(text, 3), text[:80]
            tripped += scan_mod._too_deep_lines(text, 3) is not None
    assert tripped >= 20  # the cases above the limits do trip it


BODY = "\nSee [fees](fees.md#network-fees) and [limits](limits.md#daily).\n\n## Daily\n\nText.\n"
FEES = "\n## Network fees\n\nEach network charges a fee.\n"


def test_warm_check_finds_a_link_broken_by_an_edit_of_the_page_it_points_at(tmp_path: Path, run_kb: RunKb) -> None:
    root = tmp_path / "kb"
    root.mkdir()
    write_kb(root, {"docs/en/withdraw.md": article("Withdraw", BODY), "docs/en/fees.md": article("Fees", FEES),
                    "docs/en/limits.md": article("Limits", "\n## Daily\n\nOne a day.\n")})
    write_kb(root, {"docs/zh/withdraw.md": translation("提币", BODY.replace("Text", "文字") + "\n[x](gone.md)\n",
                                                       hash_of(root, "withdraw.md"))})
    commit(root, "articles", "2026-01-05")
    same(root, tmp_path, run_kb)
    fees = root / "docs/en/fees.md"
    fees.write_text(fees.read_text().replace("## Network fees", "## Fees by network"))
    out = same(root, tmp_path, run_kb)  # status; check is compared inside, warm and cold
    assert out
    check = run_kb(root, "check").out
    assert "no heading #network-fees in fees.md" in check and "gone.md" in check
