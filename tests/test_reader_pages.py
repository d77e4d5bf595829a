"""What a reader sees around the articles, in headless Chromium: home, badges, contact, feedback, 404, requests."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from conftest import build_site, copy_sample
from playwright.sync_api import Browser, Page

FALLBACK = "deposits-withdrawals/network-fees"  # no zh translation: the zh site shows it in English
EN_TITLE = "Network fees and minimum withdrawal amounts"


def test_a_fallback_has_one_title_and_a_language_badge_everywhere_on_the_zh_home(server: str, page: Page) -> None:
    page.goto(f"{server}/zh/")
    promoted = page.locator(".kb-promoted li", has=page.locator(f'a[href$="{FALLBACK}/"]'))
    assert promoted.locator("a").inner_text() == EN_TITLE
    assert promoted.locator(".kb-badge").inner_text() == "英语"
    page.goto(f"{server}/zh/{FALLBACK}/")
    nav_entry = page.locator('.md-nav__link[href="./"]').first
    assert EN_TITLE in nav_entry.inner_text()
    assert nav_entry.locator(".md-status--kb-fallback").get_attribute("title") == "英语"
    translated = page.locator('.md-nav__link[href$="withdraw-crypto/"]').first
    assert translated.locator(".md-status").count() == 0


def test_the_home_page_puts_search_first_then_popular_articles_contact_and_categories(server: str, page: Page) -> None:
    page.goto(f"{server}/zh/")
    order = page.evaluate("""() => ['.kb-hero input', '.kb-promoted', '.kb-home-contact', '.kb-categories',
        '.kb-safety'].map(s => document.querySelector(s).getBoundingClientRect().top)""")
    assert order == sorted(order), order
    card = page.locator(".kb-category", has=page.locator('a[href$="deposits-withdrawals/"]'))
    assert card.locator(".kb-category__name").inner_text() == "充值与提币"
    assert card.locator(".kb-category__description").inner_text().startswith("充值和提币")
    assert card.locator(".kb-category__count").inner_text() == "5 篇文章"
    assert page.title() == "Nimbus 帮助中心"


@pytest.mark.parametrize(("now", "open_first"), [
    ("2026-12-02T10:00:00Z", ["在线客服", "邮件工单", "电话回拨（已认证账户）"]),  # a Wednesday, in office hours
    ("2026-12-06T10:00:00Z", ["在线客服", "邮件工单"]),  # a Sunday: the phone callback is closed
])
def test_the_contact_block_on_an_article_shows_the_channels_open_now_first(
        server: str, page: Page, now: str, open_first: list[str]) -> None:
    page.clock.set_fixed_time(dt.datetime.fromisoformat(now))
    page.goto(f"{server}/zh/account/reset-password/")
    channels = page.locator(".kb-contact .kb-channel")
    names = channels.locator(".kb-channel__name").all_inner_texts()
    open_now = page.locator(".kb-contact .kb-channel--open .kb-channel__name").all_inner_texts()
    assert open_now == open_first and names[:len(open_first)] == open_first
    assert channels.first.locator(".kb-channel__now").inner_text() == "现在在线"
    if len(open_first) < len(names):
        assert page.locator(".kb-contact .kb-channel--closed .kb-channel__now").inner_text() == "现在不在服务时间"


def test_feedback_without_an_endpoint_thanks_the_reader_and_no_opens_the_ticket_form(server: str, page: Page) -> None:
    page.goto(f"{server}/ja/account/reset-password/")
    form = page.locator(".kb-feedback")
    assert form.locator(".kb-feedback__question").inner_text() == "この記事は役に立ちましたか？"
    form.locator("button[value=yes]").click()
    assert form.locator(".kb-feedback__thanks").is_visible()
    page.goto(f"{server}/ja/account/reset-password/")
    ticket = page.locator(".kb-feedback [data-helpful=no]").get_attribute("href") or ""
    article = parse_qs(urlsplit(ticket).query)["article"][0]
    assert unquote(article) == "https://help.nimbusx.example/ja/account/reset-password/"


class _Feedback(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.received.append(self.rfile.read(length).decode())  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_feedback_posts_the_answer_to_the_configured_endpoint(tmp_path: Path, browser: Browser) -> None:
    endpoint = ThreadingHTTPServer(("127.0.0.1", 0), _Feedback)
    endpoint.received = []  # type: ignore[attr-defined]
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()
    root = copy_sample(tmp_path)
    config = root / "mkdocs.yml"
    url = f"http://127.0.0.1:{endpoint.server_address[1]}/feedback"
    config.write_text(config.read_text().replace("source_language: en",
                                                  f"source_language: en\n      feedback_url: {url}"))
    build_site(config, "zh")
    site = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Static, directory=str(root / "site")))
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{site.server_address[1]}/zh/account/reset-password/")
        page.locator(".kb-feedback button[value=no]").click()
        page.locator(".kb-feedback__thanks").wait_for()
        assert page.locator(".kb-feedback__ticket").is_visible()  # "tell us what was missing"
        for _ in range(50):
            if endpoint.received:
                break
            page.wait_for_timeout(100)
        assert len(endpoint.received) == 1
        assert all(part in endpoint.received[0] for part in ('name="helpful"', "no", "account/reset-password/", "zh"))
        page.close()
    finally:
        endpoint.shutdown()
        site.shutdown()


class _Static(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _html_pages(site: Path, languages: tuple[str, ...]) -> list[str]:
    return sorted(str(p.relative_to(site).parent.as_posix()) + "/" for lang in languages
                  for p in (site / lang).rglob("index.html") if "kb-search" not in p.parts)


def test_no_page_requests_anything_outside_the_site(built_sample: Path, server: str, page: Page) -> None:
    outside: list[str] = []
    page.on("request", lambda request: outside.append(f"{page.url} -> {request.url}")
            if not request.url.startswith(server) and not request.url.startswith("data:") else None)
    paths = _html_pages(built_sample / "site", ("en", "zh", "ja", "es", "ko"))
    assert len(paths) > 150
    for path in [*paths, "404.html", "zh/404.html"]:
        page.goto(f"{server}/{path}", wait_until="load")
    page.goto(f"{server}/zh/")
    page.locator(".kb-hero input").fill("提币")
    page.locator(".kb-result").first.wait_for()
    assert outside == []


@pytest.mark.parametrize("missing", ["zh/no/such/page/", "no-such-page"])
def test_the_404_pages_link_to_every_language_from_any_address(server: str, page: Page, built_sample: Path,
                                                               missing: str) -> None:
    lang = missing.split("/")[0] if "/" in missing else ""
    body = (built_sample / "site" / (f"{lang}/404.html" if lang else "404.html")).read_bytes()
    page.route(f"{server}/{missing}", lambda route: route.fulfill(status=404, body=body, content_type="text/html"))
    page.goto(f"{server}/{missing}")
    links = page.locator(".kb-languages a")
    assert links.count() == 5
    for link in links.all():
        href = link.evaluate("a => a.href")
        assert href == f"{server}/{link.get_attribute('hreflang')}/", href
    switcher = page.locator(".md-select__link")
    assert [a.evaluate("a => a.href") for a in switcher.all()] == [
        f"{server}/{code}/" for code in ("en", "zh", "ja", "es", "ko")]
    assert page.locator("link[rel=stylesheet]").first.evaluate("l => l.sheet !== null")  # the site's look
    home = page.locator("a.md-button").get_attribute("href") or ""
    assert not home.startswith("http"), home
    assert page.locator("[data-kb-search] input").count() >= 1


def test_the_language_switcher_marks_this_language_and_says_where_the_page_is_in_english(
        server: str, page: Page) -> None:
    page.goto(f"{server}/en/account/reset-password/")  # translated in zh, missing in ja
    current = page.locator(".md-select__link[aria-current=page]")
    assert current.get_attribute("hreflang") == "en"
    ja = page.locator('.md-select__link[hreflang="ja"]')
    assert ja.evaluate("a => a.href") == f"{server}/ja/account/reset-password/"
    assert ja.locator(".kb-badge").inner_text() == "English"
    assert page.locator('.md-select__link[hreflang="zh"] .kb-badge').count() == 0


def test_nothing_on_a_zh_page_is_left_in_english(server: str, page: Page) -> None:
    page.goto(f"{server}/zh/account/reset-password/")
    assert page.locator("a.headerlink").first.get_attribute("title") == "永久链接"
    footer = page.locator(".md-copyright").inner_text()
    assert "构建" in footer and "Made with" not in footer
    assert page.title() == "如何重置密码 - Nimbus 帮助中心"


def test_a_category_page_lists_its_articles_and_the_breadcrumb_leads_there(server: str, page: Page) -> None:
    page.goto(f"{server}/zh/deposits-withdrawals/withdraw-crypto/")
    page.locator(".md-path a", has_text="充值与提币").click()
    assert page.url == f"{server}/zh/deposits-withdrawals/"
    assert page.locator(".md-content h1").inner_text() == "充值与提币"
    items = page.locator(".kb-article-list > li")
    assert items.count() == 5
    fallback = items.filter(has=page.locator(f'a[href$="{FALLBACK.split("/")[1]}/"]'))
    assert fallback.locator("a").inner_text() == EN_TITLE and fallback.locator(".kb-badge").inner_text() == "英语"
    page.locator(".kb-article-list a", has_text="如何提币").click()
    assert page.url == f"{server}/zh/deposits-withdrawals/withdraw-crypto/"
    page.goto(f"{server}/zh/")
    page.locator(".kb-category__name", has_text="充值与提币").click()
    assert page.url == f"{server}/zh/deposits-withdrawals/"
