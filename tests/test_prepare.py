"""kb prepare: one language's edition as a plain docs folder that plain MkDocs builds without kb."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import copy_sample

from kb_tools.cli import main


def test_a_prepared_edition_builds_with_plain_mkdocs(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    root = copy_sample(tmp_path / "kb")
    out = tmp_path / "zh-edition"
    assert main(["--config", str(root / "mkdocs.yml"), "prepare", "zh", str(out)]) == 0
    assert "mkdocs build -f" in capsys.readouterr().out
    manifest = json.loads((out / "edition.json").read_text(encoding="utf-8"))
    pages = {page["path"]: page for page in manifest["pages"]}
    assert "trading/margin-trading.md" not in pages  # the zh orphan: its source is gone
    assert pages["deposits-withdrawals/network-fees.md"]["shown_lang"] == "en"  # stale and critical
    assert pages["kyc/proof-of-address.md"]["notice"] == "missing"
    assert pages["security/enable-2fa.md"]["notice"] == ""
    assert "plugins" not in (out / "mkdocs.yml").read_text(encoding="utf-8")  # plain MkDocs, no kb plugin
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(out / "mkdocs.yml")],
                            capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr
    site = out / "site"
    fees = (site / "deposits-withdrawals/network-fees/index.html").read_text(encoding="utf-8")
    assert "以英语显示" in fees and "Fees by coin and network" in fees  # the source text, under a zh notice
    assert 'href="../../../en/deposits-withdrawals/network-fees/"' in fees
    missing = (site / "kyc/proof-of-address/index.html").read_text(encoding="utf-8")
    assert "本文暂无中文版本" in missing
    twofa = (site / "security/enable-2fa/index.html").read_text(encoding="utf-8")
    assert "kb-notice" not in twofa
    assert 'id="set-up-an-authenticator-app"' in twofa and "{#" not in twofa  # the source's anchors, as attributes
    assert "账户与登录" in twofa  # the nav names categories in the reader's language
    assert (site / "assets/authenticator-setup.svg").is_file()  # an asset only the source has


def test_prepare_never_replaces_a_folder_it_did_not_write(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    root = copy_sample(tmp_path / "kb")
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert main(["--config", str(root / "mkdocs.yml"), "prepare", "ja", str(out)]) == 2
    assert "was not written by kb prepare" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "keep me"
    assert main(["--config", str(root / "mkdocs.yml"), "prepare", "ja", str(tmp_path / "ja")]) == 0
    assert main(["--config", str(root / "mkdocs.yml"), "prepare", "ja", str(tmp_path / "ja")]) == 0  # its own: replaced


def test_a_prepared_edition_has_the_verify_page(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    root = copy_sample(tmp_path / "kb")
    out = tmp_path / "ja-edition"
    assert main(["--config", str(root / "mkdocs.yml"), "prepare", "ja", str(out)]) == 0
    manifest = json.loads((out / "edition.json").read_text(encoding="utf-8"))
    assert {"path": "verify.md", "url": "verify/", "title": "公式チャネルの確認"} in manifest["generated"]
    assert {"path": "account/index.md", "url": "account/", "title": "アカウントとログイン"} in manifest["generated"]
    assert "verify.md" not in {page["path"] for page in manifest["pages"]}  # not an article
    verify = (out / "docs/verify.md").read_text(encoding="utf-8")
    assert verify.startswith("---\ntitle: 公式チャネルの確認\n---\n") and 'id="kb-verify-data"' in verify
    assert '<script src="../assets/kb-verify.js">' in verify and (out / "docs/assets/kb-verify.js").is_file()
    nav = yaml.safe_load((out / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    assert {"公式チャネルの確認": "verify.md"} in nav
    account = next(section["アカウントとログイン"] for section in nav if "アカウントとログイン" in section)
    assert account[0] == {"アカウントとログイン": "account/index.md"}  # the category's page opens its section
    phishing = (out / "docs/safety/recognize-phishing.md").read_text(encoding="utf-8")
    assert 'class="admonition tip kb-verify-callout"' in phishing and 'href="../../verify/"' in phishing
    assert "kb-verify-callout" not in (out / "docs/security/enable-2fa.md").read_text(encoding="utf-8")


def test_a_template_the_prepared_theme_lacks_does_not_stop_plain_mkdocs(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "kb")
    fees = root / "docs/en/deposits-withdrawals/network-fees.md"
    fees.write_text(fees.read_text(encoding="utf-8").replace("---\n", "---\ntemplate: no-such.html\n", 1),
                    encoding="utf-8")
    limits = root / "docs/en/deposits-withdrawals/withdraw-crypto.md"
    limits.write_text(limits.read_text(encoding="utf-8").replace("---\n", "---\ntemplate: main.html\n", 1),
                      encoding="utf-8")
    out = tmp_path / "en-edition"
    assert main(["--config", str(root / "mkdocs.yml"), "prepare", "en", str(out)]) == 0
    assert "template:" not in (out / "docs/deposits-withdrawals/network-fees.md").read_text(encoding="utf-8")
    assert "template: main.html" in (out / "docs/deposits-withdrawals/withdraw-crypto.md").read_text(
        encoding="utf-8")  # Material has it: kept
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(out / "mkdocs.yml")],
                            capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr
    assert (out / "site/deposits-withdrawals/network-fees/index.html").is_file()
