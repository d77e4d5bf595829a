"""What a reader gets for each article in each language: the translation or the source, and which notice.

The policies of PRODUCT.md ("What a reader sees") live here, free of MkDocs, so that the plugin,
the tests and any other face apply the same rules.
"""

from __future__ import annotations

import difflib
import re
import string
from dataclasses import dataclass, replace

from kb_tools import frontmatter, qa
from kb_tools.blocks import Block, split_blocks
from kb_tools.model import HelpCenter
from kb_tools.status import Entry, compute, explain_stale

# Notices a reader can see, by the status of the translation and the language's policy.
NOTICES = ("machine", "in-review", "stale", "stale-critical", "missing")


@dataclass(frozen=True)
class PagePlan:
    """One article in one language's site."""

    rel: str
    show_source: bool  # publish the source-language text (a fallback) instead of the translation
    notice: str  # '' or one of NOTICES
    changed_on: str = ""  # ISO date the source changed, for stale notices ('' if unknown)
    # A stale page shown block by block: for each block of the current source, the translation block
    # that still translates it, or -1 where the source's own block is shown. () shows the translation whole.
    blocks: tuple[int, ...] = ()

    @property
    def from_source(self) -> int:
        """How many blocks of a stale page are shown from the current source."""
        return self.blocks.count(-1)


def plan(center: HelpCenter, lang: str) -> dict[str, PagePlan]:
    """Every article the site of lang publishes.

    Left out: orphans (their source is gone), and articles whose source cannot be read where the
    site would show it: a builder is never handed a file that is not valid Markdown text.
    """
    if lang == center.settings.source_language:
        return {rel: PagePlan(rel, False, "") for rel, doc in center.docs[lang].items() if doc.readable}
    entries = explain_stale(center, compute(center, (lang,)))[lang]
    policy = center.settings.policy(lang)
    plans = {}
    for entry in entries:
        if entry.status == "orphan":
            continue
        page = _plan(entry, policy.publish_machine, _failed_qa(center, lang, entry.rel))
        if page.notice == "stale" and policy.stale_blocks == "source":
            page = replace(page, blocks=_stale_blocks(center, entry))
        source = center.source(entry.rel)
        if page.show_source and not (source and source.readable):
            continue
        plans[entry.rel] = page
    return plans


def left_out(center: HelpCenter) -> dict[str, str]:
    """The articles no site publishes because their source cannot be read: rel -> the first error."""
    return {rel: str(doc.errors[0]) for rel, doc in center.docs[center.settings.source_language].items()
            if not doc.readable and doc.errors}


def _failed_qa(center: HelpCenter, lang: str, rel: str) -> bool:
    """Whether kb draft recorded QA problems (not only warnings) in the translation's translation.qa."""
    doc = center.docs[lang].get(rel)
    return bool(doc and doc.translation and qa.withholds(doc.translation.qa))


def _stale_blocks(center: HelpCenter, entry: Entry) -> tuple[int, ...]:
    source, doc = center.source(entry.rel), center.docs[entry.lang][entry.rel]
    assert source is not None
    return stale_blocks(center.with_blocks(doc).blocks, entry.made_from, center.with_blocks(source).blocks)


def stale_blocks(translated: tuple[Block, ...], made_from: tuple[Block, ...], source: tuple[Block, ...]
                 ) -> tuple[int, ...]:
    """For each block of the current source, the translation block that still translates it, or -1.

    The translation lines up with made_from (the source version it was made from) by position, as QA
    and the review site pair them; made_from's blocks then match the current source's by content, as
    `kb diff` does: an unchanged block keeps its translation, a changed or added one is shown from the
    source, and a removed one's translation is dropped. () when the blocks do not line up (or history
    does not hold made_from): kb does not guess, the page shows the translation whole.
    """
    if not made_from or [_shape(b) for b in translated] != [_shape(b) for b in made_from]:
        return ()
    pairs = [-1] * len(source)
    matcher = difflib.SequenceMatcher(None, [b.key for b in made_from], [b.key for b in source], autojunk=False)
    for i, j, size in matcher.get_matching_blocks():
        pairs[j : j + size] = range(i, i + size)
    return tuple(pairs)


def _shape(block: Block) -> tuple[str, int, str]:
    """What a translation keeps of its source block: kind, heading level, admonition type or code language."""
    return block.kind, block.level, block.info


