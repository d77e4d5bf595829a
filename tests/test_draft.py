"""kb draft with the real deep-translator client against a LibreTranslate-compatible server on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, Result, RunKb, article, commit_all, hash_of, statuses, translation, write_kb
from mt_server import API_KEY, MTServer, Script, fake_translation

from kb_tools import frontmatter

PARAGRAPHS = [f"Paragraph {i}: withdrawals on network {i} take about {i * 10} minutes to arrive." for i in range(1, 11)]
ZH_PARAGRAPHS = [f"第 {i} 段：网络 {i} 上的提币大约需要 {i * 10} 分钟到账。" for i in range(1, 11)]


@pytest.fixture(autouse=True)
def libre_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRE_API_KEY", API_KEY)


def front(path: Path) -> dict[str, Any]:
    return frontmatter.parse(frontmatter.split(path.read_text(encoding="utf-8")))


def draft(run_kb: RunKb, root: Path, server: MTServer, *args: str) -> Result:
    return run_kb(root, "draft", *args, "--engine", "libre", "--engine-url", server.url, "--backoff", "0.05")


def reviewed_center(root: Path) -> Path:
    """A reviewed zh translation of a 10-paragraph article, committed."""
    write_kb(root, {"docs/en/withdraw.md": article("Withdrawal times", "\n\n".join(PARAGRAPHS) + "\n")})
    write_kb(root, {"docs/zh/withdraw.md": translation("提币时间", "\n\n".join(ZH_PARAGRAPHS) + "\n",
                                                       hash_of(root, "withdraw.md"))})
    commit_all(root, "reviewed translation")
    return root


def test_editing_one_paragraph_sends_exactly_that_paragraph(tmp_path: Path, run_kb: RunKb) -> None:
    root = reviewed_center(tmp_path)
    path = root / "docs/en/withdraw.md"
    path.write_text(path.read_text().replace("take about 40 minutes", "take about 45 minutes"))
    commit_all(root, "slower network 4")
    with MTServer() as server:
        code, out, err = draft(run_kb, root, server, "zh")
    assert code == 0, err
    edited = PARAGRAPHS[3].replace("40", "45")
    assert server.script.received == [edited]
    text = (root / "docs/zh/withdraw.md").read_text()
    for i, paragraph in enumerate(ZH_PARAGRAPHS):
        assert (paragraph in text) == (i != 3)  # the nine reviewed paragraphs are reused verbatim
    assert fake_translation(edited, "zh") in text
    block = front(root / "docs/zh/withdraw.md")["translation"]
    assert block["status"] == "machine" and block["engine"] == "libre"
    assert block["source_hash"] == hash_of(root, "withdraw.md")
    assert "zh: 1 drafted" in out and "1 sent, 10 reused" in out
    assert statuses(root)["zh"]["withdraw.md"].status == "machine"


def test_code_urls_and_kept_terms_are_never_sent_and_come_back_intact(tmp_path: Path, run_kb: RunKb) -> None:
    body = """
    Send BTC to the address shown at https://nimbusx.example/deposit, see [fees](fees.md) and run `kb status`.

    ```bash
    curl https://api.nimbusx.example/v1/deposit?coin=BTC
    ```

    | Coin | Network fee |
    |---|---|
    | BTC | 0.0005 BTC |
    """
    root = write_kb(tmp_path, {
        "docs/en/deposit.md": article("Deposit BTC", body, description="How to deposit BTC."),
        "docs/en/fees.md": article("Fees", "Fees.\n"),
        "locales/glossary.yml": "do_not_translate: [BTC]\n",
    })
    commit_all(root, "sources")
    with MTServer() as server:
        code, _, err = draft(run_kb, root, server, "zh", "deposit.md")
    assert code == 0, err
    sent = "\n".join(server.script.received)
    for secret in ("curl", "https://", "fees.md", "kb status", "BTC", "0.0005"):
        assert secret not in sent
    text = (root / "docs/zh/deposit.md").read_text()
    assert "```bash\ncurl https://api.nimbusx.example/v1/deposit?coin=BTC\n```" in text
    assert "https://nimbusx.example/deposit" in text and "](fees.md)" in text and "`kb status`" in text
    assert "| BTC | 0.0005 BTC |" in text and "〔zh〕dnes BTC ot eht sserdda" in text
    assert "qa" not in front(root / "docs/zh/deposit.md")["translation"]  # the draft passes kb check's QA
    assert not (root / "docs/ja/fees.md").exists()  # only the paths asked for, only the language asked for


def test_rate_limit_then_success(tmp_path: Path, run_kb: RunKb) -> None:
    root = write_kb(tmp_path, {"docs/en/a.md": article("Limits", "Withdrawals are limited.\n")})
    commit_all(root, "source")
    with MTServer(Script(fail_with=[429, 503])) as server:
        code, _, err = draft(run_kb, root, server, "zh")
    assert code == 0, err
    assert server.script.requests == 4 and server.script.received == ["Limits", "Withdrawals are limited."]


def test_a_server_that_dies_leaves_whole_files_and_the_rerun_sends_nothing_twice(tmp_path: Path, run_kb: RunKb) -> None:
    files = {f"docs/en/a{i}.md": article(f"Article {i}", f"First part {i}.\n\nSecond part {i}.\n") for i in range(4)}
    root = write_kb(tmp_path, files)
    commit_all(root, "sources")
    with MTServer(Script(die_after=7)) as server:  # 3 pieces an article: dies inside the third
        code, _, err = draft(run_kb, root, server, "zh")
        port = server.port
    assert code == 1
    assert err.strip().splitlines()[-1].startswith(f"kb: libre at http://127.0.0.1:{port}/: ")
    assert "Traceback" not in err
    written = sorted(p.name for p in (root / "docs/zh").glob("*.md"))
    assert written == ["a0.md", "a1.md"]
    assert not list((root / "docs/zh").glob(".*.tmp"))
    for name in written:
        assert frontmatter.parse(frontmatter.split((root / "docs/zh" / name).read_text()))["translation"]
    first = list(server.script.received)
    with MTServer(port=port) as again:
        code, _, err = draft(run_kb, root, again, "zh")
    assert code == 0, err
    assert set(first).isdisjoint(again.script.received)  # the third article's first piece came from the cache
    assert sorted(p.name for p in (root / "docs/zh").glob("*.md")) == ["a0.md", "a1.md", "a2.md", "a3.md"]
    assert len(first) + len(again.script.received) == 12


def test_uncommitted_translations_are_not_overwritten_without_force(tmp_path: Path, run_kb: RunKb) -> None:
    root = reviewed_center(tmp_path)
    (root / "docs/en/withdraw.md").write_text((root / "docs/en/withdraw.md").read_text() + "\nOne more.\n")
    mine = (root / "docs/zh/withdraw.md").read_text() + "\n我的修改。\n"
    (root / "docs/zh/withdraw.md").write_text(mine)
    with MTServer() as server:
        code, out, _ = draft(run_kb, root, server, "zh")
        assert code == 0 and "docs/zh/withdraw.md has uncommitted changes: commit them, or pass --force" in out
        assert (root / "docs/zh/withdraw.md").read_text() == mine
        code, out, _ = draft(run_kb, root, server, "zh", "--force")
    assert code == 0 and (root / "docs/zh/withdraw.md").read_text() != mine


def test_dry_run_says_what_would_be_sent_and_sends_nothing(tmp_path: Path, run_kb: RunKb) -> None:
    root = reviewed_center(tmp_path)
    path = root / "docs/en/withdraw.md"
    path.write_text(path.read_text().replace("take about 40 minutes", "take about 45 minutes"))
    write_kb(root, {"docs/en/legal.md": article("Terms", "Legal text.\n", machine_translation=False)})
    commit_all(root, "edit")
    code, out, _ = run_kb(root, "draft", "zh", "--engine", "google", "--dry-run")
    assert code == 0
    chars = len(PARAGRAPHS[3]) + 1 - 1
    assert f"withdraw.md  stale    1 blocks  {chars} chars" in out
    assert "legal.md: machine_translation: false (translate it by hand)" in out
    assert "estimated cost with google: $0.00" in out
    assert (root / "docs/zh/withdraw.md").read_text().count("status: reviewed") == 1


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: a connection to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_online_engine_without_network_fails_fast_with_one_line(tmp_path: Path, run_kb: RunKb) -> None:
    root = write_kb(tmp_path, {"docs/en/a.md": article("Limits", "Withdrawals are limited.\n")})
    commit_all(root, "source")
    url = f"http://127.0.0.1:{closed_port()}/"
    code, out, err = run_kb(root, "draft", "zh", "--engine", "libre", "--engine-url", url, "--backoff", "0")
    assert code == 1
    assert err.strip() == f"kb: libre at {url}: cannot connect after 5 tries: start the server, or correct --engine-url"
    assert API_KEY not in err and "Withdrawals" not in err  # the request (its key and text) is not repeated
    assert "0 characters sent to libre" in out
    assert not (root / "docs/zh/a.md").exists()


def test_memory_engine_drafts_the_sample_offline(tmp_path: Path, run_kb: RunKb) -> None:
    root = tmp_path / "sample"
    subprocess.run(["git", "clone", "-q", str(REPO), str(root)], check=True)  # with the sample's history
    code, out, err = run_kb(root, "draft", "ja", "--engine", "memory")
    assert code == 0, err
    # A stale article: every unchanged block comes from the reviewed translation, the changed one waits.
    path = root / "docs/ja/trading/order-types.md"
    block = front(path)["translation"]
    assert (block["status"], block["engine"]) == ("machine", "memory")
    assert any("not in the translation memory: translate it" in line for line in block["qa"])
    text = path.read_text()
    assert "You choose the amount to spend, not the price." in text
    assert "## 成行注文" in text  # reused from the reviewed translation
    assert "nothing of it is in the translation memory: use an online engine" in out
    assert (root / "locales/ja/memory.json").exists()
    assert statuses(root)["ja"]["trading/order-types.md"].status == "machine"


def test_notes_a_draft_leaves_show_in_kb_check(tmp_path: Path, run_kb: RunKb) -> None:
    root = reviewed_center(tmp_path)
    path = root / "docs/en/withdraw.md"
    path.write_text(path.read_text() + "\nA new closing paragraph.\n")
    commit_all(root, "one more paragraph")
    assert run_kb(root, "draft", "zh", "--engine", "memory")[0] == 0
    code, out, _ = run_kb(root, "check")
    assert code == 0
    assert ("docs/zh/withdraw.md:1: warning: kb draft left a note: docs/en/withdraw.md:25: not in the translation "
            "memory: translate it: resolve it, then delete it from translation.qa") in out
    assert run_kb(root, "check", "--strict")[0] == 1


def test_only_missing_and_only_stale_draft_just_those(tmp_path: Path, run_kb: RunKb) -> None:
    root = reviewed_center(tmp_path)
    path = root / "docs/en/withdraw.md"
    path.write_text(path.read_text().replace("take about 40 minutes", "take about 45 minutes"))
    write_kb(root, {"docs/en/fees.md": article("Fees", "Withdrawal fees change weekly.\n")})
    commit_all(root, "a stale translation and a missing one")
    reviewed = (root / "docs/zh/withdraw.md").read_text()
    with MTServer() as server:
        code, out, err = draft(run_kb, root, server, "zh", "--only", "missing")
    assert code == 0, err
    assert server.script.received == ["Fees", "Withdrawal fees change weekly."]
    assert (root / "docs/zh/withdraw.md").read_text() == reviewed
    assert out.splitlines()[0] == "drafted fees.md: 2 sent, 0 reused" and "withdraw.md" not in out
    assert {rel: e.status for rel, e in statuses(root)["zh"].items()} == {"fees.md": "machine", "withdraw.md": "stale"}
    commit_all(root, "fees drafted")
    with MTServer() as server:
        code, out, err = draft(run_kb, root, server, "zh", "--only", "stale")
    assert code == 0, err
    assert server.script.received == [PARAGRAPHS[3].replace("40", "45")]
    assert "drafted withdraw.md: 1 sent, 10 reused" in out and "fees.md" not in out
    assert statuses(root)["zh"]["withdraw.md"].status == "machine"
