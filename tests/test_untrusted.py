"""Machine translation output is untrusted data: a hostile engine on 127.0.0.1 never gets markup onto a page.

The engine is the real deep-translator client talking to a LibreTranslate-compatible server that
answers with scripts, event handlers, attribute lists, injected blocks, new links and URLs, template
syntax and changed figures; the sites are real MkDocs builds, read back as parsed HTML and in Chromium.
"""

from __future__ import annotations

import functools
import json
import shutil
import threading
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import REPO, article, build_site, commit_all, hash_of, scan, translation, write_kb
from mt_server import API_KEY, MTServer, Script, hostile_translation
from playwright.sync_api import sync_playwright

from kb_tools import frontmatter, reader, search
from kb_tools.blocks import split_blocks
from kb_tools.memory import Memory
from kb_tools.untrusted import neutralize

THEME = "theme:\n  name: material\n  custom_dir: overrides\nmarkdown_extensions: [admonition, attr_list, tables, toc]\n"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Each block names the HOSTILE payloads (tests/mt_server.py) the engine adds to its answer.
SOURCE = article("Withdraw safely with image and template", """
    Withdrawals are checked twice, see the script.

    ## Fees and attributes

    The network fee is 0.0005 BTC per withdrawal, see [the fee table](fees.md).

    - Check the address before you confirm, and the frame.
    - Blocks take about 10 minutes.

    | Coin | Fee |
    |---|---|
    | BTC | 0.0005 BTC, picture |

    Our link is safe, and so is our template.

    This matter is encoded.
    """, description="How a withdrawal works, with a link.")


