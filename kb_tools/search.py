"""The Whoosh index of every language: kb index, kb search, related articles and golden queries.

Whoosh comes from whoosh-reloaded, the maintained fork of Whoosh (the original's last release was
2016). Analyzers per language: stemming for English and other spaced languages; Chinese segmented
with jieba plus the help center's own dictionary (search/dictionary/zh.txt), with token positions
counted in tokens so quoted phrases work; Japanese and Korean as CJK bigrams. Each language's index
holds what its site shows: translations, and source articles where the site falls back to them,
marked with their real language.
"""

from __future__ import annotations

import html
import json
import logging
import math
import re
import shutil
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.qparser import MultifieldParser, OrGroup, plugins
from whoosh.query import FuzzyTerm, Or, Query

from kb_tools.blocks import CJK, short_hash
from kb_tools.errors import KbError, Problem
from kb_tools.fsutil import clean_scratch, scratch_dir, swap_dir, write_atomic
from kb_tools.model import Document, HelpCenter
from kb_tools.reader import PagePlan, plan

log = logging.getLogger(__name__)

INDEX_DIR = ".kb-cache/whoosh"
_SCHEMA_VERSION = "1"
_CJK = re.compile(f"(?:(?=[{CJK}])[^\\W_])+|[^\\W_{CJK}]+")  # runs of CJK letters (not punctuation), or other words
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_FUZZY_MAX = 24  # characters: a longer "word" is no typo, and its fuzzy automaton costs seconds
# The plain parser, for queries the full syntax cannot read: words only, no operators, fields, groups or wildcards.
_SYNTAX = (plugins.OperatorsPlugin, plugins.GroupPlugin, plugins.FieldsPlugin, plugins.WildcardPlugin,
           plugins.PhrasePlugin, plugins.RangePlugin, plugins.BoostPlugin, plugins.EveryPlugin,
           plugins.SingleQuotePlugin)
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
    """Japanese and Korean without a dictionary: overlapping character pairs of CJK runs, words elsewhere."""

    def pieces(self, text: str) -> Iterator[tuple[str, int, int]]:
        for match in _CJK.finditer(text):
            run, at = match.group(0), match.start()
            if not _is_cjk(run[0]) or len(run) == 1:
                yield run, at, at + len(run)
            else:
                yield from ((run[i:i + 2], at + i, at + i + 2) for i in range(len(run) - 1))


class JiebaTokenizer(_WordsTokenizer):
    """Chinese words by jieba, with the help center's own terms."""

    def __init__(self, words: tuple[str, ...] = ()) -> None:
        self.words = words
        self._jieba: Any = None

    def __getstate__(self) -> dict[str, Any]:  # Whoosh pickles the schema: keep the words, not jieba
        return {"words": self.words}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.words, self._jieba = state["words"], None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JiebaTokenizer) and other.words == self.words

    def __hash__(self) -> int:
        return hash(self.words)

    def pieces(self, text: str) -> Iterator[tuple[str, int, int]]:
        if self._jieba is None:
            self._jieba = _jieba(self.words)
        return ((w, start, end) for w, start, end in self._jieba.tokenize(text) if _CJK.fullmatch(w))


_JIEBA: dict[tuple[str, ...], Any] = {}
_JIEBA_LOCK = threading.Lock()


def _jieba(words: tuple[str, ...]) -> Any:
    """One jieba per dictionary for the whole process: loading one takes a second, and the API opens many searchers."""
    with _JIEBA_LOCK:
        if words not in _JIEBA:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()  # now, under our lock: afterwards tokenizing only reads, safe from many threads
            for word in words:
                tokenizer.add_word(word, freq=100000)  # our terms win over the general dictionary's splits
            _JIEBA[words] = tokenizer
        return _JIEBA[words]


def _is_cjk(char: str) -> bool:
    return bool(re.match(f"[{CJK}]", char))


def analyzer(root: Path, lang: str) -> Analyzer:
    """The analyzer of a language (the same for documents and queries)."""
    base = lang.split("-")[0]
    if base == "zh":
        return JiebaTokenizer(tuple(_lines(root / "search/dictionary/zh.txt"))) | LowercaseFilter()
    if base in ("ja", "ko"):
        return BigramTokenizer() | LowercaseFilter()
    if base == "en":
        return StemmingAnalyzer()
    try:
        return LanguageAnalyzer(base)
    except Exception:  # no stemmer for this language in Whoosh: words, lowercased
        return StandardAnalyzer(stoplist=None)


