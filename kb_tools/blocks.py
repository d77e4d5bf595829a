"""Split Markdown into blocks with line numbers, normalize and hash them.

The splitter is line-based rather than a CommonMark parser because the articles use
Python-Markdown syntax (admonitions, attribute lists) that CommonMark reads differently.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_HEADING_ID = re.compile(r"\s*\{:?\s*#([\w-]+)[^}]*\}\s*$")
_ADMONITION = re.compile(r'^(!!!|\?\?\?\+?)\s+([\w-]+)(?:\s+"(.*)")?\s*$')
_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s+")
_TABLE_RULE = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_THEMATIC_BREAK = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_HTML = re.compile(r"^\s*</?[A-Za-z][\w-]*[\s/>]")
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_SPACES = re.compile(r"\s+")


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


def short_hash(text: str) -> str:
    """12 hex digits of SHA-256: short enough to read, long enough never to collide here."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def normalize_text(text: str) -> str:
    """Prose without layout: soft line breaks, trailing and repeated spaces do not count."""
    text = _SPACES.sub(" ", text.replace("\\\n", "\n")).strip()
    return _CJK_GAP.sub("", text)


def slugify(text: str) -> str:
    """The anchor Python-Markdown's toc extension gives a heading (its default slugify)."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def _starts_block(line: str) -> bool:
    return bool(
        _FENCE.match(line) or _HEADING.match(line) or _ADMONITION.match(line)
        or _ITEM.match(line) or line.lstrip().startswith("|")
    )


def split_blocks(body: str, first_line: int = 1) -> list[Block]:
    """Split a Markdown body (LF line endings) into blocks; first_line is the body's file line."""
    blocks = list(_split(body.split("\n"), first_line))
    seen: dict[str, int] = {}
    result = []
    for block in blocks:
        if block.kind == "heading" and not block.explicit_anchor:
            count = seen.get(block.anchor, 0)
            seen[block.anchor] = count + 1
            if count:  # toc's rule for repeated headings: slug_1, slug_2...
                block = Block(block.kind, block.line, block.text, block.key, block.level,
                              f"{block.anchor}_{count}", False, block.info)
        result.append(block)
    return result


def _make(kind: str, line: int, text: str, norm: str, **extra: object) -> Block:
    return Block(kind, line, text, short_hash(f"{kind}\0{norm}"), **extra)  # type: ignore[arg-type]


def _split(lines: list[str], first_line: int) -> Iterable[Block]:
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        line_no = first_line + i
        if not line.strip() or _THEMATIC_BREAK.match(line) or (_TABLE_RULE.match(line.strip()) and "-" in line):
            i += 1
            continue
        fence = _FENCE.match(line)
        if fence:
            indent, marker, lang = fence.groups()
            j = i + 1
            while j < n and not lines[j].strip().startswith(marker):
                j += 1
            inner = [text[len(indent):] if text.startswith(indent) else text.lstrip() for text in lines[i + 1 : j]]
            code = "\n".join(text.rstrip() for text in inner)
            yield _make("code", line_no, code, f"{lang}\0{code}", info=lang)
            i = j + 1
            continue
        heading = _HEADING.match(line)
        if heading:
            hashes, title = heading.groups()
            explicit = _HEADING_ID.search(title)
            text = title[: explicit.start()] if explicit else title
            anchor = explicit.group(1) if explicit else slugify(text)
            yield _make("heading", line_no, text, f"{len(hashes)}\0{normalize_text(title)}",
                        level=len(hashes), anchor=anchor, explicit_anchor=bool(explicit))
            i += 1
            continue
        admonition = _ADMONITION.match(line)
        if admonition:
            _, kind, title = admonition.groups()
            title = title or ""
            yield _make("admonition", line_no, title, f"{kind}\0{normalize_text(title)}", info=kind)
            j = i + 1
            while j < n and (not lines[j].strip() or lines[j].startswith(("    ", "\t"))):
                j += 1
            while j > i + 1 and not lines[j - 1].strip():
                j -= 1
            inner = [text[4:] if text.startswith("    ") else text.lstrip("\t") for text in lines[i + 1 : j]]
            yield from _split(inner, line_no + 1)
            i = j
            continue
        if line.lstrip().startswith("|"):
            yield _make("row", line_no, line.strip(), _row_norm(line))
            i += 1
            continue
        item = _ITEM.match(line)
        j = i + 1
        while j < n and lines[j].strip() and not _starts_block(lines[j]):
            j += 1
        text = "\n".join(lines[i:j])
        if item:
            marker = "1." if item.group(1)[0].isdigit() else "-"
            content = text[item.end():]
            yield _make("item", line_no, text.strip(), f"{marker} {normalize_text(content)}")
        else:
            kind = "html" if _HTML.match(line) else "paragraph"
            yield _make(kind, line_no, text.strip(), normalize_text(text))
        i = j


def _row_norm(line: str) -> str:
    cells = line.strip().strip("|").split("|")
    return "|".join(normalize_text(cell) for cell in cells)


def item_content(block: Block) -> str:
    """A list item's text without its marker."""
    match = _ITEM.match(block.text)
    return block.text[match.end():] if match else block.text
