"""kb build: one site per language from the sample, with the notices, fallbacks and links readers need."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from pathlib import Path

from conftest import REPO, RunKb, article, build_site, commit_all, hash_of, scan, translation, write_kb

from kb_tools import i18n, status
from kb_tools.reader import page_url

os.environ["NO_MKDOCS_2_WARNING"] = "1"


def html(root: Path, lang: str, rel: str) -> str:
    return (root / "site" / lang / page_url(rel) / "index.html").read_text(encoding="utf-8")


def test_notices_are_exactly_on_the_pages_that_need_them(built_sample: Path) -> None:
    center = scan(built_sample)
    report = status.compute(center)
    expected = {"machine": "machine", "stale": "stale", "missing": "missing", "current": None, "untracked": None}
    seen = set()
    for lang in ("zh", "ja", "es"):
        for entry in report[lang]:
            if entry.status == "orphan":
                continue
            page = html(built_sample, lang, entry.rel)
            notices = re.findall(r"kb-notice--([a-z-]+)", page)
            wanted = expected[entry.status]
            if entry.status == "stale" and entry.critical:
                wanted = "stale-critical"
            assert notices == ([wanted] if wanted else []), (lang, entry.rel, entry.status)
            fallback = '<div lang="en">' in page
            assert fallback == (wanted in ("missing", "stale-critical")), (lang, entry.rel)
            seen.add(wanted)
    assert seen == {None, "machine", "stale", "stale-critical", "missing"}
    # Notices speak the reader's language: the zh catalog's words, not English.
    zh = i18n.translations(built_sample, "zh")
    page = html(built_sample, "zh", "trading/convert.md")
    assert zh.gettext("This article was machine translated and has not been reviewed yet.") in page
    assert "machine translated" not in page
    assert 'href="../../../en/trading/convert/" hreflang="en">' in page  # link to the original


def test_publish_machine_false_shows_the_source_with_a_review_notice(built_sample: Path) -> None:
    center = scan(built_sample)
    machine = [e.rel for e in status.compute(center)["ko"] if e.status == "machine"]
    assert machine
    for rel in machine:
        page = html(built_sample, "ko", rel)
        assert "kb-notice--in-review" in page and '<div lang="en">' in page
        assert center.docs["en"][rel].title in page
        assert center.docs["ko"][rel].title not in page


def test_fallback_article_is_in_every_language_site_and_orphans_are_not(built_sample: Path) -> None:
    page = html(built_sample, "ja", "kyc/proof-of-address.md")
    assert '<html lang="ja"' in page  # the chrome is Japanese...
    assert '<div lang="en">' in page  # ...the article English
    assert "Proof of address for Level 2" in page
    assert not (built_sample / "site/zh/trading/margin-trading").exists()
    assert (built_sample / "site/ja/assets/authenticator-setup.svg").exists()  # images fall back too


def test_hreflang_and_language_switcher_lead_to_the_same_article(built_sample: Path) -> None:
    page = html(built_sample, "zh", "security/enable-2fa.md")
    sitemap = (built_sample / "site/sitemap.xml").read_text()
    entry = sitemap.split("<loc>https://help.nimbusx.example/zh/security/enable-2fa/</loc>")[1].split("</url>")[0]
    for lang in ("en", "zh", "ja", "es", "ko"):
        assert f'hreflang="{lang}" href="https://help.nimbusx.example/{lang}/security/enable-2fa/"' in entry
        assert f'<a href="../../../{lang}/security/enable-2fa/" hreflang="{lang}"' in page
        assert (built_sample / "site" / lang / "security/enable-2fa/index.html").exists()
    assert 'hreflang="x-default" href="https://help.nimbusx.example/en/security/enable-2fa/"' in entry
    # Not in the page's head: Material would fetch each alternate's sitemap.xml from the production host.
    assert 'rel="alternate"' not in page


def test_translated_headings_keep_the_source_anchors(built_sample: Path) -> None:
    anchors = {lang: re.findall(r'<h2 id="([^"]+)"', html(built_sample, lang, "security/enable-2fa.md"))
               for lang in ("en", "zh", "ja", "es", "ko")}
    assert anchors["en"] and all(found == anchors["en"] for found in anchors.values()), anchors


def test_home_root_sitemap_and_404(built_sample: Path) -> None:
    home = html(built_sample, "zh", "index.md")
    assert "账户与登录" in home and "在线客服" in home and "<code>status.nimbusx.example</code>" in home
    assert "data-kb-search" in home
    root = (built_sample / "site/index.html").read_text()
    for name in ("English", "中文", "日本語", "Español", "한국어"):
        assert name in root
    assert "navigator.languages" in root
    sitemap = (built_sample / "site/sitemap.xml").read_text()
    assert ("<url><loc>https://help.nimbusx.example/ja/security/enable-2fa/</loc>\n"
            '    <xhtml:link rel="alternate" hreflang="en" href="https://help.nimbusx.example/en/security/enable-2fa/"/>'
            ) in sitemap
    for lang in ("zh", "ja", "es", "ko"):
        not_found = (built_sample / "site" / lang / "404.html").read_text()
        text = i18n.translations(built_sample, lang).gettext("Page not found")
        assert text != "Page not found" and text in not_found


def test_the_root_sitemap_lists_pages_as_each_language_sitemap_does_whatever_their_file_names(
        tmp_path: Path, run_kb: RunKb) -> None:
    import xml.etree.ElementTree as ET

    # A file name is untrusted: a " in it made the root sitemap unreadable XML, and a search engine drops it whole.
    names = ['say "hi".md', "提币 fees.md", "a&b.md"]
    root = write_kb(tmp_path, {f"docs/en/{name}": article("Page", "Text.\n") for name in names},
                    languages=("en", "zh"), extra="site_url: https://help.example.com/\ntheme: material\n")
    assert run_kb(root, "build").code == 0
    tag = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
    listed = {loc.text for loc in ET.parse(root / "site/sitemap.xml").iter(tag)}
    own = {loc.text for lang in ("en", "zh") for loc in ET.parse(root / "site" / lang / "sitemap.xml").iter(tag)}
    assert len(listed) == 6 and listed == own  # each page by the URL its language's own sitemap (MkDocs') gives it


def test_every_language_is_built_by_the_builder_kb_builder_names(built_sample: Path) -> None:
    # CI runs this module once on MkDocs and once with KB_BUILDER=properdocs: each run must really use its builder.
    generator = {"mkdocs": "mkdocs-1.", "properdocs": "mkdocs-ProperDocs 1."}[os.environ.get("KB_BUILDER") or "mkdocs"]
    for lang in ("en", "zh", "ja", "es", "ko"):
        assert f'<meta name="generator" content="{generator}' in html(built_sample, lang, "index.md"), lang


def test_no_page_loads_anything_from_outside_the_site(built_sample: Path) -> None:
    external = re.compile(r"""<(?:script|img|iframe|source)[^>]+src=["']https?://|"""
                          r"""<link[^>]+rel=["'](?:stylesheet|preload|preconnect|icon)["'][^>]+href=["']https?://|"""
                          r"""url\(["']?https?://""")
    pages = list((built_sample / "site").rglob("*.html")) + list((built_sample / "site").rglob("*.css"))
    assert len(pages) > 150
    offenders = [str(p) for p in pages if external.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert offenders == []


def test_every_language_has_every_static_file_of_the_theme(built_sample: Path) -> None:
    """kb lists the theme's templates without its dot folders (Material's icons): the static files MkDocs finds
    with its own listing are all in every site."""
    from jinja2 import FileSystemLoader

    from kb_tools.mkdocs.runner import choose_builder, load_language_config

    choose_builder()  # under KB_BUILDER=properdocs, mkdocs.* is ProperDocs
    from mkdocs.structure.files import Files

    config = load_language_config(str(built_sample / "mkdocs.yml"), "en", site_dir=str(built_sample / "site/en"))
    env = config.theme.get_env()
    env.loader = FileSystemLoader(config.theme.dirs)
    files = Files([])
    files.add_files_from_theme(env, config)
    assert len(files) > 20 and any(f.dest_uri.endswith(".js") for f in files)
    for lang in ("en", "zh", "ja"):
        assert [f.dest_uri for f in files if not (built_sample / "site" / lang / f.dest_uri).is_file()] == []


THEME = "theme:\n  name: material\n  custom_dir: overrides\nmarkdown_extensions: [admonition, attr_list, toc]\n"


def test_unchanged_languages_are_skipped_and_a_failing_one_fails_alone(tmp_path: Path, run_kb: RunKb) -> None:
    no_index = "search: false"  # what is skipped is the whole MkDocs build; Pagefind would only add time
    root = write_kb(tmp_path, {"docs/en/index.md": article("Help", "Welcome.\n"),
                               "docs/en/fees.md": article("Fees", "Fee: 1 USDT.\n")}, extra=THEME, options=no_index)
    shutil.copytree(REPO / "overrides", root / "overrides")
    zh = translation("费用", "手续费为 1 USDT。\n", hash_of(root, "fees.md"))
    write_kb(root, {"docs/zh/fees.md": zh}, extra=THEME, options=no_index)
    code, out, err = run_kb(root, "build")
    assert code == 0, out + err
    assert all(f"{lang}: built in" in out for lang in ("en", "zh", "ja")), out
    code, out, _ = run_kb(root, "build")
    assert code == 0
    assert "zh: skipped" in out and "en: skipped" in out and "site: " in out
    path = root / "docs/zh/fees.md"
    path.write_text(path.read_text() + "\n")
    catalog = root / "locales/ja/LC_MESSAGES/messages.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text('msgid "x"\nmsgstr "y"\nnot a catalog line\n')
    code, out, _ = run_kb(root, "build")
    assert code == 1
    lines = out.splitlines()
    assert any(line.startswith("zh: built in") for line in lines)
    assert "ja: failed" in lines and "en: skipped" in lines
    assert any("locales/ja/LC_MESSAGES/messages.po: cannot be read" in line for line in lines)


def test_stale_notice_dates_and_admonition_titles_in_the_readers_locale(tmp_path: Path) -> None:
    root = write_kb(tmp_path, {
        "docs/en/index.md": article("Help", "Welcome.\n"),
        "docs/en/fees.md": article("Fees", "## Network fees\n\n!!! note\n    Fees change weekly.\n\nFee: 1 USDT.\n"),
        "locales/zh/LC_MESSAGES/messages.po": (REPO / "locales/zh/LC_MESSAGES/messages.po").read_text(),
    }, languages=("en", "zh"), extra=THEME)
    shutil.copytree(REPO / "overrides", root / "overrides")
    body = "## 网络费用\n\n!!! note\n    费用每周调整。\n\n手续费为 1 USDT。\n"
    write_kb(root, {"docs/zh/fees.md": translation("费用", body, hash_of(root, "fees.md"))},
             languages=("en", "zh"), extra=THEME)
    os.environ.update(GIT_COMMITTER_DATE="2026-11-20T10:00:00", GIT_AUTHOR_DATE="2026-11-20T10:00:00")
    try:
        commit_all(root, "first")
        (root / "docs/en/fees.md").write_text((root / "docs/en/fees.md").read_text().replace("1 USDT", "2 USDT"))
        commit_all(root, "fee change")
    finally:
        del os.environ["GIT_COMMITTER_DATE"], os.environ["GIT_AUTHOR_DATE"]
    assert [r.outcome for r in build_site(root / "mkdocs.yml")] == ["built", "built"]
    page = html(root, "zh", "fees.md")
    assert "kb-notice--stale" in page and "2026年11月20日" in page
    assert f'<p class="admonition-title">{i18n.translations(root, "zh").gettext("Note")}</p>' in page
    assert '<h2 id="network-fees">' in page


def test_was_this_helpful_is_on_every_article_and_posts_only_where_configured(tmp_path: Path) -> None:
    files = {"docs/en/index.md": article("Help", "Welcome.\n"), "docs/en/fees.md": article("Fees", "Fee: 1 USDT.\n")}
    root = write_kb(tmp_path / "off", files, languages=("en",), extra=THEME)
    shutil.copytree(REPO / "overrides", root / "overrides")
    assert [r.outcome for r in build_site(root / "mkdocs.yml")] == ["built"]
    page = html(root, "en", "fees.md")
    assert 'data-kb-feedback="local"' in page and "action=" not in page.split('class="kb-feedback"')[1].split(">")[0]
    assert "kb-feedback" not in html(root, "en", "index.md")
    root = write_kb(tmp_path / "on", files, languages=("en",), extra=THEME,
                    options="feedback_url: https://feedback.nimbusx.example/answers")
    shutil.copytree(REPO / "overrides", root / "overrides")
    assert [r.outcome for r in build_site(root / "mkdocs.yml")] == ["built"]
    page = html(root, "en", "fees.md")
    assert '<form class="kb-feedback" method="post" action="https://feedback.nimbusx.example/answers"' in page


def test_localize_gives_source_anchors_only_when_headings_line_up() -> None:
    from kb_tools.blocks import split_blocks
    from kb_tools.reader import localize

    source = split_blocks("## Network fees\n\n```bash\n# not a heading\n```\n\n### Limits {#daily-limits}\n")
    translated = "## 网络费用\n\n```bash\n# not a heading\n```\n\n### 限额\n\n!!! tip\n    提示。\n"
    result = localize(translated, tuple(source), {"tip": "提示"})
    assert result.splitlines()[0] == "## 网络费用 {#network-fees}"
    assert "# not a heading" in result.splitlines()
    assert "### 限额 {#daily-limits}" in result and '!!! tip "提示"' in result
    misaligned = "## 网络费用\n\n## 多出来的标题\n"
    assert localize(misaligned, tuple(source), {}) == misaligned


def test_articles_show_related_articles_in_the_readers_language(built_sample: Path) -> None:
    page = html(built_sample, "zh", "security/enable-2fa.md")
    related = re.search(r'<nav class="kb-related".*?</nav>', page, re.S)
    assert related and i18n.translations(built_sample, "zh").gettext("Related articles") in related.group(0)
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', related.group(0))
    assert 1 <= len(links) <= 5
    page_dir = built_sample / "site/zh/security/enable-2fa"
    for href, _ in links:
        assert (page_dir / href / "index.html").resolve().exists(), href  # a page of the zh site
        assert not href.endswith("security/enable-2fa/")  # not the article itself
    assert any(re.search(r"[\u4e00-\u9fff]", title) for _, title in links)  # titles in Chinese


def test_a_search_result_section_opens_its_own_heading_in_chinese(tmp_path: Path, run_kb: RunKb) -> None:
    # Headings that do not line up with the source's get no source anchors: each links by the id
    # Python-Markdown gives a heading with no slug (_1, _2, _3), and the browser index must use those.
    source = article("Fees", "## Deposits\n\nFree.\n\n## Withdrawals\n\nBy network.\n")
    material = "theme: material\n"  # ProperDocs has no built-in theme
    root = write_kb(tmp_path, {"docs/en/fees.md": source}, languages=("en", "zh"), extra=material)
    body = "## 充值\n\n免费。\n\n## 提币\n\n按网络收费。\n\n## 限额\n\n每日十万。\n"
    write_kb(root, {"docs/zh/fees.md": translation("费用", body, hash_of(root, "fees.md"))},
             languages=("en", "zh"), extra=material)
    assert run_kb(root, "build", "--lang", "zh").code == 0
    page = (root / "site/zh/fees/index.html").read_text(encoding="utf-8")
    ids = dict(re.findall(r'<h2 id="([^"]+)">([^<]+)<', page))
    assert ids == {"_1": "充值", "_2": "提币", "_3": "限额"}
    document = next(json.loads(gzip.decompress(path.read_bytes()))
                    for path in (root / "site/zh/kb-search/d").glob("*.json.gz"))
    sections = {anchor: text for anchor, text in document["x"]}
    assert {anchor: ids[anchor] for anchor in sections if anchor} == {"_1": "充值", "_2": "提币", "_3": "限额"}
    assert "每日十万" in sections["_3"]
