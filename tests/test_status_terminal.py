"""kb status in a terminal: the articles most harmful to readers first, missing ones counted, colours by status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import RunKb, article, commit_all, hash_of, translation, write_kb

SOURCES = {"fees.md": True, "kyc.md": True, "limits.md": False, "login.md": False, "news.md": False}  # critical?


def harm_center(root: Path) -> Path:
    """zh: fees stale (critical), limits stale, login machine, an orphan, kyc and news missing; ja: all missing."""
    write_kb(root, {f"docs/en/{rel}": article(rel[:-3].title(), f"About {rel[:-3]}: 10 minutes.\n", critical=crit)
                    for rel, crit in SOURCES.items()})
    write_kb(root, {
        "docs/zh/fees.md": translation("费用", "关于费用：10 分钟。\n", hash_of(root, "fees.md")),
        "docs/zh/limits.md": translation("限额", "关于限额：10 分钟。\n", hash_of(root, "limits.md")),
        "docs/zh/login.md": translation("登录", "关于登录：10 分钟。\n", hash_of(root, "login.md"), "machine"),
        "docs/zh/old.md": translation("旧", "旧文章。\n", "0123456789ab"),
    })
    commit_all(root, "translated")
    for rel in ("fees.md", "limits.md"):
        path = root / "docs/en" / rel
        path.write_text(path.read_text().replace("10 minutes", "20 minutes"))
    commit_all(root, "slower")
    return root


def listed(out: str) -> list[str]:
    """The lines after the table of counts (its header, then a line of counts per language)."""
    lines = out.splitlines()[1:]
    start = next(i for i, line in enumerate(lines) if not line.split()[1].isdigit())
    return [line.split(", source changed")[0] for line in lines[start:]]


def test_status_lists_the_most_harmful_first_and_counts_missing(tmp_path: Path, run_kb: RunKb) -> None:
    root = harm_center(tmp_path)
    code, out, _ = run_kb(root, "status")
    assert code == 0
    assert out.splitlines()[2].split() == ["zh", "0", "1", "2", "2", "1", "0", "0", "0%"]
    assert listed(out) == [
        "zh stale     docs/zh/fees.md (critical)",  # a reader may read an old fee: first, in every language
        "    line 6: paragraph changed: About fees: [-10-] {+20+} minutes.",
        "zh stale     docs/zh/limits.md",
        "    line 6: paragraph changed: About limits: [-10-] {+20+} minutes.",
        "zh machine   docs/zh/login.md",
        "zh missing   docs/en/kyc.md (critical)",  # a critical article missing is named, in each language
        "ja missing   docs/en/fees.md (critical)",
        "ja missing   docs/en/kyc.md (critical)",
        "zh orphan    docs/zh/old.md",
        "zh: 2 missing (1 critical, listed above) — kb status --all to list them",
        "ja: 5 missing (2 critical, listed above) — kb status --all to list them",
    ]
    assert "news.md" not in out and "\x1b[" not in out  # piped: no colours


def test_status_all_lists_every_article(tmp_path: Path, run_kb: RunKb) -> None:
    root = harm_center(tmp_path)
    code, out, _ = run_kb(root, "status", "ja", "--all")
    assert code == 0
    assert listed(out)[-5:] == [
        "ja missing   docs/en/fees.md (critical)",
        "ja missing   docs/en/kyc.md (critical)",
        "ja missing   docs/en/limits.md",
        "ja missing   docs/en/login.md",
        "ja missing   docs/en/news.md",
    ]
    assert "kb status --all to list them" not in out


def test_status_colours_each_status_when_forced_never_in_json_or_markdown(tmp_path: Path, run_kb: RunKb,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    root = harm_center(tmp_path)
    code, out, _ = run_kb(root, "status", "zh", "--color", "always")
    assert code == 0
    assert "\x1b[1;31mstale    \x1b[0m docs/zh/fees.md\x1b[1;31m (critical)\x1b[0m" in out  # bold red
    assert "\x1b[33mstale    \x1b[0m docs/zh/limits.md" in out  # yellow
    assert "\x1b[36mmachine  \x1b[0m docs/zh/login.md" in out  # cyan
    assert "Translation status" in out  # the terminal's table, not the plain columns
    monkeypatch.setenv("FORCE_COLOR", "1")  # auto honours FORCE_COLOR as rich reads it
    assert "\x1b[33mstale    \x1b[0m docs/zh/limits.md" in run_kb(root, "status", "zh").out
    assert "\x1b[" not in run_kb(root, "status", "zh", "--color", "never").out
    monkeypatch.delenv("FORCE_COLOR")
    code, out, _ = run_kb(root, "status", "--format", "json", "--color", "always")
    assert code == 0 and "\x1b[" not in out and json.loads(out)["languages"]["zh"]["counts"]["stale"] == 2
    code, out, _ = run_kb(root, "status", "--format", "markdown", "--color", "always")
    assert code == 0 and "\x1b[" not in out and "fees.md" in out


def test_diff_names_the_translation_line_of_each_changed_block(tmp_path: Path, run_kb: RunKb) -> None:
    en = ["Deposits arrive after 2 confirmations.", "Withdrawals take up to 30 minutes.",
          "Check the network before you send.", "Support answers within 24 hours."]
    zh = ["充值在 2 次确认后到账。", "提币最多需要\n30 分钟。", "发送前请检查网络。", "客服在 24 小时内回复。"]
    write_kb(tmp_path, {"docs/en/times.md": article("Times", "\n\n".join(en) + "\n")})
    write_kb(tmp_path, {"docs/zh/times.md": translation("时间", "\n\n".join(zh) + "\n", hash_of(tmp_path, "times.md"))})
    commit_all(tmp_path, "translated")
    # A paragraph added before the changed one: the pairs after it must not shift (by kind alone they would).
    edited = [en[0], "Large withdrawals are checked by hand.", en[1], en[2], en[3].replace("24", "48")]
    (tmp_path / "docs/en/times.md").write_text(article("Times", "\n\n".join(edited) + "\n"))
    commit_all(tmp_path, "a new paragraph, a slower answer")
    code, out, _ = run_kb(tmp_path, "diff", "zh", "times.md")
    assert code == 0
    lines = (tmp_path / "docs/zh/times.md").read_text().splitlines()
    first, _, third, fourth = (lines.index(text.split("\n")[0]) + 1 for text in zh)
    assert ("docs/en/times.md:7: paragraph added\n  + Large withdrawals are checked by hand.\n"
            f"  translation: add it to docs/zh/times.md after line {first}\n") in out
    assert ("docs/en/times.md:13: paragraph changed\n  - Support answers within 24 hours.\n"
            "  + Support answers within 48 hours.\n    Support answers within [-24-] {+48+} hours.\n"
            f"  translation: docs/zh/times.md:{fourth}\n") in out
    assert lines[fourth - 1] == "客服在 24 小时内回复。"
    # A paragraph removed: the translation's paragraph made from it.
    (tmp_path / "docs/en/times.md").write_text(article("Times", "\n\n".join([en[0], en[1], en[3]]) + "\n"))
    commit_all(tmp_path, "one paragraph less")
    code, out, _ = run_kb(tmp_path, "diff", "zh", "times.md")
    assert ("docs/en/times.md:9: paragraph removed\n  - Check the network before you send.\n"
            f"  translation: docs/zh/times.md:{third} (made from the removed block: remove or rework it)\n") in out
    assert lines[third - 1] == "发送前请检查网络。"