def _plan(entry: Entry, publish_machine: bool, failed_qa: bool = False) -> PagePlan:
    if failed_qa and entry.status in ("machine", "stale"):
        # A draft whose QA failed (markup the engine added, changed numbers, lost links) is never
        # shown as if it were fine, not even once its source moved on: the reader gets the source
        # until a reviewer approves a fix (kb approve drops the notes).
        return PagePlan(entry.rel, True, "in-review")
    if entry.status == "machine":
        if publish_machine:
            return PagePlan(entry.rel, False, "machine")
        return PagePlan(entry.rel, True, "in-review")
    if entry.status == "stale":
        if entry.critical:  # fees, limits, security: an outdated translation could cost a reader money
            return PagePlan(entry.rel, True, "stale-critical", entry.source_changed_on)
        return PagePlan(entry.rel, False, "stale", entry.source_changed_on)
    if entry.status in ("missing", "invalid"):
        return PagePlan(entry.rel, True, "missing")
    return PagePlan(entry.rel, False, "")  # current, untracked, and the source language itself


def page_url(rel: str) -> str:
    """The URL path MkDocs gives a Markdown file (directory URLs): a/b.md -> a/b/, a/index.md -> a/."""
    stem = rel[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def localize(markdown: str, source_blocks: tuple[Block, ...], titles: dict[str, str],
             blocks: tuple[Block, ...] | None = None, first_line: int = 1) -> str:
    """A translation's Markdown with its source's heading anchors and translated admonition titles.

    Headings get `{#anchor}` of the source heading at the same position when the headings line
    up (same count and levels), so /en/x/#network-fees also works as /zh/x/#network-fees.
    Admonitions without a title get titles[type], so a zh page says 注意, not "Note".
    blocks: the markdown's blocks when the caller has them, with first_line the file line of its
    first line (a build has every translation's blocks already: reading them again costs most).
    """
    if blocks is None:
        try:  # a whole file, or a body MkDocs has already taken the front matter from
            split = frontmatter.split(markdown)
        except frontmatter.FrontMatterError:  # a body that opens with a --- rule and has no second one
            split = frontmatter.Split(None, 0, markdown, 1)
        blocks, first_line = tuple(split_blocks(split.body, split.body_line)), 1
    lines = markdown.split("\n")
    for block in blocks:
        index = block.line - first_line
        if block.kind == "admonition" and block.info in titles and '"' not in lines[index]:
            lines[index] = f'{lines[index].rstrip()} "{titles[block.info].replace(chr(34), chr(39))}"'
    if _aligned(blocks, source_blocks):
        headings = [b for b in blocks if b.kind == "heading"]
        for heading, anchor in zip(headings, heading_anchors(blocks, source_blocks), strict=True):
            if not heading.explicit_anchor:
                index = heading.line - first_line
                lines[index] = f"{_without_closing_hashes(lines[index])} {{#{anchor}}}"
    return "\n".join(lines)


def heading_anchors(blocks: tuple[Block, ...], source_blocks: tuple[Block, ...]) -> list[str]:
    """The anchor each heading of a translation publishes: its own {#id}, else its source heading's
    when the headings line up (same count and levels), else the one its own text gives."""
    headings = [b for b in blocks if b.kind == "heading"]
    if not _aligned(blocks, source_blocks):
        return [b.anchor for b in headings]
    theirs = [b for b in source_blocks if b.kind == "heading"]
    return [b.anchor if b.explicit_anchor else source.anchor for b, source in zip(headings, theirs, strict=True)]


def _aligned(blocks: tuple[Block, ...], source_blocks: tuple[Block, ...]) -> bool:
    return [b.level for b in blocks if b.kind == "heading"] == [b.level for b in source_blocks if b.kind == "heading"]


def _without_closing_hashes(line: str) -> str:
    """A heading line without its optional closing #s (`## Fees ##`), which would follow the anchor."""
    line = line.rstrip()
    bare = line.rstrip("#")
    return bare.rstrip() if bare != line and bare.endswith((" ", "\t")) else line


def fallbacks(center: HelpCenter) -> dict[str, set[str]]:
    """Per language, the articles its site shows in the source language: for the language switcher."""
    report = compute(center)
    found: dict[str, set[str]] = {center.settings.source_language: set()}
    for lang in center.settings.targets:
        publish_machine = center.settings.policy(lang).publish_machine
        found[lang] = {entry.rel for entry in report.get(lang, []) if entry.status != "orphan"
                       and _plan(entry, publish_machine, _failed_qa(center, lang, entry.rel)).show_source}
    return found


_ITEM_START = re.compile(r"^\s*(?:[-*+]|\d+[.)])(?:[ \t]+|$)")
_ATX = re.compile(r"^(\s{0,3}#{1,6}[ \t]+)(.*?)(\s*\{[^}]*\})?\s*$")
_CELL_BAR = re.compile(r"(?<!\\)\|(?=(?:[^`]*`[^`]*`)*[^`]*$)")  # a cell border: not escaped, not in `code`
_PUNCTUATION = {ord(c): f"&#{ord(c)};" for c in string.punctuation}


def from_source_label(text: str, lang: str) -> str:
    """The label of a block shown from the source, as inline HTML that no Markdown rule reads into.

    Every ASCII punctuation mark becomes a character reference: a translated label with `*`, `|`,
    `<` or `[` stays text, in a paragraph, a list item or a table cell alike.
    """
    return f'<span class="kb-from-source__label" lang="{lang}">{text.translate(_PUNCTUATION)}</span>'


def mix(source_lines: list[str], source_blocks: tuple[Block, ...], translated_lines: list[str],
        translated_blocks: tuple[Block, ...], pairs: tuple[int, ...], label: str, source_lang: str) -> list[str]:
    """A stale page's lines: the current source's, each block that still has a translation replaced by
    it (pairs, from stale_blocks), the others marked as shown in source_lang with label.

    Lines are whole files (block.line - 1 indexes them); the source's structure (lists, tables,
    admonitions, code fences) stays as it is, so every block renders where the source has it.
    """
    lines = list(source_lines)
    for block, pair in reversed(list(zip(source_blocks, pairs, strict=True))):
        span = slice(block.line - 1, max(block.end, block.line))
        if pair >= 0:
            lines[span] = _moved(translated_lines, translated_blocks[pair], lines[span.start])
        else:
            lines[span] = _marked(block, lines[span], label, source_lang)
    return lines


def _moved(lines: list[str], block: Block, target: str) -> list[str]:
    """A translation block's lines, indented as the source line they take the place of."""
    own = lines[block.line - 1 : max(block.end, block.line)]
    have, want = _indent(own[0]), _indent(target)
    return [want + line[len(have):] if line.startswith(have) else line for line in own]


def _marked(block: Block, lines: list[str], label: str, lang: str) -> list[str]:
    """A source block's lines, marked as shown in the source language: text wrapped in place where
    the block is running text, else a label of its own just before it (headings, code, quotes...)."""
    opening = f'<span class="kb-from-source" lang="{lang}">'
    first = lines[0]
    if block.kind == "item" or (block.kind == "paragraph" and not first.lstrip().startswith(">")):
        lead = _ITEM_START.match(first) if block.kind == "item" else None
        cut = lead.end() if lead else len(_indent(first))
        lines = [first[:cut] + opening + label + " " + first[cut:], *lines[1:]]
        tail = lines[-1].rstrip()
        return [*lines[:-1], tail + (" " if tail.endswith("\\") else "") + "</span>"]
    if block.kind == "row":
        return [_marked_row(first, opening, label)]
    heading = _ATX.match(first) if block.kind == "heading" else None
    if heading and heading.group(2):
        text = _without_closing_hashes(heading.group(2))
        lines = [f"{heading.group(1)}{opening}{text}</span>{heading.group(3) or ''}", *lines[1:]]
    return ["", _indent(first) + label, "", *lines]


def _marked_row(row: str, opening: str, label: str) -> str:
    """A table row with each cell's text wrapped, the label in the first cell."""
    text = row.strip()
    inner = text[1 if text.startswith("|") else 0 : -1 if text.endswith("|") and not text.endswith("\\|") else None]
    cells = [cell.strip() for cell in _CELL_BAR.split(inner)]
    marked = [f"{opening}{label + ' ' if i == 0 else ''}{cell}</span>" if cell or i == 0 else ""
              for i, cell in enumerate(cells)]
    return _indent(row) + "| " + " | ".join(marked) + " |"


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]
