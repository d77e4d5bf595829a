"""Translation status: what makes a translation current, machine, stale, missing, orphan, untracked."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RunKb, article, commit_all, hash_of, statuses, translation, write_kb

SOURCE_BODY = """
Withdrawals leave your account after 2 confirmations.
Most arrive within 30 minutes.

## Network fees

Each network charges its own fee, shown before you confirm.

- Check the network.
- Check the address.
"""
ZH_BODY = """
提币在 2 次确认后离开您的账户。大多数在 30 分钟内到账。

## 网络费用

每个网络收取自己的费用，确认前会显示。

- 检查网络。
- 检查地址。
"""


def make_center(root: Path) -> Path:
    """A help center with one reviewed zh and one machine ja translation, committed to git."""
    write_kb(root, {"docs/en/withdraw.md": article("Withdraw crypto", SOURCE_BODY, critical=True)})
    digest = hash_of(root, "withdraw.md")
    write_kb(root, {
        "docs/zh/withdraw.md": translation("提币", ZH_BODY, digest),
        "docs/ja/withdraw.md": translation("出金", ZH_BODY.replace("提币", "出金"), digest, "machine"),
    })
    commit_all(root, "withdraw article and translations")
    return root


def test_reviewed_translation_is_current_and_machine_draft_is_machine(tmp_path: Path) -> None:
    found = statuses(make_center(tmp_path))
    assert found["zh"]["withdraw.md"].status == "current"
    assert found["ja"]["withdraw.md"].status == "machine"


def test_one_word_change_makes_translations_stale_and_names_the_paragraph(tmp_path: Path) -> None:
    root = make_center(tmp_path)
    path = root / "docs/en/withdraw.md"
    path.write_text(path.read_text().replace("charges its own fee", "charges its own network fee"))
    commit_all(root, "clarify fees")
    found = statuses(root)
    entry = found["zh"]["withdraw.md"]
    assert entry.status == "stale" and found["ja"]["withdraw.md"].status == "stale"
    assert len(entry.changes) == 1
    change = entry.changes[0]
    assert (change.kind, change.block_kind, change.line) == ("changed", "paragraph", 11)
    assert change.old_text == "Each network charges its own fee, shown before you confirm."
    assert "its own network fee" in change.text
    assert entry.source_changed_on  # the date of the commit that changed it


def test_rewrapping_lines_and_crlf_do_not_make_translations_stale(tmp_path: Path) -> None:
    root = make_center(tmp_path)
    path = root / "docs/en/withdraw.md"
    text = path.read_text()
    text = text.replace("after 2 confirmations.\nMost arrive", "after 2\nconfirmations.   Most arrive")
    text = text.replace("shown before you confirm.", "shown before   \nyou confirm.  ")
    path.write_bytes(text.replace("\n", "\r\n").encode())
    found = statuses(root)
    assert found["zh"]["withdraw.md"].status == "current"


def test_deleting_a_source_makes_its_translation_an_orphan(tmp_path: Path) -> None:
    root = make_center(tmp_path)
    (root / "docs/en/withdraw.md").unlink()
    found = statuses(root)
    assert found["zh"]["withdraw.md"].status == "orphan"
    assert found["ja"]["withdraw.md"].status == "orphan"


def test_missing_untracked_and_history_that_does_not_reach(tmp_path: Path) -> None:
    root = make_center(tmp_path)
    write_kb(root, {
        "docs/en/deposit.md": article("Deposit crypto", "Send coins to your deposit address.\n"),
        "docs/zh/deposit.md": "---\ntitle: 充值\n---\n\n把币发送到您的充值地址。\n",
        "docs/ja/withdraw.md": translation("出金", "古い翻訳。\n", "0123456789ab", "machine"),
    })
    found = statuses(root)
    assert found["zh"]["deposit.md"].status == "untracked"
    assert found["ja"]["deposit.md"].status == "missing"
    stale = found["ja"]["withdraw.md"]
    assert stale.status == "stale" and stale.changes == ()
    assert "git history holds no version of docs/en/withdraw.md with hash 0123456789ab" in stale.reasons[0]


def test_source_language_is_a_setting(tmp_path: Path) -> None:
    body = "挂单手续费为 0.10%。\n\n## 折扣\n\n使用 NMB 支付可享 25% 折扣。\n"
    files = {"docs/zh/fees.md": article("交易手续费", body)}
    root = write_kb(tmp_path, files, source="zh", languages=("zh", "en", "ja"))
    digest = hash_of(root, "fees.md", "zh")
    write_kb(root, {"docs/en/fees.md": translation(
        "Trading fees", "The maker fee is 0.10%.\n\n## Discount\n\nPay with NMB for a 25% discount.\n", digest)},
        source="zh", languages=("zh", "en", "ja"))
    commit_all(root, "zh source")
    path = root / "docs/zh/fees.md"
    path.write_text(path.read_text().replace("25%", "20%"))
    found = statuses(root)
    assert set(found) == {"zh", "en", "ja"}
    assert found["zh"]["fees.md"].status == "current"
    assert found["ja"]["fees.md"].status == "missing"
    entry = found["en"]["fees.md"]
    assert entry.status == "stale"
    assert [(c.line, c.old_text) for c in entry.changes] == [(9, "使用 NMB 支付可享 25% 折扣。")]


def test_status_json_and_policy_check(tmp_path: Path, run_kb: RunKb) -> None:
    root = make_center(tmp_path)
    code, out, _ = run_kb(root, "status", "--format", "json", "--check")
    assert code == 0
    assert json.loads(out)["languages"]["zh"]["counts"]["current"] == 1
    path = root / "docs/en/withdraw.md"
    path.write_text(path.read_text().replace("30 minutes", "60 minutes"))
    code, out, err = run_kb(root, "status", "--format", "json", "--check")
    data = json.loads(out)
    assert code == 1
    assert data["policy"]["ok"] is False
    assert "docs/zh/withdraw.md: zh withdraw.md is stale (critical): policy zh.fail_on has stale-critical" in err
    assert data["languages"]["zh"]["articles"][0]["changes"][0]["old_text"].endswith("within 30 minutes.")


def test_status_table_when_piped_is_plain_text(tmp_path: Path, run_kb: RunKb) -> None:
    root = make_center(tmp_path)
    code, out, _ = run_kb(root, "status", "zh")
    assert code == 0
    assert out.splitlines()[1].split() == ["zh", "1", "0", "0", "0", "0", "0", "0", "100%"]
    path = root / "docs/en/withdraw.md"
    path.write_text(path.read_text().replace("charges its own fee", "charges its own network fee"))
    commit_all(root, "clarify fees")
    code, out, _ = run_kb(root, "status", "zh")
    assert out.splitlines()[1].split() == ["zh", "0", "0", "1", "0", "0", "0", "0", "0%"]
    assert "zh stale     docs/zh/withdraw.md (critical), source changed 20" in out
    assert "    line 11: paragraph changed: … network charges its own {+network+} fee, shown before you …" in out
    code, _, err = run_kb(root, "status", "fr")
    assert code == 2 and "unknown language 'fr'" in err


def test_an_all_digit_hash_is_read_as_written(tmp_path: Path) -> None:
    root = make_center(tmp_path)
    path = root / "docs/zh/withdraw.md"
    # YAML would read 012345670123 as an octal number; a hash is text whatever its digits.
    path.write_text(path.read_text().replace(hash_of(root, "withdraw.md"), "012345670123"))
    entry = statuses(root)["zh"]["withdraw.md"]
    assert entry.status == "stale"
    assert "with hash 012345670123" in entry.reasons[0]


def test_the_cache_never_hides_an_edit(tmp_path: Path, run_kb: RunKb) -> None:
    root = make_center(tmp_path)
    assert run_kb(root, "status", "--format", "json")[0] == 0  # fills .kb-cache without blocks
    assert run_kb(root, "check")[0] == 0  # needs blocks: loads or parses them
    path = root / "docs/zh/withdraw.md"
    path.write_text(path.read_text().replace("30 分钟", "45 分钟"))
    code, out, _ = run_kb(root, "check")
    assert code == 1 and "docs/zh/withdraw.md:10: the source says 30 where the translation says 45" in out
    (root / "docs/en/withdraw.md").write_text((root / "docs/en/withdraw.md").read_text() + "\nOne more line.\n")
    code, out, _ = run_kb(root, "status", "--format", "json")
    assert json.loads(out)["languages"]["zh"]["counts"]["stale"] == 1
    assert (root / ".kb-cache/documents.pickle").exists()  # blocks: only those a scan read (status reads few)


def test_stale_entries_explained_by_one_process_a_core_are_those_explained_by_one(tmp_path: Path) -> None:
    import threading

    from kb_tools import config, snapshots, status
    from kb_tools.git import Git
    from kb_tools.scan import scan

    # Five committed versions of each source. zh is made from the oldest, beyond the three versions read
    # ahead, so a worker reads it with a git process of its own; ja from the fourth; ko from a version kept
    # only as a snapshot, and from a hash no version has.
    root, langs, made_from = tmp_path, ("en", "zh", "ja", "ko"), {}
    for version in range(5):
        write_kb(root, {f"docs/en/topic-{i}.md": article(f"Topic {i}", SOURCE_BODY.replace("30", f"{30 + version}")
                                                         + "".join(f"\nStep {v}.\n" for v in range(version)))
                        for i in range(6)}, languages=langs)
        made_from[version] = [hash_of(root, f"topic-{i}.md") for i in range(6)]
        commit_all(root, f"version {version}")
    draft = (root / "docs/en/topic-0.md").read_text() + "\nA draft never committed.\n"
    (root / "docs/en/topic-0.md").write_text(draft)
    snapshots.save(root, hash_of(root, "topic-0.md"), draft.encode())
    write_kb(root, {"docs/en/topic-0.md": draft + "\nLast words.\n",
                    "docs/ko/topic-0.md": translation("ko 0", ZH_BODY, hash_of(root, "topic-0.md")),
                    "docs/ko/topic-5.md": translation("ko 5", ZH_BODY, "0123456789ab"),
                    **{f"docs/{lang}/topic-{i}.md": translation(f"{lang} {i}", ZH_BODY, made_from[version][i])
                       for lang, version in (("zh", 0), ("ja", 3)) for i in range(6)}}, languages=langs)
    center = scan(config.load(root / "mkdocs.yml"), use_cache=False, blocks=False, source_blocks=False)
    stale = sorted({(e.rel, status._made_from(center, lang, e)) for lang, entries in status.compute(center).items()
                    for e in entries if e.status == "stale"})
    assert threading.active_count() == 1  # else no worker starts, and this compares one process with itself
    with Git(root) as git:
        alone = status._explain_all(git, center, stale, 1)
    with Git(root) as git:
        assert status._explain_all(git, center, stale, 2) == alone
    # Changed since: the paragraph with the number and the steps added (and topic-0's lines), or unknown.
    assert sorted(len(changes) for changes, _date, _notes, _blocks in alone) == [0, 1, 2, 2, 2, 2, 2, 4, 5, 5, 5, 5,
                                                                                   5, 7]
    assert [notes for _changes, _date, notes, _blocks in alone if notes] == [
        ("git history holds no version of docs/en/topic-5.md with hash 0123456789ab: cannot tell which paragraphs "
         "changed",)]
