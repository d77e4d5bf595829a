"""kb build after an edit renders only the pages the edit changes, and makes the site a clean build makes."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SAMPLE_PARTS, build_site, copy_sample

from kb_tools import build, freshness

LANGS = ("en", "zh")  # the source and a translated language: stale notices, fallbacks, translated UI
ARTICLE = "security/anti-phishing-code.md"  # reviewed in zh: a body edit makes the zh page stale


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample help center built in LANGS, with its site and .kb-cache: what an edit starts from.

    Built twice, so that the folders of the first site wait in .kb-cache/spare for the next build to write in.
    """
    root = copy_sample(tmp_path_factory.mktemp("base"))
    for force in (False, True):
        assert [r.outcome for r in build_site(root / "mkdocs.yml", *LANGS, force=force)] == ["built"] * len(LANGS)
    wait_for(lambda: all((root / build.SPARE_DIR / lang).is_dir() for lang in LANGS)
             and not any((root / build.TRASH_DIR).iterdir()))
    return root


def wait_for(done: Callable[[], bool]) -> None:
    """Wait (up to a minute) for what the process that swap_dir starts does."""
    for _ in range(600):
        if done():
            return
        time.sleep(0.1)
    raise AssertionError("swap_dir's process did not finish in a minute")


def site_files(site: Path) -> dict[str, bytes | None]:
    """Every file of the site by its path, the dates in sitemap.xml and its .gz left out (the day each was built),
    and every folder (None): an incremental build leaves no folder that a clean build has not."""
    result: dict[str, bytes | None] = {}
    for path in sorted(site.rglob("*")):
        if path.is_dir():
            result[path.relative_to(site).as_posix() + "/"] = None
        elif path.is_file() and not path.name.startswith("sitemap.xml"):
            result[path.relative_to(site).as_posix()] = path.read_bytes()
    for path in site.rglob("sitemap.xml"):
        result[path.relative_to(site).as_posix()] = re.sub(rb"<lastmod>[^<]*</lastmod>", b"", path.read_bytes())
    return result


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path}: no {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def body_edit(root: Path) -> None:
    append(root / "docs/en" / ARTICLE, "\nCheck the code in every e-mail before you click a link in it.\n")


def translation_edit(root: Path) -> None:
    edit(root / "docs/zh" / ARTICLE, "最简单易行的方法", "最简单的方法")  # a reviewer's fix: blocks still aligned


def title_change(root: Path) -> None:
    edit(root / "docs/en" / ARTICLE, "title: ", "title: Renamed: ")


def new_article(root: Path) -> None:
    (root / "docs/en/security/new-article.md").write_text(
        "---\ntitle: Lock your account\ndescription: Freeze trading and withdrawals at once.\n---\n\n"
        "Lock your account from **Security** when you think someone else is using it.\n", encoding="utf-8")


def deleted_article(root: Path) -> None:
    for lang in LANGS:
        (root / "docs" / lang / "security/device-management.md").unlink()


def helpcenter_change(root: Path) -> None:
    edit(root / "locales/helpcenter.yml", "en: Security and 2FA", "en: Security and two-factor authentication")


def template_change(root: Path) -> None:
    edit(root / "overrides/main.html", '<p class="kb-updated">', '<p class="kb-updated kb-updated--edited">')


def catalog_change(root: Path) -> None:
    """A translated UI string changed in zh's catalog, compiled as kb i18n compile does."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = root / "locales/zh/LC_MESSAGES/messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="zh")
    message = catalog.get("Related articles")
    assert message is not None and message.string
    message.string = "相关文章（已更新）"
    with (root / "locales/zh/LC_MESSAGES/messages.mo").open("wb") as handle:
        write_mo(handle, catalog)


def lost_page(root: Path) -> None:
    """Someone deleted a page of the last site by hand, then a body edit: the page kb would have reused is built."""
    for lang in LANGS:
        (root / "site" / lang / "security/device-management/index.html").unlink()
    body_edit(root)


def config_change(root: Path) -> None:
    edit(root / "mkdocs.yml", "site_name: Nimbus Help Center", "site_name: Nimbus Support")


CHANGES: dict[str, Callable[[Path], None]] = {
    "body": body_edit, "translation": translation_edit, "title": title_change, "new": new_article,
    "deleted": deleted_article, "helpcenter": helpcenter_change, "template": template_change,
    "catalog": catalog_change, "config": config_change, "lost page": lost_page,
}


def incremental_and_clean(base: Path, tmp_path: Path, change: Callable[[Path], None]) -> list[build.LanguageBuild]:
    """Apply change to a copy of base and build it as it is (incremental), and a fresh copy of its sources
    with no site and no cache (clean); assert the two sites are the same, file by file."""
    work = tmp_path / "work"
    shutil.copytree(base, work, symlinks=True)
    change(work)
    results = build_site(work / "mkdocs.yml", *LANGS)
    # A language the change does not touch (zh's catalog, a zh translation) keeps its site: skipped.
    assert {r.outcome for r in results} <= {"built", "skipped"} and "built" in {r.outcome for r in results}, results
    clean = tmp_path / "clean"
    clean.mkdir()
    for name in SAMPLE_PARTS:  # copytree and copy2 keep modification times: the "last updated" dates
        (shutil.copytree if (work / name).is_dir() else shutil.copy2)(work / name, clean / name)
    # The search index as the edited build left it: kb updates it in place and keeps related lists by each
    # article's own stamp (kb_tools/search.py), so a fresh index ranks a little differently. That cache is
    # not the page cache under test: with it, a clean build must make the same site byte for byte.
    shutil.copytree(work / ".kb-cache" / "whoosh", clean / ".kb-cache" / "whoosh")
    assert [r.outcome for r in build_site(clean / "mkdocs.yml", *LANGS)] == ["built"] * len(LANGS)
    new, fresh = site_files(work / "site"), site_files(clean / "site")
    assert sorted(new) == sorted(fresh)
    assert [path for path in fresh if new[path] != fresh[path]] == []
    return results


@pytest.mark.parametrize("kind", CHANGES)
def test_an_incremental_build_makes_the_site_a_clean_build_makes(base: Path, tmp_path: Path, kind: str) -> None:
    incremental_and_clean(base, tmp_path, CHANGES[kind])


def test_a_body_edit_renders_only_the_pages_it_changes(base: Path, tmp_path: Path) -> None:
    results = incremental_and_clean(base, tmp_path, body_edit)
    pages = {r.lang: r.rendered + r.reused for r in results}
    # en: the article (maybe a list or two that shows it); zh: its page, stale now, shows the changed block
    assert all(1 <= r.rendered <= 5 for r in results), [(r.lang, r.rendered, r.reused) for r in results]
    assert all(r.reused == pages[r.lang] - r.rendered and pages[r.lang] > 30 for r in results)


def test_a_body_edit_rewrites_only_that_article_in_the_search_index(base: Path, tmp_path: Path) -> None:
    """The browser index's file of each unchanged article is the last build's (linked, the same inode);
    the edited article's is written anew, with the new sentence."""
    import gzip
    import json

    work = tmp_path / "work"
    shutil.copytree(base, work, symlinks=True)
    folder = work / "site/en/kb-search/d"
    before = {path.name: path.stat().st_ino for path in folder.iterdir()}
    body_edit(work)
    [result] = build_site(work / "mkdocs.yml", "en")
    assert result.outcome == "built"
    after = {path.name: (path.stat().st_ino, json.loads(gzip.decompress(path.read_bytes())))
             for path in folder.iterdir()}
    written = {name: doc["p"] for name, (inode, doc) in after.items() if before.get(name) != inode}
    assert list(written.values()) == [ARTICLE] and len(after) == len(before) > 30
    sentence = "Check the code in every e-mail before you click a link in it."
    assert sentence in json.dumps(after[next(iter(written))][1], ensure_ascii=False)


def test_an_unchanged_index_keeps_the_search_terms_of_the_last_build(base: Path, tmp_path: Path) -> None:
    """An article saved again as it was rebuilds its language, but the language's index is the same: the
    browser index's terms and meta.json are the last build's files (linked, the same inodes). After a body
    edit they are written anew."""
    work = tmp_path / "work"
    shutil.copytree(base, work, symlinks=True)
    folder = work / "site/en/kb-search"

    def inodes() -> dict[str, int]:
        return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in [folder / "meta.json", *folder.glob("t/*")]}

    before = inodes()
    article = work / "docs/en" / ARTICLE
    article.write_bytes(article.read_bytes())
    os.utime(article, ns=(time.time_ns(), article.stat().st_mtime_ns + 10**9))  # saved a second later
    [result] = build_site(work / "mkdocs.yml", "en")
    assert result.outcome == "built" and inodes() == before
    body_edit(work)
    [result] = build_site(work / "mkdocs.yml", "en")
    after = inodes()
    assert result.outcome == "built" and after and not set(after.items()) & set(before.items())


