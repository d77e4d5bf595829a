"""Translation QA: what a translation must keep from its source (code, links, numbers, terms, structure)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from kb_tools.blocks import Block, item_content
from kb_tools.errors import Problem, Severity
from kb_tools.glossary import Glossary
from kb_tools.model import Document

LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^)]*[\"'])?\s*\)")
_URL = re.compile(r"(?:https?://|mailto:)[\w\-.~:/?#@!$&*+;=%,]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f]\d+)*")


def link_targets(block: Block) -> list[str]:
    """The targets of the block's Markdown links and images."""
    return [] if block.kind == "code" or "](" not in block.text else LINK.findall(block.text)


def urls(text: str) -> list[str]:
    """Bare URLs and email addresses in prose (link targets removed first)."""
    if "://" not in text and "@" not in text and "mailto:" not in text:
        return []
    return [u.rstrip(".,;:") for u in _URL.findall(LINK.sub(" ", text))]


def plain(text: str) -> str:
    """Prose without link targets and URLs: the words a reader reads."""
    if "](" in text:
        text = LINK.sub(lambda m: m.group(0)[: m.group(0).rfind("](")], text)  # keep the link text only
    return _URL.sub(" ", text) if "://" in text or "@" in text else text


def numbers(text: str, terms: re.Pattern[str] | None = None) -> dict[str, str]:
    """The numbers in plain prose as written, keyed without separators and leading zeros (0,5 and 0.5 are one).

    Glossary terms are left out: the 2 of "2FA" or of ko "2단계 인증" is a word, not a figure.
    """
    text = unicodedata.normalize("NFKC", text)
    if not _DIGIT.search(text):
        return {}
    if terms is not None:
        text = terms.sub(" ", text)
    found: dict[str, str] = {}
    for number in _NUMBER.findall(text):
        found.setdefault(re.sub(r"\D", "", number).lstrip("0") or "0", number)
    return found


class Facts(NamedTuple):
    """What QA compares in a piece of prose."""

    links: Counter[str]  # link targets and URLs
    numbers: dict[str, str]
    kept: set[str]  # do-not-translate terms present
    plain: str  # casefolded words, for required glossary translations


def facts(blocks: list[Block], lang: str, glossary: Glossary) -> Facts:
    """The facts of some blocks' prose in lang."""
    text = "\n".join(_prose(b) for b in blocks)
    links = Counter(t for b in blocks for t in link_targets(b))
    links.update(urls(text))
    words = plain(text)
    return Facts(links, numbers(words, glossary.terms_pattern(lang)), glossary.kept_terms(words), words.casefold())


def _prose(block: Block) -> str:
    return item_content(block) if block.kind == "item" else block.text


def check(source: Document, translation: Document, glossary: Glossary, severity: Severity = "error",
          memo: dict[str, Facts] | None = None) -> list[Problem]:
    """Everything the translation lost or changed from its source, each at the line to fix.

    memo keeps the source blocks' facts between calls: each source is checked once per language.
    """
    memo = {} if memo is None else memo
    path, src, dst = translation.path, source.blocks, translation.blocks
    first = dst[0].line if dst else translation.title_line
    problems: list[Problem] = []

    def add(line: int, message: str, fix: str, level: Severity = severity) -> None:
        problems.append(Problem(path, line, message, fix, level))

    where = f"the source {source.path}"
    heads_src = [b for b in src if b.kind == "heading"]
    heads_dst = [b for b in dst if b.kind == "heading"]
    if [h.level for h in heads_src] != [h.level for h in heads_dst]:
        add(heads_dst[0].line if heads_dst else first, f"{len(heads_dst)} headings at levels "
            f"{[h.level for h in heads_dst]}, {where} has {[h.level for h in heads_src]}",
            "translate heading by heading, keeping the levels")
    for s, d in zip(heads_src, heads_dst, strict=False):
        if d.explicit_anchor and d.anchor != s.anchor:
            add(d.line, f"heading anchor #{d.anchor} differs from the source's #{s.anchor}",
                f"write {{#{s.anchor}}} or remove the explicit anchor")
    kinds_src = [b.info for b in src if b.kind == "admonition"]
    kinds_dst = [b.info for b in dst if b.kind == "admonition"]
    if kinds_src != kinds_dst:
        line = next((d.line for s, d in zip(kinds_src, [b for b in dst if b.kind == "admonition"], strict=False)
                     if s != d.info), first)
        add(line, f"admonitions {kinds_dst} differ from {where}: {kinds_src}", "keep the admonition types and order")
    code_src = [b for b in src if b.kind == "code"]
    code_dst = [b for b in dst if b.kind == "code"]
    for index, s in enumerate(code_src):
        other = code_dst[index] if index < len(code_dst) else None
        if other is None or other.key != s.key:
            add(other.line if other else first, f"code block differs from the one at line {s.line} of {where}",
                "copy the code block from the source unchanged")
    for d in code_dst[len(code_src):]:
        add(d.line, "code block not in the source", "remove it, or add it to the source first")

    aligned = [b.kind for b in src] == [b.kind for b in dst]
    if not aligned:
        add(first, f"{len(dst)} blocks do not line up with the {len(src)} blocks of {where}",
            "translate block by block (one paragraph, list item or table row for each)", "warning")
    pairs: Iterable[tuple[list[Block], list[Block]]] = (
        ([s], [d]) for s, d in zip(src, dst, strict=True) if s.kind != "code"
    ) if aligned else [([b for b in src if b.kind != "code"], [b for b in dst if b.kind != "code"])]
    required = glossary.required_for(translation.lang)
    for s_blocks, d_blocks in pairs:
        line = d_blocks[0].line if len(d_blocks) == 1 else first
        key = s_blocks[0].key if len(s_blocks) == 1 else ""
        was = memo.get(key) or facts(s_blocks, source.lang, glossary)
        if key:
            memo[key] = was
        now = facts(d_blocks, translation.lang, glossary)
        if was.links != now.links:
            for target in sorted((was.links - now.links).elements()):
                add(line, f"link target '{target}' of the source is missing",
                    "keep every link target and URL unchanged")
            for target in sorted((now.links - was.links).elements()):
                add(line, f"link target '{target}' is not in the source", "use the source's link targets and URLs")
        missing = [was.numbers[n] for n in was.numbers if n not in now.numbers]
        extra = [now.numbers[n] for n in now.numbers if n not in was.numbers]
        if missing:
            add(line, f"number {', '.join(missing)} of the source is missing", "write the source's numbers as digits")
        if extra:
            add(line, f"number {', '.join(extra)} is not in the source", "check the figure against the source")
        for term in sorted(was.kept - now.kept):
            add(line, f"do-not-translate term '{term}' is missing", f"keep '{term}' as written in the source")
        for term, wanted in required:
            if term.casefold() in was.plain and re.search(rf"(?<![a-z]){re.escape(term.casefold())}", was.plain) \
                    and not any(word.casefold() in now.plain for word in wanted):
                words = "' or '".join(wanted)
                add(line, f"glossary: '{term}' should be translated as '{words}'",
                    f"use '{wanted[0]}'", "warning")
    return problems
