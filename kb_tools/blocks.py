"""The one reading of Markdown: blocks with line spans, normalized and hashed.

markdown-it-py with mdit-py-plugins' admonitions, not Python-Markdown: every markdown-it block token
carries its line span (`.map`), while Python-Markdown's BlockParser works on joined text and keeps no
line numbers. Where CommonMark and Python-Markdown differ (list nesting by content column, not four
spaces; setext headings) blocks follow CommonMark. Status, hashing, localize, drafts and QA all read
Markdown through split_blocks.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import re
import unicodedata
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# CJK scripts, their punctuation and full-width forms: the package's one definition.
CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_CJK_GAP = re.compile(f"(?<=[{CJK}]) (?=[{CJK}])")
_HEADING_ID = re.compile(r"\s*\{:?\s*#([\w-]+)[^}]*\}\s*$")  # {#id} or {: #id .class } ending a heading
_ITEM_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")

# Indented code is off: the articles indent only list and admonition bodies, and the block hashes
# were first computed by a reader that never saw indented code. Inline parsing is not needed here.
# Made at first use: what only needs CJK or short_hash (kb search) starts without markdown-it.
@functools.cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.admon import admon_plugin

    return MarkdownIt("commonmark", {"html": True}).use(admon_plugin).enable("table").disable(["code", "inline"])


class Block(NamedTuple):
    """One unit of an article a translator translates: a heading, paragraph, list item..."""

    kind: str  # heading, paragraph, item, row, admonition, code, html
    line: int  # 1-based line in the file
    text: str  # as written (admonition bodies dedented)
    key: str  # hash of the normalized text: equal keys mean equal content
    level: int = 0  # heading level
    anchor: str = ""  # heading anchor: explicit {#id} or the slug of its text
    explicit_anchor: bool = False
    info: str = ""  # admonition type, or code block language
    end: int = 0  # last line of the block's own text (an admonition's header, an item's first paragraph)


def pack(blocks: tuple[Block, ...] | list[Block]) -> bytes:
    """Blocks as bytes, to keep in a cache or send to another process (plain tuples: faster both ways)."""
    return pickle.dumps([tuple(block) for block in blocks], protocol=pickle.HIGHEST_PROTOCOL)


def unpack(data: bytes) -> tuple[Block, ...]:
    """The blocks pack() made these bytes of."""
    return tuple(Block(*fields) for fields in pickle.loads(data))


def short_hash(text: str) -> str:
    """12 hex digits of SHA-256: short enough to read, long enough never to collide here."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def normalize_text(text: str) -> str:
    """Prose without layout: soft line breaks, trailing and repeated spaces do not count."""
    # split() splits at runs of str.isspace, what \s+ matches: the text re.sub(r"\s+", " ", text).strip() gives.
    text = " ".join(text.replace("\\\n", "\n").split())
    return text if text.isascii() else _CJK_GAP.sub("", text)  # isascii: no CJK, and asked in constant time


def slugify(text: str) -> str:
    """The anchor Python-Markdown's toc extension gives a heading (its default slugify)."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def item_content(block: Block) -> str:
    """A list item's text without its marker."""
    return _without_marker(block.text)


def _without_marker(text: str) -> str:
    match = _ITEM_MARKER.match(text)
    return text[match.end():] if match else text


def split_blocks(body: str, first_line: int = 1) -> list[Block]:
    """Split a Markdown body (LF line endings) into blocks; first_line is the body's file line."""
    return list(_read(body, first_line - 1))


@functools.lru_cache(maxsize=2048)  # a build reads a translation twice (scan, localize), kb serve on each rebuild
def _read(body: str, shift: int) -> tuple[Block, ...]:
    seen: dict[str, int] = {}
    result = []
    for block in _blocks(body, shift):
        if block.kind == "heading" and not block.explicit_anchor:
            count = seen.get(block.anchor, 0)
            seen[block.anchor] = count + 1
            if count:  # toc's rule for repeated headings: slug_1, slug_2...
                block = block._replace(anchor=f"{block.anchor}_{count}")
        result.append(block)
    return tuple(result)


def _make(kind: str, start: int, end: int, text: str, norm: str, **extra: object) -> Block:
    return Block(kind, start, text, short_hash(f"{kind}\0{norm}"), end=end, **extra)  # type: ignore[arg-type]


