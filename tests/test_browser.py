"""What a reader sees in a real browser: headless Chromium on the built sample, served on 127.0.0.1."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from conftest import REPO
from playwright.sync_api import Page

from kb_tools import i18n
from kb_tools import search as kb_search


def search(page: Page, query: str) -> list[str]:
    """Type a question into the page's search box as a reader does; returns the result links in order."""
    box = page.locator("[data-kb-search] input:visible").first
    box.fill(query)
    page.locator("[data-kb-search] .kb-result__link").first.wait_for(timeout=15000)
    return [link.get_attribute("href") or "" for link in page.locator("[data-kb-search] .kb-result__link").all()]


def rel_of(link: str, lang: str) -> str:
    """The article a result link leads to, e.g. security/enable-2fa.md."""
    path = link.split("#")[0].split(f"/{lang}/", 1)[1]
    return (path[:-1] if path.endswith("/") else path) + ".md"


def test_searching_in_chinese_finds_the_withdrawal_article(server: str, page: Page) -> None:
    page.goto(f"{server}/zh/")
    links = search(page, "提币")
    assert "deposits-withdrawals/withdraw-crypto.md" in [rel_of(link, "zh") for link in links[:2]], links
    marks = page.locator(".kb-result__snippet mark").all_inner_texts()
    assert "提币" in marks and not any(len(mark) == 1 or mark in ("提前", "提供") for mark in marks), marks


def test_a_synonym_finds_the_article_that_uses_the_other_word(server: str, page: Page) -> None:
    assert "提现" in (REPO / "search/synonyms/zh.txt").read_text(encoding="utf-8")
    assert "提现" not in (REPO / "docs/zh/deposits-withdrawals/withdraw-crypto.md").read_text(encoding="utf-8")
    page.goto(f"{server}/zh/")
    links = search(page, "提现")
    assert "deposits-withdrawals/withdraw-crypto.md" in [rel_of(link, "zh") for link in links[:3]], links
    assert "提币" in page.locator(".kb-result__snippet mark").all_inner_texts()


@pytest.mark.parametrize(("lang", "question", "expected"), [
    ("zh", "我的提币已经好几个小时了还在处理中，是不是卡住了，怎么办", "deposits-withdrawals/withdrawal-stuck.md"),
    ("en", "my withdrawal has been pending for hours what do i do", "deposits-withdrawals/withdrawal-stuck.md"),
    ("en", "i lost my phone with google authenticator and cant log in", "security/lost-2fa-device.md"),
])
def test_a_long_question_finds_its_article_first_or_second(server: str, page: Page, lang: str, question: str,
                                                          expected: str) -> None:
    page.goto(f"{server}/{lang}/")
    links = search(page, question)
    assert expected in [rel_of(link, lang) for link in links[:2]], links


def test_a_japanese_query_finds_an_english_only_page_labelled_english(server: str, page: Page) -> None:
    assert not (REPO / "docs/ja/account/reset-password.md").exists()  # shown in English on the ja site
    page.goto(f"{server}/ja/")
    links = search(page, "パスワード 再設定")
    found = [rel_of(link, "ja") for link in links]
    assert "account/reset-password.md" in found[:3], found
    result = page.locator(".kb-result").nth(found.index("account/reset-password.md"))
    badge = result.locator(".kb-badge--lang")
    assert badge.inner_text() == i18n.language_name("en", "ja") and badge.get_attribute("lang") == "en"
    assert result.locator(".kb-result__title").get_attribute("lang") == "en"


def test_highlighting_marks_whole_words(server: str, page: Page) -> None:
    page.goto(f"{server}/en/")
    search(page, "withdrawals pending")
    marks = {mark.lower() for mark in page.locator(".kb-result__snippet mark").all_inner_texts()}
    assert {"withdrawal", "pending"} <= marks or {"withdrawals", "pending"} <= marks, marks
    snippets = page.locator(".kb-result__snippet").all_inner_texts()
    assert all(not snippet.startswith(tuple("… " + c for c in ",;.)")) for snippet in snippets), snippets
    page.goto(f"{server}/ja/")
    search(page, "パスワード")
    marks = {mark for mark in page.locator(".kb-result__snippet mark").all_inner_texts() if not mark.isascii()}
    assert marks == {"パスワード"}, marks  # the word, not its pairs パス or スワ (English pages mark password)


@pytest.mark.parametrize(("lang", "question"), [("en", "withdrawal network fee"), ("en", "account"),
                                                ("zh", "提币 网络 手续费"), ("ja", "パスワード"), ("es", "retiro red")])
