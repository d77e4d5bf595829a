"""What a reader gets for each article in each language: the translation or the source, and which notice.

The policies of PRODUCT.md ("What a reader sees") live here, free of MkDocs, so that the plugin,
the tests and any other face apply the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb_tools.blocks import Block, split_blocks
from kb_tools.content import HelpCenter
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


def plan(center: HelpCenter, lang: str) -> dict[str, PagePlan]:
    """Every article the site of lang publishes (orphans are left out: their source is gone)."""
    if lang == center.settings.source_language:
        return {rel: PagePlan(rel, False, "") for rel, doc in center.docs[lang].items()}
    entries = explain_stale(center, compute(center, (lang,)))[lang]
    publish_machine = center.settings.policy(lang).publish_machine
    return {e.rel: _plan(e, publish_machine) for e in entries if e.status != "orphan"}


def _plan(entry: Entry, publish_machine: bool) -> PagePlan:
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


_ADMONITION = re.compile(r'^(\s*(?:!!!|\?\?\?\+?)\s+([\w-]+))\s*$')
_HEADING = re.compile(r"^(#{1,6}\s+.*?)\s*#*\s*$")


def localize(markdown: str, source_blocks: tuple[Block, ...], titles: dict[str, str]) -> str:
    """A translation's Markdown with its source's heading anchors and translated admonition titles.

    Headings get `{#anchor}` of the source heading at the same position when the headings line
    up (same count and levels), so /en/x/#network-fees also works as /zh/x/#network-fees.
    Admonitions without a title get titles[type], so a zh page says 注意, not "Note".
    """
    lines = markdown.split("\n")
    blocks = split_blocks(markdown)
    mine = [b for b in blocks if b.kind == "heading"]
    theirs = [b for b in source_blocks if b.kind == "heading"]
    if [b.level for b in mine] == [b.level for b in theirs]:
        for heading, source in zip(mine, theirs, strict=True):
            line = lines[heading.line - 1]
            match = _HEADING.match(line)
            if match and not heading.explicit_anchor:
                lines[heading.line - 1] = f"{match.group(1)} {{#{source.anchor}}}"
    for block in blocks:
        if block.kind == "admonition" and not block.text and block.info in titles:
            match = _ADMONITION.match(lines[block.line - 1])
            if match:
                title = titles[block.info].replace('"', "'")
                lines[block.line - 1] = f'{match.group(1)} "{title}"'
    return "\n".join(lines)
