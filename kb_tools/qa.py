"""Translation QA: what a translation must keep from its source (code, links, numbers, terms, structure)."""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from typing import NamedTuple

from kb_tools.blocks import Block, item_content
from kb_tools.errors import Problem, Severity
from kb_tools.glossary import Glossary
from kb_tools.model import Document

LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^)]*[\"'])?\s*\)")
_URL = re.compile(r"(?:https?://|mailto:)[\w\-.~:/?#@!$&*+;=%,]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f]\d+)*")
_CODE_SPAN = re.compile(r"`[^`\n]+`")
# Markup a translation must not add: HTML tags and comments, template syntax, attribute lists.
_MARKUP = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>|\{\{.*?\}\}|\{%.*?%\}|\{:[^}\n]*\}|\{\s*[#.][^}\n]*\}")
_ESCAPED = re.compile(r"\\([{}<>])")


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
    """The numbers in plain prose as written, keyed by value (0,5 and 0.5 are one; 1,000 and 1 000 are one).

    Glossary terms are left out: the 2 of "2FA" or of ko "2단계 인증" is a word, not a figure.
    """
    text = unicodedata.normalize("NFKC", text)
    if not _DIGIT.search(text):
        return {}
    if terms is not None:
        text = terms.sub(" ", text)
    found: dict[str, str] = {}
    for number in _NUMBER.findall(text):
        found.setdefault(_value(number), number)
    return found


def _value(number: str) -> str:
    """A number's value as digits: the last group is decimals unless it is a group of three after a
    non-zero whole part (1,000 is a thousand, 0,005 and 1.5 are fractions), so 0.0005 and 5 differ."""
    groups = re.split(r"[.,\u00a0\u202f]", number)
    whole, fraction = "".join(groups), ""
    if len(groups) > 1 and (len(groups[-1]) != 3 or not "".join(groups[:-1]).strip("0")):
        whole, fraction = "".join(groups[:-1]), groups[-1].rstrip("0")
    return (whole.lstrip("0") or "0") + (f".{fraction}" if fraction else "")


def markup(text: str) -> Counter[str]:
    """HTML tags, template syntax and attribute lists in prose, as written (escaped or not).

    Entities and backslash escapes are read through: `&lt;script&gt;` counts as `<script>`, so a
    tag that kb draft made inert still shows up as something the source does not have.
    """
    if "<" not in text and "{" not in text and "&" not in text:
        return Counter()
    text = _ESCAPED.sub(r"\1", html.unescape(_CODE_SPAN.sub(" ", text)))
    return Counter(" ".join(m.split()) for m in _MARKUP.findall(text))


def note(where: str, problem: Problem) -> str:
    """A QA problem as kb draft records it in translation.qa; warnings say so."""
    return f"{where}: {'warning: ' if problem.severity == 'warning' else ''}{problem.message}"


def withholds(notes: tuple[str, ...]) -> bool:
    """Whether kb draft's notes on a draft hold a problem (not only warnings): a reader must not get it."""
    return any(not re.match(r"[^:]*(?::\d+)?: warning: ", n) for n in notes)


class Facts(NamedTuple):
    """What QA compares in a piece of prose."""

    links: Counter[str]  # link targets and URLs
    numbers: dict[str, str]
    kept: set[str]  # do-not-translate terms present
    plain: str  # casefolded words, for required glossary translations
    markup: Counter[str]  # HTML tags, template syntax, attribute lists


def facts(blocks: list[Block], lang: str, glossary: Glossary) -> Facts:
    """The facts of some blocks' prose in lang."""
    text = "\n".join(_prose(b) for b in blocks)
    links = Counter(t for b in blocks for t in link_targets(b))
    links.update(urls(text))
    words = plain(text)
    return Facts(links, numbers(words, glossary.terms_pattern(lang)), glossary.kept_terms(words), words.casefold(),
                 markup(text))


def clean_pair(source: Block, target: Block, source_lang: str, lang: str, glossary: Glossary) -> bool:
    """Whether a translated block keeps its source block's links, numbers, terms and markup, adding none."""
    if source.kind != target.kind:
        return False
    was, now = facts([source], source_lang, glossary), facts([target], lang, glossary)
    return (was.links, set(was.numbers), was.kept, was.markup) == (now.links, set(now.numbers), now.kept, now.markup)


def _old_facts(made_from: Sequence[Block], dst: Sequence[Block], d_blocks: list[Block], lang: str, glossary: Glossary,
               memo: dict[str, Facts]) -> Facts | None:
    """The facts of the source version translated, for the translation blocks d_blocks: the block it
    was made from when the translation lines up with that version, else the whole version."""
    if not made_from:
        return None
    if len(d_blocks) > 1 or [b.kind for b in made_from] != [b.kind for b in dst]:
        return facts([b for b in made_from if b.kind != "code"], lang, glossary)
    block = made_from[dst.index(d_blocks[0])]
    if block.key not in memo:
        memo[block.key] = facts([block], lang, glossary)
    return memo[block.key]


def _prose(block: Block) -> str:
    return item_content(block) if block.kind == "item" else block.text


# How each kind of difference reads, for link targets and markup: (what is wrong, how to fix), {s} the
# source's item and {t} the translation's. See pair_up for the kinds.
LINK_WORDS = {
    "updated": ("the source changed link target '{t}' to '{s}'; the translation still has '{t}'", "write '{s}'"),
    "changed": ("the source has link target '{s}' where the translation has '{t}'",
                "use the source's link targets and URLs unchanged"),
    "added": ("the source added link target '{s}' since the translation was made", "add it to the translation"),
    "missing": ("link target '{s}' of the source is missing", "keep every link target and URL unchanged"),
    "removed": ("the source removed link target '{t}'; the translation still has it", "remove it"),
    "extra": ("link target '{t}' is not in the source", "use the source's link targets and URLs"),
}
_NOT_MARKUP = "a translation keeps the source's HTML, attribute lists and template syntax only"
MARKUP_WORDS = {
    "changed": ("the source has markup {s} where the translation has {t}", f"use {{s}}: {_NOT_MARKUP}"),
    "missing": ("markup {s} of the source is missing", "copy it from the source"),
    "extra": ("markup {t} is not in the source", f"remove it: {_NOT_MARKUP}"),
}
NUMBER_WORDS = {
    "updated": ("the source changed {t} to {s}; the translation still says {t}", "write {s}"),
    "changed": ("the source says {s} where the translation says {t}", "check the figure against the source"),
    "added": ("the source added the number {s} since the translation was made", "add it to the translation"),
    "removed": ("the source no longer says {t}; the translation still does", "remove it, as the source did"),
    "extra": ("number {t} is not in the source", "check the figure against the source"),
}


def pair_up(missing: Sequence[str], extra: Sequence[str], old: Collection[str] | None = None
            ) -> list[tuple[str, str, str]]:
    """The differences between a source block and its translation, one per cause: (kind, source's, translation's).

    missing: what the source has and the translation lacks; extra: what the translation has and the
    source lacks, each in reading order. One of each at the same block is one item changed, not two
    problems: "changed". With old, the items of the source version the translation was made from, a
    difference the source made since says so: "updated" (the source changed it), "added", "removed";
    else what is left is "missing" or "extra".
    """
    missing, extra = list(missing), list(extra)
    found: list[tuple[str, str, str]] = []
    if old is not None:  # first what the source changed since: an item new to it for one it dropped
        new = [s for s in missing if s not in old]
        gone = [t for t in extra if t in old]
        for s, t in zip(new, gone, strict=False):
            found.append(("updated", s, t))
            missing.remove(s)
            extra.remove(t)
    found += [("changed", s, t) for s, t in zip(missing, extra, strict=False)]
    for s in missing[len(extra):]:
        found.append(("added" if old is not None and s not in old else "missing", s, ""))
    for t in extra[len(missing):]:
        found.append(("removed" if old is not None and t in old else "extra", "", t))
    return found


def differences(words: dict[str, tuple[str, str]], missing: Sequence[str], extra: Sequence[str],
                old: Collection[str] | None = None) -> list[tuple[str, str, str]]:
    """pair_up's differences as (kind, what is wrong, how to fix), in words (a kind it lacks reads as the
    one without the source's history: updated as changed, added as missing, removed as extra)."""
    plain = {"updated": "changed", "added": "missing", "removed": "extra"}
    found = []
    for kind, s, t in pair_up(missing, extra, old):
        what, fix = words.get(kind) or words[plain[kind]]
        found.append((kind, what.format(s=s, t=t), fix.format(s=s, t=t)))
    return found


def number_problems(was: dict[str, str], now: dict[str, str], old: Collection[str] | None = None
                    ) -> list[tuple[str, str]]:
    """(what is wrong, how to fix) for the numbers of a source block (was) and its translation (now), by
    value as numbers() gives them; old: the values of the source version translated, when known."""
    missing = [n for n in was if n not in now]
    extra = [n for n in now if n not in was]
    found, lost = [], []
    for kind, s, t in pair_up(missing, extra, old):
        if kind == "missing":
            lost.append(was[s])
            continue
        what, fix = NUMBER_WORDS[kind]
        found.append((what.format(s=was.get(s, s), t=now.get(t, t)), fix.format(s=was.get(s, s))))
    if lost:  # left out, one message: the translation may have written them in words
        what = f"number {lost[0]} of the source is missing" if len(lost) == 1 else \
            f"numbers {', '.join(lost)} of the source are missing"
        found.insert(0, (what, "add it as the source writes it" if len(lost) == 1 and now else
                         "add them as the source writes them" if now else "write the source's numbers as digits"))
    return found


def check(source: Document, translation: Document, glossary: Glossary, severity: Severity = "error",
          memo: dict[str, Facts] | None = None, made_from: Sequence[Block] = ()) -> list[Problem]:
    """Everything the translation lost or changed from its source, each at the line to fix, one problem per cause.

    memo keeps the source blocks' facts between calls: each source is checked once per language.
    made_from: the blocks of the source version the translation was made from, when known (a stale
    entry's): a figure or link the source changed since reads as the source's change.
    """
    memo = {} if memo is None else memo
    path, src, dst = translation.path, source.blocks, translation.blocks
    first = dst[0].line if dst else translation.title_line
    problems: list[Problem] = []

    def add(check: str, line: int, message: str, fix: str, level: Severity = severity) -> None:
        problems.append(Problem(path, line, message, fix, level, check))

    where = f"the source {source.path}"
    for key, was_text, now_text in (("title", source.title, translation.title),
                                    ("description", source.description or "", translation.description or "")):
        added = (markup(now_text) - markup(was_text)) + (Counter(urls(now_text)) - Counter(urls(was_text)))
        for item in sorted(added.elements()):
            add("markup", translation.title_line, f"the {key} has {item}, not in the source's",
                f"remove it: a {key} is plain text")
    heads_src = [b for b in src if b.kind == "heading"]
    heads_dst = [b for b in dst if b.kind == "heading"]
    if [h.level for h in heads_src] != [h.level for h in heads_dst]:
        add("headings", heads_dst[0].line if heads_dst else first, f"{len(heads_dst)} headings at levels "
            f"{[h.level for h in heads_dst]}, {where} has {[h.level for h in heads_src]}",
            "translate heading by heading, keeping the levels")
    for s, d in zip(heads_src, heads_dst, strict=False):
        if d.explicit_anchor and d.anchor != s.anchor:
            add("anchors", d.line, f"heading anchor #{d.anchor} differs from the source's #{s.anchor}",
                f"write {{#{s.anchor}}} or remove the explicit anchor")
    kinds_src = [b.info for b in src if b.kind == "admonition"]
    kinds_dst = [b.info for b in dst if b.kind == "admonition"]
    if kinds_src != kinds_dst:
        line = next((d.line for s, d in zip(kinds_src, [b for b in dst if b.kind == "admonition"], strict=False)
                     if s != d.info), first)
        add("admonitions", line, f"admonitions {kinds_dst} differ from {where}: {kinds_src}",
            "keep the admonition types and order")
    code_src = [b for b in src if b.kind == "code"]
    code_dst = [b for b in dst if b.kind == "code"]
    for index, s in enumerate(code_src):
        other = code_dst[index] if index < len(code_dst) else None
        if other is None or other.key != s.key:
            add("code", other.line if other else first, f"code block differs from the one at line {s.line} of {where}",
                "copy the code block from the source unchanged")
    for d in code_dst[len(code_src):]:
        add("code", d.line, "code block not in the source", "remove it, or add it to the source first")

    aligned = [b.kind for b in src] == [b.kind for b in dst]
    if not aligned:
        add("blocks", first, f"{len(dst)} blocks do not line up with the {len(src)} blocks of {where}",
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
        old = _old_facts(made_from, dst, d_blocks, source.lang, glossary, memo)
        if was.links != now.links:
            for _kind, message, fix in differences(LINK_WORDS, list((was.links - now.links).elements()),
                                                   list((now.links - was.links).elements()),
                                                   old.links if old is not None else None):
                add("urls", line, message, fix)
        if was.markup != now.markup:
            for kind, message, fix in differences(MARKUP_WORDS, list((was.markup - now.markup).elements()),
                                                  list((now.markup - was.markup).elements())):
                add("markup", line, message, fix, "warning" if kind == "missing" else severity)
        # The digits of a do-not-translate term the translation rewrote (TRC20 as TRC-20) are that term's problem.
        spelled = numbers(" ".join(was.kept - now.kept)) if was.kept - now.kept else {}
        figures = {n: w for n, w in now.numbers.items() if n in was.numbers or n not in spelled}
        for message, fix in number_problems(was.numbers, figures, old.numbers if old is not None else None):
            add("numbers", line, message, fix)
        for term in sorted(was.kept - now.kept):
            add("terms", line, f"do-not-translate term '{term}' is missing", f"keep '{term}' as written in the source")
        for term, wanted in required:
            if term.casefold() in was.plain and re.search(rf"(?<![a-z]){re.escape(term.casefold())}", was.plain) \
                    and not any(word.casefold() in now.plain for word in wanted):
                words = "' or '".join(wanted)
                add("glossary", line, f"glossary: '{term}' should be translated as '{words}'",
                    f"use '{wanted[0]}'", "warning")
    return problems
