"""The shortcuts of a fast kb status and kb check say what the long way says."""

from __future__ import annotations

import datetime as dt
import pickle
import random
from pathlib import Path

import pytest
from conftest import RunKb, article, hash_of, translation, write_kb
from test_warm_cache import commit, same

from kb_tools import config
from kb_tools import scan as scan_mod

SAMPLE = Path(__file__).resolve().parent.parent / "docs"


def test_the_nesting_regex_lets_through_only_bodies_the_line_walk_finds_nothing_in() -> None:
    bodies = [path.read_text(encoding="utf-8") for path in sorted(SAMPLE.rglob("*.md"))]
    for n in (99, 100, 101, 102):  # around each limit, written in each way a line can reach it
        bodies += ["> " * n + "quote", ">" * n + " quote", " >\t" * n + "quote", "\t" * n + "- item",
                   " " * (4 * n) + "- item", "\u3000" * (4 * n) + "x", "\t" * (n // 4) + " " * (3 * n) + "x",
                   "[" * n + "x", "word [" * n, "\\[" * n + "[x", "*" * (5 * n) + "x", "_" * (5 * n + 1),
                   "para\n\n" + "[" * (n // 2) + "\n\n" + "[" * (n // 2) + "x", "\n" * (n + 1) + "x"]
    tripped = 0
    for body in bodies:
        for text in (body, f"intro\n\n{body}\n\nend"):
            assert scan_mod._too_deep(text, 3) == scan_mod._too_deep_lines(text, 3), text[:80]
            tripped += scan_mod._too_deep_lines(text, 3) is not None
    assert tripped >= 20  # the cases above the limits do trip it


BODY = "\nSee [fees](fees.md#network-fees) and [limits](limits.md#daily).\n\n## Daily\n\nText.\n"
FEES = "\n## Network fees\n\nEach network charges a fee.\n"


def test_warm_check_finds_a_link_broken_by_an_edit_of_the_page_it_points_at(tmp_path: Path, run_kb: RunKb) -> None:
    root = tmp_path / "kb"
    root.mkdir()
    write_kb(root, {"docs/en/withdraw.md": article("Withdraw", BODY), "docs/en/fees.md": article("Fees", FEES),
                    "docs/en/limits.md": article("Limits", "\n## Daily\n\nOne a day.\n")})
    write_kb(root, {"docs/zh/withdraw.md": translation("提币", BODY.replace("Text", "文字") + "\n[x](gone.md)\n",
                                                       hash_of(root, "withdraw.md"))})
    commit(root, "articles", "2026-01-05")
    same(root, tmp_path, run_kb)
    fees = root / "docs/en/fees.md"
    fees.write_text(fees.read_text().replace("## Network fees", "## Fees by network"))
    out = same(root, tmp_path, run_kb)  # status; check is compared inside, warm and cold
    assert out
    check = run_kb(root, "check").out
    assert "no heading #network-fees in fees.md" in check and "gone.md" in check


# Values and keys around every rule of YAML that the quick front matter reader must follow or leave to YAML.
VALUES = ["Plain title", "2FA setup", "yes", "No", "on", "OFF", "null", "~", "true", "TRUE", "2026-11-20",
          "2026-13-45", "2026-1-5", "2026-11-20 10:00:00", "12", "0x1f", "1.5", ".5", ".inf", "1_000", "1:20", "=",
          "<<", "'quoted'", "'it''s'", "'a'''", "''''", '"dq"', '"with \\" escape"', '"a\\tb"', "'a: b'", '"a: b"',
          "a: b", "a:b", "a:", "a #b", "a#b", "C#", "[a, b]", "[a, 'b']", "[]", "[ ]", "[a, b,]", "[2fa, x y]",
          "[1, 2]", "[yes]", "[~]", "[2026-01-01]", "[a b, c  d]", "[a:b]", "[a #b]", "[-a]", "[a]]", "[[a]]",
          "[a,,b]", "[,]", "{a: b}", "- a", "-a", "?a", ":a", "!tag x", "&anchor x", "*alias", "|", ">", "%x",
          "@x", "`x`", "如何开启双重验证（2FA）", "Fees [BTC], {ETH}", "a\tb", "a\u00a0b", "a\u2028b", "a\u0085b",
          "a\ufeffb", "a\x7fb", "x  y", "'", '"', "''", '""', "'''", "a'b", 'a"b', "...", "---x", "a\\b", "0o17",
          "+1", "-1", "1e3", "NaN", ".nan", "y", "n", "é", "🙂 emoji", "'multi' 'quoted'", '"a" # c', "a ' b '",
          "9f3a0c81d2e4", "1e5", "12ab", "0b1010", "0b1a2", "1_0a", "١٢ab", "7E3", "10e"]
KEYS = ["title", "description", "tags", "yes", "on", "null", "Title", "a-b", "_x", "k" * 150, "2fa", "critical"]


def _yaml_reading(text: str) -> str:
    """What YAML makes of front matter text: repr of the data (types told apart: True is not 1), or the error."""
    from kb_tools import frontmatter

    try:
        return repr(frontmatter._parse_yaml(text, 2))
    except frontmatter.FrontMatterError as exc:
        return f"error {exc.message}"


def _front_matter_texts() -> tuple[list[str], list[str]]:
    """Front matter texts around every rule the quick reader follows, and random ones."""
    import yaml

    from kb_tools import frontmatter

    texts = [f"{key}: {value}" for key in KEYS for value in VALUES] + [f"{key}:" for key in KEYS]
    for value in VALUES:
        texts += [f"title: T\ntranslation:\n  source_hash: {value}\n  status: reviewed",
                  f"translation:\n    status: {value}\n    engine: x", f"tags:\n- {value}\n- b", f"tags:\n  - {value}",
                  f"title: {value}\ntitle: again", f"translation:\n  a: {value}\n  a: b"]
    texts += ["title: a\n# comment", "title: a\n\ndescription: b", "title: a\n  more", "  title: a", "title: a\n- b",
              "description:\ntitle: a", "translation:\n  a: b\n c: d", "translation:\n  a: b\n    c: d",
              "translation:\n  a:\n    b: c", "translation:\n  qa:\n  - x", "tags:\n- a\n  - b", "tags:\n- a\nx: 1",
              "tags:\n  - a\n  b: c", "translation:\n  a: b\n  - c", "title : a", "title:a", "title:\ttab", "", "---"]
    rng = random.Random(15)
    randoms = []
    for _ in range(3000):  # random front matter: top-level keys, a nested block, a list, now and then a slip
        lines = []
        for _ in range(rng.randint(1, 4)):
            kind, key = rng.random(), rng.choice([*KEYS[:4], "translation", "qa"])
            if kind < 0.6:
                lines.append(f"{key}: {rng.choice(VALUES)}")
            else:
                indent = rng.choice(["", "  ", "    "]) + ("- " if kind < 0.8 else "")
                lines.append(f"{key}:")
                lines += [indent + (rng.choice(VALUES) if indent.endswith("- ") else f"{rng.choice(KEYS)}: "
                                    f"{rng.choice(VALUES)}") for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.2:
            index = rng.randrange(len(lines))
            lines[index] = rng.choice([" ", "# ", "", "  - "]) + lines[index]
        randoms.append("\n".join(lines))
    texts += randoms
    for block in ({"source_hash": "3f2a9c81d0e4", "status": "reviewed", "reviewed_by": "li.wei",
                   "reviewed_on": dt.date(2026, 11, 20)},
                  {"source_hash": "0123456789ab", "status": "machine", "engine": "google"}):  # as kb approve writes it
        texts.append(yaml.safe_dump({"title": "提币: 网络", "tags": ["a", "b c"], "translation": block},
                                    allow_unicode=True, sort_keys=False, width=1000).rstrip("\n"))
    texts += [frontmatter.split(path.read_text(encoding="utf-8")).yaml_text or "" for path in SAMPLE.rglob("*.md")]
    return texts, randoms


def test_the_quick_front_matter_reader_reads_what_yaml_reads_or_leaves_it_to_yaml() -> None:
    from kb_tools import frontmatter

    texts, randoms = _front_matter_texts()
    for text in texts:
        simple = frontmatter.simple(text)
        if simple is not None:
            assert repr(simple) == _yaml_reading(text), text
    # It does read the usual front matter (the sample's, what kb writes), and enough of the random
    # texts for the comparison above to hold something: most are not front matter at all.
    for text in texts[-len(list(SAMPLE.rglob("*.md"))) - 2:]:
        assert frontmatter.simple(text) is not None, text
    assert sum(frontmatter.simple(text) is not None for text in randoms) >= 100


def test_a_page_built_with_the_quick_reader_has_the_meta_and_markdown_mkdocs_reads() -> None:
    from mkdocs.utils.meta import get_data

    from kb_tools.mkdocs.plugin import read_front_matter

    texts, _randoms = _front_matter_texts()
    bodies = ["# Title\n\nText.\n", "\n\n\nText after blank lines\n", "Title: not front matter\n\nText\n", "",
              "---\nsecond: fence\n---\n", "line\r\nwith CR\r\n", "\u3000全角\n"]
    read = 0
    for text in texts[:400] + texts[-40:]:
        for opening, closing in (("---", "---"), ("---  ", "..."), ("---", "---\t"), ("--- x", "---")):
            for body in bodies:
                source = f"{opening}\n{text}\n{closing}\n{body}"
                quick = read_front_matter(source)
                if quick is not None:
                    read += 1
                    data, given = quick
                    assert get_data(given) == (get_data(source)[0], {}), source
                    assert repr(data) == repr(get_data(source)[1]), source
    assert read >= 1000  # the comparison held something
    assert read_front_matter("title: MultiMarkdown style\n\nText\n") is None  # left to MkDocs


def test_front_matter_ends_at_its_first_line_of_three_dashes_or_dots() -> None:
    from kb_tools.frontmatter import FrontMatterError, Split, split

    assert split("---\ntitle: a\n---\nbody\n") == Split("title: a", 2, "body\n", 4)
    assert split("---\n---\n") == Split("", 2, "", 3)
    assert split("---\na: ----\n----\n... \t\nbody") == Split("a: ----\n----", 2, "body", 5)
    assert split("---\na\n---x\n---\u3000\n\n") == Split("a\n---x", 2, "\n", 5)  # a full-width space is a space
    assert split("text\n---\n") == Split(None, 0, "text\n---\n", 1)
    for unclosed in ("---\ntitle: a\n", "---", "---\n\n"):
        with pytest.raises(FrontMatterError, match="not closed"):
            split(unclosed)


def test_files_read_by_a_process_a_core_are_the_files_read_by_one(tmp_path: Path) -> None:
    import threading

    files = {f"docs/en/topic-{i}/a{i}.md": article(f"Article {i}", f"## Part {i}\n\nText {i}.\n\n- one\n- two\n")
             for i in range(40)}
    files |= {f"docs/zh/topic-{i}/a{i}.md": f"---\ntitle: 文章 {i}\n---\n\n## 部分\n\n文字。\n"
              for i in range(0, 40, 2)}
    files |= {"docs/zh/untitled.md": "# 标题\n\n文字\n", "docs/zh/bad.md": "---\ntitle: [\n---\n\nx\n",
              "docs/en/deep.md": article("Deep", "[" * 200 + "\n")}
    root = write_kb(tmp_path, files)
    made_from = {i: hash_of(root, f"topic-{i}/a{i}.md") for i in range(0, 40, 5)}
    made_from |= {i: "0123456789ab" for i in range(0, 40, 10)}  # made from another version: stale
    translated = {f"docs/ja/topic-{i}/a{i}.md": translation(f"記事 {i}", "## 部分\n\n文。\n", digest)
                  for i, digest in made_from.items()}
    write_kb(root, translated)
    files |= translated
    settings = config.load(root / "mkdocs.yml")
    todo = [(f"docs/{lang}/{rel}", lang, rel, str(root / "docs" / lang / rel), lang == "en", slot)
            for slot, (lang, rel) in enumerate((path.split("/", 2)[1], path.split("/", 2)[2]) for path in files)]
    todo.append(("docs/en/gone.md", "en", "gone.md", str(root / "docs/en/gone.md"), True, len(todo)))
    assert threading.active_count() == 1  # else no pool starts, and this compares one process with itself
    for blocks, source_blocks in ((True, True), (False, True), (False, False)):
        alone, unpickled = scan_mod._read_all(todo, blocks, 1, source_blocks)
        found, pickled = scan_mod._read_all(todo, blocks, 2, source_blocks)
        assert found == alone and unpickled is None
        # The workers' documents come pickled too, by path, as the cache keeps them (without their blocks).
        assert pickled is not None and len(pickled) > 1
        assert {path: doc for part in pickled for path, doc in pickle.loads(part).items()} == {
            doc.path: doc.without_blocks() for doc, _packed, _stamp in alone[:-1]}  # type: ignore[misc]
        assert alone[-1] == "No such file or directory"
        assert any(doc.parsed for doc, _packed, _stamp in alone[:-1]) == blocks  # type: ignore[misc]
        packed = {doc.rel for doc, data, _stamp in alone[:-1] if doc.lang == "en" and data}  # type: ignore[misc]
        # Without source_blocks, only the sources of stale translations keep their blocks (for their explanations).
        assert packed == ({f"topic-{i}/a{i}.md" for i in range(0, 40, 10)} if not source_blocks
                          else {doc.rel for doc, _data, _stamp in alone[:-1] if doc.lang == "en" and doc.readable})  # type: ignore[misc]
    center = scan_mod.scan(settings, use_cache=False, blocks=False)
    assert center.docs["zh"]["untitled.md"].title == "标题" and not center.docs["zh"]["bad.md"].readable


def test_a_cold_scan_stamps_each_file_as_a_warm_one_finds_it(tmp_path: Path) -> None:
    from kb_tools.cache import CACHE_DIR, ScanCache

    # A cold scan stats no file while walking: each is stamped as it is read, as the walk of a warm scan stats it.
    files = {"docs/en/a.md": article("A", BODY), "docs/en/b/c.md": article("C", FEES),
             "docs/zh/a.md": translation("甲", BODY, "0123456789ab")}
    root = write_kb(tmp_path, files)
    settings = config.load(root / "mkdocs.yml")
    cold = scan_mod.scan(settings, blocks=False, source_blocks=False)
    assert ScanCache(root / CACHE_DIR).stamps == {
        path: (stat.st_mtime_ns, stat.st_size, path.startswith("docs/en/"))
        for path in files for stat in [(root / path).stat()]}
    assert scan_mod.scan(settings, blocks=False, source_blocks=False).docs == cold.docs


def test_the_json_report_is_indented_as_json_dumps_indents_it_down_to_each_article(tmp_path: Path,
                                                                                  run_kb: RunKb) -> None:
    import json

    from kb_tools import status

    data = {"a": {"b": [{"c": 1, "d": ["x", {"e": None}]}, [], {}], "f": "提币 \"q\"\n"}, "g": [1.5, True], "h": {}}
    assert status.json_text(data, depth=99) == json.dumps(data, ensure_ascii=False, indent=2)
    assert json.loads(status.json_text(data, depth=2)) == data
    root = tmp_path / "kb"
    write_kb(root, {"docs/en/withdraw.md": article("Withdraw", BODY), "docs/en/fees.md": article("Fees", FEES)})
    write_kb(root, {"docs/zh/withdraw.md": translation("提币", BODY, "0123456789ab")})
    out = run_kb(root, "status", "--format", "json").out
    articles = [json.loads(line.strip().rstrip(",")) for line in out.splitlines() if '"file": ' in line]
    by_lang = json.loads(out)["languages"]
    assert articles == by_lang["zh"]["articles"] + by_lang["ja"]["articles"]  # an article a line
    assert [a["status"] for a in articles] == ["missing", "stale", "missing", "missing"]


# Lines around every rule the quick block reader follows or leaves to markdown-it.
TRICKY = ["2026 was a year.", "1.5 BTC fee", "## C#", "## Ends #", "#hashtag", "####### seven", "#", "- - -", "---",
          "***", "===", "-  two spaces", "-", "1.", "2026.", "10. ten", "3) paren", "0. zero", "1234567890. ten",
          "٣. arabic digit", "１. fullwidth", "```", "````", "``` `", "~~~", "    indented", "  two spaces", "   ```",
          "> quote", "<div>", "<!-- c -->", "[ref]: /url", "[multi", "line]: /u", "*em* start", "_em_", "``two``",
          "| a | b |", "|---|---|", "|:--|--:|", "| x |", "a | b", "--- | ---", "|---|", "- a | b", "# h | x", ":---",
          "| a \\| b |", "!!! note", "!!!  two", "!!!note", "??? note", "    body", "        deep", "   ", "      ",
          "\u3000ideographic", "a\u00a0b", "- **bold** item", "- [ ] task", "x <b>y</b>", "- --- | ---", "!", "!x",
          "![x]: y", "- \u3000", "1. \u00a0", "- a\u3000", "!!! \u3000", "!!! \u2003x", "|\u3000|"]
PLAIN = ["Text of a paragraph.", "More text with `code` and [a link](x.md).", "**Note:** read this.", "中文段落。",
         "(In brackets.)", '"Quoted."', "[Link](y.md) first.", "1.5 BTC is the fee.", "Ünïcode text.",
         "![Image](a.svg)"]


def _markdown_block(rng: random.Random) -> list[str]:
    """Lines of one block as articles write them: a paragraph, heading, list, table, fence or admonition."""
    kind = rng.random()
    if kind < 0.3:
        return [rng.choice(PLAIN) for _ in range(rng.randint(1, 3))]
    if kind < 0.45:
        return [rng.choice(["#", "##", "###"]) + " " + rng.choice(["Fees", "Network {#net}", "中文标题", "A  b "])]
    if kind < 0.6:
        marker = rng.choice(["-", "*", "+", "1.", "2)"])
        return [f"{marker} {rng.choice(PLAIN)}" for _ in range(rng.randint(1, 4))]
    if kind < 0.7:
        return ["| Coin | Fee |", rng.choice(["|---|---|", "|:--|--:|", "| --- | --- |"]),
                *["| BTC | 1 |"] * rng.randint(0, 3)]
    if kind < 0.8:
        inside = rng.sample(["x = 1", "", "  y", "| a |", "    ```"], rng.randint(0, 3))
        return ["```" + rng.choice(["", "bash"]), *inside, rng.choice(["```", "````", "   ```", "``` x"])]
    if kind < 0.9:
        inner = [line for _ in range(rng.randint(1, 3)) for line in [*_markdown_block(rng), ""]]
        return [rng.choice(["!!! note", '!!! warning "Careful"'])] + [("    " + line if line else "") for line in inner]
    return [rng.choice(TRICKY)]


def test_the_quick_block_reader_reads_what_markdown_it_reads_or_leaves_it_to_markdown_it() -> None:
    from kb_tools import blocks, frontmatter

    rng = random.Random(15)
    bodies = []
    for _ in range(4000):  # articles of random blocks, blank lines between them or not, half with a tricky line
        lines: list[str] = []
        for _ in range(rng.randint(1, 8)):
            lines += _markdown_block(rng) + [""] * rng.choice([0, 1, 1, 2])
        if rng.random() < 0.5:
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(TRICKY))
        bodies.append("\n".join(lines) + "\n")
    quick = 0
    for body in bodies:
        read = blocks._quick(body.split("\n"), 4)
        if read is not None:
            assert read == blocks._parsed(body, body.split("\n"), 4), body
            quick += 1
    assert quick >= 500  # about a quarter: enough for the comparison to hold something (the rest is markdown-it's)
    # It reads the sample's articles (but for the one with a quote) and an article as the benchmark writes it.
    sample = [frontmatter.split(path.read_text(encoding="utf-8")).body for path in SAMPLE.rglob("*.md")]
    assert all(blocks._quick(body.split("\n"), 0) is not None for body in sample if "\n>" not in body)
    assert [blocks._quick(body.split("\n"), 0) for body in sample] != [None] * len(sample)


# Bodies whose blocks are read the long way (markdown-it) or in ways easy to get wrong: tabs, CJK, setext
# headings, nested admonitions, fences left open, a rule, HTML, a quote, escaped line breaks, spaces of all kinds.
ODD_BODIES = [
    "# Title\n\nText\twith a tab.\n", "提币\n===\n\n中文 段落\n中文。\n", "Setext\n---\n\n* a\n  * b\n",
    '!!! note "Outer"\n    !!! tip\n        Inner.\n\n    After.\n', "```bash\nopen fence\n", "~~~\ntilde\n~~~\n",
    "    indented code\n", "---\n\n***\n", "<div>\n*html*\n</div>\n", "> quote\n> more\n", "Line\\\nbreak\n",
    "## Heading {#own-id}\n\n## Heading {#own-id}\n", "#\u3000全角\u3000\n", "#  \n", "\u00a0nbsp\u2028\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\nlazy\n", "", "\n\n", "!!! \u3000\n    Body.\n", "- \u3000\n",
]


def test_a_source_read_for_its_hash_alone_has_the_hash_its_blocks_give() -> None:
    from markdown_it.common.utils import MD_TRIM_CHARS

    from kb_tools import blocks, frontmatter

    rng = random.Random(16)
    sample = sorted(SAMPLE.rglob("*.md"))
    bodies = ODD_BODIES + [frontmatter.split(path.read_text(encoding="utf-8")).body for path in sample]
    for _ in range(1000):
        lines = [line for _ in range(rng.randint(1, 6)) for line in _markdown_block(rng) + [""] * rng.randint(0, 1)]
        bodies.append("\n".join(lines) + "\n")
    for body in bodies:
        keys, make_blocks = blocks.read_keys(body)
        assert keys == [block.key for block in blocks.split_blocks(body, 5)], body
        assert make_blocks(5) == blocks.split_blocks(body, 5), body  # a stale source's blocks, from the same reading
    assert all(char.isspace() for char in MD_TRIM_CHARS)  # _md_trim asks markdown-it only where text starts or ends so
    # Whole files, as kb status reads a source (blocks=False): front matter of every shape, BOM, CR and CRLF.
    heads = ["---\ntitle: Fees\ndescription: What you pay.\n---\n", "---\ntitle: 费用\ndescription:\n...\n",
             "---  \ntitle: 'Fees: all'\ntags: [a, b]\n---\t\n", "", "---\ndescription: No title\n---\n",
             "---\ntitle: [unclosed\n---\n", "---\ntitle: Never closed\n"]
    files = [head + body for head in heads for body in bodies[:40]]
    files += [text.replace("\n", "\r\n") for text in files[:60]] + [text.replace("\n", "\r") for text in files[:60]]
    readable = 0
    for text in files:
        for data in (text.encode(), b"\xef\xbb\xbf" + text.encode()):
            whole = scan_mod.read_document("docs/en/a.md", "en", "a.md", data, True)
            alone = scan_mod.read_document("docs/en/a.md", "en", "a.md", data, True, blocks=False)
            assert alone.without_blocks() == whole.without_blocks(), text
            readable += bool(whole.source_hash)
    assert readable > len(files)  # most files are readable: the hashes compared are real ones


def test_versions_read_at_once_are_the_versions_read_one_by_one(tmp_path: Path) -> None:
    from conftest import commit_all

    from kb_tools.git import Git

    root = write_kb(tmp_path, {"docs/en/a b.md": article("A", "One.\n"), "docs/en/c.md": article("C", "Two.\n")})
    commit_all(root, "first")
    write_kb(root, {"docs/en/a b.md": article("A", "One, edited.\n"), "docs/en/new.md": article("N", "New.\n")})
    commit_all(root, "second")
    paths = ["docs/en/a b.md", "docs/en/c.md", "docs/en/new.md"]
    one = Git(root)
    wanted = [(commit, path) for path in paths for commit, _date in one.versions(path)] + [("HEAD~1", "docs/en/new.md")]
    expected = [one.read(commit, path) for commit, path in wanted]
    assert expected[-1] is None and b"edited" in expected[0]  # a version missing, and one changed
    many = Git(root)
    many.read_many(wanted)
    assert len(many._blobs) == len(wanted)  # every answer kept: read() asks git nothing more
    assert [many.read(commit, path) for commit, path in wanted] == expected
    (root / "docs/en/c.md").unlink()
    commit_all(root, "c.md deleted")
    deleted = [(commit, "docs/en/c.md") for commit, _date in one.versions("docs/en/c.md")]
    by_id = Git(root)  # prefetched: versions are read by their blobs' ids
    by_id.prefetch(paths)
    assert [by_id.versions(path) for path in paths] == [Git(root).versions(path) for path in paths]
    assert by_id._ids and all(spec == "" or ":" not in spec for spec in by_id._ids.values())
    by_path = Git(root)
    expected = [by_path.read(commit, path) for commit, path in wanted + deleted]
    assert expected[-2:] == [None, b"---\ntitle: C\n---\n\nTwo.\n"]  # gone, then as first committed
    by_id.read_many(wanted + deleted)
    assert [by_id.read(commit, path) for commit, path in wanted + deleted] == expected
