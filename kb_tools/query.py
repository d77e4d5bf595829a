"""What a reader's question asks for: the words that matter, the words that mean the same, and the terms.

Readers type questions ("my withdrawal has been pending for hours what do I do", "提币一直没到账怎么办"),
not keywords. Both search faces shape a query by these rules, from the same data: kb search
(Whoosh, kb_tools/search.py) here, and the browser (kb_tools/assets/kb-search.js) from the rules
kb_tools/webindex.py writes into each site, so both answer a question with the same article.

1. Synonyms first: a group's word found in the query becomes a concept whose alternatives are the
   whole group (search/synonyms/<lang>.txt; and, in a translation's site, the glossary's required
   translations paired with their source term, so a zh 提币 also looks for the English "withdraw"
   of a page shown in English). Each concept scores as its best alternative.
2. Stop words: question words and fillers (kb_tools/stopwords/<lang>.txt plus the help center's
   search/stopwords/<lang>.txt) are dropped from the rest; a query of stop words only keeps them.
3. Terms: spaced languages by their Whoosh analyzer (stems; the browser looks a word's stem up in
   the words the index was made from); Chinese, Japanese and Korean as overlapping character pairs,
   which need no dictionary, so both faces split a query alike (on the sample's zh questions, when
   this was chosen, pairs found 32 of 36 articles in the top 5, jieba's words 31).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb_tools.blocks import CJK

if TYPE_CHECKING:
    from kb_tools.glossary import Glossary

Kind = str  # "words" (spaced: a stemmed word is a term) or "bigram" (Chinese, Japanese, Korean: character pairs)
WORD = re.compile(r"[\w*]+(?:\.?[\w*]+)*")  # Whoosh's RegexTokenizer: what a spaced language calls a word
PREFIX = 3  # characters: the shortest term a word no article has may be read as (pago: pag)
DATA = Path(__file__).parent / "stopwords"  # kb's own stop words, per language
# CJK's ranges as code points, each range's start and end + 1: a regex class of such wide ranges takes
# milliseconds to compile, much of what a kb search process does, so characters are looked up here and
# the regexes that need CJK are compiled at their first use (what a spaced language's query never needs).
_BOUNDS = tuple(bound for start, end in sorted(re.findall("(.)-(.)", CJK)) for bound in (ord(start), ord(end) + 1))


def kind(lang: str) -> Kind:
    """How a language's text splits into terms."""
    base = lang.split("-")[0]
    return "bigram" if base in ("zh", "ja", "ko") else "words"


def is_cjk(char: str) -> bool:
    """Whether a character belongs to a script written without spaces (Chinese, Japanese, Korean)."""
    return bool(char) and bisect_right(_BOUNDS, ord(char[0])) % 2 == 1


def is_letter(char: str) -> bool:
    """Whether a character is a letter or digit of a spaced script: what bounds a word there."""
    return char.isalnum() and not is_cjk(char)


def has_cjk(text: str) -> bool:
    """Whether text has a CJK character."""
    return max(text, default="") >= chr(_BOUNDS[0]) and any(map(is_cjk, text))


@functools.cache
def _runs() -> re.Pattern[str]:
    return re.compile(f"(?:(?=[{CJK}])[^\\W_])+|[^\\W_{CJK}]+")


def runs(text: str) -> list[str]:
    """The runs of CJK letters (not punctuation) and the other words of text."""
    return _runs().findall(text)


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # Unicode's categories Cc and Cs


def normalize(text: str) -> str:
    """The query as both faces read it: NFKC, lowercase, control characters as spaces."""
    return unicodedata.normalize("NFKC", _CONTROL.sub(" ", text)).lower().strip()


@dataclass(frozen=True)
class Rules:
    """How queries of one reader language are shaped."""

    lang: str
    kind: Kind
    source_kind: Kind  # how the source language's text splits: pages shown in it are found by its terms
    stop: frozenset[str]  # words (or, unspaced, phrases) that say nothing about what the reader looks for
    strip: tuple[str, ...]  # regexes replaced by a space before terms are read (particles)
    synonyms: tuple[tuple[str, ...], ...]  # groups of words that mean the same, lowercased
    prefixes: frozenset[str]  # words matched at a word's start (the glossary's, as kb check matches them)

    def to_json(self) -> dict[str, object]:
        """The rules as the browser reads them."""
        return {"lang": self.lang, "kind": self.kind, "source_kind": self.source_kind, "stop": sorted(self.stop),
                "strip": list(self.strip), "synonyms": [list(group) for group in self.synonyms],
                "prefixes": sorted(self.prefixes),
                "members": [[word, self.synonyms.index(group)] for word, group in self.members()],
                "phrases": self.phrases()}

    def members(self) -> list[tuple[str, tuple[str, ...]]]:
        """(word, its synonym group), in the order a query is searched for them: longest words first."""
        pairs = {(word, group) for group in self.synonyms for word in group}
        return sorted(pairs, key=lambda pair: (-len(pair[0]), pair))

    def phrases(self) -> list[str]:
        """The stop words an unspaced query loses wherever they occur, longest first."""
        return sorted((word for word in self.stop if len(word) > 1), key=lambda word: (-len(word), word))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rules:
        """The rules to_json wrote."""
        return cls(str(data["lang"]), str(data["kind"]), str(data["source_kind"]), frozenset(data["stop"]),
                   tuple(data["strip"]), tuple(tuple(group) for group in data["synonyms"]),
                   frozenset(data["prefixes"]))


