"""Notices and stale blocks as a reader sees them: headless Chromium on the built sample."""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest
from conftest import _QuietHandler, build_site, commit_all, copy_sample, git, scan
from playwright.sync_api import Page

from kb_tools import status

# One page of each kind in the sample (kb status zh; ko publishes no machine drafts: in review).
NOTICE_PAGES = {
    "machine": "zh/trading/convert/",
    "stale": "zh/account/reset-password/",
    "stale-critical": "zh/deposits-withdrawals/network-fees/",
    "missing": "zh/kyc/proof-of-address/",
}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def sample_with_history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sample's zh site built with a git history of its own: reset-password's source as its zh
    translation was made (the last 3 passwords), then as it is now (5), changed on 23 November.
    Yields its base URL on 127.0.0.1."""
    root = copy_sample(tmp_path_factory.mktemp("history"))
    source = root / "docs/en/account/reset-password.md"
    now = source.read_text(encoding="utf-8")
    assert "your last 5 passwords" in now
    source.write_text(now.replace("your last 5 passwords", "your last 3 passwords"), encoding="utf-8")
    commit_all(root, "the sample as translated")
    source.write_text(now, encoding="utf-8")
    git(root, "add", "-A")
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m",
                    "5 passwords"], cwd=root, env={**os.environ, "GIT_COMMITTER_DATE": "2026-11-23T10:00:00Z"},
                   check=True)
    assert [r.outcome for r in build_site(root / "mkdocs.yml", "zh")] == ["built"]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root / "site")))
    Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_stale_zh_page_shows_the_changed_paragraph_in_english(
    sample_with_history: str, page: Page,
) -> None:
    for size in ({"width": 1280, "height": 900}, PHONE):
        page.set_viewport_size(size)
        page.goto(f"{sample_with_history}/zh/account/reset-password/")
        changed = page.locator('.md-content .kb-from-source[lang="en"]')
        assert changed.count() == 1 and changed.is_visible()
        assert "last 5 passwords" in changed.inner_text()
        label = changed.locator('.kb-from-source__label[lang="zh"]')
        assert label.is_visible() and label.inner_text() == "以英语显示：原文于 2026年11月23日 更新"
        assert page.locator("h2#reset-your-password").inner_text().startswith("重置密码")  # translated, source anchor
        assert page.get_by_text("如果您忘记了密码，或认为他人知道您的密码").is_visible()
        assert "最近 3 次" not in page.locator(".md-content").inner_text()
        notice = page.get_by_role("note", name="部分内容以英语显示")
        assert notice.is_visible()
        assert "下方有 1 段内容以英语显示，因为原文已于 2026年11月23日 更新。" in notice.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]


def test_each_kind_of_notice_looks_different_and_fits_a_phone(
    server: str, built_sample: Path, page: Page,
) -> None:
    in_review = next(e.rel for e in status.compute(scan(built_sample))["ko"] if e.status == "machine")
    pages = {**NOTICE_PAGES, "in-review": "ko/" + in_review[: -len(".md")] + "/"}
    looks = {}
    page.set_viewport_size(PHONE)
    for kind, url in pages.items():
        page.goto(f"{server}/{url}")
        notice = page.locator(f".kb-notice--{kind}")
        title = notice.locator(".admonition-title")
        assert notice.get_attribute("role") == "note" and title.is_visible()
        assert page.get_by_role("note", name=title.inner_text()).is_visible()  # its title names it
        looks[kind] = notice.evaluate("""(n) => {
            const icon = getComputedStyle(n.querySelector('.admonition-title'), '::before');
            return [getComputedStyle(n).borderLeftColor, icon.backgroundColor, icon.maskImage || icon.webkitMaskImage];
        }""")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], kind
    assert len({look[0] for look in looks.values()}) == 5, looks  # five border colours
    assert len({look[2] for look in looks.values()}) == 5, looks  # five icons
