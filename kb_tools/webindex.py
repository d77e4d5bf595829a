"""The browser's search: kb's Whoosh index of one language, served to the page as static shards.

A site's search box runs kb_tools/assets/kb-search.js, which reads what this module writes under
<site>/kb-search/ and nothing else:

  meta.json        the query rules (kb_tools/query.py), how each field group's words become terms,
                   the number of term shards, language names and the UI strings of results
  t/<n>.json.gz    terms, split into shards by their CJK pair, or by their first three letters:
                   for each term, the documents that have it, their score for it and its frequency
                   (for synonyms, search.Searcher.query), computed by
                   kb search's own scoring (search.Boosted) from the index's own postings; for
                   stemmed languages also the words of the articles that stem to each term
  d/<id>.json.gz   one article: path, url, title, language, notice and text by section (snippets)

A query fetches meta once, then the shards of its terms and the articles it shows: kb search and
the browser read the same terms with the same scores, so they rank alike.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import whoosh
from whoosh import index
from whoosh.analysis import Analyzer, StopFilter

from kb_tools import freshness, i18n, query, reader, search
from kb_tools.blocks import CJK
from kb_tools.cache import CACHE_DIR, Memo
from kb_tools.edition import Edition
from kb_tools.fsutil import hard_link
from kb_tools.i18n import N_

FOLDER = "kb-search"
ASSETS = (Path(__file__).parent / "assets" / "kb-search.js", Path(__file__).parent / "assets" / "kb-search.css")
VERSION = 1
SHARD_POSTINGS = 2000  # postings a term shard holds on average: about 6 KB compressed
SECTION_CHARS = 20000  # of an article's text kept for snippets
STRINGS = {
    "results": N_("%(count)s articles"),
    "none": N_("No article matches your words. Try other words, or contact support."),
    "machine": N_("Machine translation"),
    "error": N_("Search is not available right now."),
}
SPACES = {"o": search.OWN, "s": search.SRC}  # field groups: the site's language, the source language
WORDS = {"o": "words", "s": "words_src"}  # their articles' words, in spaced languages


def write(edition: Edition, site_dir: Path, previous: dict[str, str] | None = None, salt: str = "") -> dict[str, str]:
    """Write the browser index of an edition into site_dir/kb-search/; returns what each of its files is made from.

    previous: the files of the last build by what each was made from; a file made from the same is
    linked from there instead of written: an article's (its page, its file's and its source's bytes, and
    salt: the code and settings), and the terms and meta.json while the language's index is the same
    (an edit that leaves this language's index alone writes none). The keys returned are by path in
    the site, for the next build's previous.
    """
    center, lang = edition.center, edition.lang
    plans = {rel: page.plan for rel, page in edition.pages.items()}
    if not edition.indexed:
        search.update(center, lang, plans)
    out = site_dir / FOLDER
    shutil.rmtree(out, ignore_errors=True)
    (out / "t").mkdir(parents=True)
    (out / "d").mkdir()
    documents = {rel: (stamp, fields) for rel, stamp, fields in search.documents(center, lang, plans)}
    ids = {rel: number for number, rel in enumerate(sorted(documents))}
    folder = freshness.index_dir(center.settings.root, lang)
    names = {other: i18n.language_name(other, lang) for other in center.settings.languages}
    strings = {key: edition.gettext(text) for key, text in STRINGS.items()}
    ix = index.open_dir(str(folder))
    try:
        # The index's table of segments names its state: unchanged, every term's scores are as before.
        toc = (folder / f"_{ix.indexname}_{ix.latest_generation()}.toc").read_bytes()
        made_from = hashlib.sha256(repr((VERSION, salt, lang, toc, (folder / search.RULES).read_bytes(),
                                         (folder / search.BRIDGE).read_bytes(), list(ids), names,
                                         strings)).encode("utf-8", "surrogateescape")).hexdigest()
        shards = _link_terms(previous or {}, made_from, out)
        if shards is None:
            shards = _write_terms(edition, ix, folder, documents, ids, names, strings, out)
    finally:
        ix.close()
    written = {f"{FOLDER}/{name}": _file_key(made_from, name)
               for name in ["meta.json", *(f"t/{number}.json.gz" for number in range(shards))]}
    for rel, number in ids.items():
        key, name = _document_key(edition, rel, salt), f"d/{number}.json.gz"
        last = (previous or {}).get(key)
        if last is None or not hard_link(last, os.path.join(out, name)):
            _write_gz(out / name, _document(edition, rel))
        written[f"{FOLDER}/{name}"] = key
    for asset in ASSETS:
        shutil.copyfile(asset, out / asset.name)
    return written


def _file_key(made_from: str, name: str) -> str:
    return hashlib.sha256(f"{made_from}\0{name}".encode()).hexdigest()


def _link_terms(previous: dict[str, str], made_from: str, out: Path) -> int | None:
    """The number of term shards, when out now has the last build's meta.json and shards, all linked (they were
    made from the same); else None."""
    meta = previous.get(_file_key(made_from, "meta.json"))
    try:
        shards = json.loads(Path(meta).read_text(encoding="utf-8"))["shards"] if meta else None
    except (OSError, ValueError, KeyError, TypeError):
        shards = None
    if not isinstance(shards, int):
        return None
    names = ["meta.json", *(f"t/{number}.json.gz" for number in range(shards))]
    found = [previous.get(_file_key(made_from, name)) for name in names]
    if all(path is not None and hard_link(path, out / name) for path, name in zip(found, names, strict=True)):
        return shards
    # Some link failed: write every file anew (never into a linked one: that would change the last site's too).
    shutil.rmtree(out / "t")
    (out / "t").mkdir()
    (out / "meta.json").unlink(missing_ok=True)
    return None


def _write_terms(edition: Edition, ix: Any, folder: Path, documents: dict[str, tuple[str, search.Fields]],
                 ids: dict[str, int], names: dict[str, str], strings: dict[str, str], out: Path) -> int:
    """Write out/t/*.json.gz and out/meta.json from the index ix (in folder) of the edition's language; returns
    the number of shards."""
    center, lang = edition.center, edition.lang
    rules = json.loads((folder / search.RULES).read_text(encoding="utf-8"))
    with ix.searcher() as searcher:
        analyzers = {space: searcher.schema[fields[0]].analyzer for space, fields in SPACES.items()}
        # Each article's terms, kept between builds: a build after one edit analyses one article.
        # The analysers are search.analyzer's for lang and the source language, in this Whoosh.
        analysers_id = f"{center.settings.source_language} whoosh {whoosh.versionstring()}"
        analysed = Memo(center.settings.root / CACHE_DIR, f"terms-{lang}", (Path(__file__), Path(search.__file__)),
                        analysers_id)
        if analysed.saved_context != analysed.context:
            analysed.drop(lambda _key: True)
        postings, frequencies = _postings(searcher, documents, ids, analyzers, analysed)
        surfaces = {space: _surfaces(searcher.reader(), field, analyzers[space], analysed)
                    for space, field in WORDS.items()}
        analysed.save(prune=True)
        count = searcher.doc_count_all()
    kinds = {"o": rules["kind"], "s": rules["source_kind"]}
    total = sum(len(docs) for terms in postings.values() for docs in terms.values())
    shards = 1 << max(0, (total // SHARD_POSTINGS).bit_length())  # a power of two near total / SHARD_POSTINGS
    buckets: dict[int, dict[str, Any]] = defaultdict(lambda: {"o": {}, "s": {}, "w": {"o": {}, "s": {}}, "x": {}})
    for space, terms in postings.items():
        # Terms sorted: the same shards whichever way their counts were read. Documents in the order of their ids.
        for term, docs in sorted(terms.items()):
            numbers = list(docs)
            deltas = [doc - previous for previous, doc in zip([0, *numbers], numbers, strict=False)]
            buckets[shard(term, shards)][space][term] = [deltas, [round(score * 1000) for score in docs.values()],
                                                          frequencies[space].get(term, 0)]
    for space, words in surfaces.items():
        for word, term in words.items():
            buckets[shard(word, shards)]["w"][space][word] = term
    bridged = json.loads((folder / search.BRIDGE).read_text(encoding="utf-8"))
    for term, source_term in bridged.items():
        buckets[shard(term, shards)]["x"][term] = source_term
    for number in range(shards):
        _write_gz(out / "t" / f"{number}.json.gz", buckets[number])
    meta = {
        "version": VERSION, "lang": lang, "shards": shards, "documents": len(ids), "count": count, "cjk": CJK,
        "rules": rules,
        "spaces": {space: _space(kinds[space], analyzers[space])
                   for space in SPACES if space == "o" or lang != center.settings.source_language},
        "names": names, "strings": strings,
    }
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return shards


def shard(term: str, shards: int) -> int:
    """The shard a term (or word) is in (FNV-1a): a CJK pair by itself, other terms by their first three
    letters, so that a word, its stem and the terms it starts with share a shard."""
    key = term if query.is_cjk(term[0]) else term[:3]
    value = 0x811C9DC5
    for byte in key.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value % shards


Scores = dict[str, dict[str, dict[int, float]]]  # space -> term -> document id -> score


def _postings(searcher: Any, documents: dict[str, tuple[str, search.Fields]], ids: dict[str, int],
              analyzers: dict[str, Analyzer], memo: Memo) -> tuple[Scores, dict[str, dict[str, int]]]:
    """space -> term -> document id -> the term's score there, as kb search scores it; and each term's frequency.

    The score is search.Boosted's, from the statistics Whoosh scores with (its article count, each
    field's mean and each article's stored length, the terms' frequencies) and the article's own
    term counts, read again with the same analyzer: asking Whoosh for every posting with a scorer
    took minutes for 3,000 Chinese articles.
    """
    reader, weighting = searcher.reader(), search.Boosted()
    B, K1 = weighting.B, weighting.K1
    count = searcher.doc_count_all()
    numbers = {path: article.number for path, article in search.articles(reader).items()}
    scores: Scores = {}
    frequencies: dict[str, dict[str, int]] = {}
    for space, fields in SPACES.items():
        missing = sum(memo.get((field, stamp)) is None for stamp, _fields in documents.values() for field in fields)
        # Many articles not analysed yet (a first build): their counts come from the index's postings instead,
        # in one pass over its terms, which costs far less than analysing every article's text again.
        read = _counts(reader, fields) if missing > len(documents) * len(fields) // 4 else {}
        per_field = {field: _doc_frequencies(reader, field) for field in fields}
        frequency = {term: max(found.get(term, 0) for found in per_field.values())
                     for term in set().union(*per_field.values())}
        idf = {term: search.inverse_frequency(n, count) for term, n in frequency.items()}
        means = {field: searcher.avg_field_length(field) or 1 for field in fields}
        terms: dict[str, dict[int, float]] = {}
        for rel, number in ids.items():  # in the order of the ids, so each term's documents are too
            stamp, fields_of = documents[rel]
            for field in fields:
                key = (field, stamp)  # equal stamps, equal fields: an unchanged article's fields are not made
                counts = memo.get(key)
                if counts is None:
                    counts = read[field].get(numbers[rel]) if read else None
                    if counts is None:
                        counts = dict(Counter(token.text for token in analyzers[space](fields_of().get(field) or "")))
                    memo.put(key, counts)
                if not counts:
                    continue
                length = reader.doc_field_length(numbers[rel], field, 1)
                # whoosh.scoring.bm25's arithmetic in its order (the same floats), its length part once per field
                lengths = K1 * ((1 - B) + B * length / means[field])
                boost = search.BOOSTS[field]
                for term, tf in counts.items():
                    row = terms.get(term)
                    if row is None:
                        row = terms[term] = {}
                    row[number] = row.get(number, 0.0) + idf[term] * ((tf * (K1 + 1)) / (tf + lengths)) * boost
        scores[space], frequencies[space] = terms, frequency
    return scores, frequencies


def _doc_frequencies(reader: Any, field: str) -> dict[str, int]:
    """term -> how many articles have it in field, as Whoosh counts (its deleted ones too, until a merge): summed
    over the index's segments, each read in one pass (asking the whole index term by term seeks in every one)."""
    found: dict[str, int] = {}
    for leaf, _offset in reader.leaf_readers():
        for raw, info in leaf.iter_field(field):
            term = _text(raw)
            found[term] = found.get(term, 0) + info.doc_frequency()
    return found


def _counts(reader: Any, fields: tuple[str, ...]) -> dict[str, dict[int, dict[str, int]]]:
    """field -> document number -> how many times each term is in the field: the index's postings."""
    found: dict[str, dict[int, dict[str, int]]] = {}
    for field in fields:
        per_document: dict[int, dict[str, int]] = defaultdict(dict)
        for raw, _info in reader.iter_field(field):
            term = _text(raw)
            for number, frequency in reader.postings(field, raw).items_as("frequency"):
                per_document[number][term] = frequency
        found[field] = per_document
    return found


def _text(raw: Any) -> str:
    return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)


def _surfaces(index_reader: Any, field: str, analyzer: Analyzer, memo: Memo) -> dict[str, str]:
    """The words of the articles whose term differs from the word: withdrawals -> withdraw (each word's terms
    kept in memo: a build after an edit analyses only the words new to the index)."""
    result = {}
    for raw in index_reader.lexicon(field):
        word = _text(raw)
        terms = memo.get((field, word))
        if terms is None:
            terms = [token.text for token in analyzer(word)]
            memo.put((field, word), terms)
        if len(terms) == 1 and terms[0] != word:
            result[word] = terms[0]
    return result


def _space(kind: query.Kind, analyzer: Analyzer) -> dict[str, Any]:
    """How the browser turns a field group's words into terms: its kind, the analyzer's own stop words
    and shortest word, and the shortest term a word no article has may be read as (query.PREFIX)."""
    stops = next((f for f in getattr(analyzer, "items", [analyzer]) if isinstance(f, StopFilter)), None)
    return {"kind": kind, "stop": sorted(stops.stops) if stops else [], "min": stops.min if stops else 1,
            "prefix": query.PREFIX}


def _document(edition: Edition, rel: str) -> dict[str, Any]:
    """One article as a result shows it: where it is, its title, language, notice and text by section."""
    page = edition.pages[rel]
    center = edition.center
    doc = center.with_blocks(center.docs[page.shown_lang][rel])
    source = center.source(rel)
    anchors = iter(reader.heading_anchors(doc.blocks, center.with_blocks(source).blocks)
                   if source is not None and page.shown_lang != edition.source_lang else
                   [b.anchor for b in doc.blocks if b.kind == "heading"])
    sections: list[list[str]] = [["", ""]]
    for block in doc.blocks:
        if block.kind == "heading":
            sections.append([next(anchors), ""])  # every heading has one: Python-Markdown's id (_1 where no slug)
        elif block.kind != "code":
            sections[-1][1] += " " + search.plain_text(block.text)
    kept, size = [], 0
    for anchor, text in sections:
        text = " ".join(text.split())[: max(0, SECTION_CHARS - size)]
        size += len(text)
        if text:
            kept.append([anchor, text])
    return {"p": rel, "u": page.url, "t": page.title, "l": page.shown_lang,
            "n": page.plan.notice if edition.lang != edition.source_lang else "", "x": kept}


def _document_key(edition: Edition, rel: str, salt: str) -> str:
    """What _document(edition, rel) is made from, hashed."""
    page = edition.pages[rel]
    source = edition.center.source(rel)
    made_from = [salt, edition.lang, page.url, page.title, page.shown_lang, page.plan.notice,
                 edition.center.docs[page.shown_lang][rel].content_hash, source.content_hash if source else ""]
    return hashlib.sha256("\0".join(made_from).encode("utf-8", "surrogateescape")).hexdigest()


def _write_gz(path: Path, data: object) -> None:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    path.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0))  # 9 takes twice as long, for 0.3%

