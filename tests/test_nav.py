"""The navigation stays light as a category grows: an article page lists a window of its category's
articles and a link to the category page, every other category as one link (overrides/partials/nav-item.html)."""

from __future__ import annotations

import functools
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import REPO, article, build_site, write_kb
from playwright.sync_api import Browser, expect

ARTICLES = 30  # in account/, three times the window of 10 the nav shows
THEME = """theme:
  name: material
  custom_dir: overrides
  font: false
  features: [navigation.path, navigation.prune, navigation.indexes]
"""


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A help center of en and zh (every zh page shown in English) with 30 articles in account/, 3 in security/."""
    files = {f"docs/en/account/article-{i:02}.md": article(f"Account article {i:02}", "## Steps\n\nDo this.\n")
             for i in range(ARTICLES)}
    files.update({f"docs/en/security/guide-{i}.md": article(f"Security guide {i}", "Text.\n") for i in range(3)})
    files["docs/en/index.md"] = article("Help", "Welcome.\n")
    root = write_kb(tmp_path_factory.mktemp("big"), files, languages=("en", "zh"), extra=THEME)
    for name in ("overrides", "locales"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("snapshots"))
    assert [r.outcome for r in build_site(root / "mkdocs.yml")] == ["built", "built"]
    return root


def primary_nav(html: str) -> str:
    """The primary navigation of a page (the sidebar, and the phone's drawer)."""
    start = html.index('<nav class="md-nav md-nav--primary"')
    return html[start:html.index('<div class="md-sidebar md-sidebar--secondary"', start)]


def nav_links(nav: str) -> list[tuple[str, str]]:
    """(href, text) of every link of the navigation but the table of contents' (#anchors)."""
    links = re.findall(r'<a href="([^"#]*)" class="md-nav__link[^"]*"[^>]*>(.*?)</a>', nav, re.S)
    return [(href, " ".join(re.sub(r"<[^>]+>", " ", text).split())) for href, text in links]


def read(root: Path, lang: str, path: str) -> str:
    return (root / "site" / lang / path / "index.html").read_text(encoding="utf-8")


def test_an_article_page_lists_ten_articles_around_it_and_a_link_to_all(big: Path) -> None:
    links = nav_links(primary_nav(read(big, "en", "account/article-15")))
    titles = [text for _, text in links if text.startswith("Account article")]
    assert titles == [f"Account article {i:02}" for i in range(10, 20)]
    assert ("../", "All 30 articles") in links
    assert ("../../security/", "Security guide 0") not in links  # another category: one link, its name
    assert [href for href, _ in links if "security" in href] == ["../../security/"]


@pytest.mark.parametrize(("number", "first"), [(0, 0), (3, 0), (29, 20)])
def test_the_window_keeps_its_size_at_the_ends_of_a_category(big: Path, number: int, first: int) -> None:
    links = nav_links(primary_nav(read(big, "en", f"account/article-{number:02}")))
    assert [text for _, text in links if text.startswith("Account article")] == [
        f"Account article {i:02}" for i in range(first, first + 10)]


def test_the_current_page_is_marked_and_the_nav_does_not_grow_with_the_category(big: Path) -> None:
    nav = primary_nav(read(big, "en", "account/article-15"))
    active = re.findall(r'<a href="([^"]*)" class="md-nav__link md-nav__link--active"', nav)
    assert active == ["./"]
    small = primary_nav(read(big, "en", "security/guide-1"))  # a category of 3: every article listed
    assert len([text for _, text in nav_links(small) if text.startswith("Security guide")]) == 3
    # Ten articles and one more link instead of thirty: the 30-article category's nav is at most
    # the 3-article one's plus 8 more entries (each entry of the smaller nav costs under 1/3 of it).
    per_entry = len(small) / len(nav_links(small))
    assert len(nav) < len(small) + 8 * per_entry, (len(nav), len(small), per_entry)


def test_a_category_page_is_where_all_leads_and_lists_every_article(big: Path) -> None:
    html = read(big, "en", "account")
    listed = re.findall(r'<li><a href="[^"]+">Account article (\d\d)</a>', html)
    assert len(listed) == ARTICLES
    assert len([t for _, t in nav_links(primary_nav(html)) if t.startswith("Account article")]) == 10


def test_the_home_lists_categories_not_articles(big: Path) -> None:
    links = nav_links(primary_nav((big / "site/en/index.html").read_text(encoding="utf-8")))
    hrefs = [href for href, _ in links]
    assert "account/" in hrefs and "security/" in hrefs
    assert not any("article-" in href or "guide-" in href for href in hrefs)


def test_a_chinese_page_says_all_in_chinese_and_keeps_the_fallback_badges(big: Path) -> None:
    nav = primary_nav(read(big, "zh", "account/article-15"))
    assert ("../", "全部 30 篇文章") in nav_links(nav)
    entries = re.findall(r'<li class="md-nav__item[^"]*">\s*<a href="\.\./article-\d\d/".*?</li>', nav, re.S)
    assert len(entries) == 9 and all('md-status--kb-fallback" title="英语"' in entry for entry in entries)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(big: Path) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(big / "site")))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_on_a_phone_the_drawer_shows_the_window_and_all_leads_to_the_category(browser: Browser, served: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{served}/en/account/article-15/")
    drawer = page.locator(".md-sidebar--primary")
    expect(drawer.locator(".kb-nav-all a")).not_to_be_in_viewport()  # the drawer is closed, off the screen
    page.locator('.md-header label[for="__drawer"]').first.click()
    expect(drawer.locator(".kb-nav-all a")).to_be_in_viewport()
    expect(drawer.locator(".md-nav__link--active", has_text="Account article 15").first).to_be_in_viewport()
    drawer.locator(".kb-nav-all a").click()
    page.wait_for_url(f"{served}/en/account/")
    context.close()


def test_the_all_link_works_from_the_keyboard_on_a_desktop(browser: Browser, served: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{served}/zh/account/article-03/")
    link = page.locator(".md-sidebar--primary .kb-nav-all a")
    assert link.inner_text().strip() == "全部 30 篇文章"
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{served}/zh/account/")
    context.close()
