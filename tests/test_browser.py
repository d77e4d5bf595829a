"""What a reader sees in a real browser: headless Chromium on the built sample, served on 127.0.0.1."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import REPO
from playwright.sync_api import Browser, Page, sync_playwright

from kb_tools import i18n
from kb_tools.reader import page_url

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(built_sample: Path) -> Iterator[str]:
    """The built sample, served over HTTP on 127.0.0.1; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(built_sample / "site"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def search(page: Page, query: str) -> list[str]:
    """Type a query into the page's search box; returns the result links."""
    box = page.locator("[data-kb-search] .pagefind-ui__search-input:visible").first
    box.fill(query)
    page.locator(".pagefind-ui__result-link").first.wait_for(timeout=15000)
    return [link.get_attribute("href") or "" for link in page.locator(".pagefind-ui__result-link").all()]


def test_searching_in_chinese_finds_the_withdrawal_article(server: str, page: Page) -> None:
    page.goto(f"{server}/zh/")
    links = search(page, "提币")
    assert any(link.endswith("/zh/deposits-withdrawals/withdraw-crypto/") for link in links), links


def test_a_japanese_word_inside_a_sentence_is_found(server: str, page: Page) -> None:
    word = "詐欺師"  # "scammer", written inside sentences with no spaces around it
    having = {p.relative_to(REPO / "docs/ja").as_posix() for p in (REPO / "docs/ja").rglob("*.md")
              if word in p.read_text(encoding="utf-8")}
    page.goto(f"{server}/ja/")
    links = search(page, word)
    assert links
    pages = {page_url(rel) for rel in having}
    assert all(link.split("#")[0].split("/ja/", 1)[1] in pages for link in links), links


def test_switching_language_on_a_chinese_article_lands_on_the_same_english_article(server: str, page: Page) -> None:
    page.goto(f"{server}/zh/security/enable-2fa/")
    page.locator(".md-select").first.hover()
    page.locator('.md-select__link[hreflang="en"]').click()
    page.wait_for_url("**/en/security/enable-2fa/")
    assert page.locator("h1").first.inner_text() == "How to enable two-factor authentication (2FA)"


def test_the_machine_notice_is_visible_on_a_machine_translation(server: str, page: Page, tmp_path: Path) -> None:
    page.goto(f"{server}/zh/trading/convert/")
    notice = page.locator(".kb-notice--machine")
    assert notice.is_visible()
    assert notice.get_attribute("lang") is None and page.locator("html").get_attribute("lang") == "zh"
    page.screenshot(path=str(tmp_path / "machine-notice.png"), full_page=False)


def test_fallback_pages_are_found_in_the_readers_site_and_labelled(server: str, page: Page) -> None:
    page.goto(f"{server}/ja/")
    search(page, "utility")  # only in the English article that the ja site shows as a fallback
    titles = [title.inner_text() for title in page.locator(".pagefind-ui__result-title").all()]
    label = f"Proof of address for Level 2 ({i18n.language_name('en', 'ja')})"
    assert label in titles, titles
