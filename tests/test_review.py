"""Translator review: kb approve, kb diff, the review site and the dashboard."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RunKb, article, commit_all, hash_of, statuses, translation, write_kb
from playwright.sync_api import Browser

from kb_tools import frontmatter
from kb_tools.memory import Memory

SOURCE = ["Deposits arrive after 2 confirmations.", "Withdrawals take up to 30 minutes.",
          "Check the network before you send.", "Support answers within 24 hours."]
ZH = ["充值在 2 次确认后到账。", "提币最多需要 30 分钟。", "发送前请检查网络。", "客服在 24 小时内回复。"]


def center(root: Path) -> Path:
    write_kb(root, {
        "docs/en/times.md": article("Processing times", "\n\n".join(SOURCE) + "\n"),
        "docs/zh/times.md": "---\ntitle: 处理时间\n---\n\n" + "\n\n".join(ZH) + "\n",  # imported, untracked
    })
    commit_all(root, "source and a legacy translation")
    return root


def test_approve_then_a_source_edit_then_diff_and_draft(tmp_path: Path, run_kb: RunKb) -> None:
    root = center(tmp_path)
    assert statuses(root)["zh"]["times.md"].status == "untracked"
    code, out, _ = run_kb(root, "approve", "zh", "times.md", "--by", "li.wei")
    assert code == 0 and "approved zh times.md" in out and "adopted" in out and "memory: 5 blocks learned" in out
    block = frontmatter.parse(frontmatter.split((root / "docs/zh/times.md").read_text()))["translation"]
    assert (block["status"], block["reviewed_by"], block["source_hash"]) == ("reviewed", "li.wei",
                                                                             hash_of(root, "times.md"))
    assert (root / "docs/zh/times.md").read_text().endswith("\n\n".join(ZH) + "\n")  # the text is untouched
    assert statuses(root)["zh"]["times.md"].status == "current"
    memory = Memory.load(root, "zh")
    assert sorted(target for _, target in memory.entries.values()) == sorted([*ZH, "处理时间"])
    commit_all(root, "approved")

    path = root / "docs/en/times.md"
    path.write_text(path.read_text().replace("up to 30 minutes", "up to 45 minutes"))
    commit_all(root, "slower withdrawals")
    code, out, _ = run_kb(root, "status", "zh")
    assert "    line 7: paragraph changed: Withdrawals take up to [-30-] {+45+} minutes." in out
    code, out, _ = run_kb(root, "diff", "zh", "times.md")
    assert code == 0
    assert ("docs/en/times.md:7: paragraph changed\n  - Withdrawals take up to 30 minutes.\n"
            "  + Withdrawals take up to 45 minutes.\n") in out
    code, out, _ = run_kb(root, "draft", "zh", "--engine", "memory")
    assert code == 0 and "drafted times.md: 0 sent, 4 reused" in out
    text = (root / "docs/zh/times.md").read_text()
    assert all(line in text for line in (ZH[0], ZH[2], ZH[3])) and "Withdrawals take up to 45 minutes." in text


def test_approving_a_misaligned_translation_warns_and_feeds_nothing(tmp_path: Path, run_kb: RunKb) -> None:
    root = center(tmp_path)
    merged = "---\ntitle: 处理时间\n---\n\n" + ZH[0] + ZH[1] + "\n\n" + ZH[2] + "\n\n" + ZH[3] + "\n"
    (root / "docs/zh/times.md").write_text(merged)
    code, out, _ = run_kb(root, "approve", "zh", "times.md", "--by", "li.wei", "--force")
    assert code == 0
    assert ("memory: not fed: its 3 blocks do not line up with the 4 blocks of docs/en/times.md "
            "(translate block by block to reuse them)") in out
    assert Memory.load(root, "zh").entries == {}


def test_approve_refuses_a_translation_that_fails_qa(tmp_path: Path, run_kb: RunKb) -> None:
    root = center(tmp_path)
    path = root / "docs/zh/times.md"
    path.write_text(path.read_text().replace("30 分钟", "60 分钟"))
    code, out, _ = run_kb(root, "approve", "zh", "times.md", "--by", "li.wei")
    assert code == 1 and "not approved zh times.md" in out
    assert "docs/zh/times.md:7: the source says 30 where the translation says 60" in out
    assert statuses(root)["zh"]["times.md"].status == "untracked"


def test_review_site_highlights_the_changed_block(tmp_path: Path, run_kb: RunKb, browser: Browser) -> None:
    root = center(tmp_path)
    write_kb(root, {"docs/zh/times.md": translation("处理时间", "\n\n".join(ZH) + "\n", hash_of(root, "times.md"))})
    commit_all(root, "reviewed")
    path = root / "docs/en/times.md"
    path.write_text(path.read_text().replace("up to 30 minutes", "up to 45 minutes"))
    commit_all(root, "slower withdrawals")
    code, out, _ = run_kb(root, "review")
    assert code == 0 and "review/index.html" in out
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.goto((root / "review/zh/times.html").as_uri())  # from file://, no server
    changed = page.locator("tr.changed td.src")
    assert changed.count() == 1 and changed.is_visible()
    assert changed.locator("del").inner_text() == "30" and changed.locator("ins").inner_text() == "45"
    assert page.locator("code.cmd").inner_text() == "kb approve zh times.md"
    page.screenshot(path=str(tmp_path / "review.png"))
    assert (tmp_path / "review.png").stat().st_size > 10_000
    page.goto((root / "review/index.html").as_uri())
    assert page.locator("a[href='zh/index.html']").is_visible()
    page.close()
    code, out, _ = run_kb(root, "status", "--format", "json")
    board = json.loads(out)["dashboard"]["zh"]
    assert board["counts"]["stale"] == 1 and board["oldest_stale"][0]["path"] == "times.md"
