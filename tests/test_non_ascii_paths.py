"""Articles whose file names are not ASCII (docs/zh/安全/提币.md) work like any other: status, check, build, search."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from conftest import RunKb, article, build_site, commit_all, hash_of, statuses, translation, write_kb

from kb_tools.reader import page_url

REL = "安全/提币.md"
THEME = "theme:\n  name: material\n"


def test_a_chinese_file_name_gets_its_status_passes_check_builds_and_is_found(tmp_path: Path, run_kb: RunKb) -> None:
    root = write_kb(tmp_path, {
        "docs/en/index.md": article("Help", "See [withdrawals](安全/提币.md).\n"),
        f"docs/en/{REL}": article("Withdraw safely", "Check the address before every withdrawal.\n"),
        "docs/en/fees.md": article("Fees", "Fees are shown before you confirm.\n"),
    }, languages=("en", "zh"), extra=THEME)
    write_kb(root, {f"docs/zh/{REL}": translation("安全提币", "每次提币前请核对地址。\n", hash_of(root, REL))},
             languages=("en", "zh"), extra=THEME)
    commit_all(root, "an article under a Chinese folder name")

    zh = statuses(root)["zh"]
    assert (zh[REL].status, zh["fees.md"].status) == ("current", "missing")
    code, out, err = run_kb(root, "check", "--strict")
    assert (code, out) == (0, ""), out + err

    path = root / "docs/en" / REL
    path.write_text(path.read_text().replace("every withdrawal", "every single withdrawal"))
    commit_all(root, "edit the source")
    entry = statuses(root)["zh"][REL]
    assert entry.status == "stale"  # and git history, which quotes such paths by default, names the paragraph:
    assert [(c.kind, c.old_text) for c in entry.changes] == [("changed", "Check the address before every withdrawal.")]
    code, out, _ = run_kb(root, "status", "zh", "--format", "json")
    articles = {a["path"]: a["status"] for a in json.loads(out)["languages"]["zh"]["articles"]}
    assert articles == {REL: "stale", "fees.md": "missing", "index.md": "missing"}
    path.write_text(path.read_text().replace("every single withdrawal", "every withdrawal"))
    commit_all(root, "undo the edit")
    assert statuses(root)["zh"][REL].status == "current"

    assert [r.outcome for r in build_site(root / "mkdocs.yml")] == ["built", "built"]
    page = (root / "site/zh" / page_url(REL) / "index.html").read_text(encoding="utf-8")
    assert "每次提币前请核对地址。" in page
    home = (root / "site/zh/index.html").read_text(encoding="utf-8")
    assert f'href="{quote(page_url(REL))}"' in home  # the home page's link leads to it

    code, out, err = run_kb(root, "search", "核对地址", "--lang", "zh", "--json")
    assert code == 0, err
    assert [hit["path"] for hit in json.loads(out)["results"]][:1] == [REL]
