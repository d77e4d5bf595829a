"""What a reader gets for each article in each language: the translation or the source, and which notice.

The policies of PRODUCT.md ("What a reader sees") live here, free of MkDocs, so that the plugin,
the tests and any other face apply the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb_tools.blocks import Block
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


def plan(center: HelpCenter, lang: str) -> dict[str, PagePlan]:
    """Every article the site of lang publishes.

    Left out: orphans (their source is gone), and articles whose source cannot be read where the
    site would show it: a builder is never handed a file that is not valid Markdown text.
    """
    if lang == center.settings.source_language:
        return {rel: PagePlan(rel, False, "") for rel, doc in center.docs[lang].items() if doc.readable}
    entries = explain_stale(center, compute(center, (lang,)))[lang]
    publish_machine = center.settings.policy(lang).publish_machine
    plans = {}
    for entry in entries:
        if entry.status == "orphan":
            continue
        page = _plan(entry, publish_machine)
        source = center.source(entry.rel)
        if page.show_source and not (source and source.readable):
            continue
        plans[entry.rel] = page
    return plans


def left_out(center: HelpCenter) -> dict[str, str]:
    """The articles no site publishes because their source cannot be read: rel -> the first error."""
    return {rel: str(doc.errors[0]) for rel, doc in center.docs[center.settings.source_language].items()
            if not doc.readable and doc.errors}


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


def page_url(rel: str) -> str:
    """The URL path MkDocs gives a Markdown file (directory URLs): a/b.md -> a/b/, a/index.md -> a/."""
    stem = rel[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_HEADING = re.compile(r"^(\s*#{1,6}\s+.*?)\s*#*\s*$")
_HEADING_ID = re.compile(r"\{:?\s*#[\w-]+[^}]*\}\s*$")
_ADMONITION = re.compile(r'^(\s*(?:!!!|\?\?\?\+?)\s+([\w-]+))\s*$')


def localize(markdown: str, source_blocks: tuple[Block, ...], titles: dict[str, str]) -> str:
    """A translation's Markdown with its source's heading anchors and translated admonition titles.

    Headings get `{#anchor}` of the source heading at the same position when the headings line
    up (same count and levels), so /en/x/#network-fees also works as /zh/x/#network-fees.
    Admonitions without a title get titles[type], so a zh page says 注意, not "Note".
    """
    lines = markdown.split("\n")
    headings: list[int] = []
    fence = ""
    for index, line in enumerate(lines):  # a light pass: it runs for every page of every build
        if fence:
            fence = "" if line.lstrip().startswith(fence) else fence
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
        elif line.lstrip().startswith("#") and _HEADING.match(line):
            headings.append(index)
        elif line.lstrip().startswith(("!!!", "???")):
            admonition = _ADMONITION.match(line)
            if admonition and admonition.group(2) in titles:
                lines[index] = f'{admonition.group(1)} "{titles[admonition.group(2)].replace(chr(34), chr(39))}"'
    theirs = [b for b in source_blocks if b.kind == "heading"]
    levels = [len(lines[i].lstrip()) - len(lines[i].lstrip().lstrip("#")) for i in headings]
    if levels == [b.level for b in theirs]:
        for index, source in zip(headings, theirs, strict=True):
            if not _HEADING_ID.search(lines[index]):
                match = _HEADING.match(lines[index])
                assert match is not None
                lines[index] = f"{match.group(1)} {{#{source.anchor}}}"
    return "\n".join(lines)
