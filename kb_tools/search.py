"""The Whoosh index of every language: kb index, kb search, related articles and golden queries.

Whoosh comes from whoosh-reloaded, the maintained fork of Whoosh (the original's last release was
2016). Analyzers per language: stemming for English and other spaced languages; Chinese, Japanese
and Korean as overlapping character pairs, with positions counted in pairs so quoted phrases work.
Each language's index holds what its site shows: translations, and source articles where the site
falls back to them, marked with their real language. Queries are read by kb_tools/query.py and
scored by Boosted; kb_tools/webindex.py serves the same index to the browser.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import html
import json
import logging
import math
import re
import shutil
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from kb_tools import deferred, query
from kb_tools.blocks import short_hash
from kb_tools.errors import KbError
from kb_tools.freshness import SCHEMA_VERSION, SOURCES, index_dir, read, sources_fingerprint

with deferred.whoosh():  # without the modules it imports for nothing a search does: kb search starts faster
    from whoosh import index
    from whoosh.analysis import (
        Analyzer,
        LanguageAnalyzer,
        LowercaseFilter,
        StandardAnalyzer,
        StemmingAnalyzer,
        Token,
        Tokenizer,
    )
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
    from whoosh.collectors import TopCollector
    from whoosh.fields import ID, KEYWORD, TEXT, Schema
    from whoosh.filedb.filestore import FileStorage
    from whoosh.matching import DisjunctionMaxMatcher, FilterMatcher, Matcher, NullMatcher
    from whoosh.query import And, DisjunctionMax, FuzzyTerm, Or, Query, Term
    from whoosh.scoring import BM25F, BM25FScorer
    from whoosh.util.numeric import byte_to_length

if TYPE_CHECKING:  # what only kb index needs is imported there: kb search starts without the scanner and reader
    from kb_tools.cache import Memo
    from kb_tools.config import Settings
    from kb_tools.model import Document, HelpCenter
    from kb_tools.reader import PagePlan

log = logging.getLogger(__name__)

RULES = "rules.json"  # in a language's index folder: how its queries are shaped (kb_tools/query.py)
BRIDGE = "bridge.json"  # and its reader's terms for source terms (kb_tools/bridge.py)
OWN: tuple[str, ...] = ("title", "headings", "body")  # the site's language
SRC: tuple[str, ...] = ("title_src", "headings_src", "body_src")  # the source language's text of a page shown in it
Reading = dict[tuple[str, ...], list[tuple[str, float]]]  # field group -> (term, weight) of a query's text
# A field's boost multiplies its score, so a title match outranks an article that says the word often:
# Whoosh's own field_boost multiplies term counts, which BM25 then saturates (a title counted 1.6 times).
BOOSTS = {"title": 4.0, "headings": 2.0, "body": 1.0, "title_src": 4.0, "headings_src": 2.0, "body_src": 1.0}
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_FUZZY_MAX = 24  # characters: a longer "word" is no typo, and its fuzzy automaton costs seconds
_MARKUP = re.compile(r"[*_`#>|]+|\{:?\s*#[\w-]+[^}]*\}")


class _WordsTokenizer(Tokenizer):  # type: ignore[misc]
    """A tokenizer from a function that yields (word, start, end): positions count words, not characters."""

    def pieces(self, text: str) -> Iterator[tuple[str, int, int]]:
        raise NotImplementedError

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: Any) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (word, start, end) in enumerate(self.pieces(unicodedata.normalize("NFKC", value)), start_pos):
            token.text, token.boost, token.stopped = word, 1.0, False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class BigramTokenizer(_WordsTokenizer):
    """Chinese, Japanese and Korean without a dictionary: overlapping character pairs of CJK runs, words elsewhere."""

    def pieces(self, text: str) -> Iterator[tuple[str, int, int]]:
        return query.bigram_spans(text)


def analyzer(lang: str) -> Analyzer:
    """The analyzer of a language (the same for documents and queries)."""
    base = lang.split("-")[0]
    if base in ("zh", "ja", "ko"):
        return BigramTokenizer() | LowercaseFilter()
    if base == "en":
        return StemmingAnalyzer()
    try:
        return LanguageAnalyzer(base)
    except Exception:  # no stemmer for this language in Whoosh: words, lowercased
        return StandardAnalyzer(stoplist=None)


def schema(lang: str, source_lang: str) -> Schema:
    """Fields for what a site shows in its language, and *_src fields for fallback text in the source language.

    Term counts are stored as they are: BOOSTS weigh the fields when scoring (Boosted).
    """
    own, src = analyzer(lang), analyzer(source_lang)
    return Schema(
        # path, lang and stamp in columns too: every article's read at once (articles(), not its stored fields:
        # those hold its whole text)
        path=ID(stored=True, unique=True, sortable=True), lang=ID(stored=True, sortable=True),
        status=ID(stored=True), stamp=ID(stored=True, sortable=True),
        title=TEXT(analyzer=own, stored=True), headings=TEXT(analyzer=own), body=TEXT(analyzer=own, stored=True),
        title_src=TEXT(analyzer=src, stored=True), headings_src=TEXT(analyzer=src),
        body_src=TEXT(analyzer=src, stored=True),
        # The words (not stems) of each article, in spaced languages: a query word the articles have is
        # read as the index read it; the browser knows only these words (webindex), so kb search asks too.
        words=KEYWORD(scorable=False), words_src=KEYWORD(scorable=False),
    )


class Boosted(BM25F):  # type: ignore[misc]
    """BM25F whose field boosts multiply each field's score (BOOSTS); kb search and the browser score alike."""

    def __init__(self) -> None:
        super().__init__()
        self.lengths: dict[tuple[Any, str], list[float]] = {}  # (a segment's reader, field) -> _lengths

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: int = 1) -> Any:
        key = (searcher.reader(), fieldname)
        if key not in self.lengths:
            self.lengths[key] = _lengths(*key)
        return _BoostedScorer(searcher, fieldname, text, self.B, self.K1, self.lengths[key], qf=qf)

    def idf(self, searcher: Any, fieldname: str, text: Any) -> float:
        """The term's idf in its articles, whatever the field (inverse_frequency)."""
        parent = searcher.get_parent()
        return inverse_frequency(frequency(parent, SRC if fieldname.endswith("_src") else OWN, text),
                                 parent.doc_count_all())


