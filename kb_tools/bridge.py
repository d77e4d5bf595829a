"""A reader's words in the source language, learned from the help center's own translations.

A page shown in the source language (no translation yet) must be found with the reader's words: a ja
reader types パスワード, the English page says password. The translations a help center already
has pair its source blocks with their translations (where the blocks line up, as the translation
memory reads them): a reader's term that keeps turning up in the blocks that translate one source
term, and rarely elsewhere (Dice's coefficient), is that term. Both search faces then also look for
the source term in the source-language text of fallback pages (search.Searcher, kb-search.js).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from kb_tools.memory import Memory, segment, with_meta
from kb_tools.model import HelpCenter

MAX_PAIRS = 4000  # block pairs read: enough for the common words, bounded for big help centers
MIN_PAIRS = 2  # a pair of terms seen together fewer times than this is chance
MIN_DICE = 0.5  # how much more often two terms come together than apart, at least

Terms = Callable[[str], list[str]]  # text -> its terms in one analyzer


def pairs(center: HelpCenter, lang: str) -> Iterator[tuple[str, str]]:
    """(source text, translated text) of the blocks of lang's translations that line up with their source,
    then of the translation memory; at most MAX_PAIRS."""
    count = 0
    for rel, doc in sorted(center.docs[lang].items()):
        source = center.source(rel)
        if not doc.readable or source is None or not source.readable:
            continue
        theirs, ours = with_meta(center.with_blocks(source)), with_meta(center.with_blocks(doc))
        if [b.kind for b in theirs] != [b.kind for b in ours]:
            continue
        for s, t in zip(theirs, ours, strict=True):
            if s.kind != "code" and count < MAX_PAIRS:
                count += 1
                yield segment(s), segment(t)
    for source_text, target_text in sorted(Memory.load(center.settings.root, lang).entries.values()):
        if count >= MAX_PAIRS:
            return
        count += 1
        yield source_text, target_text


def learn(texts: Iterator[tuple[str, str]], source_terms: Terms, own_terms: Terms) -> dict[str, str]:
    """reader term -> the source term it translates, for the terms seen together often enough."""
    alone: Counter[str] = Counter()
    together: Counter[tuple[str, str]] = Counter()
    for source_text, target_text in texts:
        theirs = set(source_terms(source_text))
        ours = set(own_terms(target_text)) - theirs  # a word both write alike (USDT, 2FA) needs no bridge
        alone.update(f"s\0{term}" for term in theirs)
        alone.update(f"t\0{term}" for term in ours)
        together.update((t, s) for t in ours for s in theirs)
    best: dict[str, tuple[float, str]] = {}
    for (t, s), both in together.items():
        if both < MIN_PAIRS:
            continue
        dice = 2 * both / (alone[f"s\0{s}"] + alone[f"t\0{t}"])
        if dice >= MIN_DICE and (t not in best or (dice, s) > best[t]):
            best[t] = (dice, s)
    return {t: s for t, (_, s) in sorted(best.items())}