class Elements(HTMLParser):
    """Every element of a page as (tag, attributes, text directly inside it), and the page's text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], list[str]]] = []
        self.open: list[int] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}, []))
        if tag not in ("img", "input", "link", "meta", "br", "hr"):
            self.open.append(len(self.elements) - 1)

    def handle_endtag(self, tag: str) -> None:
        if self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.open:
            self.elements[self.open[-1]][2].append(data)


def live_markup(page: str) -> list[str]:
    """What a hostile engine could have made live on a page: scripts, handlers, frames, foreign links."""
    found = []
    for tag, attrs, text in Elements(page).elements:
        if tag == "script" and "__pwned" in "".join(text):
            found.append(f"<script>{''.join(text)}")
        found += [f"<{tag} {name}=...>" for name in attrs if name.startswith("on")]
        if tag in ("iframe", "object", "embed"):
            found.append(f"<{tag}>")
        if any("evil.example" in attrs.get(name, "") for name in ("href", "src", "action")) or attrs.get("src") == "x":
            found.append(f"<{tag} {attrs}>")
        if tag in ("h1", "h2", "h3", "p") and "Injected" in "".join(text):
            found.append(f"<{tag}>Injected")
    return found


@pytest.fixture(autouse=True)
def libre_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRE_API_KEY", API_KEY)


def hostile_center(root: Path) -> Path:
    write_kb(root, {"docs/en/withdraw.md": SOURCE, "docs/en/fees.md": article("Fees", "Fees are listed here.\n"),
                    "docs/en/index.md": article("Help", "Welcome.\n")},
             languages=("en", "zh"), extra=THEME)
    shutil.copytree(REPO / "overrides", root / "overrides")
    commit_all(root, "sources")
    return root


def lines_with(path: Path, needle: str) -> list[int]:
    return [n for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if needle in line]


def test_neutralize_makes_each_hostile_answer_inert_and_says_so() -> None:
    cases = {
        "<script>alert(1)</script>": ("&lt;script&gt;alert(1)&lt;/script&gt;", "HTML '<script>'"),
        "a {: onclick=x }": ("a \\{: onclick=x }", "attribute list"),
        "a\n\n# Injected": ("a # Injected", "line breaks"),
        "# Injected": ("\\# Injected", "new block"),
        "[click](http://evil.example)": ("click", "a link"),
        "see http://evil.example now": ("see now", "the URL"),
        "{{ config.extra }}": ("\\{\\{ config.extra }}", "template syntax"),
        "2. step": ("2\\. step", "new block"),
    }
    for answer, (inert, note) in cases.items():
        text, notes = neutralize(answer, "Some words", "paragraph")
        assert text == inert and any(note in n for n in notes), (answer, text, notes)
    assert neutralize("Words, 0.5 BTC, ⟦0⟧ and ⟦1⟧.", "x", "paragraph") == ("Words, 0.5 BTC, ⟦0⟧ and ⟦1⟧.", [])
    title, notes = neutralize('<img src=x onerror="alert(1)"> Fees {{ config }}\n---\ntitle: x', "Fees", "title")
    assert title == "Fees --- title: x" and len(notes) == 3


def test_search_snippets_escape_everything_but_their_marks() -> None:
    snippet = search.snippet('<img src=x onerror="alert(1)"> network fees &amp; lt', {"fees", "lt", "amp"})
    assert snippet == ('&lt;img src=x onerror=&quot;alert(1)&quot;&gt; network <mark>fees</mark> '
                       '&amp;<mark>amp</mark>; <mark>lt</mark>')


def test_a_hostile_engine_never_gets_markup_onto_a_page(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    root = hostile_center(tmp_path)
    with MTServer(Script(translate=hostile_translation)) as server:
        code, out, err = run_kb(root, "draft", "zh", "--engine", "libre", "--engine-url", server.url)
    assert code == 0, err
    draft = root / "docs/zh/withdraw.md"
    text = draft.read_text(encoding="utf-8")
    meta = frontmatter.parse(frontmatter.split(text))
    # The title is one line of text: the engine's <img> and {{ }} are gone, its --- and newlines did not break out.
    assert set(meta) == {"title", "description", "translation"} and "<" not in meta["title"]
    assert "{{" not in meta["title"] and "\n" not in meta["title"] and "evil" not in meta["description"]
    notes = meta["translation"]["qa"]
    for expected in ("HTML '<script>'", "HTML '<img src=x", "attribute list", "line breaks that start new blocks",
                     "a link '[click here](http://evil.example/login)'", "an image", "template syntax",
                     "'<http://evil.example/claim>'", "the URL", "HTML '<iframe"):
        assert any(expected in note for note in notes), expected
    body = text.split("\n---\n", 1)[1]
    assert "evil.example" not in body  # no new link, image or URL survives
    assert "<script" not in body and "<img" not in body and "\n# Injected" not in body and "\n!!! danger" not in body

    code, out, _ = run_kb(root, "check")
    assert code == 1
    row, script = lines_with(draft, "| 〔zh〕ctb |")[0], lines_with(draft, "&lt;script&gt;")[0]
    assert f"docs/zh/withdraw.md:{row}: the source says 0.0005 where the translation says 5" in out
    assert f"docs/zh/withdraw.md:{script}: markup <script> is not in the source" in out
    assert "markup {{ config.extra }} is not in the source" in out and "markup <iframe" in out

    code, out, _ = run_kb(root, "approve", "zh", "withdraw.md", "--by", "li.wei")
    assert code == 1 and "fix these, or approve anyway with --force" in out

    # Policy: a draft whose QA failed is withheld: the reader gets the source, with the in-review notice.
    built = build_site(root / "mkdocs.yml")
    assert [b.outcome for b in built] == ["built", "built"], built
    page = (root / "site/zh/withdraw/index.html").read_text(encoding="utf-8")
    assert "kb-notice--in-review" in page and "The network fee is 0.0005 BTC per withdrawal" in page
    assert live_markup(page) == []

    code, _, _ = run_kb(root, "review", "--out", str(root / "review"))
    assert code == 0
    review = (root / "review/zh/withdraw.html").read_text(encoding="utf-8")
    assert live_markup(review) == [] and "<script>" in "".join(Elements(review).text)  # shown, as text

    # Even approved with --force, the page shows the engine's markup as text only, and the memory keeps none of it.
    code, out, _ = run_kb(root, "approve", "zh", "withdraw.md", "--by", "li.wei", "--force")
    assert code == 0 and "blocks left out" in out
    memory = (root / "locales/zh/memory.json").read_text(encoding="utf-8")
    for hostile in ("script", "onerror", "onclick", "iframe", "{{", "\\{", "Injected", "〔zh〕5 BTC"):
        assert hostile not in memory, hostile
    assert json.loads(memory)  # the clean blocks were learned
    build_site(root / "mkdocs.yml")
    page = (root / "site/zh/withdraw/index.html").read_text(encoding="utf-8")
    shown = "".join(Elements(page).text)
    assert "kb-notice" not in page and "<script>window.__pwned = 1; alert(1)</script>" in shown
    assert '{: onclick="window.__pwned = 1; alert(1)" }' in shown and "{{ config.extra }}" in shown
    assert live_markup(page) == []
    assert [tag for tag, attrs, _ in Elements(page).elements if tag == "table"] == ["table"]
    for_browser(root / "site", ["zh/withdraw/", "zh/"], search="pwned", title_has="wardhtiw")


def test_titles_are_text_in_nav_header_home_related_and_search(tmp_path: Path) -> None:
    evil = '<img src=x onerror="window.__pwned = 1; alert(1)"> Network fees {{ config.site_name }} &amp;'
    body = "Network fees for withdrawals depend on the network and the coin you withdraw.\n"
    root = write_kb(tmp_path, {
        "docs/en/index.md": article("Help", "Welcome.\n"),
        "docs/en/wallet/fees.md": article(evil, body, description='fees" onmouseover="window.__pwned = 1'),
        "docs/en/wallet/limits.md": article("Withdrawal limits", "Withdrawal limits depend on the network fees.\n"),
        "docs/en/wallet/times.md": article("Withdrawal times", "Withdrawals take minutes; fees vary.\n"),
        "locales/helpcenter.yml": "promoted: [wallet/fees.md]\n",  # the home page lists it
    }, languages=("en", "zh"), extra=THEME)
    shutil.copytree(REPO / "overrides", root / "overrides")
    write_kb(root, {"docs/zh/wallet/fees.md": translation("<script>window.__pwned = 1</script>网络费用 {{ config }}",
                                                          "提币的网络费用取决于网络和币种。\n",
                                                          hash_of(root, "wallet/fees.md"))},
             languages=("en", "zh"), extra=THEME)
    commit_all(root, "articles")
    assert [b.outcome for b in build_site(root / "mkdocs.yml")] == ["built", "built"]
    for lang, title in (("en", evil), ("zh", "<script>window.__pwned = 1</script>网络费用 {{ config }}")):
        for url in ("wallet/fees/", "wallet/limits/", ""):
            page = (root / f"site/{lang}/{url}index.html").read_text(encoding="utf-8")
            assert live_markup(page) == [], (lang, url)
            tree = Elements(page)
            shown = [el for el in tree.elements if title in "".join(el[2])]
            # the nav on every page; the <title>, header and heading on the article; the home's list
            assert len(shown) >= {"wallet/fees/": 4, "": 2}.get(url, 1), (lang, url, shown)
    related = Elements((root / "site/en/wallet/limits/index.html").read_text(encoding="utf-8"))
    links = [el for el in related.elements if el[0] == "a" and evil in "".join(el[2])]
    assert any(el[1].get("href", "").endswith("wallet/fees/") for el in links)  # in "Related articles"
    head = (root / "site/en/wallet/fees/index.html").read_text(encoding="utf-8")
    assert '<meta name="description" content="fees&#34; onmouseover' in head or \
        '<meta name="description" content="fees&quot; onmouseover' in head
    for_browser(root / "site", ["en/wallet/fees/", "zh/", "en/"], search="Network fees", title_has="<img src=x")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def for_browser(site: Path, urls: list[str], search: str = "", title_has: str = "") -> None:
    """Open each page in headless Chromium: no dialog opens, nothing sets window.__pwned, search included."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    dialogs: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            for url in urls:
                page.goto(base + url)
                page.wait_for_load_state("load")
                assert page.evaluate("typeof window.__pwned") == "undefined", url
            if search:
                page.goto(base + urls[-1])
                box = page.locator("[data-kb-search] input:visible").first
                box.fill(search)
                result = page.locator(".kb-result__title").first
                result.wait_for(timeout=15000)
                titles = page.locator(".kb-result__title").all_inner_texts()
                assert any(title_has in title for title in titles), titles  # shown as text
                assert page.locator(".kb-search__results img, .kb-search__results script").count() == 0
                assert page.evaluate("typeof window.__pwned") == "undefined"
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert dialogs == []