def schema(root: Path, lang: str, source_lang: str) -> Schema:
    """Fields for what a site shows in its language, and *_src fields for fallback text in the source language."""
    own, src = analyzer(root, lang), analyzer(root, source_lang)
    cjk = lang.split("-")[0] in ("zh", "ja", "ko")
    joined = "or" if cjk else "default"  # an unspaced query splits into many words: rank by how many match
    return Schema(
        path=ID(stored=True, unique=True), lang=ID(stored=True), status=ID(stored=True), stamp=STORED,
        title=TEXT(analyzer=own, stored=True, field_boost=3.0, multitoken_query=joined),
        headings=TEXT(analyzer=own, field_boost=1.5, multitoken_query=joined),
        body=TEXT(analyzer=own, stored=True, multitoken_query=joined),
        title_src=TEXT(analyzer=src, stored=True, field_boost=3.0),
        headings_src=TEXT(analyzer=src, field_boost=1.5),
        body_src=TEXT(analyzer=src, stored=True),
    )


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.split("#")[0].strip()]


def synonyms(root: Path, lang: str) -> list[list[str]]:
    """Groups of words that mean the same to a reader: search/synonyms/<lang>.txt, one comma-separated group a line."""
    lines = _lines(root / f"search/synonyms/{lang}.txt")
    return [[word.strip() for word in line.split(",") if word.strip()] for line in lines]


@dataclass(frozen=True)
class IndexReport:
    """What kb index changed in one language."""

    lang: str
    updated: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int


def index_dir(root: Path, lang: str) -> Path:
    """Where the index of a language is kept."""
    return root / INDEX_DIR / lang


def _plain(text: str) -> str:
    return _MARKUP.sub(" ", _LINK.sub(r"\1", text))


def _fields(doc: Document, shown_lang: str, status: str) -> dict[str, Any]:
    headings = " ".join(b.text for b in doc.blocks if b.kind == "heading")
    body = "\n".join(_plain(b.text) for b in doc.blocks if b.kind != "heading")
    description = doc.description or ""
    suffix = "" if doc.lang == shown_lang else "_src"
    stamp = short_hash("\0".join([doc.path, status, doc.title, str(description), *(b.key for b in doc.blocks)]))
    return {"lang": doc.lang, "status": status, "stamp": stamp, f"title{suffix}": doc.title,
            f"headings{suffix}": headings, f"body{suffix}": f"{description}\n{body}"}


def update(center: HelpCenter, lang: str, plans: dict[str, PagePlan] | None = None) -> IndexReport:
    """Bring the index of lang up to date, re-indexing only the articles that changed.

    plans: what the site of lang shows, when the caller has it already (it asks git about stale pages).
    """
    root, source_lang = center.settings.root, center.settings.source_language
    folder = index_dir(root, lang)
    wanted = schema(root, lang, source_lang)
    plans = plan(center, lang) if plans is None else plans
    clean_scratch(folder)  # what a killed rebuild left
    if not _usable(folder, wanted):
        # A new index is made in a scratch folder and swapped in whole, so a killed run leaves the old
        # one; changes to a usable index are safe as they are: Whoosh renames its new table of
        # segments into place only after writing them, so a killed commit leaves the previous one.
        scratch = scratch_dir(folder)
        try:
            index.create_in(str(scratch), wanted).close()
            report = _update(center, lang, plans, scratch)
            write_atomic(scratch / "version", _SCHEMA_VERSION)
            swap_dir(scratch, folder)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return report
    return _update(center, lang, plans, folder)


def _usable(folder: Path, wanted: Schema) -> bool:
    """Whether folder holds an index of this schema and version, to update in place."""
    try:
        if (folder / "version").read_text() != _SCHEMA_VERSION or not index.exists_in(str(folder)):
            return False
        ix = index.open_dir(str(folder))
    except (OSError, index.IndexError):
        return False
    try:
        return bool(ix.schema == wanted)
    finally:
        ix.close()


def _update(center: HelpCenter, lang: str, plans: dict[str, PagePlan], folder: Path) -> IndexReport:
    """Write what changed in plans into the index in folder."""
    ix = index.open_dir(str(folder))
    with ix.searcher() as searcher:
        stamps = {fields["path"]: fields.get("stamp") for fields in searcher.all_stored_fields()}
    updated, removed = [], []
    writer = ix.writer()
    try:
        for rel, page in sorted(plans.items()):
            doc = center.source(rel) if page.show_source else center.docs[lang].get(rel)
            if doc is None or not doc.readable:
                continue
            status = page.notice or "current"
            fields = _fields(center.with_blocks(doc), lang, status)
            draft = center.docs[lang].get(rel)
            if page.show_source and draft and draft.readable and lang != center.settings.source_language:
                # The site shows the source (a stale critical article, a draft in review): let readers
                # find it with their own words too, from the translation it has.
                own = _fields(center.with_blocks(draft), lang, status)
                fields.update({k: own[k] for k in ("title", "headings", "body")})
                fields["stamp"] = short_hash(fields["stamp"] + own["stamp"])
            if stamps.get(rel) != fields["stamp"]:
                writer.update_document(path=rel, **fields)
                updated.append(rel)
        for rel in set(stamps) - set(plans):
            writer.delete_by_term("path", rel)
            removed.append(rel)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    finally:
        ix.close()
    return IndexReport(lang, tuple(updated), tuple(sorted(removed)), len(plans) - len(updated))


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


