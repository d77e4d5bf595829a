"""kb check: every mistake a writer or translator can make, as path:line: problem: fix."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import RunKb, article, hash_of, problems, translation, write_kb

SOURCE = """
Send at least 10 USDT on the TRC20 network to https://nimbusx.example/deposit.

## Network fees

See [withdrawals](withdraw.md#limits) and the picture.

![Deposit screen](assets/deposit.png)

!!! warning "Check the network"
    A wrong network loses your BTC.

```bash
curl https://api.nimbusx.example/v1/deposit
```
"""
GOOD_ZH = """
在 TRC20 网络上发送至少 10 USDT 到 https://nimbusx.example/deposit。

## 网络费用

请参阅[提币](withdraw.md#limits)和图片。

![充值页面](assets/deposit.png)

!!! warning "检查网络"
    选错网络会丢失您的 BTC。

```bash
curl https://api.nimbusx.example/v1/deposit
```
"""


def make_center(root: Path, zh_body: str = GOOD_ZH) -> Path:
    write_kb(root, {
        "locales/glossary.yml": "do_not_translate: [BTC, USDT, TRC20]\nrequired:\n  deposit: {zh: 充值}\n",
        "docs/en/deposit.md": article("Deposit crypto", SOURCE, description="How to deposit."),
        "docs/en/withdraw.md": article("Withdraw crypto", "## Limits\n\nUp to 10,000 USDT a day.\n"),
        "docs/en/assets/deposit.png": b"\x89PNG\r\n\x1a\n",
    })
    write_kb(root, {"docs/zh/deposit.md": translation("充值", zh_body, hash_of(root, "deposit.md"))})
    return root


def test_a_faithful_translation_passes(tmp_path: Path, run_kb: RunKb) -> None:
    root = make_center(tmp_path)
    assert problems(root) == []
    code, out, err = run_kb(root, "check")
    assert (code, out) == (0, "")
    assert "0 errors, 0 warnings" in err


def test_translation_qa_names_each_problem_at_its_line(tmp_path: Path) -> None:
    broken = (GOOD_ZH.replace("10 USDT", "100 USDT")
              .replace("https://nimbusx.example/deposit", "https://nimbus.example/deposit")
              .replace("您的 BTC", "您的比特币")
              .replace("!!! warning", "!!! note")
              .replace("v1/deposit", "v2/deposit")
              .replace("## 网络费用", "## 网络费用 {#fees}"))
    root = make_center(tmp_path, broken)
    found = problems(root)
    path = "error: docs/zh/deposit.md"
    # A changed figure or link is one problem, not a missing one and an extra one.
    assert f"{path}:10: the source says 10 where the translation says 100: check the figure against the source" \
        in found
    assert (f"{path}:10: the source has link target 'https://nimbusx.example/deposit' where the translation has "
            "'https://nimbus.example/deposit': use the source's link targets and URLs unchanged") in found
    assert not any("is missing" in line or "is not in the source" in line for line in found if ":10:" in line)
    assert f"{path}:12: heading anchor #fees differs from the source's #network-fees: " \
           "write {#network-fees} or remove the explicit anchor" in found
    assert f"{path}:18: admonitions ['note'] differ from the source docs/en/deposit.md: ['warning']: " \
           "keep the admonition types and order" in found
    assert f"{path}:19: do-not-translate term 'BTC' is missing: keep 'BTC' as written in the source" in found
    assert f"{path}:21: code block differs from the one at line 17 of the source docs/en/deposit.md: " \
           "copy the code block from the source unchanged" in found


def test_links_images_and_fallback(tmp_path: Path) -> None:
    root = make_center(tmp_path)
    write_kb(root, {
        "docs/zh/withdraw-help.md": "---\ntitle: 帮助\n---\n\n[提币](withdraw.md) [旧](old.md) [x](withdraw.md#nope) "
                                    "[新](gone.md)\n",
        "docs/en/withdraw-help.md": article("Help", "[w](withdraw.md) [o](old.md) [x](withdraw.md#nope)\n"),
        "docs/en/pictures.md": article("Pictures", "![a](assets/missing.png)\n\n[abs](/en/withdraw/)\n"),
    })
    found = problems(root)
    # withdraw.md has no zh translation: the zh link falls back to the English article, no error.
    assert not any("'withdraw.md'" in line for line in found)
    # A broken link the translation copied from its source is the source's: reported there, once.
    assert ("error: docs/en/withdraw-help.md:5: broken link 'old.md': no article docs/en/old.md: "
            "fix the path, or write that article") in found
    assert not any(line.startswith("error: docs/zh/withdraw-help.md:5: broken link 'old.md'") for line in found)
    assert ("error: docs/zh/withdraw-help.md:5: broken link 'gone.md': no article docs/en/gone.md: "
            "fix the path, or write that article") in found
    assert ("error: docs/en/withdraw-help.md:5: broken link 'withdraw.md#nope': no heading #nope in "
            "withdraw.md: link to an existing heading, or drop the #anchor") in found
    assert ("error: docs/en/pictures.md:5: missing image or file 'assets/missing.png': "
            "add docs/en/assets/missing.png or fix the path") in found
    assert not any("docs/en/pictures.md:7:" in line for line in found)  # /en/withdraw/ is withdraw.md


def test_schema_duplicates_orphans_and_strict(tmp_path: Path, run_kb: RunKb) -> None:
    root = make_center(tmp_path)
    write_kb(root, {
        "docs/en/a.md": "---\ntitle: Withdraw crypto\ncritical: sometimes\nauthor: me\n---\n\nText.\n",
        "docs/zh/gone.md": "---\ntitle: 已删除\ntranslation: {source_hash: abcdef123456, status: reviewed}\n---\n",
        "docs/ja/deposit.md": "---\ntitle: 入金\ntranslation:\n  source_hash: abcdef123456\n  status: done\n---\n",
    })
    found = problems(root)
    assert ("error: docs/en/a.md:3: 'critical' must be true or false, not 'sometimes': "
            "set it to true for fees, limits, KYC/AML and security articles") in found
    assert any(line.startswith("warning: docs/en/a.md:4: unknown front matter key 'author'") for line in found)
    assert ("error: docs/en/withdraw.md:2: duplicate title 'Withdraw crypto', also in docs/en/a.md: "
            "give each article its own title, or merge them") in found
    assert ("warning: docs/zh/gone.md:1: orphan: no source docs/en/gone.md: "
            "delete it, or move it to the path of its source") in found
    assert "error: docs/ja/deposit.md:5: translation.status is 'done': set it to machine or reviewed" in found
    code, _, _ = run_kb(root, "check")
    assert code == 1
    (root / "docs/en/a.md").unlink()
    (root / "docs/ja/deposit.md").unlink()
    assert run_kb(root, "check")[0] == 0
    code, out, _ = run_kb(root, "check", "--strict")
    assert code == 1 and "orphan" in out


def test_bad_input_is_reported_and_never_crashes(tmp_path: Path, run_kb: RunKb) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("---\ntitle: Outside\n---\n")
    root = write_kb(tmp_path / "kb", {
        "docs/en/binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00",
        "docs/en/latin1.md": b"---\ntitle: ok\n---\n\nline two\ncaf\xe9\n",
        "docs/en/bom.md": "\ufeff---\ntitle: With a BOM\n---\n\nFine.\n".encode(),
        "docs/en/crlf.md": b"---\r\ntitle: With CRLF\r\n---\r\n\r\nFine.\r\n",
        "docs/en/empty.md": b"",
        "docs/en/list.md": "---\n- a\n- b\n---\n\nText.\n",
        "docs/en/scalar.md": "---\njust text\n---\n\nText.\n",
        "docs/en/broken.md": "---\ntitle: Broken\ntags: [a, b\n---\n\nText.\n",
        "docs/en/unclosed.md": "---\ntitle: Unclosed\n",
        "docs/en/good.md": article("Good", "Fine.\n"),
    })
    os.symlink(outside, root / "docs/en/link.md")
    code, out, _ = run_kb(root, "check")
    assert code == 1
    lines = out.splitlines()
    assert ("docs/en/binary.md:1: binary file, not Markdown text: remove it, or save it as UTF-8 Markdown") in lines
    assert "docs/en/latin1.md:6: invalid UTF-8 at byte 31: save the file as UTF-8" in lines
    assert "docs/en/empty.md:1: empty file: add front matter with a title, then the article" in lines
    assert "docs/en/list.md:2: front matter is a list, not a mapping: write it as key: value lines" in lines
    assert "docs/en/scalar.md:2: front matter is a single value, not a mapping: write it as key: value lines" in lines
    assert any(line.startswith("docs/en/broken.md:4: invalid YAML:") for line in lines)
    assert "docs/en/unclosed.md:1: front matter is not closed: add a line with --- after the front matter" in lines
    assert "docs/en/link.md:1: symlink points outside docs/: replace it with a copy of the file, or remove it" in lines
    assert not any(name in out for name in ("bom.md", "crlf.md", "good.md"))
    code, out, _ = run_kb(root, "status", "--format", "json")
    assert code == 0
    assert '"invalid": 7' in out and "Traceback" not in out


def test_a_required_glossary_translation_is_asked_for_at_its_line(tmp_path: Path, run_kb: RunKb) -> None:
    root = write_kb(tmp_path, {
        "locales/glossary.yml": "required:\n  withdraw:\n    zh: 提币\n    ja: [出金, 引き出し]\n",
        "docs/en/withdraw.md": article("Limits", "Withdraw USDT from your spot wallet.\n\nFees are shown first.\n"),
    })
    zh_word, ja_word = "从现货钱包提现 USDT。", "現物ウォレットから USDT を送金します。"  # neither glossary word
    hash_ = hash_of(root, "withdraw.md")
    write_kb(root, {"docs/zh/withdraw.md": translation("限额", f"{zh_word}\n\n先显示手续费。\n", hash_),
                    "docs/ja/withdraw.md": translation("上限", f"{ja_word}\n\n手数料が先に表示されます。\n", hash_)})
    zh, ja = ((root / f"docs/{lang}/withdraw.md").read_text() for lang in ("zh", "ja"))
    code, out, _ = run_kb(root, "check")
    assert code == 0  # a warning: the translator decides
    assert out.splitlines() == [
        f"docs/ja/withdraw.md:{ja.splitlines().index(ja_word) + 1}: warning: glossary: 'withdraw' should be "
        "translated as '出金' or '引き出し': use '出金'",
        f"docs/zh/withdraw.md:{zh.splitlines().index(zh_word) + 1}: warning: glossary: 'withdraw' should be "
        "translated as '提币': use '提币'",
    ]
    assert run_kb(root, "check", "--strict")[0] == 1
    (root / "docs/zh/withdraw.md").write_text(zh.replace("提现", "提币"))
    (root / "docs/ja/withdraw.md").write_text(ja.replace("送金", "引き出し"))
    code, out, err = run_kb(root, "check", "--strict")
    assert (code, out) == (0, "") and "0 errors, 0 warnings" in err
