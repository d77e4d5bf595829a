"""The one Markdown reader: blocks with line spans, on input a writer would really write."""

from __future__ import annotations

import random
import re
import textwrap
from pathlib import Path

import markdown
import pytest
from conftest import REPO, article, commit_all, scan, write_kb
from mt_server import API_KEY, MTServer, fake_translation

from kb_tools.blocks import Block, item_content, split_blocks
from kb_tools.reader import localize
from kb_tools.scan import read_document


@pytest.fixture(autouse=True)
def libre_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRE_API_KEY", API_KEY)


def blocks(text: str, first_line: int = 1) -> list[Block]:
    return split_blocks(textwrap.dedent(text).lstrip("\n"), first_line)


def spans(found: list[Block]) -> list[tuple[str, int, int]]:
    return [(b.kind, b.line, b.end) for b in found]


def test_nested_list_items_are_blocks_of_their_own_with_their_continuation_lines() -> None:
    found = blocks("""
        - Open **Settings**
          and choose Security.
            - Turn on 2FA.
        - Save.

        1. First step
        2. Second step
    """)
    assert spans(found) == [("item", 1, 2), ("item", 3, 3), ("item", 4, 4), ("item", 6, 6), ("item", 7, 7)]
    assert found[0].text == "- Open **Settings**\n  and choose Security."
    assert [item_content(b) for b in found[1:4]] == ["Turn on 2FA.", "Save.", "First step"]
    # the marker does not count: "-" and "*" items are one text, an ordered item another
    assert blocks("* Save.")[0].key == found[2].key != blocks("3. Save.")[0].key


def test_admonition_with_a_list_and_a_fence_inside() -> None:
    found = blocks('''
        !!! warning "Check the network"
            Withdrawals cannot be undone.

            - BTC only
            - no memo

            ```bash
            # not a heading
            curl https://api.example.com
            ```

        ??? tip
            Collapsed by default.

        After.
    ''')
    assert spans(found) == [("admonition", 1, 1), ("paragraph", 2, 2), ("item", 4, 4), ("item", 5, 5),
                            ("code", 7, 10), ("admonition", 12, 12), ("paragraph", 13, 13), ("paragraph", 15, 15)]
    assert (found[0].info, found[0].text) == ("warning", "Check the network")
    assert (found[5].info, found[5].text) == ("tip", "")
    assert found[4].info == "bash"
    assert found[4].text == "# not a heading\ncurl https://api.example.com"  # dedented, no heading found in it


def test_an_admonition_inside_a_list_item() -> None:
    found = blocks("""
        1. Open the app.

            !!! note
                Inside the note,
                two lines.

            Back in the item.

        2. Next.
    """)
    assert spans(found) == [("item", 1, 1), ("admonition", 3, 3), ("paragraph", 4, 5), ("paragraph", 7, 7),
                            ("item", 9, 9)]
    assert found[2].text == "Inside the note,\ntwo lines."


def test_table_rows_without_the_delimiter_row() -> None:
    found = blocks("""
        | Network | Fee |
        |:--------|----:|
        | BTC     | 0.0004 BTC |
        | ETH     | 0.003 ETH |
    """)
    assert spans(found) == [("row", 1, 1), ("row", 3, 3), ("row", 4, 4)]
    assert found[1].text == "| BTC     | 0.0004 BTC |"
    assert found[1].key == blocks("| BTC | 0.0004   BTC |\n|-|-|")[0].key  # cell padding does not count


def test_heading_anchors_explicit_slugged_and_repeated() -> None:
    found = blocks("""
        # Network fees {#fees}

        ## Limits {: #limits .wide }

        ## Limits

        ## Limits
    """, first_line=5)
    assert [(b.line, b.level, b.text, b.anchor, b.explicit_anchor) for b in found] == [
        (5, 1, "Network fees", "fees", True),
        (7, 2, "Limits", "limits", True),
        (9, 2, "Limits", "limits", False),
        (11, 2, "Limits", "limits_1", False),
    ]


def test_heading_anchors_are_the_ids_python_markdown_gives_them() -> None:
    # Links to a heading (and kb check's anchors) use these: snake_case words, _emphasis_, code, links,
    # accents, and headings with no slug at all (Chinese, punctuation), repeated or not.
    words = ["Fees", "limits", "**bold**", "*it*", "`code`", "[link](x.md)", "Café", "naïve", "提币", "2FA",
             "e-mail", "A_B", "x!", "?", "ﬁle", "_em_", "__strong__", "snake_case", "`a_b`", "[a_b](c_d.md)",
             "_x y_", "5 * 3", "_snake_case_"]
    rng = random.Random(7)
    for _ in range(1500):
        body = "".join(f"## {' '.join(rng.choices(words, k=rng.randint(1, 4)))}\n\n" for _ in range(rng.randint(1, 3)))
        ids = re.findall(r'id="([^"]*)"', markdown.markdown(body, extensions=["toc"]))
        assert [b.anchor for b in split_blocks(body) if b.kind == "heading"] == ids, body


def test_setext_headings_span_their_underline() -> None:
    found = blocks("""
        Deposits
        ========

        Fees
        ----

        Text.
    """)
    assert spans(found) == [("heading", 1, 2), ("heading", 4, 5), ("paragraph", 7, 7)]
    assert [(b.level, b.text, b.anchor) for b in found[:2]] == [(1, "Deposits", "deposits"), (2, "Fees", "fees")]