def test_force_renders_every_page(base: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(base, work, symlinks=True)
    results = build.build(work / "mkdocs.yml", _builder(), ("en",), force=True)
    assert results[0].reused == 0 and results[0].rendered > 30
    # The old site left site/ at once, and a process of its own deletes it (the build did not wait for it).
    assert sorted(p.name for p in (work / "site").iterdir() if p.name.startswith(".")) == []
    trash = work / build.TRASH_DIR
    wait_for(lambda: not any(trash.iterdir()))
    # Its folders, emptied of files, are kept: the next build writes in them instead of making them again.
    spare = work / build.SPARE_DIR / "en"
    folder = spare / ARTICLE.removesuffix(".md")
    assert folder.is_dir() and not [p for p in spare.rglob("*") if not p.is_dir()]
    inode = folder.stat().st_ino
    body_edit(work)
    build_site(work / "mkdocs.yml", "en")
    assert (work / "site/en" / ARTICLE.removesuffix(".md")).stat().st_ino == inode


def _builder() -> build.Builder:
    from kb_tools.mkdocs.runner import build_language

    return build_language


def test_a_build_killed_mid_way_keeps_the_old_site_with_its_keys(base: Path, tmp_path: Path) -> None:
    from test_killed import count_files, kill_when

    work = tmp_path / "work"
    shutil.copytree(base, work, symlinks=True)
    keys = work / build.STAMP_DIR / "en.pages.pickle"
    before = site_files(work / "site" / "en"), keys.read_bytes()
    body_edit(work)
    kill_when(work, lambda: any(count_files(p) for p in (work / "site").glob(".en.kb-tmp-*")), "build", "--lang", "en")
    assert (site_files(work / "site" / "en"), keys.read_bytes()) == before

    [result] = build_site(work / "mkdocs.yml", "en")
    assert result.outcome == "built" and 1 <= result.rendered <= 5
    page = (work / "site/en" / ARTICLE.replace(".md", "/index.html")).read_text(encoding="utf-8")
    assert "Check the code in every e-mail before you click a link in it." in page


def test_the_browser_index_reads_from_the_index_the_counts_analysing_each_article_gives(built_sample: Path) -> None:
    """A first build takes each article's term counts from the index's postings, an edit's build analyses the
    articles that changed: in every language (stemmed, CJK pairs, Japanese, Korean) the two agree."""
    from collections import Counter

    from whoosh import index

    from kb_tools import config, reader, search, webindex
    from kb_tools.scan import scan

    center = scan(config.load(built_sample / "mkdocs.yml"))
    compared = 0
    for lang in center.settings.languages:
        documents = {rel: fields for rel, _stamp, fields in search.documents(center, lang, reader.plan(center, lang))}
        ix = index.open_dir(str(freshness.index_dir(center.settings.root, lang)))
        with ix.searcher() as searcher:
            numbers = {searcher.stored_fields(number)["path"]: number for number in searcher.reader().all_doc_ids()}
            for fields in webindex.SPACES.values():
                analyzer, read = ix.schema[fields[0]].analyzer, webindex._counts(searcher.reader(), fields)
                for rel, made in documents.items():
                    for field in fields:
                        analysed = dict(Counter(token.text for token in analyzer(made().get(field) or "")))
                        assert read[field].get(numbers[rel], {}) == analysed, (lang, rel, field)
                        compared += bool(analysed)
        ix.close()
    assert compared > 200