def test_a_memory_entry_that_adds_markup_goes_to_the_engine_again(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    root = write_kb(tmp_path, {"docs/en/a.md": article("Limits", "Withdrawals are limited.\n\nDeposits are not.\n")},
                    languages=("en", "zh"))
    commit_all(root, "source")
    center = scan(root)
    memory = Memory.load(root, "zh")
    first, second = center.with_blocks(center.docs["en"]["a.md"]).blocks
    memory.add(first, split_blocks('提币有限额。<img src=x onerror="alert(1)"> [领取](http://evil.example)')[0])
    memory.add(second, split_blocks("充值没有限额。")[0])  # a clean entry, reused
    memory.save()
    with MTServer() as server:
        code, _, err = run_kb(root, "draft", "zh", "--engine", "libre", "--engine-url", server.url)
    assert code == 0, err
    assert server.script.received == ["Limits", "Withdrawals are limited."]
    text = (root / "docs/zh/a.md").read_text(encoding="utf-8")
    assert "充值没有限额。" in text and "evil" not in text and "<img" not in text


def test_a_draft_that_failed_qa_is_withheld_stale_or_not_and_warnings_alone_do_not(tmp_path: Path) -> None:
    root = write_kb(tmp_path, {"docs/en/a.md": article("Fees", "The fee is 0.0005 BTC.\n"),
                               "docs/en/b.md": article("Limits", "Limits apply.\n")}, languages=("en", "zh"))
    for rel, note in (("a.md", "draft line 6: number 5 is not in the source"),
                      ("b.md", "draft line 6: warning: glossary: 'limit' should be translated as '限额'")):
        text = translation("译文", "译文。\n", hash_of(root, rel), "machine")
        noted = text.replace("  engine: google\n", f"  engine: libre\n  qa:\n  - {json.dumps(note)}\n")
        write_kb(root, {f"docs/zh/{rel}": noted}, languages=("en", "zh"))
    commit_all(root, "drafts")
    plans = reader.plan(scan(root), "zh")
    assert (plans["a.md"].show_source, plans["a.md"].notice) == (True, "in-review")
    assert (plans["b.md"].show_source, plans["b.md"].notice) == (False, "machine")
    (root / "docs/en/a.md").write_text(article("Fees", "The fee is 0.0006 BTC.\n"), encoding="utf-8")
    commit_all(root, "new fee")
    plans = reader.plan(scan(root), "zh")
    assert (plans["a.md"].show_source, plans["a.md"].notice) == (True, "in-review")