def frequency(searcher: Any, fields: tuple[str, ...], term: Any) -> int:
    """In how many articles a term is, in any of fields (the most of any one field)."""
    return max(int(searcher.doc_frequency(field, term)) for field in fields)


def inverse_frequency(frequency: int, count: int) -> float:
    """Lucene's BM25 idf: a word most articles have ("return", "account") weighs next to nothing, even in a
    title (Whoosh's own idf adds 1 to it). kb-search.js computes it alike."""
    return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))


class _BoostedScorer(BM25FScorer):  # type: ignore[misc]
    def __init__(self, searcher: Any, fieldname: str, text: Any, B: float, K1: float, lengths: list[float],
                 qf: int = 1) -> None:
        self.boost = BOOSTS.get(fieldname, 1.0)  # before setup(), which scores the best case
        self.lengths = lengths
        super().__init__(searcher, fieldname, text, B, K1, qf=qf)

    def _score(self, weight: float, length: float) -> float:
        return float(super()._score(weight, length)) * self.boost

    def score(self, matcher: Any) -> float:
        # Whoosh's own reads each document's length from the index file, one read per score: a quarter of
        # the time of a query for a word most articles have
        return self._score(matcher.weight(), self.lengths[matcher.id()])

    # The best score a term can give, over its whole posting list and over its current block (_SumMatcher
    # and Whoosh skip what cannot reach the top with them). BM25 grows with the term's count and shrinks
    # with the field's length, so the most counts and the shortest length bound every score. Lengths are
    # kept as a byte (length_to_byte, which rounds up) and scored as that byte's length; the shortest
    # length of a block or of a posting list went through the same rounding, which keeps order, so it is
    # never above the length any of its documents is scored with. _SAFE covers floats summed in another order.
    def max_quality(self) -> float:
        return float(self._maxquality) * _SAFE

    def block_quality(self, matcher: Any) -> float:
        return self._score(matcher.block_max_weight(), matcher.block_min_length()) * _SAFE


_SAFE = 1 + 1e-9
_LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]


def _lengths(reader: Any, fieldname: str) -> list[float]:
    """The length of fieldname in each document of a segment, as Whoosh scores it (doc_field_length), read
    at once: Whoosh keeps them as a column of one byte per document. Read through the whoosh3 codec's private
    attributes, as _skip_to moves through its postings: tests/test_search_prune.py holds both to Whoosh's own."""
    column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    stored = column._dbfile.get(column._basepos, column._count) if column is not None else b""
    return [_LENGTH_OF_BYTE[b] for b in stored] + [1] * (reader.doc_count_all() - len(stored))


class Sum(Or):  # type: ignore[misc]
    """Whoosh's Or (the scores add up), matched by _SumMatcher, which skips what cannot reach the top."""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        if len(self.subqueries) < 2:  # as Whoosh's Or: nothing, or the one subquery (its boost unused)
            return self.subqueries[0].matcher(searcher, context) if self.subqueries else NullMatcher()
        return _SumMatcher([q.matcher(searcher, context) for q in self.subqueries], self.boost)


class _SumMatcher(Matcher):  # type: ignore[misc]
    """The sum of sub-matchers' scores, found by MaxScore (Turtle and Flood, 1995).

    Once the collector has its top results it asks only for documents scoring above the least of them
    (replace). Sub-matchers whose best scores add up to no more than that cannot lift a document there
    alone: the others (essential) propose the documents, and these are looked up in them, from the
    best bound down, only until what is still possible cannot reach the threshold. Whoosh's own union
    (a tree of pairs) prunes less, and wrongly: its AndMaybeMatcher.skip_to leaves the second matcher
    behind, and its block skips compare blocks of different documents.
    """

    def __init__(self, subs: list[Any], boost: float = 1.0) -> None:
        # In a segment some articles were deleted from (by an update), Whoosh filters each term's postings
        # one by one (FilterMatcher): here the deleted are left out once, where a document is proposed.
        self.deleted: frozenset[int] = frozenset()
        bare = []
        for m in subs:
            if type(m) is FilterMatcher and m._exclude:
                self.deleted, m = m._ids, m.child
            bare.append(m)
        self.subs = [m for m in bare if m.is_active()]  # in the query's order: scores add up in it
        self.boost = boost
        self.threshold = 0.0  # in the sub-matchers' scale: a document must score above it
        self._id: int | None = None
        self._score = 0.0
        self._split()
        self._find()

    def _split(self) -> None:
        """Sort the sub-matchers into essential and optional ones for the threshold."""
        bounds = [m.max_quality() for m in self.subs]
        optional: list[int] = []
        total = 0.0
        for i in sorted(range(len(self.subs)), key=bounds.__getitem__):
            total += bounds[i]
            if total > self.threshold:
                break
            optional.append(i)
        self.optional = optional[::-1]  # the best bound first
        # what the optional ones can still add, from each on: the bounds of it and of those after it
        self.rest = [sum(bounds[i] for i in optional[: len(optional) - n]) for n in range(len(optional))]
        kept = set(optional)
        self.heap = [(m.id(), i) for i, m in enumerate(self.subs) if i not in kept]  # the essential, by document
        heapq.heapify(self.heap)
        self.found: list[int] = []  # the essential on the current document, off the heap

    def _find(self) -> None:
        """Move to the first document, from where the essential sub-matchers are, that may score above the
        threshold, and score it: the sum in the query's order, as an unpruned search adds it."""
        subs, heap, threshold, optional, rest = self.subs, self.heap, self.threshold, self.optional, self.rest
        while heap:
            doc = heap[0][0]
            found = self._at(doc)
            if doc in self.deleted:
                self._advance(found)
                continue
            scores = {i: subs[i].score() for i in found}
            partial = sum(scores.values())
            for n, i in enumerate(optional):
                if partial + rest[n] <= threshold:
                    break
                m = subs[i]
                if m.is_active() and m.id() < doc:
                    _skip_to(m, doc)
                if m.is_active() and m.id() == doc:
                    scores[i] = m.score()
                    partial += scores[i]
            else:
                if partial > threshold or not threshold:
                    self.found, self._id, self._score = found, doc, sum(scores[i] for i in sorted(scores)) * self.boost
                    return
            self._advance(found)
        self._id = None

    def _at(self, doc: int) -> list[int]:
        """Take the essential sub-matchers on doc off the heap."""
        found = []
        while self.heap and self.heap[0][0] == doc:
            found.append(heapq.heappop(self.heap)[1])
        return found

    def _advance(self, found: list[int], target: int | None = None) -> None:
        for i in found:
            m = self.subs[i]
            if target is None:
                m.next()
            else:
                _skip_to(m, target)
            if m.is_active():
                heapq.heappush(self.heap, (m.id(), i))

    def replace(self, minquality: float = 0) -> Any:
        # Floats: a threshold a little low only lets a few more documents be scored.
        threshold = minquality / self.boost * (1 - 1e-9)
        if not self.is_active():
            return NullMatcher()
        if threshold <= self.threshold:
            return self
        bounds = [m.max_quality() for m in self.subs]
        total = sum(bounds)
        if total <= threshold:
            return NullMatcher()
        # A sub-matcher's documents matter only where it gives more than the others can miss. This
        # matcher stays on its document (a parent, an And, keeps its sub-matchers on one): the next
        # are found with the new threshold.
        subs = [_replaced(m, threshold - (total - bound)) for m, bound in zip(self.subs, bounds, strict=True)]
        self.subs, self.threshold = [m for m in subs if m.is_active()], threshold
        self._split()
        return self

    def is_active(self) -> bool:
        return self._id is not None

    def id(self) -> int:
        return self._id  # type: ignore[return-value]

    def score(self) -> float:
        return self._score

    def next(self) -> bool:
        found, self.found = self.found + self._at(self._id), []  # type: ignore[arg-type]
        self._advance(found)
        self._find()
        return False

    def skip_to(self, target: int) -> bool:
        if self.is_active() and target > self.id():
            found, self.found = self.found, []
            while self.heap and self.heap[0][0] < target:
                found.append(heapq.heappop(self.heap)[1])
            self._advance(found, target)
            self._find()
        return False

    def max_quality(self) -> float:
        return float(sum(m.max_quality() for m in self.subs if m.is_active())) * self.boost

    def block_quality(self) -> float:
        return self.max_quality()

    def supports_block_quality(self) -> bool:
        return False  # the collector asks replace(): Whoosh's skips (skip_to_quality) around it are not safe

    def skip_to_quality(self, minquality: float) -> int:
        return 0

    def supports(self, astype: str) -> bool:
        return False

    def children(self) -> list[Any]:
        return list(self.subs)