class Searcher:
    """Queries one language's index; keep one open to answer many queries fast."""

    FIELDS = ("title", "headings", "body", "title_src", "headings_src", "body_src")

    def __init__(self, root: Path, lang: str) -> None:
        folder = index_dir(root, lang)
        if not index.exists_in(str(folder)):
            raise KbError(f"no search index for {lang}: run kb index")
        self.root, self.lang = root, lang
        self.ix = index.open_dir(str(folder))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(list(self.FIELDS), self.ix.schema, group=OrGroup.factory(0.9))
        self.plain = MultifieldParser(list(self.FIELDS), self.ix.schema, group=OrGroup.factory(0.9))
        for plugin in _SYNTAX:
            self.plain.remove_plugin_class(plugin)
        self.synonyms = synonyms(root, lang)
        self.spaced = lang.split("-")[0] not in ("zh", "ja", "ko")

    def close(self) -> None:
        """Release the index files."""
        self.searcher.close()
        self.ix.close()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, text: str) -> Query:
        """The query: the words as typed, OR the same with each synonym swapped in."""
        variants = {text}
        for group in self.synonyms:
            for word in group:
                pattern = rf"(?<!\w){re.escape(word)}(?!\w)" if self.spaced else re.escape(word)
                if re.search(pattern, text, re.IGNORECASE):
                    variants |= {re.sub(pattern, other, text, flags=re.IGNORECASE) for other in group}
        # normalize() merges the variants' shared words: Whoosh's match skipping loops on duplicated terms
        return Or([self._parse(variant) for variant in sorted(variants)]).normalize()

    def _parse(self, text: str) -> Query:
        try:
            return self.parser.parse(text)
        except Exception:  # Whoosh's parser trips on some operator soups ("NOT NOT x"): read them as plain words
            log.debug("query %r read as plain words", text, exc_info=True)
            return self.plain.parse(text)

    def search(self, text: str, limit: int = 10) -> list[Hit]:
        """Ranked results; for spaced languages, words one or two typos away count too."""
        self.searcher = self.searcher.refresh()
        text = clean(text)
        if not text:
            return []
        query = self.query(text)
        results = self.searcher.search(query, limit=limit)
        words = {t.decode() if isinstance(t, bytes) else str(t) for _, t in query.iter_all_terms()}
        hits = [self._hit(r, words) for r in results]
        if self.spaced and len(hits) < limit:
            seen = {h.path for h in hits}
            fuzzy = self._fuzzy(text)
            if fuzzy is not None:
                more = self.searcher.search(fuzzy, limit=limit, optimize=False)
                words |= {t.decode() if isinstance(t, bytes) else str(t) for _, t in fuzzy.iter_all_terms()}
                hits += [self._hit(r, words) for r in more if r["path"] not in seen][: limit - len(hits)]
        return hits

    def _fuzzy(self, text: str) -> Query | None:
        terms = []
        for field in ("title", "headings", "body"):
            for token in self.ix.schema[field].analyzer(text):
                if 4 <= len(token.text) <= _FUZZY_MAX:
                    terms.append(FuzzyTerm(field, token.text, maxdist=1 if len(token.text) < 8 else 2,
                                           prefixlength=1))
        return Or(terms) if terms else None

    def _hit(self, result: Any, words: set[str]) -> Hit:
        fallback = result["lang"] != self.lang
        body = (result.get("body_src" if fallback else "body") or "").strip()
        title = result.get("title_src" if fallback else "title") or result["path"]
        return Hit(result["path"], title, result["lang"], result["status"], result.score, snippet(body, words))


