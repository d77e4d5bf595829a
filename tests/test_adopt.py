"""kb adopt, snapshots and editorial edits: imported translations tracked from git history; the same
stale explanations and draft payloads from a shallow clone as from a full one; typo fixes that keep
translations current, on the record."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import RunKb, article, commit_all, git, hash_of, statuses, write_kb
from mt_server import MTServer

SOURCE = """
Withdrawals leave your account after 2 confirmations.

## Network fees

Each network charges its own fee, shown before you confirm.

- Check the network.
- Check the address.
"""
ZH = """
提币在 2 次确认后离开您的账户。

## 网络费用

每个网络收取自己的费用，确认前会显示。

- 检查网络。
- 检查地址。
"""
JA = ZH.replace("提币", "出金")


def commit_dated(root: Path, message: str, date: str) -> None:
    """Commit everything with a fixed author and committer date."""
    git(root, "add", "-A")
    env = {**os.environ, "GIT_COMMITTER_DATE": f"{date}T10:00:00Z", "GIT_AUTHOR_DATE": f"{date}T10:00:00Z"}
    subprocess.run(["git", "-c", "user.name=Translator", "-c", "user.email=t@example.com", "commit", "-q", "-m",
                    message], cwd=root, env=env, check=True)


def imported(root: Path) -> Path:
    """zh translated from the first source, then the source edited, then ja translated: none tracked."""
    write_kb(root, {"docs/en/withdraw.md": article("Withdraw crypto", SOURCE),
                    "docs/en/fees.md": article("Fees", "Fees change weekly.\n"), ".gitignore": ".kb-cache/\n"})
    git(root, "init", "-q", "-b", "main")
    commit_dated(root, "source", "2026-01-05")
    write_kb(root, {"docs/zh/withdraw.md": article("提币", ZH), "docs/zh/fees.md": article("费用", "费用每周变化。\n")})
    commit_dated(root, "zh translation", "2026-01-10")
    path = root / "docs/en/withdraw.md"
    path.write_text(path.read_text().replace("its own fee", "its own network fee"))
    commit_dated(root, "clarify fees", "2026-02-01")
    write_kb(root, {"docs/ja/withdraw.md": article("出金", JA)})
    commit_dated(root, "ja translation", "2026-02-03")
    return root


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def test_adopt_finds_the_version_each_translation_was_made_from(tmp_path: Path, run_kb: RunKb) -> None:
    root = imported(tmp_path)
    assert {e.status for e in statuses(root)["zh"].values()} == {"untracked"}
    code, out, err = run_kb(root, "adopt")
    assert code == 0, err
    first = git(root, "log", "--format=%H", "-1", "--", "docs/en/fees.md").strip()
    latest = git(root, "log", "--format=%H", "-1", "--", "docs/en/withdraw.md").strip()
    lines = out.splitlines()
    assert (f"adopted zh withdraw.md: made from source {first[:10]} of 2026-01-05 (hash "
            f"{front(root / 'docs/zh/withdraw.md')['translation']['source_hash']}; translation last committed "
            f"{git(root, 'log', '--format=%H', '-1', '--', 'docs/zh').strip()[:10]} (2026-01-10)): stale, "
            "1 source blocks changed since") in lines
    assert any(line.startswith(f"adopted ja withdraw.md: made from source {latest[:10]} of 2026-02-01") and
               line.endswith(": current") for line in lines)
    assert lines[-1] == "3 adopted (2 current, 0 machine, 1 stale), 0 not adopted; 0 more snapshots from history"
    found = statuses(root)
    stale = found["zh"]["withdraw.md"]
    assert stale.status == "stale" and stale.source_changed_on == "2026-02-01"
    assert [(c.kind, c.block_kind, c.old_text, c.text) for c in stale.changes] == [
        ("changed", "paragraph", "Each network charges its own fee, shown before you confirm.",
         "Each network charges its own network fee, shown before you confirm.")]
    assert found["zh"]["fees.md"].status == "current" and found["ja"]["withdraw.md"].status == "current"
    block = front(root / "docs/zh/fees.md")["translation"]
    assert block == {"source_hash": hash_of(root, "fees.md"), "status": "reviewed", "reviewed_by": "Translator",
                     "reviewed_on": __import__("datetime").date(2026, 1, 10)}
    # The version zh was made from is kept in the repository, named by its hash.
    old_hash = front(root / "docs/zh/withdraw.md")["translation"]["source_hash"]
    assert "its own fee," in (root / f"locales/snapshots/{old_hash}.md").read_text()


def test_adopt_dry_run_writes_nothing_and_as_machine(tmp_path: Path, run_kb: RunKb) -> None:
    root = imported(tmp_path)
    code, out, _ = run_kb(root, "adopt", "zh", "--dry-run")
    assert code == 0 and "would adopt zh withdraw.md" in out and "ja" not in out
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert not (root / "locales").exists()
    assert run_kb(root, "adopt", "zh", "--as", "machine")[0] == 0
    assert front(root / "docs/zh/fees.md")["translation"] == {"source_hash": hash_of(root, "fees.md"),
                                                                "status": "machine"}
    found = statuses(root)
    assert (found["zh"]["fees.md"].status, found["zh"]["withdraw.md"].status) == ("machine", "stale")
    assert found["ja"]["withdraw.md"].status == "untracked"


def test_adopt_leaves_uncommitted_translations_alone_without_force(tmp_path: Path, run_kb: RunKb) -> None:
    root = imported(tmp_path)
    path = root / "docs/zh/fees.md"
    path.write_text(path.read_text() + "\n更多。\n")
    edited = path.read_text()
    code, out, _ = run_kb(root, "adopt", "zh")
    assert code == 1
    assert ("not adopted zh fees.md: docs/zh/fees.md has uncommitted changes: commit them (kb adopt reads the "
            "commit), or pass --force") in out
    assert path.read_text() == edited and "adopted zh withdraw.md" in out
    assert run_kb(root, "adopt", "zh", "--force")[0] == 0
    assert front(path)["translation"]["source_hash"] == hash_of(root, "fees.md")


def test_adopt_refuses_a_shallow_clone(tmp_path: Path, run_kb: RunKb) -> None:
    root = imported(tmp_path / "full")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(shallow)], check=True)
    code, _, err = run_kb(shallow, "adopt")
    assert code == 2
    assert err.strip() == ("kb: kb adopt reads git history, and the history is shallow (git clone --depth): fetch "
                           "more with git fetch --unshallow")


def tracked(tmp_path: Path, run_kb: RunKb) -> Path:
    """imported(), adopted and committed, then the source edited once more: zh and ja are stale."""
    root = imported(tmp_path / "full")
    assert run_kb(root, "adopt")[0] == 0
    commit_all(root, "adopt")
    path = root / "docs/en/withdraw.md"
    path.write_text(path.read_text().replace("- Check the address.", "- Check the address twice."))
    commit_dated(root, "address twice", "2026-03-01")
    return root


def shallow_clone(root: Path, target: Path) -> Path:
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(target)], check=True)
    assert git(target, "rev-parse", "--is-shallow-repository").strip() == "true"
    return target


def without_dates(data: dict) -> dict:
    """status JSON without the dates the source changed: only history knows them (a shallow clone has none)."""
    for language in data["languages"].values():
        for entry in language["articles"]:
            entry.pop("source_changed_on", None)
    data.pop("dashboard")  # its ages are counted from those dates
    return data


def test_a_shallow_clone_explains_stale_translations_as_the_full_clone(tmp_path: Path, run_kb: RunKb) -> None:
    root = tracked(tmp_path, run_kb)
    shallow = shallow_clone(root, tmp_path / "shallow")
    full_status, shallow_status = (run_kb(r, "status", "--format", "json") for r in (root, shallow))
    full, thin = json.loads(full_status.out), json.loads(shallow_status.out)
    zh = {a["path"]: a for a in full["languages"]["zh"]["articles"]}
    assert [c["text"] for c in zh["withdraw.md"]["changes"]] == [
        "Each network charges its own network fee, shown before you confirm.", "- Check the address twice."]
    assert zh["withdraw.md"]["source_changed_on"] == "2026-02-01"
    assert without_dates(thin) == without_dates(full)
    for lang in ("zh", "ja"):
        assert run_kb(shallow, "diff", lang, "withdraw.md") == run_kb(root, "diff", lang, "withdraw.md")
    # Without the snapshots, the shallow clone could not tell.
    (shallow / "locales/snapshots").rename(shallow / "gone")
    entry = json.loads(run_kb(shallow, "status", "--format", "json").out)["languages"]["zh"]["articles"][0]
    assert entry["changes"] == [] and "the history is shallow" in entry["reasons"][0]


def test_a_shallow_clone_sends_the_engine_what_a_full_clone_sends(tmp_path: Path, run_kb: RunKb,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRE_API_KEY", "test-key")
    root = tracked(tmp_path, run_kb)
    assert run_kb(root, "approve", "zh", "fees.md", "--by", "li")[0] == 0  # a reviewed translation: memory
    commit_all(root, "approve")
    shallow = shallow_clone(root, tmp_path / "shallow")
    dry = [run_kb(r, "draft", "zh", "--engine", "libre", "--engine-url", "http://127.0.0.1:9", "--dry-run")
           for r in (root, shallow)]
    assert dry[0] == dry[1] and dry[0].code == 0
    received = []
    for where in (root, shallow):
        with MTServer() as server:
            code, _, err = run_kb(where, "draft", "zh", "--engine", "libre", "--engine-url", server.url,
                                    "--backoff", "0")
        assert code == 0, err
        received.append(server.script.received)
    assert received[0] == received[1] == ["Check the address twice.",  # the changed blocks, not the article
                                          "Each network charges its own network fee, shown before you confirm."]
    # Without the snapshots the shallow clone would send the whole article.
    (shallow / "locales/snapshots").rename(shallow / "gone")
    (shallow / "locales/zh/memory.json").unlink()
    git(shallow, "checkout", "-q", "--", "docs")
    with MTServer() as server:
        run_kb(shallow, "draft", "zh", "--engine", "libre", "--engine-url", server.url, "--backoff", "0")
    assert len(server.script.received) > 2


def test_approve_and_draft_keep_one_snapshot_per_hash_in_use(tmp_path: Path, run_kb: RunKb) -> None:
    root = tracked(tmp_path, run_kb)
    before = sorted(p.name for p in (root / "locales/snapshots").iterdir())
    assert len(before) == 3  # fees, withdraw as zh was made from it, and as ja was
    assert run_kb(root, "approve", "zh", "withdraw.md", "--by", "li", "--force")[0] == 0
    after = sorted(p.name for p in (root / "locales/snapshots").iterdir())
    now = hash_of(root, "withdraw.md")
    assert f"{now}.md" in after and len(after) == 3  # zh's old version went: nothing refers to it
    assert run_kb(root, "snapshots", "--check") == (0, "3 snapshots; 0 missing, 0 unused\n", "")
    # CI checks them from a shallow clone: one gone and one unused are both reported.
    commit_all(root, "approved")
    shallow = shallow_clone(root, tmp_path / "shallow")
    (shallow / f"locales/snapshots/{now}.md").rename(shallow / f"locales/snapshots/{'0' * 12}.md")
    code, out, _ = run_kb(shallow, "snapshots", "--check")
    assert code == 1
    assert out.splitlines() == [
        f"missing locales/snapshots/{now}.md: a translation of withdraw.md was made from it: run kb snapshots in "
        "a full clone",
        f"unused locales/snapshots/{'0' * 12}.md: no translation refers to it: run kb snapshots",
        "3 snapshots; 1 missing, 1 unused"]


def test_an_editorial_edit_keeps_translations_current_on_the_record(tmp_path: Path, run_kb: RunKb) -> None:
    root = tracked(tmp_path, run_kb)
    assert run_kb(root, "approve", "ja", "withdraw.md", "--by", "ken", "--force")[0] == 0
    commit_all(root, "ja reviewed")
    path = root / "docs/en/withdraw.md"
    path.write_text(path.read_text().replace("Withdrawals leave", "Withdrawals now leave"))
    commit_all(root, "one word")
    assert statuses(root)["ja"]["withdraw.md"].status == "stale"
    code, out, err = run_kb(root, "editorial", "docs/en/withdraw.md", "--by", "ann", "--note", "one word")
    assert code == 0, err
    edits = yaml.safe_load((root / "locales/editorial.yml").read_text())
    assert edits == [{"path": "withdraw.md", "before": edits[0]["before"], "after": hash_of(root, "withdraw.md"),
                      "by": "ann", "on": edits[0]["on"], "note": "one word"}]
    assert out.splitlines()[-1].endswith("translations that stay current: ja")
    found = statuses(root)
    ja, zh = found["ja"]["withdraw.md"], found["zh"]["withdraw.md"]
    assert ja.status == "current" and ja.reasons == (
        f"current through an editorial source edit {edits[0]['before']} -> {edits[0]['after']} "
        f"({edits[0]['on']}, ann): one word",)
    assert zh.status == "stale" and len(zh.changes) == 3  # stale before the edit: still stale, and it is named
    code, out, _ = run_kb(root, "status", "ja")
    assert "ja current   docs/ja/withdraw.md\n    current through an editorial source edit" in out
    ja_json = json.loads(run_kb(root, "status", "ja", "--format", "json").out)["languages"]["ja"]["articles"]
    assert {a["path"]: a["status"] for a in ja_json} == {"fees.md": "missing", "withdraw.md": "current"}
    assert ja_json[1]["reasons"] == list(ja.reasons)
    # A shallow clone reads the same record.
    commit_all(root, "editorial")
    shallow = shallow_clone(root, tmp_path / "shallow")
    assert statuses(shallow)["ja"]["withdraw.md"].reasons == ja.reasons
    # A later, real edit makes ja stale, naming only what changed after the editorial one.
    path.write_text(path.read_text().replace("2 confirmations", "3 confirmations"))
    entry = statuses(root)["ja"]["withdraw.md"]
    assert entry.status == "stale" and [c.text for c in entry.changes] == [
        "Withdrawals now leave your account after 3 confirmations."]


def test_a_site_without_front_matter_is_titled_by_its_headings_and_adopted(tmp_path: Path, run_kb: RunKb) -> None:
    # As many imported sites are: no front matter, the title is the first # heading (as MkDocs reads it).
    write_kb(tmp_path, {"docs/en/withdraw.md": "# Withdraw crypto { #withdraw }\n" + SOURCE,
                        ".gitignore": ".kb-cache/\n"}, languages=("en", "zh"))
    git(tmp_path, "init", "-q", "-b", "main")
    commit_dated(tmp_path, "source", "2026-01-05")
    write_kb(tmp_path, {"docs/zh/withdraw.md": "# 提币 { #withdraw }\n" + ZH}, languages=("en", "zh"))
    commit_dated(tmp_path, "zh translation", "2026-01-10")
    assert statuses(tmp_path)["zh"]["withdraw.md"].status == "untracked"
    code, out, err = run_kb(tmp_path, "adopt", "zh")
    assert code == 0, err
    text = (tmp_path / "docs/zh/withdraw.md").read_text(encoding="utf-8")
    assert text.startswith("---\ntranslation:\n  source_hash: ") and text.endswith("---\n# 提币 { #withdraw }\n" + ZH)
    entry = statuses(tmp_path)["zh"]["withdraw.md"]
    assert entry.status == "current"
    code, out, _ = run_kb(tmp_path, "status", "--format", "json")
    assert code == 0 and "invalid" not in [e["status"] for e in json.loads(out)["languages"]["en"]["articles"]]
