"""kb check on an imported help center (issue #13, item 5): problems that help, at the level the help center sets."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RunKb, article, build_site, hash_of, problems, scan, translation, write_kb

from kb_tools import status
from kb_tools.errors import CHECKS

THEME = "theme:\n  name: material\n"


def test_an_empty_description_is_a_warning_and_an_unknown_template_an_error_yet_both_pages_build(
        tmp_path: Path, run_kb: RunKb) -> None:
    root = write_kb(tmp_path, {
        "docs/en/index.md": article("Help", "Welcome.\n"),
        "docs/en/fees.md": "---\ntitle: Fees\ndescription:\n---\n\nWhat a withdrawal costs.\n",
        "docs/en/landing.md": "---\ntitle: Landing\ntemplate: landing.html\n---\n\nA landing page.\n",
    }, languages=("en", "zh"), extra=THEME)
    code, out, _ = run_kb(root, "check")
    assert code == 1
    assert out.splitlines() == [
        "docs/en/fees.md:3: warning: empty 'description': write one line shown in search results and link "
        "previews, or remove the key",
        "docs/en/landing.md:3: template 'landing.html' is not in the theme: add it to the theme's custom_dir, or "
        "remove template: (until then the page is built with the default template)",
    ]
    entries = {e.rel: e.status for e in status.compute(scan(root))["en"]}
    assert entries == {"index.md": "current", "fees.md": "current", "landing.md": "current"}

    results = build_site(root / "mkdocs.yml")
    assert [(r.lang, r.outcome) for r in results] == [("en", "built"), ("zh", "built")]
    assert "landing.md: template 'landing.html' is not in the theme: built with the default template" in \
        results[0].message
    for lang in ("en", "zh"):
        page = (root / "site" / lang / "landing/index.html").read_text()
        assert "A landing page." in page and 'class="md-content"' in page  # Material's default main.html
        assert "What a withdrawal costs." in (root / "site" / lang / "fees/index.html").read_text()


def test_absolute_links_are_resolved_against_the_help_centers_pages(tmp_path: Path) -> None:
    root = write_kb(tmp_path, {
        "docs/en/index.md": article("Help", "Welcome.\n"),
        "docs/en/wallet/withdraw.md": article("Withdraw", "## Limits\n\nUp to 10,000 USDT a day.\n"),
        "docs/en/guide.md": article("Guide", """
            [plain](/wallet/withdraw/) [file](/wallet/withdraw.md) [language](/zh/wallet/withdraw/#limits)
            [site path](/help/en/wallet/withdraw/) [category](/wallet/) [home](/)

            [gone](/developers/docs/gas/)

            [bad anchor](/wallet/withdraw/#fees)
            """),
    }, extra="site_url: https://example.com/help/\n")
    assert problems(root) == [
        "error: docs/en/guide.md:8: broken link '/developers/docs/gas/': no article docs/en/developers/docs/gas.md "
        "or docs/en/developers/docs/gas/index.md: link to an existing article (its path on the site, or relative: "
        "../security/enable-2fa.md), or write it",
        "error: docs/en/guide.md:10: broken link '/wallet/withdraw/#fees': no heading #fees in wallet/withdraw.md: "
        "link to an existing heading, or drop the #anchor",
    ]


OLD = """
## Fees

Each withdrawal costs 5 USDT.

## Limits

Up to 10,000 USDT a day.

## Times

Most withdrawals arrive within an hour.
"""
ZH = """
## 费用 {#fees}

每笔提币收取 5 USDT。

## 限额 {#limits}

每天最多 10,000 USDT。

## 到账时间 {#times}

大多数提币在一小时内到账。
"""


def stale_center(root: Path, options: str = "") -> Path:
    """zh/withdraw.md translated from OLD; the source then renamed its three headings and changed the fee."""
    write_kb(root, {"docs/en/withdraw.md": article("Withdraw", OLD)}, options=options)
    write_kb(root, {"docs/zh/withdraw.md": translation("提币", ZH, hash_of(root, "withdraw.md"))}, options=options)
    new = (OLD.replace("## Fees", "## Network fees").replace("## Limits", "## Daily limits")
           .replace("## Times", "## Arrival times").replace("5 USDT", "6 USDT"))
    write_kb(root, {"docs/en/withdraw.md": article("Withdraw", new)}, options=options)
    return root


def test_a_stale_translation_is_one_problem_whatever_its_old_structure(tmp_path: Path) -> None:
    root = stale_center(tmp_path)
    assert problems(root) == [
        "warning: docs/zh/withdraw.md:10: stale: 3 heading anchors, 1 number differ from the current source: "
        "run kb draft zh withdraw.md, or review it against docs/en/withdraw.md",
    ]


def test_each_check_has_a_level_in_the_settings(tmp_path: Path, run_kb: RunKb) -> None:
    root = stale_center(tmp_path, options="checks: {stale: error, numbers: off, description: off, keys: error}")
    write_kb(root, {"docs/en/a.md": "---\ntitle: A\ndescription: ''\nauthor: me\n---\n\nText.\n"},
             options="checks: {stale: error, numbers: off, description: off, keys: error}")
    assert problems(root) == [
        "error: docs/en/a.md:4: unknown front matter key 'author': remove it or use one of: title, description, "
        "tags, critical, machine_translation",
        "error: docs/zh/withdraw.md:10: stale: 3 heading anchors differ from the current source: "
        "run kb draft zh withdraw.md, or review it against docs/en/withdraw.md",
    ]
    write_kb(root, {}, options="checks:\n  nmbers: warning\n  links: loud")
    code, _, err = run_kb(root, "check")
    assert code == 2
    assert err.splitlines() == [
        "kb: mkdocs.yml: plugins.kb.checks.nmbers: not a check: use one of " + ", ".join(CHECKS),
        "mkdocs.yml: plugins.kb.checks.links: 'loud' is not a level: use error, warning, off",
    ]


def test_summary_json_and_github_formats(tmp_path: Path, run_kb: RunKb) -> None:
    root = stale_center(tmp_path)
    write_kb(root, {"docs/en/guide.md": article("Guide", "[a](/nowhere/)\n\n[b](missing.md)\n\n[c](/gone.md)\n",
                                                description="")})
    code, out, err = run_kb(root, "check", "--summary")
    assert code == 1 and err.strip() == "3 errors, 2 warnings"
    assert out.splitlines() == [
        "links             3 errors      0 warnings",
        "        3  docs/en/guide.md",
        "description       0 errors      1 warnings",
        "        1  docs/en/guide.md",
        "stale             0 errors      1 warnings",
        "        1  docs/zh/withdraw.md",
    ]
    code, out, _ = run_kb(root, "check", "--format", "json")
    data = json.loads(out)
    assert (code, data["errors"], data["warnings"]) == (1, 3, 2)
    assert data["summary"][0] == {"check": "links", "errors": 3, "warnings": 0,
                                  "worst": [{"file": "docs/en/guide.md", "problems": 3}]}
    assert data["problems"][0] == {
        "file": "docs/en/guide.md", "line": 3, "severity": "warning", "check": "description",
        "message": "empty 'description'",
        "fix": "write one line shown in search results and link previews, or remove the key"}
    code, out, _ = run_kb(root, "check", "--format", "github")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 5
    assert lines[0] == ("::warning file=docs/en/guide.md,line=3,title=kb check (description)::empty 'description': "
                        "write one line shown in search results and link previews, or remove the key")
    assert lines[-1].startswith("::warning file=docs/zh/withdraw.md,line=10,title=kb check (stale)::stale: 3 heading")
    assert ("::error file=docs/en/guide.md,line=8,title=kb check (links)::broken link 'missing.md': no article "
            "docs/en/missing.md: fix the path, or write that article") in lines