def test_the_browser_shows_the_snippets_kb_search_shows(built_sample: Path, server: str, page: Page, lang: str,
                                                        question: str) -> None:
    """The same words marked, in the same window of the article, as `kb search` shows them."""
    page.goto(f"{server}/{lang}/")
    links = search(page, question)
    shown = {rel_of(link, lang): (snippet.inner_text(), snippet.locator("mark").all_inner_texts())
             for link, snippet in zip(links, page.locator("[data-kb-search] .kb-result__snippet").all(), strict=True)}
    with kb_search.Searcher(built_sample, lang) as searcher:
        hits = {hit.path: hit.snippet for hit in searcher.search(question)}
    assert len(shown) >= 3 and set(shown) <= set(hits), (shown, hits)
    for path, (text, marks) in shown.items():
        expected = hits[path]
        assert marks == [html.unescape(mark) for mark in re.findall(r"<mark>(.*?)</mark>", expected)], path
        assert " ".join(text.split()) == " ".join(html.unescape(re.sub(r"</?mark>", "", expected)).split()), path


def test_a_japanese_word_inside_a_sentence_is_found(server: str, page: Page) -> None:
    word = "詐欺師"  # "scammer", written inside sentences with no spaces around it
    having = {p.relative_to(REPO / "docs/ja").as_posix() for p in (REPO / "docs/ja").rglob("*.md")
              if word in p.read_text(encoding="utf-8")}
    page.goto(f"{server}/ja/")
    found = [rel_of(link, "ja") for link in search(page, word)]
    assert having <= set(found), found


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


def test_enter_opens_the_first_result_and_nothing_is_fetched_from_outside(server: str, page: Page) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{server}/ko/")
    links = search(page, "출금")
    page.locator("[data-kb-search] input:visible").first.press("Enter")
    page.wait_for_url(links[0].split("#")[0] + "**")
    outside = [url for url in requested if not url.startswith(server)]
    assert outside == [], outside


def verify_answer(page: Page, text: str) -> str:
    """Type into the verify page's box as a reader does; returns what the page answers."""
    page.locator("#kb-verify-input").fill(text)
    result = page.locator(".kb-verify__result")
    result.locator("p").first.wait_for()
    return result.inner_text()


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_the_verify_page_answers_in_the_pages_language_and_asks_nothing_outside(server: str, page: Page,
                                                                             lang: str) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server}/{lang}/verify/")
    _ = i18n.translations(REPO, lang).gettext
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").inner_text().strip().rstrip("¶") == _("Verify an official channel")
    official = verify_answer(page, "x.com/NimbusExchange")
    assert page.locator(".kb-verify__result").get_attribute("data-answer") == "official"
    assert _("Official") in official and _("This is one of our official channels: %(match)s.") % {
        "match": "X @NimbusExchange"} in official
    fake = verify_answer(page, "@NimbusExchange_Support")
    assert page.locator(".kb-verify__result").get_attribute("data-answer") == "lookalike"
    assert _("Not official") in fake and _("It looks like ours but is not: a common trick.") in fake
    assert _("Do not reply, click its links or call it back.") in fake  # what to do
    unknown = verify_answer(page, "t.me/some_random_group")
    assert _("It is not on our list of official channels.") in unknown
    outside = [url for url in requests if not url.startswith(server + "/")]
    assert requests and outside == []


def test_the_browser_answers_the_table_as_kb_verify_does(server: str, page: Page) -> None:
    from verify_cases import CASES

    page.goto(f"{server}/en/verify/")
    answers = page.evaluate("cases => cases.map(c => window.kbVerify.check(c))", [text for text, *_ in CASES])
    assert [(a["answer"], a["kind"], a["match"]) for a in answers] == [tuple(case[1:]) for case in CASES]
    assert answers[[c[0] for c in CASES].index("@NimbusExchange")]["platforms"] == ["X"]


def test_safety_articles_and_the_home_page_link_the_verify_page(server: str, page: Page) -> None:
    page.goto(f"{server}/zh/safety/recognize-phishing/")
    page.locator(".kb-verify-callout a").click()
    assert page.url == f"{server}/zh/verify/"
    page.goto(f"{server}/ja/")
    assert "X @NimbusExchange" in page.locator(".kb-safety").inner_text()
    page.locator(".kb-safety a").click()
    assert page.url == f"{server}/ja/verify/"
