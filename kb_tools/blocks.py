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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# CJK scripts, their punctuation and full-width forms: the package's one definition.
CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
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
    return text if text.isascii() else _cjk_gap().sub("", text)  # isascii: no CJK, and asked in constant time


@functools.cache
def _cjk_gap() -> re.Pattern[str]:
    """A space between two CJK characters. Compiled at first use: its wide ranges take milliseconds, and kb search
    imports this module (for CJK) and never needs it."""
    return re.compile(f"(?<=[{CJK}]) (?=[{CJK}])")


def slugify(text: str) -> str:
    """The anchor Python-Markdown's toc extension gives a heading (its default slugify)."""
    # Each step only where it can change the text: a stale entry's explanation reads an old version's
    # headings, and these took a third of it.
    if "[" in text:
        text = _LINK.sub(r"\1", text)
    if "_" in text:  # as Python-Markdown reads _ (its "smart" emphasis): marks around words, not inside one
        text = _UNDERSCORES.sub(r"\2", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _NOT_SLUG.sub("", text).strip().lower()
    return _SLUG_GAPS.sub("-", text)


# What the rendered heading does not show: a link's target, and _ or __ around words. The rest of
# Markdown's marks (` *) are no word characters: the next step drops them.
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
# An opening _ or __ (no word character before, none of space after), words with _ only inside them, the
# closing one: the innermost pair, as Python-Markdown pairs them.
_UNDERSCORES = re.compile(r"(?<!\w)(__?)(?=[^\s_])((?:[^_]|(?<=\w)_(?=\w))+?)(?<=[^\s_])\1(?!\w)")
_NOT_SLUG = re.compile(r"[^\w\s-]")
_SLUG_GAPS = re.compile(r"[-\s]+")


def item_content(block: Block) -> str:
    """A list item's text without its marker."""
    return _without_marker(block.text)


def _without_marker(text: str) -> str:
    match = _ITEM_MARKER.match(text)
    return text[match.end():] if match else text


def split_blocks(body: str, first_line: int = 1) -> list[Block]:
    """Split a Markdown body (LF line endings) into blocks; first_line is the body's file line."""
    return list(_read(body, first_line - 1))


def read_keys(body: str) -> tuple[list[str], Callable[[int], list[Block]]]:
    """The keys of split_blocks(body)'s blocks, without making the blocks: all a source's hash needs;
    and a function that makes the blocks from the same reading, given the body's first line.

    Most of the time a source's reading took went into its blocks (their anchors, the tuples), and a
    cold `kb status` reads every source for its hash; the blocks of a source found stale come after.
    """
    lines = body.split("\n")
    drafts = _quick(lines, 0, _draft) if "\t" not in body and "\r" not in body and "\0" not in body else None
    if drafts is None:
        return [block.key for block in _read(body, 0)], functools.partial(split_blocks, body)
    return [draft[3] for draft in drafts], functools.partial(_from_drafts, drafts)


@functools.lru_cache(maxsize=2048)  # a build reads a translation twice (scan, localize), kb serve on each rebuild
def _read(body: str, shift: int) -> tuple[Block, ...]:
    return _with_unique_anchors(_blocks(body, shift))


def _with_unique_anchors(blocks: list[Block]) -> tuple[Block, ...]:
    """The blocks, each heading's anchor made unique as Python-Markdown's toc makes it."""
    seen: dict[str, int] = {}
    result = []
    for block in blocks:
        if block.kind == "heading" and not block.explicit_anchor:
            count = seen.get(block.anchor, 0)
            seen[block.anchor] = count + 1
            if count or not block.anchor:  # toc's rule: slug_1, slug_2... when repeated; _1, _2... for no slug
                block = block._replace(anchor=f"{block.anchor}_{count + (not block.anchor)}")
        result.append(block)
    return tuple(result)


def _make(kind: str, start: int, end: int, text: str, norm: str, **extra: object) -> Block:
    return Block(kind, start, text, short_hash(f"{kind}\0{norm}"), end=end, **extra)  # type: ignore[arg-type]


_Draft = tuple[str, int, str, str, int, dict[str, Any]]  # kind, line, text, key, end, extra: a Block to be


def _draft(kind: str, start: int, end: int, text: str, norm: str, **extra: object) -> _Draft:
    """_make's block, its key computed and the rest kept for _from_drafts (read_keys)."""
    return kind, start, text, short_hash(f"{kind}\0{norm}"), end, extra


def _from_drafts(drafts: list[_Draft], first_line: int) -> list[Block]:
    """The blocks _quick's drafts stand for, the body's line 1 numbered first_line: split_blocks's result."""
    shift = first_line - 1
    made = [_heading(extra["level"], text, line + shift, end + shift) if kind == "heading"
            else Block(kind, line + shift, text, key, end=end + shift, **extra)
            for kind, line, text, key, end, extra in drafts]
    return list(_with_unique_anchors(made))


_Make = Callable[..., Any]  # _make, or _draft: what _quick makes of each block


def _blocks(body: str, shift: int = 0) -> list[Block]:
    """The blocks of a body, in reading order, its line 1 numbered 1 + shift."""
    lines = body.split("\n")  # admonition bodies get dedented in place as the walk enters them
    quick = _quick(lines, shift) if "\t" not in body and "\r" not in body and "\0" not in body else None
    return quick if quick is not None else _parsed(body, lines, shift)


def _parsed(body: str, lines: list[str], shift: int) -> list[Block]:
    """_blocks by markdown-it's tokens."""
    tokens = _parser().parse(body)
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
            blocks.append(_heading(int(token.tag[1]), tokens[index + 1].content, line, last))
        elif token.type == "fence":
            blocks.append(_code(token.markup, token.info, line, last, lines[start:stop]))
        elif token.type == "admonition_open":
            blocks.append(_admonition(token.info, line))
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


# Most articles are plain: paragraphs of lines, # headings, one-line list items, ``` fences, | tables and
# !!! admonitions, each starting at column 0. _quick reads such lines as markdown-it does, several times
# faster (markdown-it was most of a cold `kb status`: every source is read for its hash), and leaves
# anything else to markdown-it: a tab, an indented line, a quote, HTML, a rule, a lazy continuation, a
# line that could start another kind of block. tests/test_fast_status.py holds the two readings equal.
_HEADING_LINE = re.compile(r"(#{1,6}) (.*)")
_ITEM_LINE = re.compile(r"([-*+]|[0-9]{1,9}([.)])) (?=[^ ])")  # the marker, one space, then the item's text
_ORDERED_START = re.compile(r"[0-9]{1,9}[.)](?: |$)")
_FENCE_LINE = re.compile(r"(`{3,})([^`]*)")
_DELIMITER_LIKE = re.compile(r" *[-:|][-:| ]*")  # a line the table rule might take for a table's second line
_DELIMITER_CELL = re.compile(r":?-+:?")


def _plain(line: str) -> bool:
    """Whether a line at column 0 can only be text: it starts no other kind of block, nor interrupts a paragraph."""
    first = line[0]
    if first.isalnum():
        return first not in "0123456789" or not _ORDERED_START.match(line)
    if first == "*":
        return len(line) > 2 and line[1] == "*" and line[2].isalnum()  # **bold**: not an item, not a rule
    if first == "`":
        return not line.startswith("``")
    if first == "!":
        return line.startswith("![")  # an image; !!! starts an admonition
    return first in "[(\"'"


def _quick(lines: list[str], shift: int, make: _Make = _make) -> list[Any] | None:
    """The blocks of lines as markdown-it reads them, when every line is of a kind read here; else None.

    make: _make for blocks, _draft for their keys and the rest of each block for later.
    """
    blocks: list[Any] = []
    count, i = len(lines), 0
    after = ""  # the kind of the line before: "" for a blank line or the start; heading, item, row, text
    marker = ""  # the last item's marker character: - * + . )
    while i < count:
        line = lines[i]
        if not line.strip(" "):
            i, after = i + 1, ""
            continue
        following = lines[i + 1] if i + 1 < count else ""
        if "|" in line and _DELIMITER_LIKE.fullmatch(following) and not (line[0] == "|" and after == ""):
            return None  # the table rule reads this line as a table's first: only a | line after a blank is read here
        number = i + 1 + shift
        first = line[0]
        if first == "#":
            heading = _HEADING_LINE.fullmatch(line)
            if heading is None or not heading[2].strip(" ") or heading[2].rstrip(" ").endswith("#"):
                return None
            blocks.append(_heading(len(heading[1]), _md_trim(heading[2]), number, number, make))
            i, after = i + 1, ""  # what follows a heading starts a block of its own
            continue
        if after == "text":  # a paragraph's next line: more of it, or a line markdown-it might read otherwise
            if not _plain(line):
                return None
            i += 1
            continue
        if first == "-" or first == "*" or first == "+" or first in "0123456789":
            item = _ITEM_LINE.match(line)
            if item is not None:
                if after not in ("", "item") or (after == "item" and item[1][-1] != marker):
                    return None  # a marker of another kind right below an item: markdown-it's rules decide
                text = line.strip()
                content = text[item.end():]  # "" when what follows the marker is spaces Python strips (\u3000)
                if not content or not _plain(content) or (content[0] == "[" and "]:" in text):
                    return None
                marker = item[1][-1]
                kind = "1." if item[2] else "-"
                blocks.append(make("item", number, number, text, f"{kind} {normalize_text(content)}"))
                i, after = i + 1, "item"
                continue
        if after:  # below an item or a table's rows, without a blank line: markdown-it's rules decide
            return None
        if first == "|":
            end = _table_end(lines, i)
            if end is None:
                return None
            for index in (i, *range(i + 2, end)):  # the header, then the rows below the line of dashes
                row, number = lines[index], index + 1 + shift
                cells = row.strip().strip("|").split("|")
                blocks.append(make("row", number, number, row.strip(), "|".join(normalize_text(c) for c in cells)))
            i, after = end, "row"
            continue
        if first == "`":
            fence = _FENCE_LINE.fullmatch(line)
            end = _fence_end(lines, i, fence[1]) if fence else None
            if fence is None or end is None:
                return None
            blocks.append(_code(fence[1], fence[2], number, end + shift, lines[i:end], make))
            i = end
            continue
        if line.startswith("!!! ") and line[4:5] not in (" ", "") and line[4:].strip():  # a type, not \u3000 alone
            end = _admonition_end(lines, i)
            body = [_dedent(text, "") for text in lines[i + 1:end]]
            inner = _quick(body, shift + i + 1, make) if any(text.strip(" ") for text in body) else None
            if inner is None:
                return None
            blocks += [_admonition(line[3:], number, make), *inner]
            i = end
            continue
        if not _plain(line):
            return None
        end = i + 1
        while end < count and lines[end].strip(" ") and not lines[end].startswith("#"):
            end += 1  # the lines that follow are read (and refused) one by one above; this finds the span
        if first == "[" and "]:" in "\n".join(lines[i:end]):
            return None  # maybe a link reference definition
        blocks.append(_paragraph("paragraph", number, lines[i:end], make))
        i, after = i + 1, "text"
    return blocks


def _md_trim(text: str) -> str:
    """markdown-it's trim of a heading's text (its set of whitespace, not Python's)."""
    if not text or not (text[0].isspace() or text[-1].isspace()):
        return text  # its whitespace is whitespace to Python too: nothing to trim, and markdown-it stays unimported
    return _trimmer()(text)


@functools.cache
def _trimmer() -> Callable[[str], str]:
    from markdown_it.common.utils import mdTrim

    return mdTrim


def _table_end(lines: list[str], start: int) -> int | None:
    """Where the table starting at lines[start] ends, as markdown-it's table rule reads it; None if it would
    read no table there, or a table ending other than at a blank line or the end."""
    header, delimiter = lines[start], lines[start + 1] if start + 1 < len(lines) else ""
    if "\\" in header or not _DELIMITER_LIKE.fullmatch(delimiter) or delimiter.startswith(" "):
        return None
    if len(delimiter) < 2 or (delimiter[0] == "-" and delimiter[1] == " "):
        return None
    columns = delimiter.split("|")
    aligns = 0
    for index, column in enumerate(columns):
        cell = column.strip(" ")
        if not cell and index in (0, len(columns) - 1):
            continue
        if not _DELIMITER_CELL.fullmatch(cell):
            return None
        aligns += 1
    cells = _md_trim(header).split("|")
    width = len(cells) - (cells[0] == "") - (len(cells) > 1 and cells[-1] == "")
    if width == 0 or width != aligns:
        return None
    end, filled = start + 2, 0
    while end < len(lines) and lines[end].strip(" "):
        row = lines[end]
        if row[0] != "|" or "\\" in row:
            return None
        cells = _md_trim(row).split("|")
        filled += width - (len(cells) - (cells[0] == "") - (len(cells) > 1 and cells[-1] == ""))
        if filled > 0x10000:  # markdown-it stops a table that would make that many empty cells
            return None
        end += 1
    return end


def _fence_end(lines: list[str], start: int, markup: str) -> int | None:
    """The line after the fence opened at lines[start] closes; None if it is not closed.

    Indented code is off, so a closing line may be indented any amount.
    """
    for end in range(start + 1, len(lines)):
        text = lines[end].lstrip(" ")
        if text.startswith(markup) and not text.rstrip(" ").strip("`"):
            return end + 1
    return None


def _admonition_end(lines: list[str], start: int) -> int:
    """The line after the body of the admonition at lines[start], as mdit-py-plugins reads it (a body is
    indented four spaces; a line indented less, or a second line in a row indented less, ends it)."""
    was_empty = False
    for end in range(start + 1, len(lines)):
        line = lines[end]
        indent = len(line) - len(line.lstrip(" "))
        is_empty = indent < 4
        if is_empty and was_empty:
            return end
        was_empty = is_empty
        if line.strip(" ") and indent < 4:
            return end
    return len(lines)


def _closing(tokens: list[Token], index: int) -> int:
    level = tokens[index].level
    return next(i for i in range(index + 1, len(tokens)) if tokens[i].level == level and tokens[i].nesting == -1)


def _dedent(text: str, indent: str) -> str:
    """A line of an admonition body as its own Markdown: four spaces (or tabs) less than the body."""
    text = text[len(indent):] if text.startswith(indent) else text
    return text[4:] if text.startswith("    ") else text.lstrip("\t")


def _paragraph(kind: str, line: int, lines: list[str], make: _Make = _make) -> Any:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    text = "\n".join(lines).strip()
    return make(kind, line, line + max(len(lines) - 1, 0), text, normalize_text(text))


def _heading(level: int, title: str, line: int, end: int, make: _Make = _make) -> Any:
    if make is _draft:  # the anchor is not part of the key: made with the block, if it is (_from_drafts)
        return _draft("heading", line, end, title, f"{level}\0{normalize_text(title)}", level=level)
    explicit = _HEADING_ID.search(title)
    text = title[: explicit.start()] if explicit else title
    anchor = explicit.group(1) if explicit else slugify(text)
    return _make("heading", line, end, text, f"{level}\0{normalize_text(title)}",
                 level=level, anchor=anchor, explicit_anchor=bool(explicit))


def _code(markup: str, info: str, line: int, end: int, lines: list[str], make: _Make = _make) -> Any:
    opening = lines[0]
    indent = opening[: len(opening) - len(opening.lstrip())]
    last = lines[-1].strip()
    closed = len(lines) > 1 and last.startswith(markup) and not last.strip(markup[0])
    inner = lines[1 : len(lines) - 1 if closed else len(lines)]
    code = "\n".join((text[len(indent):] if text.startswith(indent) else text.lstrip()).rstrip() for text in inner)
    lang = info.split()[0] if info.strip() else ""
    return make("code", line, end, code, f"{lang}\0{code}", info=lang)


def _admonition(info: str, line: int, make: _Make = _make) -> Any:
    params = info.strip()
    kind = params.split()[0]
    title = params[params.index('"') + 1 : params.rindex('"')] if params.count('"') >= 2 else ""
    return make("admonition", line, line, title, f"{kind}\0{normalize_text(title)}", info=kind)