def _skip_to(matcher: Any, target: int) -> None:
    """matcher.skip_to(target), by bisection in a term's block of postings: Whoosh steps through a block one
    posting at a time, and a word most articles have is skipped through in many short steps."""
    if type(matcher) is not W3LeafMatcher or not matcher.is_active() or target <= matcher.id():
        matcher.skip_to(target)
        return
    if target > matcher.block_max_id():
        matcher._skip_to_block(lambda: target > matcher.block_max_id())
        if not matcher.is_active():
            return
        matcher._read_ids()
    matcher._i = bisect.bisect_left(matcher._ids, target, matcher._i)  # the block's last id is at least target


def _replaced(matcher: Any, minquality: float) -> Any:
    """matcher.replace(minquality): what may still score above minquality (a term's own matcher keeps all)."""
    return matcher.replace(minquality) if minquality > 0 else matcher


class BestOf(DisjunctionMax):  # type: ignore[misc]
    """Matches what any alternative matches, scored as the best alternative (a synonym group)."""

    def _matcher(self, subs: Any, searcher: Any, context: Any) -> Any:
        reader = searcher.reader()
        return self._tree_matcher(subs, _BestMatcher, searcher, context, lambda q: q.estimate_size(reader))


class _BestMatcher(DisjunctionMaxMatcher):  # type: ignore[misc]
    """Whoosh's DisjunctionMaxMatcher with its mistakes mended: it took the max of both sub-matchers'
    scores even when they were on different documents, and when pruning it dropped both sub-matchers
    as soon as one of them ran out."""

    def replace(self, minquality: float = 0) -> Any:
        # The best of two scores is above minquality only where one of them is: each may drop the rest.
        a, b = (_replaced(m, minquality) if m.is_active() else m for m in (self.a, self.b))
        if not a.is_active():
            return b if b.is_active() else NullMatcher()
        if not b.is_active():
            return a
        return self if a is self.a and b is self.b else _BestMatcher(a, b)

    def score(self) -> float:
        a, b = self.a, self.b
        if not a.is_active() or (b.is_active() and b.id() < a.id()):
            return float(b.score())
        if not b.is_active() or a.id() < b.id():
            return float(a.score())
        return max(float(a.score()), float(b.score()))


@dataclass(frozen=True)
class IndexReport:
    """What kb index changed in one language."""

    lang: str
    updated: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int


def plain_text(text: str) -> str:
    """A block's text as a reader reads it: link texts without their targets, no emphasis or heading marks."""
    return _MARKUP.sub(" ", _LINK.sub(r"\1", text))


def _fields(doc: Document, shown_lang: str, status: str) -> dict[str, Any]:
    """The index fields of doc: its description counts as a heading (a summary, written to be found)."""
    blocks = tuple((b.kind, b.text) for b in doc.blocks)
    return dict(_fields_of(doc.lang, shown_lang, status, doc.title, str(doc.description or ""), blocks))


