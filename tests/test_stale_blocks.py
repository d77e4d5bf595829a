"""A stale translation block by block: what changed in the source is shown from the source, marked."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import REPO, article, build_site, commit_all, hash_of, translation, write_kb

from kb_tools import config, i18n, reader
from kb_tools.blocks import split_blocks
from kb_tools.errors import ConfigError

THEME = "theme:\n  name: material\n  custom_dir: overrides\nmarkdown_extensions: [admonition, attr_list, tables, toc]\n"

SOURCE = """\
Your password protects your account.

## Password rules

Your new password must be different from your last 3 passwords.

- Use at least 12 characters.
- Use a [password manager](https://example.com/pm).

| Setting | Value |
|---|---|
| Length | 12 |

!!! note
    Support never asks for your password.
"""
TRANSLATED = """\
密码保护您的账户。

## 密码规则

新密码不能与最近 3 次使用过的密码相同。

- 至少使用 12 个字符。
- 使用[密码管理器](https://example.com/pm)。

| 设置 | 值 |
|---|---|
| 长度 | 12 |

!!! note
    客服绝不会索要您的密码。
"""
CHANGED_EN = "Your new password must be different from your last 5 passwords."
ONE = "%(num)d paragraph below is shown in %(language)s because it changed on %(date)s."
MANY = "%(num)d paragraphs below are shown in %(language)s because they changed on %(date)s."


def page(root: Path, rel: str) -> str:
    return (root / "site" / "zh" / reader.page_url(rel) / "index.html").read_text(encoding="utf-8")


def at(date: str) -> dict[str, str]:
    return {"GIT_COMMITTER_DATE": f"{date}T10:00:00", "GIT_AUTHOR_DATE": f"{date}T10:00:00"}


def commit_on(root: Path, date: str, message: str) -> None:
    saved = dict(os.environ)
    os.environ.update(at(date))
    try:
        commit_all(root, message)
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def stale_center(tmp_path: Path) -> Path:
    """zh translations made from version 1 of two sources (one critical); then one paragraph of each: 3 -> 5."""
    root = write_kb(tmp_path, {
        "docs/en/index.md": article("Help", "Welcome.\n"),
        "docs/en/password.md": article("Passwords", SOURCE),
        "docs/en/limits.md": article("Limits", SOURCE, critical=True),
        "locales/zh/LC_MESSAGES/messages.po": (REPO / "locales/zh/LC_MESSAGES/messages.po").read_text("utf-8"),
    }, languages=("en", "zh"), extra=THEME)
    shutil.copytree(REPO / "overrides", root / "overrides")
    for rel in ("password.md", "limits.md"):
        write_kb(root, {f"docs/zh/{rel}": translation("密码", TRANSLATED, hash_of(root, rel))},
                 languages=("en", "zh"), extra=THEME)
    commit_on(root, "2026-11-18", "version 1, translated")
    for rel in ("password.md", "limits.md"):
        path = root / "docs/en" / rel
        path.write_text(path.read_text("utf-8").replace("last 3 passwords", "last 5 passwords"), "utf-8")
    commit_on(root, "2026-11-23", "5 passwords")
    return root


def test_the_changed_paragraph_is_shown_in_english_and_the_rest_stays_chinese(stale_center: Path) -> None:
    assert [r.outcome for r in build_site(stale_center / "mkdocs.yml", "zh")] == ["built"]
    html = page(stale_center, "password.md")
    zh = i18n.translations(stale_center, "zh")
    date = "2026年11月23日"
    label = zh.gettext("Shown in %(language)s: changed on %(date)s") % {"language": "英语", "date": date}
    assert label == f"以英语显示：原文于 {date} 更新"
    marked = ('<p><span class="kb-from-source" lang="en"><span class="kb-from-source__label" lang="zh">'
              f"{reader.from_source_label(label, 'zh').split('>', 1)[1]} {CHANGED_EN}</span></p>")
    assert marked in html
    assert "最近 3 次" not in html and "last 3" not in html and html.count("kb-from-source__label") == 1
    for kept in ("<p>密码保护您的账户。</p>", "<li>至少使用 12 个字符。</li>",
                 '<li>使用<a href="https://example.com/pm">密码管理器</a>。</li>', "<td>长度</td>",
                 "<p>客服绝不会索要您的密码。</p>"):
        assert kept in html
    assert '<h2 id="password-rules">密码规则' in html  # the source's anchor
    assert f'<p class="admonition-title">{zh.gettext("Note")}</p>' in html
    # The notice counts what is shown in English, with the date, in Chinese; the page's date is the translation's.
    assert 'class="admonition kb-notice kb-notice--stale" role="note" aria-labelledby="kb-notice-title"' in html
    assert zh.gettext("Partly shown in %(language)s") % {"language": "英语"} in html
    notice = zh.ngettext(ONE, MANY, 1) % {"num": 1, "language": "英语", "date": date}
    assert notice == f"下方有 1 段内容以英语显示，因为原文已于 {date} 更新。" and notice in html
    assert zh.gettext("Last updated: %(date)s") % {"date": "2026年11月20日"} in html  # reviewed_on
    # A critical article is still shown whole in English.
    critical = page(stale_center, "limits.md")
    assert "kb-notice--stale-critical" in critical and '<div lang="en">' in critical
    assert "last 5 passwords" in critical and "kb-from-source" not in critical and "密码保护" not in critical


def test_stale_blocks_off_publishes_the_translation_whole_as_before(stale_center: Path) -> None:
    mkdocs_yml = stale_center / "mkdocs.yml"
    mkdocs_yml.write_text(mkdocs_yml.read_text("utf-8").replace(
        "      languages: [en, zh]\n", "      languages: [en, zh]\n      policies:\n        zh:\n"
        "          stale_blocks: off\n"), "utf-8")
    assert config.load(mkdocs_yml).policy("zh").stale_blocks == "off"
    assert [r.outcome for r in build_site(mkdocs_yml, "zh")] == ["built"]
    html = page(stale_center, "password.md")
    zh = i18n.translations(stale_center, "zh")
    assert "kb-from-source" not in html and "新密码不能与最近 3 次使用过的密码相同。" in html
    assert zh.gettext("This translation may be out of date") in html
    assert zh.gettext("The original article was updated on %(date)s.") % {"date": "2026年11月23日"} in html


def test_a_bad_stale_blocks_value_names_its_option(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        config.from_mapping(tmp_path, "docs", {"languages": ["en", "zh"], "policies": {"zh": {"stale_blocks": "mt"}}})
    assert str(error.value) == ("mkdocs.yml: plugins.kb.policies.zh.stale_blocks: 'mt' is not valid: "
                                "use source or off")


def test_blocks_pair_by_position_then_by_content() -> None:
    made_from = tuple(split_blocks("A.\n\nB.\n\nC.\n"))
    translated = tuple(split_blocks("甲。\n\n乙。\n\n丙。\n"))
    now = tuple(split_blocks("A.\n\nB2.\n\nNew.\n"))  # B changed, C removed, New added
    assert reader.stale_blocks(translated, made_from, now) == (0, -1, -1)
    assert reader.stale_blocks(tuple(split_blocks("甲。\n\n- 乙\n")), made_from, now) == ()  # kinds differ
    assert reader.stale_blocks(translated, (), now) == ()  # no history


def test_marks_keep_lists_tables_quotes_and_code_as_they_are() -> None:
    source = "- one\n- two [x](y)\n\n| a | b \\| c |\n|---|---|\n\n> quote\n\n```\ncode\n```\n\n## Fees ##\n"
    blocks = tuple(split_blocks(source))
    lines = reader.mix(source.split("\n"), blocks, [], (), (-1,) * len(blocks), "L", "en")
    span = '<span class="kb-from-source" lang="en">'
    assert lines[:2] == [f"- {span}L one</span>", f"- {span}L two [x](y)</span>"]
    assert f"| {span}L a</span> | {span}b \\| c</span> |" in lines and "|---|---|" in lines
    assert lines[lines.index("> quote") - 2 : lines.index("> quote")] == ["L", ""]
    assert lines[lines.index("```") - 2 : lines.index("```") + 3] == ["L", "", "```", "code", "```"]
    assert f"## {span}Fees</span>" in lines


def test_a_label_stays_text() -> None:
    assert reader.from_source_label("a*b_|<c>[d]", "zh") == (
        '<span class="kb-from-source__label" lang="zh">a&#42;b&#95;&#124;&#60;c&#62;&#91;d&#93;</span>')



def test_search_shows_what_the_stale_page_shows_never_the_outdated_number(stale_center: Path) -> None:
    from kb_tools import search
    from kb_tools.scan import scan

    center = scan(config.load(stale_center / "mkdocs.yml"))
    documents = {rel: fields() for rel, _stamp, fields in search.documents(center, "zh", reader.plan(center, "zh"))}
    body = documents["password.md"]["body"]
    assert CHANGED_EN in body and "最近 3 次" not in body  # the changed paragraph as the page shows it
    assert "密码保护您的账户。" in body  # the rest as translated