def rules(root: Path, lang: str, source_lang: str, glossary: Glossary) -> Rules:
    """The rules of lang: kb's stop words and the help center's, synonyms, and the glossary as a bridge."""
    lines = _lines(DATA / f"{lang.split('-')[0]}.txt") + _lines(root / f"search/stopwords/{lang}.txt")
    strip = tuple(line[3:] for line in lines if line.startswith("re:"))
    stop = frozenset(normalize(word) for line in lines if not line.startswith("re:") for word in line.split())
    groups = [tuple(normalize(w) for w in line.split(",") if w.strip())
              for line in _lines(root / f"search/synonyms/{lang}.txt")]
    prefixes = set()
    if lang != source_lang:
        for term, words in glossary.required_for(lang):
            groups.append((*(normalize(w) for w in words), normalize(term)))
            prefixes |= {normalize(w) for w in words}
    return Rules(lang, kind(lang), kind(source_lang), stop, strip, _merged(groups), frozenset(prefixes))


def _merged(groups: list[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """Groups that share a word become one (提币, 提现 and 提币, withdraw: 提币, 提现, withdraw), in order."""
    merged: list[list[str]] = []
    for group in groups:
        touching = [m for m in merged if set(m) & set(group)]
        into = touching[0] if touching else []
        for other in touching[1:]:
            into += [w for w in other if w not in into]
            merged.remove(other)
        into += [w for w in group if w not in into]
        if not touching:
            merged.append(into)
    return tuple(tuple(group) for group in merged if len(group) > 1)


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@dataclass(frozen=True)
class Shaped:
    """A query as kb reads it: concepts (each scored by its best alternative), then the other words."""

    concepts: tuple[tuple[str, ...], ...]
    rest: str


def shape(text: str, rules: Rules) -> Shaped:
    """Read a query: synonyms found become concepts; the rest loses its stop words."""
    text = normalize(text)
    concepts: list[tuple[str, ...]] = []
    for word, group in rules.members():
        found = _occurrences(word, text, word in rules.prefixes)
        if found:
            if not is_cjk(word[0]):  # a CJK word stays: its run's other pairs count too (詐欺 of 詐欺師)
                text = _blank(text, found)
            if group not in concepts:
                concepts.append(group)
    rest = _without_stop_words(text, rules)
    if not rest.strip() and not concepts:
        rest = text  # a question of stop words only ("how do I"): keep what the reader typed
    return Shaped(tuple(concepts), " ".join(rest.split()))


def _occurrences(word: str, text: str, prefix: bool) -> list[tuple[int, int]]:
    """Where word occurs in a query, left to right, not overlapping: anywhere when it is CJK, else as a
    whole word (prefix: as a word's start, with the rest of that word)."""
    found: list[tuple[int, int]] = []
    at = text.find(word) if word else -1
    while at >= 0:
        end = at + len(word)
        if not is_cjk(word[0]):
            if at and is_letter(text[at - 1]):
                end = -1
            elif prefix:
                while end < len(text) and is_letter(text[end]):
                    end += 1
            elif end < len(text) and is_letter(text[end]):
                end = -1
        if end >= 0:
            found.append((at, end))
        at = text.find(word, end if end >= 0 else at + 1)
    return found


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """text with each span replaced by a space."""
    pieces, at = [], 0
    for start, end in spans:
        pieces += [text[at:start], " "]
        at = end
    return "".join(pieces) + text[at:]


def _without_stop_words(text: str, rules: Rules) -> str:
    """Spaced: the words not in rules.stop. Unspaced: the text without its stop phrases, particles and
    the stop words written apart (a single character is a stop word only on its own: 安 of 安全 stays)."""
    if rules.kind == "words":
        return " ".join(w for w in WORD.findall(text) if w not in rules.stop)
    for pattern in rules.strip:
        text = re.sub(pattern, " ", text)
    words = [w for w in text.split() if w not in rules.stop]
    text = " ".join(words)
    for phrase in rules.phrases():
        text = text.replace(phrase, " ")
    return text


def spaced(text: str) -> str:
    """text with a space where CJK meets other letters: a spaced language's words in a Japanese query (APIで429)."""
    if not has_cjk(text):
        return text
    return _cjk().sub(lambda m: (" " if m.start() else "") + m.group() + (" " if m.end() < len(text) else ""), text)


@functools.cache
def _cjk() -> re.Pattern[str]:
    return re.compile(f"[{CJK}]+")


def bigrams(text: str) -> list[str]:
    """Japanese and Korean terms: overlapping character pairs of CJK runs, other runs as words."""
    return [piece for piece, _, _ in bigram_spans(text)]


def bigram_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """The bigram terms of text with where each starts and ends."""
    for match in _runs().finditer(text):
        run, at = match.group(0), match.start()
        if not is_cjk(run[0]) or len(run) == 1:
            yield run, at, at + len(run)
        else:
            yield from ((run[i:i + 2], at + i, at + i + 2) for i in range(len(run) - 1))
