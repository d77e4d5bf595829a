"""The translator's workbench (issue #16): the review site's grid, its pages, and the side-by-side pointing at the fix.

The review site of the bundled sample is built once (in a git repository, as a help center keeps it) and
opened in headless Chromium, from file:// as a translator opens it, and over http where the clipboard needs it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import _QuietHandler, commit_all, copy_sample, hash_of, scan, translation, write_kb
from markupsafe import Markup
from playwright.sync_api import Browser, Page

from kb_tools import review, status
from kb_tools.cli import main

ORPHAN = ("zh", "trading/margin-trading.md")
CRITICAL_MISSING = ("ja", "kyc/verification-levels.md")
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample help center, committed, with its review site in review/ (made by kb review: the chart too)."""
    root = copy_sample(tmp_path_factory.mktemp("workbench"))
    commit_all(root, "the sample")
    assert main(["--config", str(root / "mkdocs.yml"), "review", "--out", str(root / "review")]) == 0
    return root


@pytest.fixture(scope="module")
def report(sample: Path) -> dict[str, list[status.Entry]]:
    """kb status of the sample's translations, stale ones explained: what the grid must show."""
    center = scan(sample)
    return status.explain_stale(center, status.compute(center, center.settings.targets))


@pytest.fixture
def no_js(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def url(sample: Path, path: str = "index.html") -> str:
    return (sample / "review" / path).as_uri()


def visible_rows(page: Page) -> list[str]:
    return page.locator("#grid tbody tr:visible").evaluate_all("rows => rows.map(r => r.dataset.path)")


def test_the_grid_shows_every_article_in_every_language_without_javascript(
        sample: Path, report: dict[str, list[status.Entry]], no_js: Page) -> None:
    no_js.goto(url(sample))
    rels = sorted({e.rel for entries in report.values() for e in entries})
    assert sorted(visible_rows(no_js)) == rels and ORPHAN[1] in rels
    for lang, entries in report.items():
        for entry in entries:
            cell = no_js.locator(f"#grid tr[data-path='{entry.rel}'] td[data-lang='{lang}']")
            assert cell.get_attribute("data-status") == entry.status, (lang, entry.rel)
            assert cell.is_visible()
    assert no_js.locator("#filters").is_hidden()  # the filters need the script; the grid does not

    # Critical first: the first rows are the critical articles stale or missing somewhere.
    first = no_js.locator("#grid tbody tr").first
    assert first.locator("td[data-kind='stale-critical']").count() >= 1
    critical = {e.rel for entries in report.values() for e in entries
                if e.critical and e.status in ("stale", "missing")}
    assert set(visible_rows(no_js)[:len(critical)]) == critical

    # Every cell and every "critical out of date" item is a link to a page that exists.
    links = no_js.locator("#grid td a, h2:has-text('Critical articles') + ul a")
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    out_of_date = [e for entries in report.values() for e in entries
                   if e.critical and e.status in ("stale", "missing", "machine", "invalid")]
    assert len(hrefs) == sum(len(entries) for entries in report.values()) + len(out_of_date)
    missing = [h for h in hrefs if not (sample / "review" / h).is_file()]
    assert missing == []


def test_the_orphan_and_a_critical_missing_article_open_pages_that_say_what_to_do(sample: Path, no_js: Page) -> None:
    no_js.goto(url(sample))
    cell = no_js.locator(f"#grid tr[data-path='{ORPHAN[1]}'] td[data-lang='{ORPHAN[0]}'] a")
    assert cell.inner_text() == "orphan"
    cell.click()
    assert no_js.url == url(sample, "zh/trading/margin-trading.html")
    text = no_js.locator("body").inner_text()
    assert "docs/zh/trading/margin-trading.md exists, but docs/en/trading/margin-trading.md does not" in text
    assert no_js.locator("code.cmd").inner_text() == "git rm docs/zh/trading/margin-trading.md"
    assert "If the source was moved or renamed, move the translation" in text

    no_js.goto(url(sample))
    cell = no_js.locator(f"#grid tr[data-path='{CRITICAL_MISSING[1]}'] td[data-lang='{CRITICAL_MISSING[0]}'] a")
    assert cell.inner_text() == "critical missing"
    cell.click()
    assert no_js.url == url(sample, "ja/kyc/verification-levels.html")
    assert no_js.locator("h1").inner_text() == "Identity verification levels and limits critical missing"
    assert no_js.locator("code.cmd").inner_text() == "kb draft ja kyc/verification-levels.md"
    assert "docs/ja/kyc/verification-levels.md does not exist" in no_js.locator("body").inner_text()
    source = scan(sample).with_blocks(scan(sample).docs["en"][CRITICAL_MISSING[1]])
    shown = no_js.locator("td.src").all_inner_texts()
    assert [review.show(b) for b in source.blocks] == shown[1:]  # the title and description first

    # Both are in their language's queue; critical missing right after critical stale.
    no_js.goto(url(sample, "ja/index.html"))
    kinds = no_js.locator("td .tag").all_inner_texts()
    assert kinds[:3] == ["critical stale", "critical missing", "critical missing"]
    assert "kyc/verification-levels.md" in no_js.locator("tr:has-text('critical missing')").all_inner_texts()[0]
    no_js.goto(url(sample, "zh/index.html"))
    assert no_js.locator(f"a[href='{ORPHAN[1][:-3]}.html']").inner_text() == ORPHAN[1]
    # The home page's review page sits beside the queue instead of replacing it.
    assert no_js.locator("h1").inner_text() == "Chinese (zh): review queue"
    assert (sample / "review/zh/index.md.html").is_file()


def test_filters_and_order_in_the_browser(sample: Path, report: dict[str, list[status.Entry]], page: Page) -> None:
    page.goto(url(sample))
    page.locator("#filters button[data-status='orphan']").click()
    assert visible_rows(page) == [ORPHAN[1]]
    assert page.locator("#shown").inner_text() == f"1 of {page.locator('#grid tbody tr').count()} articles"

    page.locator("#filters button[data-lang='ja']").click()
    assert visible_rows(page) == []  # no orphan in ja
    page.locator("#filters button[data-status='missing-critical']").click()
    expected = [e.rel for e in report["ja"] if e.status == "missing" and e.critical]
    assert sorted(visible_rows(page)) == sorted(expected) and len(expected) == 2  # KYC levels, trading fees
    assert page.locator("#grid thead th[data-lang]:visible").all_inner_texts() == ["Japanese (ja)"]
    assert page.locator("#grid tbody td:visible a").all_inner_texts() == ["critical missing"] * 2

    page.locator("#filters button[data-status='']").click()  # every status of ja, most urgent first
    rows = visible_rows(page)
    kinds = [review.kind(next(e for e in report["ja"] if e.rel == rel)) for rel in rows]
    assert kinds == sorted(kinds, key=review.KINDS.index) and kinds[0] == "stale-critical" and kinds[-1] == "current"
    page.locator("#filters button[data-sort='path']").click()
    assert visible_rows(page) == sorted(rows)

    # The filter is in the address: a link with it opens the grid filtered, as the progress table's counts do.
    page.goto(url(sample) + "#lang=es&status=stale")
    assert visible_rows(page) == [e.rel for e in report["es"] if e.status == "stale"]
    page.goto(url(sample))
    page.locator("table.progress a[href='#lang=zh&status=machine']").click()
    assert sorted(visible_rows(page)) == sorted(e.rel for e in report["zh"] if e.status == "machine")


@pytest.mark.parametrize("path", ["index.html", "zh/deposits-withdrawals/network-fees.html",
                                  "ja/kyc/verification-levels.html", "zh/trading/margin-trading.html"])
def test_a_phone_does_not_scroll_sideways(sample: Path, browser: Browser, path: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(url(sample, path))
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    if path == "index.html":  # the grid scrolls in its own box, its article column kept in view
        box = page.locator(".scroll:has(#grid)")
        assert box.evaluate("b => b.scrollWidth > b.clientWidth")
        box.evaluate("b => b.scrollLeft = b.scrollWidth")
        article = page.locator("#grid tbody th.article").first.bounding_box()
        assert article is not None and article["x"] >= 0
    context.close()


def test_side_by_side_pairs_each_changed_source_block_with_the_translation_block_to_edit(
        sample: Path, report: dict[str, list[status.Entry]], no_js: Page) -> None:
    center = scan(sample)
    stale = [e for entries in report.values() for e in entries if e.status == "stale"]
    assert len(stale) == 7  # kb status of the sample: zh 4, ja 2, es 1
    for entry in stale:
        no_js.goto(url(sample, f"{entry.lang}/{review.page_file(entry.rel)}"))
        translated = center.with_blocks(center.docs[entry.lang][entry.rel]).blocks
        edits = no_js.locator("tr:has(td.kb-edit)")
        assert edits.count() == len(entry.changes) == 1, entry.rel
        change = entry.changes[0]
        assert change.kind == "changed"
        # The translation of the block that changed: the one at its place in the version translated.
        index = next(i for i, b in enumerate(entry.made_from) if b.text == change.old_text)
        assert edits.locator("td.line").first.inner_text() == str(change.line)
        assert edits.locator("td.line").last.inner_text() == str(translated[index].line)
        assert edits.locator("td.kb-edit").inner_text().startswith("edit this\n" + review.show(translated[index]))
        assert edits.locator("td.src").inner_text().startswith(change.text.split("\n")[0][:20])

    # Old and new words stand out: readable size, coloured.
    no_js.goto(url(sample, "zh/account/reset-password.html"))
    for mark, word in (("del", "3"), ("ins", "5")):
        found = no_js.locator(f"tr:has(td.kb-edit) td.src {mark}")
        assert found.inner_text() == word
        size, background = found.evaluate(
            "e => [parseFloat(getComputedStyle(e).fontSize), getComputedStyle(e).backgroundColor]")
        assert size >= 15 and background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert no_js.locator("td.kb-edit .edit-label").inner_text() == "edit this"
    assert "新密码不能与最近 3 次使用过的密码相同" in no_js.locator("td.kb-edit").inner_text()


def test_the_copy_button_copies_the_approve_command(sample: Path, browser: Browser) -> None:
    handler = functools.partial(_QuietHandler, directory=str(sample / "review"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        context = browser.new_context()
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
        page = context.new_page()
        page.goto(f"{origin}/zh/account/reset-password.html")
        page.locator("button.copy").click()
        page.locator("button.copy", has_text="Copied").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == "kb approve zh account/reset-password.md"
        context.close()
    finally:
        httpd.shutdown()
        httpd.server_close()

    # From file://, where the clipboard may be refused or absent: the command is selected for Ctrl+C.
    context = browser.new_context()
    context.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page = context.new_page()
    page.goto(url(sample, "ja/kyc/verification-levels.html"))
    page.locator("button.copy").click()
    assert page.locator("button.copy").inner_text() == "Selected: press Ctrl+C"
    assert page.evaluate("getSelection().toString()") == "kb draft ja kyc/verification-levels.md"
    context.close()


def test_kb_review_puts_the_progress_chart_on_the_dashboard(sample: Path, no_js: Page) -> None:
    no_js.goto(url(sample))
    chart = no_js.locator("figure.chart svg")
    text = chart.text_content() or ""
    assert "Chinese" in text and "Japanese" in text  # a panel per language
    no_js.set_viewport_size(PHONE)
    figure = no_js.locator("figure.chart").bounding_box()
    assert figure is not None and figure["x"] + figure["width"] <= PHONE["width"]  # on a phone it scrolls in its box
    assert no_js.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_the_dashboard_embeds_a_chart_only_when_given_one(tmp_path: Path) -> None:
    root = write_kb(tmp_path, {"docs/en/a.md": "---\ntitle: A\n---\n\nA.\n"}, languages=("en", "zh"))
    index = review.build(scan(root), root / "review", chart=Markup('<svg id="progress-chart"></svg>'))
    assert '<figure class="chart"><svg id="progress-chart"></svg></figure>' in index.read_text(encoding="utf-8")
    index = review.build(scan(root), root / "review")
    assert '<figure class="chart">' not in index.read_text(encoding="utf-8")


def test_invalid_current_and_untracked_translations_have_pages_too(tmp_path: Path, no_js: Page) -> None:
    root = write_kb(tmp_path, {
        "docs/en/a.md": "---\ntitle: A\n---\n\nA.\n", "docs/en/b.md": "---\ntitle: B\n---\n\nB.\n",
        "docs/en/c.md": "---\ntitle: C\n---\n\nC.\n",
        "docs/en/常见 问题.md": "---\ntitle: FAQ\n---\n\nQuestions.\n",  # a path to quote in a link
        "docs/zh/a.md": "---\ntitle: [oops\n---\n\n甲。\n",  # front matter that cannot be read
        "docs/zh/c.md": "---\ntitle: 丙\n---\n\n丙。\n",  # imported: no translation block
    }, languages=("en", "zh"))
    write_kb(root, {"docs/zh/b.md": translation("乙", "乙。\n", hash_of(root, "b.md"))}, languages=("en", "zh"))
    review.build(scan(root), root / "review")
    no_js.goto((root / "review/index.html").as_uri())
    cells = no_js.locator("#grid td a")
    assert cells.all_inner_texts() == ["invalid", "untracked", "missing", "current"]  # the most urgent first
    no_js.locator("#grid td a", has_text="missing").click()
    assert no_js.locator("h1").inner_text() == "FAQ missing"
    assert no_js.locator("code.cmd").inner_text() == "kb draft zh '常见 问题.md'"  # one argument in a shell
    no_js.go_back()

    cells.first.click()
    assert no_js.locator("h1").inner_text() == "a.md invalid"
    assert "docs/zh/a.md:3: invalid YAML: did not find expected ',' or ']': fix the YAML syntax" in \
        no_js.locator("ul.note").inner_text()
    no_js.go_back()
    no_js.locator("#grid td a", has_text="untracked").click()
    assert no_js.locator("code.cmd").inner_text() == "kb approve zh c.md"
    assert "kb adopt zh tracks it from git history" in no_js.locator("body").inner_text()
    no_js.go_back()
    no_js.locator("#grid td a", has_text="current").click()
    assert no_js.locator("code.cmd").count() == 0 and no_js.locator("td.kb-edit").count() == 0
    assert "reviewed by tester on 2026-11-20, and the source has not changed since. Nothing to do." in \
        no_js.locator("body").inner_text()
    assert no_js.locator("td.dst").all_inner_texts() == ["乙。"]


def test_removed_changed_and_added_blocks_point_at_their_own_translation_blocks(tmp_path: Path, no_js: Page) -> None:
    en = ["Deposits arrive after 2 confirmations.", "Withdrawals take up to 30 minutes.",
          "Check the network before you send.", "Support answers within 24 hours."]
    zh = ["充值在 2 次确认后到账。", "提币最多需要 30 分钟。", "发送前请检查网络。", "客服在 24 小时内回复。"]
    root = write_kb(tmp_path, {"docs/en/times.md": "---\ntitle: Times\n---\n\n" + "\n\n".join(en) + "\n"},
                    languages=("en", "zh"))
    write_kb(root, {"docs/zh/times.md": translation("时间", "\n\n".join(zh) + "\n", hash_of(root, "times.md"))},
             languages=("en", "zh"))
    commit_all(root, "reviewed")
    # The second paragraph goes, the fourth changes, a new one comes last.
    now = [en[0], en[2], "Support answers within 12 hours.", "Fees are shown before you confirm."]
    (root / "docs/en/times.md").write_text("---\ntitle: Times\n---\n\n" + "\n\n".join(now) + "\n")
    commit_all(root, "withdrawal times moved elsewhere")
    review.build(scan(root), root / "review")
    no_js.goto((root / "review/zh/times.html").as_uri())
    edits = no_js.locator("td.kb-edit")
    assert edits.locator(".edit-label").all_inner_texts() == [
        "delete this: its source block was removed", "edit this", "translate this"]
    assert [t.split("\n")[1] for t in edits.all_inner_texts()[:2]] == [zh[1], zh[3]]  # label, text, QA problems
    removed, changed, added = (no_js.locator("tr:has(td.kb-edit)").nth(i) for i in range(3))
    assert removed.locator("td.src del").inner_text() == en[1]
    assert (changed.locator("td.src del").inner_text(), changed.locator("td.src ins").inner_text()) == ("24", "12")
    assert added.locator("td.src ins").inner_text() == now[3]
    pairs = no_js.locator("table.side tr:not(:has(.kb-edit)):has(td.dst:not(:empty))")
    texts = "rows => rows.map(r => [r.cells[1].innerText, r.cells[3].innerText.split('\\n')[0]])"
    assert pairs.evaluate_all(texts) == [[en[0], zh[0]], [en[2], zh[2]]]  # unchanged blocks keep their translations