def snippet(text: str, words: set[str], width: int = 180) -> str:
    """A window of text around the first query word, matched words in <mark> (HTML-escaped).

    A string search, not Whoosh's highlighter: that one re-analyzes the whole article for every hit,
    which costs more than the search itself for Chinese.
    """
    text = " ".join(text.split())
    lower = text.lower()
    found = sorted((lower.find(w.lower()), w) for w in words if len(w) > 1 and w.lower() in lower)
    start = max(0, found[0][0] - width // 4) if found else 0
    window = text[start:start + width]
    marked = html.escape(window)
    if found:  # matched on the text itself, then escaped piece by piece: a word never splits an entity
        pattern = "|".join(re.escape(w) for w in sorted({w for _, w in found}, key=len, reverse=True))
        pieces = re.split(f"({pattern})", window, flags=re.IGNORECASE)
        marked = "".join(f"<mark>{html.escape(p)}</mark>" if i % 2 else html.escape(p) for i, p in enumerate(pieces))
    return ("… " if start else "") + marked + (" …" if start + width < len(text) else "")


class Similar:
    """Which articles are about the same thing: sparse TF-IDF vectors of each article's title and opening.

    Each article keeps its strongest terms; an article's candidates are the articles sharing one of
    them, and terms shared by very many articles are skipped, so finding the related articles of
    every article costs about as much as reading them once, not one query per article over all.
    """

    TERMS = 12  # terms kept per article
    COMMON = 300  # a term in more articles than this says little about any of them

    def __init__(self, root: Path, lang: str, stored: dict[str, dict[str, Any]]) -> None:
        analyzers = {lang: analyzer(root, lang)}
        counts: dict[str, Counter[str]] = {}
        for path, fields in stored.items():
            suffix = "" if fields["lang"] == lang else "_src"
            about = f"{fields.get('title' + suffix) or ''} " * 2 + (fields.get("body" + suffix) or "")[:600]
            tokens = analyzers.setdefault(fields["lang"], analyzer(root, fields["lang"]))(about)
            counts[path] = Counter(t.text for t in tokens if len(t.text) > 1 or not t.text.isascii())
        documents = Counter(term for terms in counts.values() for term in terms)
        total = len(counts) or 1
        self.vectors: dict[str, list[tuple[str, float]]] = {}
        self.postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for path, terms in counts.items():
            weights = sorted(((t, n * math.log(1 + total / documents[t])) for t, n in terms.items()),
                             key=lambda item: -item[1])[: self.TERMS]
            norm = math.sqrt(sum(w * w for _, w in weights)) or 1.0
            self.vectors[path] = [(t, w / norm) for t, w in weights]
            for term, weight in self.vectors[path]:
                self.postings[term].append((path, weight))
        self.titles = {path: f.get("title") or f.get("title_src") or path for path, f in stored.items()}

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


def related_map(root: Path, lang: str, limit: int = 5) -> dict[str, list[tuple[str, str]]]:
    """path -> up to `limit` related (path, title), for every article.

    Kept between builds: only articles that changed (or whose related articles went away) are
    looked up again.
    """
    cache = index_dir(root, lang) / "related.json"
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = {}
    with Searcher(root, lang) as searcher:
        stored = {f["path"]: f for f in searcher.searcher.all_stored_fields()}
    similar: Similar | None = None
    entries = {}
    for path, fields in sorted(stored.items()):
        old = cached.get(path) if isinstance(cached, dict) else None
        if old and old.get("stamp") == fields.get("stamp") and all(p in stored for p in old["related"]):
            entries[path] = old
        else:
            similar = similar or Similar(root, lang, stored)
            entries[path] = {"stamp": fields.get("stamp"), "related": similar.related(path, limit)}
    if entries != cached:
        write_atomic(cache, json.dumps(entries, ensure_ascii=False))
    titles = {path: f.get("title") or f.get("title_src") or path for path, f in stored.items()}
    return {path: [(p, titles[p]) for p in entry["related"]] for path, entry in entries.items()}


def golden(center: HelpCenter, languages: tuple[str, ...] = ()) -> list[Problem]:
    """search/queries/<lang>.tsv: each query must find its article in the top 5."""
    problems = []
    for lang in languages or center.settings.languages:
        path = center.settings.root / "search" / "queries" / f"{lang}.tsv"
        if not path.exists():
            continue
        update(center, lang)
        searcher = Searcher(center.settings.root, lang)
        try:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if not line.strip() or line.startswith("#"):
                    continue
                query, _, expected = line.partition("\t")
                shown = f"search/queries/{lang}.tsv"
                if not expected.strip():
                    problems.append(Problem(shown, number, "no expected article", "write: query<TAB>path.md"))
                    continue
                top = [hit.path for hit in searcher.search(query.strip(), limit=5)]
                if expected.strip() not in top:
                    problems.append(Problem(
                        shown, number, f"'{query.strip()}' does not find {expected.strip()} in the top 5 "
                        f"(found: {', '.join(top) or 'nothing'})",
                        f"add the reader's words to the article, or a synonym to search/synonyms/{lang}.txt"))
        finally:
            searcher.close()
    return problems