def test_thematic_breaks_are_not_front_matter_and_not_blocks() -> None:
    doc = read_document("docs/en/a.md", "en", "a.md",
                        b"---\ntitle: A\n---\n\nFirst.\n\n---\n\nSecond.\n\n***\n", True)
    assert doc.title == "A"
    assert spans(list(doc.blocks)) == [("paragraph", 5, 5), ("paragraph", 9, 9)]


def test_crlf_files_read_like_lf_files() -> None:
    text = "---\ntitle: A\n---\n\n# Fees\n\n- one\n  two\n\n```\ncode\n```\n"
    lf = read_document("docs/en/a.md", "en", "a.md", text.encode(), True)
    crlf = read_document("docs/en/a.md", "en", "a.md", text.replace("\n", "\r\n").encode(), True)
    assert crlf.blocks == lf.blocks and crlf.source_hash == lf.source_hash
    assert spans(list(lf.blocks)) == [("heading", 5, 5), ("item", 7, 8), ("code", 10, 12)]


def test_multi_line_paragraph_and_html_spans() -> None:
    found = blocks("""
        A paragraph
        on three
        lines.

        <div class="steps">
          <p>Raw HTML</p>
        </div>

        > A quote
        > on two lines.
    """)
    assert spans(found) == [("paragraph", 1, 3), ("html", 5, 7), ("paragraph", 9, 10)]


def test_localize_puts_source_anchors_on_the_matching_headings_only() -> None:
    source = blocks("""
        # Network fees

        ## Minimum withdrawal {#minimum}

        ```bash
        # list networks
        ```

        ## Fees table
    """)
    translation = textwrap.dedent('''
        ---
        title: 网络费用
        ---

        # 网络费用

        !!! note
            费用会变化。

        ## 最低提现 ##

        ```bash
        # list networks
        ```

        ~~~
        ## not a heading either
        ~~~

        ## 费用表 {#my-table}
    ''').lstrip("\n")
    lines = localize(translation, tuple(source), {"note": "注意"}).split("\n")
    assert lines[4] == "# 网络费用 {#network-fees}"
    assert lines[6] == '!!! note "注意"'
    assert lines[9] == "## 最低提现 {#minimum}"
    assert lines[12] == "# list networks"  # the fence is left alone
    assert lines[16] == "## not a heading either"
    assert lines[19] == "## 费用表 {#my-table}"  # an anchor the translator wrote stays (kb check reports it)


def test_localize_adds_no_anchors_when_the_headings_do_not_line_up() -> None:
    source = blocks("# One\n\n## Two\n")
    text = "# 一\n\n```\n## 二\n```\n"  # one heading: the other is code
    assert localize(text, tuple(source), {}) == text


def test_localize_reads_a_body_without_front_matter_as_mkdocs_passes_it() -> None:
    source = blocks("# Fees\n\n## Limits\n")
    assert localize("\n# 费用\n\n## 限额\n", tuple(source), {}) == "\n# 费用 {#fees}\n\n## 限额 {#limits}\n"
    # a body that opens with a thematic break is not front matter
    assert localize("---\n\n# 费用\n\n## 限额\n", tuple(source), {}) == "---\n\n# 费用 {#fees}\n\n## 限额 {#limits}\n"


def test_the_sample_translations_record_the_source_hashes_the_reader_computes() -> None:
    # The sample's story: on 2026-11-23 the source of these articles changed after they were translated.
    edited = {("zh", "account/reset-password.md"), ("zh", "api/rate-limits.md"),
              ("zh", "deposits-withdrawals/network-fees.md"), ("zh", "trading/order-types.md"),
              ("ja", "deposits-withdrawals/network-fees.md"), ("ja", "trading/order-types.md"),
              ("es", "account/reset-password.md")}
    center = scan(REPO)
    matching, differing = set(), set()
    for lang, docs in center.docs.items():
        for rel, doc in docs.items():
            source = center.source(rel)
            if doc.translation and source is not None:
                same = doc.translation.source_hash == source.source_hash
                (matching if same else differing).add((lang, rel))
    assert differing == edited
    assert len(matching) > len(edited)


def test_a_draft_replaces_each_block_by_its_line_span(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    body = '''
        Deposits
        ========

        - Open **Settings**
          and choose Security.
            - Turn on 2FA.

        !!! warning "Check the network"
            Withdrawals cannot
            be undone.

            ```bash
            # not a heading
            ```

        | Network | Fee |
        |---------|-----|
        | BTC     | 0.0004 BTC |
    '''
    root = write_kb(tmp_path, {"docs/en/fees.md": article("Fees", body)})
    commit_all(root, "source")
    with MTServer() as server:
        code, _, err = run_kb(root, "draft", "zh", "--engine", "libre", "--engine-url", server.url)
    assert code == 0, err
    source = scan(root).source("fees.md")
    draft = scan(root).docs["zh"]["fees.md"]
    assert source is not None and [b.kind for b in draft.blocks] == [b.kind for b in source.blocks]
    assert [b.text for b in draft.blocks] == [
        fake_translation("Deposits", "zh"),
        "- " + fake_translation("Open **Settings** and choose Security.", "zh"),
        "- " + fake_translation("Turn on 2FA.", "zh"),
        fake_translation("Check the network", "zh"),
        fake_translation("Withdrawals cannot be undone.", "zh"),  # one line: an answer makes no new block
        "# not a heading",
        *("| " + " | ".join(fake_translation(cell, "zh") for cell in row) + " |"
          for row in (("Network", "Fee"), ("BTC", "0.0004 BTC"))),
    ]
    assert "========" not in (root / "docs/zh/fees.md").read_text()