def _blocks(body: str, shift: int = 0) -> list[Block]:
    """The blocks of a body, in reading order, its line 1 numbered 1 + shift."""
    tokens = _parser().parse(body)
    lines = body.split("\n")  # admonition bodies get dedented in place as the walk enters them
    blocks: list[Block] = []
    item: Token | None = None  # the list item whose first paragraph is the item's own text
    skip_to = -1  # a block quote is one paragraph, whatever it holds
    for index, token in enumerate(tokens):
        if index <= skip_to or token.map is None:
            continue
        start, stop = token.map
        line, last = start + 1 + shift, stop + shift  # map spans are 0-based and end-exclusive: [start, stop)
        if token.type == "blockquote_open":
            skip_to = _closing(tokens, index)
            blocks.append(_paragraph("paragraph", line, lines[start:stop]))
        elif token.type == "heading_open":
            blocks.append(_heading(token, tokens[index + 1].content, line, last))
        elif token.type == "fence":
            blocks.append(_code(token, line, last, lines[start:stop]))
        elif token.type == "admonition_open":
            blocks.append(_admonition(token, line))
            indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
            lines[start + 1 : stop] = [_dedent(text, indent) for text in lines[start + 1 : stop]]
        elif token.type == "tr_open":
            row = lines[start]
            cells = row.strip().strip("|").split("|")
            blocks.append(_make("row", line, line, row.strip(), "|".join(normalize_text(c) for c in cells)))
        elif token.type == "list_item_open":
            item = token
        elif token.type == "paragraph_open" and item is not None and item.map and item.map[0] == start:
            marker = "1." if item.info else "-"  # an ordered item's info is its number
            text = "\n".join(lines[start:stop]).strip()
            blocks.append(_make("item", line, last, text, f"{marker} {normalize_text(_without_marker(text))}"))
        elif token.type in ("paragraph_open", "html_block"):
            kind = "html" if token.type == "html_block" else "paragraph"
            blocks.append(_paragraph(kind, line, lines[start:stop]))
        if token.type != "list_item_open":
            item = None
    return blocks


def _closing(tokens: list[Token], index: int) -> int:
    level = tokens[index].level
    return next(i for i in range(index + 1, len(tokens)) if tokens[i].level == level and tokens[i].nesting == -1)


def _dedent(text: str, indent: str) -> str:
    """A line of an admonition body as its own Markdown: four spaces (or tabs) less than the body."""
    text = text[len(indent):] if text.startswith(indent) else text
    return text[4:] if text.startswith("    ") else text.lstrip("\t")


def _paragraph(kind: str, line: int, lines: list[str]) -> Block:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    text = "\n".join(lines).strip()
    return _make(kind, line, line + max(len(lines) - 1, 0), text, normalize_text(text))


def _heading(token: Token, title: str, line: int, end: int) -> Block:
    level = int(token.tag[1])
    explicit = _HEADING_ID.search(title)
    text = title[: explicit.start()] if explicit else title
    anchor = explicit.group(1) if explicit else slugify(text)
    return _make("heading", line, end, text, f"{level}\0{normalize_text(title)}",
                 level=level, anchor=anchor, explicit_anchor=bool(explicit))


def _code(token: Token, line: int, end: int, lines: list[str]) -> Block:
    opening = lines[0]
    indent = opening[: len(opening) - len(opening.lstrip())]
    last = lines[-1].strip()
    closed = len(lines) > 1 and last.startswith(token.markup) and not last.strip(token.markup[0])
    inner = lines[1 : len(lines) - 1 if closed else len(lines)]
    code = "\n".join((text[len(indent):] if text.startswith(indent) else text.lstrip()).rstrip() for text in inner)
    lang = token.info.split()[0] if token.info.strip() else ""
    return _make("code", line, end, code, f"{lang}\0{code}", info=lang)


def _admonition(token: Token, line: int) -> Block:
    params = token.info.strip()
    kind = params.split()[0]
    title = params[params.index('"') + 1 : params.rindex('"')] if params.count('"') >= 2 else ""
    return _make("admonition", line, line, title, f"{kind}\0{normalize_text(title)}", info=kind)