@functools.lru_cache(maxsize=50_000)  # a build asks for a changed article's fields twice (index, site)
def _fields_of(lang: str, shown_lang: str, status: str, title: str, description: str,
               blocks: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    headings = "\n".join([description, *(plain_text(text) for kind, text in blocks if kind == "heading")])
    body = "\n".join(plain_text(text) for kind, text in blocks if kind != "heading")
    suffix = "" if lang == shown_lang else "_src"
    fields = {"lang": lang, "status": status, f"title{suffix}": title, f"headings{suffix}": headings,
              f"body{suffix}": body}
    if query.kind(lang) == "words":
        text = query.normalize(f"{title}\n{headings}\n{body}")
        fields[f"words{suffix}"] = " ".join(sorted(set(query.WORD.findall(text))))
    return fields


def _stamp(doc: Document, status: str, *more: str) -> str:
    """What doc's index fields are made from, hashed without making them or unpacking its blocks: equal
    stamps, equal fields (its file's bytes, and what more names)."""
    return short_hash("\0".join([doc.path, doc.lang, status, doc.title, str(doc.description or ""), doc.content_hash,
                                 *more]))


def update(center: HelpCenter, lang: str, plans: dict[str, PagePlan] | None = None) -> IndexReport:
    """Bring the index of lang up to date, re-indexing only the articles that changed.

    plans: what the site of lang shows, when the caller has it already (it asks git about stale pages).
    """
    from kb_tools import glossary
    from kb_tools.fsutil import clean_scratch, scratch_dir, swap_dir, write_atomic
    from kb_tools.reader import plan

    root, source_lang = center.settings.root, center.settings.source_language
    # Read before the work: a file changed while it runs makes the next fingerprint differ.
    sources = sources_fingerprint(center.settings, lang)
    folder = index_dir(root, lang)
    wanted = schema(lang, source_lang)
    plans = plan(center, lang) if plans is None else plans
    clean_scratch(folder)  # what a killed rebuild left
    rules = json.dumps(query.rules(root, lang, source_lang, glossary.load(root)[0]).to_json(), ensure_ascii=False)
    if not _usable(folder, wanted):
        # A new index is made in a scratch folder and swapped in whole, so a killed run leaves the old
        # one; changes to a usable index are safe as they are: Whoosh renames its new table of
        # segments into place only after writing them, so a killed commit leaves the previous one.
        scratch = scratch_dir(folder)
        try:
            index.create_in(str(scratch), wanted).close()
            report = _update(center, lang, plans, scratch)
            write_atomic(scratch / RULES, rules)
            _bridge(center, lang, scratch, changed=True)
            write_atomic(scratch / "version", SCHEMA_VERSION)
            write_atomic(scratch / SOURCES, sources)
            swap_dir(scratch, folder)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return report
    if read(folder / RULES) != rules:
        write_atomic(folder / RULES, rules)
    report = _update(center, lang, plans, folder)
    _bridge(center, lang, folder, changed=bool(report.updated or report.removed))
    if read(folder / SOURCES) != sources:
        write_atomic(folder / SOURCES, sources)
    return report


def make_anew(settings: Settings, lang: str) -> None:
    """Delete lang's index and make it again from the help center's files: for an index that cannot be
    read though it was made from these files (a file of it emptied or lost)."""
    from kb_tools.scan import scan

    shutil.rmtree(index_dir(settings.root, lang), ignore_errors=True)
    update(scan(settings), lang)


def _bridge(center: HelpCenter, lang: str, folder: Path, changed: bool) -> None:
    """Learn the reader's words for source terms (kb_tools/bridge.py) when the translations changed."""
    from kb_tools import bridge
    from kb_tools.fsutil import write_atomic
    from kb_tools.memory import memory_path

    path, memory = folder / BRIDGE, memory_path(center.settings.root, lang)
    if not changed and path.exists() and not (memory.exists() and memory.stat().st_mtime > path.stat().st_mtime):
        return
    words: dict[str, str] = {}
    if lang != center.settings.source_language:
        own, src = analyzer(lang), analyzer(center.settings.source_language)
        cjk = query.kind(lang) == "bigram"

        def ours(text: str) -> list[str]:  # words, not numbers; in CJK text its Latin words are the source's own
            terms = [str(t.text) for t in own(plain_text(text))]
            return [t for t in terms if query.is_cjk(t[0])] if cjk else [t for t in terms if t.isalpha()]

        words = bridge.learn(bridge.pairs(center, lang),
                             lambda text: [t.text for t in src(query.spaced(plain_text(text))) if t.text.isalpha()],
                             ours)
    write_atomic(path, json.dumps(words, ensure_ascii=False))


def _schema_fields(found: Schema) -> list[tuple[Any, ...]]:
    """What Whoosh compares of a schema's fields, a column by its kind (Whoosh compares columns as objects:
    a schema made again would never equal the index's)."""
    return [(name, type(field), field.format, field.scorable, field.stored, field.unique, type(field.column_type))
            for name, field in found.items()]


def _usable(folder: Path, wanted: Schema) -> bool:
    """Whether folder holds an index of this schema and version, whole (every segment's file opens), to update
    in place: else it is made anew."""
    try:
        if (folder / "version").read_text() != SCHEMA_VERSION or not index.exists_in(str(folder)):
            return False
        ix = index.open_dir(str(folder))
    except Exception:  # a file of it lost or emptied: Whoosh fails with OSError, struct.error, EOFError...
        return False
    try:
        if _schema_fields(ix.schema) != _schema_fields(wanted):
            return False
        ix.reader().close()
        return True
    except Exception:
        return False
    finally:
        ix.close()


Fields = Callable[[], dict[str, Any]]  # an article's index fields, made when called


def documents(center: HelpCenter, lang: str, plans: dict[str, PagePlan]) -> Iterator[tuple[str, str, Fields]]:
    """(path, stamp, index fields) of every article the index of lang holds: what its site shows.

    The stamp is cheap and the fields are made only when called: after one edit, one article's are.
    """
    from kb_tools import locale_data

    categories = locale_data.load(center.settings.root, lang, center.settings.source_language).categories
    for rel, page in sorted(plans.items()):
        if _is_home(rel):  # a list of every category: it would match every query
            continue
        doc = center.source(rel) if page.show_source else center.docs[lang].get(rel)
        if doc is None or not doc.readable:
            continue
        status = page.notice or "current"
        source = center.source(rel)
        # A stale page shown block by block: index what it shows, never an outdated block.
        stamp = _stamp(doc, status, source.content_hash, repr(page.blocks)) if page.blocks and source \
            else _stamp(doc, status)
        own, heading = None, ""
        draft = center.docs[lang].get(rel)
        if page.show_source and draft and draft.readable and lang != center.settings.source_language:
            # The site shows the source (a stale critical article, a draft in review): let readers
            # find it with their own words too, from the translation it has.
            own = draft
            stamp = short_hash(stamp + _stamp(own, status))
        elif page.show_source and _category(rel) in categories:
            heading = categories[_category(rel)]  # its category's name in the reader's language
            stamp = short_hash(stamp + heading)
        yield rel, stamp, functools.partial(_made, center, doc, page, lang, status, stamp, own, heading)


def _made(center: HelpCenter, doc: Document, page: PagePlan, lang: str, status: str, stamp: str, own: Document | None,
          heading: str) -> dict[str, Any]:
    """The index fields documents() stamped: doc's (as page shows it), with the words of own (a translation) or a
    category heading."""
    doc = center.with_blocks(doc)
    if page.blocks:
        source = center.with_blocks(center.source(doc.rel))  # type: ignore[arg-type]
        doc = doc._replace(parsed=tuple(doc.blocks[pair] if pair >= 0 else block
                                        for block, pair in zip(source.blocks, page.blocks, strict=True)))
    fields = {**_fields(doc, lang, status), "stamp": stamp}
    if own is not None:
        own = center.with_blocks(own)
        fields.update({k: v for k, v in _fields(own, lang, status).items() if k in (*OWN, "words")})
    if heading:
        fields["headings"] = heading
    return fields


class Article(NamedTuple):
    """An article in an index: its number there, the language of its text and the stamp of its fields."""

    number: int
    lang: str
    stamp: str


def articles(reader: Any) -> dict[str, Article]:
    """path -> the article an index reader has there (its deleted versions left out), from the index's columns."""
    if not reader.doc_count_all():  # an empty index's reader has no columns
        return {}
    columns = [list(reader.column_reader(name)) for name in ("path", "lang", "stamp")]
    return {columns[0][number]: Article(number, columns[1][number], columns[2][number])
            for number in reader.all_doc_ids()}


def _update(center: HelpCenter, lang: str, plans: dict[str, PagePlan], folder: Path) -> IndexReport:
    """Write what changed in plans into the index in folder."""
    ix = index.open_dir(str(folder))
    with ix.reader() as reader:
        stamps = {path: article.stamp for path, article in articles(reader).items()}
    updated, kept = [], set()
    writer = None  # opened at the first change: an index with none keeps its table of segments (webindex keys on it)
    try:
        for rel, stamp, fields in documents(center, lang, plans):
            kept.add(rel)
            if stamps.get(rel) != stamp:
                writer = writer or ix.writer()
                writer.update_document(path=rel, **fields())
                updated.append(rel)
        removed = sorted(set(stamps) - kept)
        for rel in removed:
            writer = writer or ix.writer()
            writer.delete_by_term("path", rel)
        if writer is not None:
            # Most articles of an index written again (a new kb whose stamps differ): merged into one segment, so
            # that the deleted versions no longer count in the statistics scores are made from, as in a new index.
            writer.commit(optimize=bool(stamps) and len(updated) + len(removed) > len(stamps) // 2)
    except BaseException:
        if writer is not None:
            writer.cancel()
        raise
    finally:
        ix.close()
    return IndexReport(lang, tuple(updated), tuple(removed), len(plans) - len(updated))


@dataclass(frozen=True)
class Hit:
    """One search result."""

    path: str
    title: str
    lang: str  # the language the article is written in (a fallback is in the source language)
    status: str
    score: float
    snippet: str  # HTML: matched words in <mark>

    def to_json(self) -> dict[str, Any]:
        """The hit as plain data."""
        return {"path": self.path, "title": self.title, "lang": self.lang, "status": self.status,
                "score": round(self.score, 3), "snippet": self.snippet}


def clean(text: str) -> str:
    """The query without control characters or lone surrogates (a URL or a terminal can carry them), trimmed."""
    return "".join(" " if unicodedata.category(char) in ("Cc", "Cs") else char for char in text).strip()


@dataclass(frozen=True)
class Looked:
    """What a query looks for: the Whoosh query (None: nothing to look for), its terms, and the
    two-character CJK runs the reader typed (marked where they occur whole)."""

    query: Query | None
    terms: frozenset[str]
    short: frozenset[str] = frozenset()
    whole: bool = False  # searched without pruning: Whoosh's own matchers (a quoted query's) prune wrongly


class Unreadable(KbError):
    """A language's search index is missing, incomplete or does not open; what: which, and why."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}: run kb index")
        self.what = what


class Searcher:
    """Queries one language's index; keep one open to answer many queries fast."""

    FIELDS = OWN + SRC

    def __init__(self, root: Path, lang: str, mapped: bool = True) -> None:
        """mapped: read the index through a memory map, for a searcher kept open: each query costs a fifth
        less, but opening copies the index's term and posting files into memory (Whoosh's reader of a
        compound segment does: 50 to 200 ms at 10,000 articles), which one query (kb search) never repays."""
        folder = index_dir(root, lang)
        self.root, self.lang = root, lang
        try:
            self.ix = FileStorage(str(folder), supports_mmap=mapped).open_index()
            self.searcher = self.ix.searcher(weighting=Boosted())
        except index.EmptyIndexError:
            raise Unreadable(f"no search index for {lang}") from None
        except Exception as exc:  # a file of it emptied or lost: Whoosh fails with OSError, struct.error...
            raise Unreadable(f"the search index of {lang} cannot be read ({exc or type(exc).__name__})") from exc
        # Read once: Whoosh's Index.schema reads and unpickles the table of segments at every use, and a
        # schema read anew has new analyzers, whose stemmers have forgotten the words they stemmed.
        self.schema = self.searcher.schema
        try:
            data = json.loads((folder / RULES).read_text(encoding="utf-8"))
            self.rules = query.Rules.from_json(data)
        except (OSError, ValueError, KeyError, TypeError):
            raise Unreadable(f"the search index of {lang} is incomplete") from None
        self.kinds: dict[tuple[str, ...], query.Kind] = {OWN: self.rules.kind, SRC: self.rules.source_kind}
        try:
            self.bridge: dict[str, str] = json.loads((folder / BRIDGE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.bridge = {}
        self.spaced = self.kinds[OWN] == "words"
        # Each word's term, as its field group's analyzer reads it, for marking words in snippets
        self._terms_of: dict[tuple[str, ...], dict[str, str]] = {OWN: {}, SRC: {}}

    def close(self) -> None:
        """Release the index files."""
        self.searcher.close()
        self.ix.close()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def terms(self, text: str, fields: tuple[str, ...]) -> list[str]:
        """The terms text gives in fields (OWN or SRC), in order, each once."""
        if self.kinds[fields] == "bigram":
            return list(dict.fromkeys(query.bigrams(text)))
        terms = []
        reader = self.searcher.reader()
        words = "words" if fields == OWN else "words_src"
        for token in self.schema[fields[0]].analyzer(query.spaced(text), keeporiginal=True):
            word = token.original.lower()
            if (words, word) in reader:  # a word of the articles: its term as the index made it
                terms.append(token.text)
                continue
            # Another word: itself if it is a term, else the longest term it starts with (verificarme:
            # verific, pago: pag), as the browser reads it, which has no stemmer.
            stems = (word, *(word[:n] for n in range(len(word) - 1, query.PREFIX - 1, -1)))
            terms.append(next((t for t in stems if self.known(t, fields)), word))
        return list(dict.fromkeys(terms))

    def known(self, term: str, fields: tuple[str, ...]) -> bool:
        """Whether the index has term in one of fields."""
        reader = self.searcher.reader()
        return any((field, term) in reader for field in fields)

    def query(self, text: str) -> Looked:
        """The query kb reads in text (kb_tools/query.py), with the terms it looks for.

        Each synonym group found scores as its best alternative; the other words add up; a term is
        looked for once, where it first occurs. A query with quotes is read with Whoosh's syntax
        (phrases), here only: the browser reads quotes as words.
        """
        if text.count('"') >= 2:
            parsed = self._parse(text)
            return Looked(parsed, frozenset(t.decode() if isinstance(t, bytes) else str(t)
                                            for _, t in parsed.iter_all_terms()), whole=True)
        shaped = query.shape(text, self.rules)
        used: set[tuple[tuple[str, ...], str]] = set()
        parts: list[Query] = []
        for group in shaped.concepts:
            readings = [self._reading(word) for word in group]
            # One idf for the group in each field group, that of its commonest alternative: a rare one
            # (the English "withdraw" on a zh page) would otherwise outweigh the word readers use.
            blend = {fields: max((min(self.frequency(t, fields) for t, _ in reading[fields])
                                  for reading in readings if reading[fields]), default=0) for fields in (OWN, SRC)}
            # Each alternative keeps every term of its own (a term an earlier one has counts for it too);
            # the words after the group do not count them again.
            before, alternatives = set(used), []
            for reading in readings:
                seen = set(before)
                found = self._query(reading, seen, alternative=True, blend=blend)
                used |= seen
                if found is not None:
                    alternatives.append(found)
            if alternatives:
                parts.append(BestOf(alternatives) if len(alternatives) > 1 else alternatives[0])
        rest = self._query(self._reading(shaped.rest, bridged=True), used)
        if rest is not None:
            parts.append(rest)
        typed = (shaped.rest, *(word for group in shaped.concepts for word in group))
        short = frozenset(run for words in typed if query.has_cjk(words)
                          for run in query.runs(words) if len(run) == 2 and query.is_cjk(run[0]))
        return Looked(Sum(parts) if parts else None, frozenset(term for _, term in used), short)

    def frequency(self, term: str, fields: tuple[str, ...]) -> int:
        """In how many articles the index has term, in any of fields."""
        return frequency(self.searcher, fields, term)

    def _reading(self, text: str, bridged: bool = False) -> Reading:
        """The terms of text in each field group, each with its weight (1).

        bridged: also the source terms the reader's terms translate (kb_tools/bridge.py), each weighed
        by how many of the reader's terms it stands for (four pairs of パスワード: password, four times).
        """
        found = {fields: [(term, 1.0) for term in self.terms(text, fields)] for fields in (OWN, SRC)}
        if bridged:
            counts = Counter(self.bridge[term] for term, _ in found[OWN] if term in self.bridge)
            known = {term for term, _ in found[SRC]}
            found[SRC] += [(term, float(count)) for term, count in counts.items() if term not in known]
        return found

    def _query(self, reading: Reading, used: set[tuple[tuple[str, ...], str]], alternative: bool = False,
               blend: dict[tuple[str, ...], int] | None = None) -> Query | None:
        """The terms of a reading not looked for yet, as one query whose scores add up.

        alternative: a synonym's alternative: an article has it when it has all of its terms in one field
        group (cash out: not "out" alone), and it scores the mean of them, so that パスワード, four pairs,
        and password, one word, weigh alike when the group takes the best of them.
        blend: the frequency to weigh each field group's terms by, instead of their own (a synonym group).
        """
        parts: list[Query] = []
        size, count = max(1, *(len(terms) for terms in reading.values())), self.searcher.doc_count_all()
        for fields, terms in reading.items():
            each = []
            for term, weight in terms:
                if (fields, term) in used:
                    continue
                used.add((fields, term))
                own = self.frequency(term, fields)
                if blend and own:  # a score is proportional to the idf: scale it to the group's
                    weight *= inverse_frequency(blend[fields], count) / inverse_frequency(own, count)
                each.append([Term(field, term, boost=weight) for field in fields])
            if alternative and len(each) > 1:
                parts.append(And([Sum(fields_of) for fields_of in each]))
            else:
                parts += [term for fields_of in each for term in fields_of]
        if not parts:
            return None
        return Sum(parts, boost=1 / size) if alternative and size > 1 else Sum(parts)

    def _parse(self, text: str) -> Query:
        # Whoosh's query parser, made here: only a query with quotes needs it, and importing it is
        # a good part of a kb search process's start-up.
        from whoosh.qparser import MultifieldParser, OrGroup, plugins

        parser = MultifieldParser(list(self.FIELDS), self.schema, group=OrGroup.factory(0.9))
        try:
            return parser.parse(text)
        except Exception:  # Whoosh's parser trips on some operator soups ("NOT NOT x"): read them as plain words
            log.debug("query %r read as plain words", text, exc_info=True)
            # words only, no operators, fields, groups or wildcards
            for plugin in (plugins.OperatorsPlugin, plugins.GroupPlugin, plugins.FieldsPlugin, plugins.WildcardPlugin,
                           plugins.PhrasePlugin, plugins.RangePlugin, plugins.BoostPlugin, plugins.EveryPlugin,
                           plugins.SingleQuotePlugin):
                parser.remove_plugin_class(plugin)
            return parser.parse(text)

    def search(self, text: str, limit: int = 10) -> list[Hit]:
        """Ranked results, ties by path (as the browser ranks); spaced languages forgive a typo or two."""
        if not self.searcher.up_to_date():  # the index changed since (kb serve-api): read it anew
            fresh = self.ix.searcher(weighting=Boosted())  # not refresh(): Whoosh's fails on an index that had none
            self.searcher.close()
            self.searcher = fresh
        text = clean(text)
        if not text:
            return []
        looked = self.query(text)
        results = self.top(looked, limit + 5)
        results.sort(key=lambda r: (-round(r.score, 3), r["path"]))
        terms = set(looked.terms)
        hits = [self._hit(r, terms, looked.short) for r in results[:limit]]
        if self.spaced and len(hits) < limit:
            seen = {h.path for h in hits}
            fuzzy = self.fuzzy(text)
            terms |= fuzzy.terms
            more = self.top(fuzzy, limit)
            hits += [self._hit(r, terms, looked.short) for r in more if r["path"] not in seen][: limit - len(hits)]
        return hits

    def top(self, looked: Looked, limit: int, prune: bool = True) -> list[Any]:
        """The `limit` best results of a query, as Whoosh ranks them (by score, then index order).

        prune=False scores every matching article, to check that pruning changes nothing.
        """
        if looked.query is None:
            return []
        prune = prune and not looked.whole
        collector = TopCollector(limit) if prune else TopCollector(limit, usequality=False, replace=0)
        self.searcher.search_with_collector(looked.query, collector)
        # Iterated, not list(): list() asks len() first, and Whoosh's len() of results counts every
        # matching article, one more pass over the postings of every term.
        return [r for r in collector.results()]

    def fuzzy(self, text: str) -> Looked:
        """The words of text one or two typos away (words of 4 characters and more), in the site's language."""
        reader = self.searcher.reader()
        typed, found = set(), []
        for field in OWN:
            for token in self.schema[field].analyzer(text):
                if 4 <= len(token.text) <= _FUZZY_MAX:
                    typed.add(token.text)  # marked in snippets as the query's own terms are
                    near = FuzzyTerm(field, token.text, maxdist=1 if len(token.text) < 8 else 2, prefixlength=1)
                    found += [Term(field, word) for _, word in near.expanded_terms(reader)]
        return Looked(Sum(found) if found else None, frozenset(typed))

    def _hit(self, result: Any, terms: set[str], short: frozenset[str]) -> Hit:
        fallback = result["lang"] != self.lang
        body = (result.get("body_src" if fallback else "body") or "").strip()
        title = result.get("title_src" if fallback else "title") or result["path"]
        fields = SRC if fallback else OWN
        words = marked_words(body, terms, self.schema[fields[0]].analyzer, self.kinds[fields], short,
                             self._terms_of[fields])
        return Hit(result["path"], title, result["lang"], result["status"], result.score, snippet(body, words))


def marked_words(text: str, terms: set[str], analyzer: Analyzer, kind: query.Kind, short: frozenset[str],
                 terms_of: dict[str, str]) -> set[str]:
    """The words of text to mark for a query's terms, whole words, never a lone character.

    Spaced text: its words whose term is one of terms (withdrawals for withdraw). CJK text: the runs
    that matched pairs cover (提币地址 for 提币 and 地址), of three characters or more, or of two
    where the reader typed just those two (short): 提前 and 提供 share a character with 提币, not a pair.
    terms_of: lowercase word -> its term ("" for none), kept by the caller between texts and filled here.
    """
    if kind == "words":
        # Each distinct word analyzed once (an analyzer reads a word alike wherever it stands), not the
        # whole article: stemming every word of every hit cost more than the search; and a searcher
        # kept open keeps them: stemming a hit's few hundred words was a fifth of a query.
        # Its words found by a regex (query.WORD, what Whoosh's tokenizer finds), not token by token.
        if len(terms_of) > _TERMS_KEPT:
            terms_of.clear()
        found = {word.lower(): word for word in query.WORD.findall(text)}
        new = [word for lower, word in found.items() if lower not in terms_of]
        for token in analyzer(" ".join(new), keeporiginal=True):
            terms_of[token.original.lower()] = token.text
        for word in new:
            terms_of.setdefault(word.lower(), "")
        return {word for word in found if terms_of[word] in terms}
    words = {t for t in terms if not query.is_cjk(t[0])}
    spans: list[list[int]] = []
    for pair, start, end in query.bigram_spans(text.lower()):
        if pair in terms and query.is_cjk(pair[0]):
            if spans and start < spans[-1][1]:
                spans[-1][1] = end
            else:
                spans.append([start, end])
    words |= {text[a:b] for a, b in spans if b - a > 2 or text[a:b].lower() in short}
    return words


_TERMS_KEPT = 100_000  # words whose terms a searcher keeps (15 MB), then forgets: a help center has fewer


_SENTENCE_END = re.compile(r"[.!?。！？]\s*|\n")
_CJK_PAUSE = re.compile(r"[，、；：,;:]")


def snippet(text: str, words: set[str], width: int = 180) -> str:
    """About width characters of text around where most of words occur, words in <mark> (HTML-escaped).

    Marks whole words in spaced text and the words themselves in CJK text. The window starts at its
    sentence's start when that is near, else at a word (or, in CJK, a pause) before the first mark.
    kb-search.js cuts snippets by the same rules. A string search, not Whoosh's highlighter: that one
    re-analyzes the whole article for every hit, which costs more than the search itself for Chinese.
    """
    text = " ".join(text.split())
    marks = _marks(text, words)
    start = _window_start(text, marks, width) if marks else 0
    end = min(len(text), start + width)
    if end < len(text) and not query.is_cjk(text[end - 1]):
        end = max(text.rfind(" ", start, end), start + width // 2)
    pieces, at = [], start
    for begin, stop in marks:
        if begin >= at and stop <= end:
            pieces += [html.escape(text[at:begin]), f"<mark>{html.escape(text[begin:stop])}</mark>"]
            at = stop
    pieces.append(html.escape(text[at:end]))
    return ("… " if start else "") + "".join(pieces).strip() + (" …" if end < len(text) else "")


def _marks(text: str, words: set[str]) -> list[tuple[int, int]]:
    """Where words occur in text: (start, end), in order, not overlapping."""
    if not words:
        return []
    ordered = sorted(words, key=lambda w: (-len(w), w))
    # The words first, then their bounds: a lookbehind in the pattern made this slower than the search.
    pattern = re.compile("|".join(re.escape(w) for w in ordered), re.IGNORECASE)
    return [m.span() for m in pattern.finditer(text) if query.is_cjk(m.group()[0]) or (
        not (m.start() and query.is_letter(text[m.start() - 1])) and not query.is_letter(text[m.end():m.end() + 1]))]


def _window_start(text: str, marks: list[tuple[int, int]], width: int) -> int:
    """Where a snippet starts: before the mark that has the most other marks within width after it."""
    words, ends = [text[b:e].lower() for b, e in marks], [e for _, e in marks]

    def count(n: int) -> int:  # the marks from the n-th on that end within width * 3/4 of its start: the next ones
        return len(set(words[n:bisect.bisect_right(ends, marks[n][0] + width * 3 // 4)]))

    first = marks[max(range(len(marks)), key=lambda n: (count(n), -n))][0]
    sentence = max((m.end() for m in _SENTENCE_END.finditer(text, 0, first)), default=0)
    if first - sentence <= width // 3:
        return sentence
    if query.is_cjk(text[first]):
        pause = max((m.end() for m in _CJK_PAUSE.finditer(text, max(0, first - width // 6), first)), default=first)
        return pause
    space = text.rfind(" ", 0, max(0, first - width // 8))
    return space + 1 if space >= 0 else 0


class Similar:
    """Which articles are about the same thing: sparse TF-IDF vectors of each article's title and opening.

    Each article keeps its strongest terms; an article's candidates are the articles sharing one of
    them, and terms shared by very many articles are skipped, so finding the related articles of
    every article costs about as much as reading them once, not one query per article over all.
    """

    TERMS = 12  # terms kept per article; twice as many CJK pairs: a word is about two, and some span two words
    COMMON = 300  # a term in more articles than this says little about any of them

    def __init__(self, lang: str, found: dict[str, Article], stored: Callable[[int], dict[str, Any]],
                 memo: Memo | None = None) -> None:
        """found: the index's articles; stored: an article's stored fields by its number, read only for those
        memo (each article's terms, kept between builds by the stamp of its fields) lacks."""
        analyzers = {lang: analyzer(lang)}
        counts: dict[str, Counter[str]] = {}
        for path, article in found.items():
            key = (article.lang, article.stamp)
            terms = memo.get(key) if memo else None
            if terms is None:
                fields = stored(article.number)
                suffix = "" if article.lang == lang else "_src"
                about = f"{fields.get('title' + suffix) or ''} " * 2 + (fields.get("body" + suffix) or "")[:600]
                tokens = analyzers.setdefault(article.lang, analyzer(article.lang))(about)
                terms = Counter(t.text for t in tokens if len(t.text) > 1 or not t.text.isascii())
                if memo:
                    memo.put(key, terms)
            counts[path] = terms
        documents = Counter(term for terms in counts.values() for term in terms)
        total = len(counts) or 1
        idf = {term: math.log(1 + total / n) for term, n in documents.items()}
        kept = self.TERMS * (1 if query.kind(lang) == "words" else 3)
        self.vectors: dict[str, list[tuple[str, float]]] = {}
        self.postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for path, terms in counts.items():
            weights = heapq.nlargest(kept, ((t, n * idf[t]) for t, n in terms.items()), key=lambda item: item[1])
            norm = math.sqrt(sum(w * w for _, w in weights)) or 1.0
            self.vectors[path] = [(t, w / norm) for t, w in weights]
            for term, weight in self.vectors[path]:
                self.postings[term].append((path, weight))

    def related(self, path: str, limit: int = 5) -> list[str]:
        """Up to `limit` articles most like the one at path: its own category first, never a home page."""
        scores: dict[str, float] = defaultdict(float)
        for term, weight in self.vectors.get(path, []):
            posting = self.postings[term]
            if len(posting) > self.COMMON:
                continue
            for other, other_weight in posting:
                scores[other] += weight * other_weight
        category = _category(path)
        candidates = [p for p in scores if p != path and not _is_home(p)]
        candidates.sort(key=lambda p: (_category(p) != category, -scores[p], p))
        return candidates[:limit]


def _category(path: str) -> str:
    return path.split("/")[0] if "/" in path else ""


def _is_home(path: str) -> bool:
    return path == "index.md" or path.endswith("/index.md")


def related_map(root: Path, lang: str, limit: int = 5) -> dict[str, list[str]]:
    """path -> the paths of up to `limit` related articles, for every article.

    Kept between builds: only articles that changed (or whose related articles went away) are
    looked up again.
    """
    import whoosh

    from kb_tools.cache import CACHE_DIR, Memo
    from kb_tools.fsutil import write_atomic

    cache = index_dir(root, lang) / "related.json"
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = {}
    try:
        ix = index.open_dir(str(index_dir(root, lang)))
    except index.EmptyIndexError:
        raise KbError(f"no search index for {lang}: run kb index") from None
    similar: Similar | None = None
    memo: Memo | None = None
    entries = {}
    with ix.reader() as reader:
        found = articles(reader)
        for path, article in sorted(found.items()):
            old = cached.get(path) if isinstance(cached, dict) else None
            if old and old.get("stamp") == article.stamp and all(p in found for p in old["related"]):
                entries[path] = old
            else:
                if similar is None:  # the articles' terms, read only when some article's list is made again
                    memo = Memo(root / CACHE_DIR, f"related-{lang}", (Path(__file__),), whoosh.versionstring())
                    if memo.saved_context != memo.context:  # read by another Whoosh's analysers
                        memo.drop(lambda _key: True)
                    similar = Similar(lang, found, reader.stored_fields, memo)
                entries[path] = {"stamp": article.stamp, "related": similar.related(path, limit)}
    if memo is not None:
        memo.save(prune=True)
    if entries != cached:
        write_atomic(cache, json.dumps(entries, ensure_ascii=False))
    return {path: entry["related"] for path, entry in entries.items()}
