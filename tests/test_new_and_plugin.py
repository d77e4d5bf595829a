"""kb new scaffolds valid articles; the MkDocs plugin builds one language with a real MkDocs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import RunKb, article, problems, write_kb

from kb_tools.blocks import split_blocks


def test_kb_new_scaffolds_a_valid_article_and_never_overwrites(tmp_path: Path, run_kb: RunKb) -> None:
    root = write_kb(tmp_path, {})
    code, out, _ = run_kb(root, "new", "security/passkeys.md", "--title", "Sign in with a passkey",
                          "--tag", "security", "--critical")
    assert code == 0 and "docs/en/security/passkeys.md" in out
    text = (root / "docs/en/security/passkeys.md").read_text()
    assert "title: Sign in with a passkey\n" in text and "critical: true\n" in text
    assert problems(root) == []
    code, _, err = run_kb(root, "new", "security/passkeys.md", "--title", "Again")
    assert code == 2 and "already exists" in err
    code, _, err = run_kb(root, "new", "../outside.md", "--title", "Out")
    assert code == 2 and "must be a path inside docs/en/" in err


def test_blocks_carry_kinds_lines_and_anchors() -> None:
    body = (
        "Intro line one\nline two.\n\n## Network fees\n\n1. First step\n   continued.\n2. Second step\n\n"
        "| Coin | Fee |\n|---|---|\n| BTC | 0.0005 |\n\n!!! warning \"Careful\"\n    Body text.\n\n"
        "```bash\ncurl x\n```\n\n## Network fees\n\n## 网络费用 {#network}\n"
    )
    blocks = split_blocks(body, 5)
    assert [(b.kind, b.line) for b in blocks] == [
        ("paragraph", 5), ("heading", 8), ("item", 10), ("item", 12), ("row", 14), ("row", 16),
        ("admonition", 18), ("paragraph", 19), ("code", 21), ("heading", 25), ("heading", 27),
    ]
    assert [b.anchor for b in blocks if b.kind == "heading"] == ["network-fees", "network-fees_1", "network"]
    assert blocks[6].info == "warning" and blocks[8].text == "curl x"


def test_mkdocs_build_with_the_kb_plugin_builds_the_source_language(tmp_path: Path) -> None:
    root = write_kb(tmp_path, {
        "docs/en/index.md": article("Help", "Welcome to [fees](fees.md).\n"),
        "docs/en/fees.md": article("Fees", "## Trading fees\n\n0.10% per trade.\n"),
        "docs/zh/fees.md": "---\ntitle: 费用\n---\n\n每笔交易 0.10%。\n",
    }, extra="theme:\n  name: material\n")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    builder = os.environ.get("KB_BUILDER") or "mkdocs"  # its own CLI: `mkdocs build` or `properdocs build`
    result = subprocess.run([sys.executable, "-m", builder, "build", "-q", "-d", str(tmp_path / "site")],
                            cwd=root, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site/fees/index.html").read_text()
    assert "0.10% per trade." in html
    assert not (tmp_path / "site/zh").exists()
