"""The computed status of every translation, and the language policies it is checked against."""

from __future__ import annotations

import json
from collections import Counter
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

from kb_tools import snapshots, workers
from kb_tools.blocks import Block, pack, unpack
from kb_tools.cache import CACHE_DIR, Memo
from kb_tools.deferred import paused_gc
from kb_tools.git import SHALLOW, Git, changed_between, head
from kb_tools.history import Change, changes, find_version
from kb_tools.model import STATUSES, Document, HelpCenter, Status

__all__ = ["STATUSES", "Entry", "by_harm", "compute", "counts", "entry_for", "explain_stale", "harm", "json_text",
           "report_json", "violations"]


class Entry(NamedTuple):
    """The status of one article in one language (a tuple: a cold `kb status` makes one per file, and a frozen
    dataclass took three times as long to make)."""

    lang: str
    rel: str
    status: Status
    critical: bool
    path: str  # the translation's file, or the source's for a missing one
    reasons: tuple[str, ...] = ()  # for invalid: the errors; for stale: notes on history
    changes: tuple[Change, ...] = ()  # for stale: the source blocks changed since
    source_changed_on: str = ""  # for stale: when the source changed, from git
    made_from: tuple[Block, ...] = ()  # for stale: the blocks of the source version translated (() if unknown)

    def to_json(self) -> dict[str, Any]:
        """The entry as plain data for `--format json`."""
        data: dict[str, Any] = {"path": self.rel, "file": self.path, "status": self.status, "critical": self.critical}
        if self.reasons:
            data["reasons"] = list(self.reasons)
        if self.status == "stale":
            data["source_changed_on"] = self.source_changed_on or None
            data["changes"] = [
                {"kind": c.kind, "line": c.line, "block": c.block_kind, "text": c.text, "old_text": c.old_text}
                for c in self.changes
            ]
        return data


def entry_for(center: HelpCenter, lang: str, rel: str) -> Entry:
    """The status of rel in lang, from the documents alone (no git)."""
    return _entry(center, lang, rel, center.source(rel), center.docs[lang].get(rel))


def _entry(center: HelpCenter, lang: str, rel: str, source: Document | None, doc: Document | None) -> Entry:
    """entry_for, given the source and the document of rel in lang (None where there is none)."""
    critical = bool(source and source.critical)
    if doc is None:
        assert source is not None
        return Entry(lang, rel, "missing", critical, source.path)
    if not doc.readable:
        return Entry(lang, rel, "invalid", critical, doc.path, tuple(str(p) for p in doc.errors))
    if source is None:
        return Entry(lang, rel, "orphan", False, doc.path)
    if lang == center.settings.source_language:
        return Entry(lang, rel, "current", critical, doc.path)
    if doc.translation is None:
        return Entry(lang, rel, "untracked", critical, doc.path)
    if not source.readable:
        reason = f"its source {source.path} cannot be read: fix the source first"
        return Entry(lang, rel, "invalid", critical, doc.path, (reason,))
    reasons: tuple[str, ...] = ()
    if doc.translation.source_hash != source.source_hash:
        through = center.editorial_chain(rel, doc.translation.source_hash)
        if not through or through[-1].after != source.source_hash:
            return Entry(lang, rel, "stale", critical, doc.path)
        reasons = tuple(edit.describe() for edit in through)  # current, and the record says why
    status: Status = "current" if doc.translation.status == "reviewed" else "machine"
    return Entry(lang, rel, status, critical, doc.path, reasons)


def compute(center: HelpCenter, languages: tuple[str, ...] | None = None) -> dict[str, list[Entry]]:
    """Every article's status in every language (the source language included), sorted by path."""
    report = {}
    sources = center.docs[center.settings.source_language]
    with paused_gc():
        for lang in languages or center.settings.languages:
            docs = center.docs[lang]
            report[lang] = [_entry(center, lang, rel, sources.get(rel), docs.get(rel))
                            for rel in sorted(sources.keys() | docs.keys())]
    return report


def explain_stale(center: HelpCenter, report: dict[str, list[Entry]], use_cache: bool = True,
                  blocks: bool = True) -> dict[str, list[Entry]]:
    """Fill in, for stale entries, which source blocks changed and when, from git history.

    Explanations are kept in .kb-cache/ by source path, the source version translated, the source
    file's bytes and which snapshots exist, along with the HEAD they were found at: a later commit
    forgets those of the sources it touched, so a warm run walks no history. What is not kept is
    found with one git log for all of them and one git process reading their old versions.
    blocks=False leaves Entry.made_from empty: only the review site, the reader's pages and kb diff
    need those blocks, and unpacking them was a fifth of a warm `kb status`.
    """
    stale = [(lang, index, entry, _made_from(center, lang, entry)) for lang, entries in report.items()
             for index, entry in enumerate(entries) if entry.status == "stale"]
    result = {lang: list(entries) for lang, entries in report.items()}
    if not stale:
        return result
    root = center.settings.root
    git = Git(root)
    memo = _stale_memo(git, use_cache)
    found: dict[tuple[str, str], _Explained | None] = {}
    keys: dict[tuple[str, str], tuple[str, ...]] = {}
    snapshot_files = set(snapshots.stored(root))
    with paused_gc():
        for _lang, _index, entry, made_from in stale:
            if (entry.rel, made_from) not in found:
                source = center.source(entry.rel)
                assert source is not None
                keys[entry.rel, made_from] = _memo_key(center, source, made_from, snapshot_files)
                found[entry.rel, made_from] = memo.get(keys[entry.rel, made_from])
        missing = [key for key, explained in found.items() if explained is None]
        with git:
            for key, explained in zip(missing, _explain_all(git, center, missing), strict=True):
                found[key] = explained
                memo.put(keys[key], explained)
        memo.save(prune=set(report) == set(center.settings.languages))
        unpacked: dict[tuple[str, str], tuple[Block, ...]] = {}
        for lang, index, entry, made_from in stale:
            changed, date, reasons, packed = found[entry.rel, made_from]  # type: ignore[misc]
            made: tuple[Block, ...] = ()
            if blocks and packed:  # unpacked once for every language translated from this version
                if (entry.rel, made_from) not in unpacked:
                    unpacked[entry.rel, made_from] = unpack(packed)
                made = unpacked[entry.rel, made_from]
            result[lang][index] = Entry(entry.lang, entry.rel, entry.status, entry.critical, entry.path, reasons,
                                        changed, date, made)
    return result


def _made_from(center: HelpCenter, lang: str, entry: Entry) -> str:
    """The source hash a stale entry's translation was made from."""
    translation = center.docs[lang][entry.rel].translation
    assert translation is not None
    return translation.source_hash


_Explained = tuple[tuple[Change, ...], str, tuple[str, ...], bytes]  # changes, date, notes, blocks.pack of the version
# What explaining a stale entry costs in workers.count's units: reading the old version's blocks, and the diff.
EXPLAIN_COST = 7


def _explain_all(git: Git, center: HelpCenter, missing: list[tuple[str, str]], processes: int | None = None
                 ) -> list[_Explained]:
    """_explain of each (source rel, hash translated), their history read with one git log; many, by one
    process a core (processes: how many).

    A cold `kb status` at 10,000 x 6 explains thousands, each parsing an old version of its source: 1 s in one
    process. The workers are forked with git and the center, so only the (rel, hash) pairs and the explanations
    travel between processes, and each reads the old versions of its share with a cat-file of its own.
    """
    git.prefetch(center.source(rel).path for rel, _ in missing)  # type: ignore[union-attr]
    processes = processes or workers.count(EXPLAIN_COST * len(missing))
    if processes < 2 or not workers.may_fork():
        return _explain_part(missing, git, center)
    chunks, at = [], 0
    while at < len(missing):
        size = max(1, round(workers.chunk_size(len(missing) - at, len(missing), processes)))
        chunks.append(missing[at:at + size])
        at += size
    with workers.pool(processes, _forked, (git, center)) as pool:
        return [explained for part in pool.map(_explain_part, chunks) for explained in part]


_inherited: tuple[Git, HelpCenter] | None = None  # in a worker of _explain_all: the git and center it was forked with


def _forked(git: Git, center: HelpCenter) -> None:
    """A worker of _explain_all starts: it keeps what it was forked with, and starts a cat-file of its own."""
    global _inherited
    git.forked()
    _inherited = git, center


def _explain_part(missing: list[tuple[str, str]], git: Git | None = None, center: HelpCenter | None = None
                  ) -> list[_Explained]:
    """_explain of each (rel, made_from), with the git and center given, else those this worker was forked with."""
    if git is None or center is None:
        assert _inherited is not None
        git, center = _inherited
    found = []
    paths = dict.fromkeys(center.source(rel).path for rel, _ in missing)  # type: ignore[union-attr]
    # The versions history is likely to compare, the newest few of each source, read at once.
    git.read_many((commit, path) for path in paths for commit, _date in git.versions(path)[:3])
    with git:  # in a worker, ends the cat-file its reads started
        for rel, made_from in missing:
            source = center.source(rel)
            assert source is not None
            found.append(_explain(git, center, source, made_from))
    return found


def _explain(git: Git, center: HelpCenter, source: Document, made_from: str) -> _Explained:
    source = center.with_blocks(source)
    # After editorial edits, compare with the last version they reach: only the later edits need translating.
    through = center.editorial_chain(source.rel, made_from)
    version = (find_version(git, source, through[-1].after) if through else None) \
        or find_version(git, source, made_from)
    if version is None:
        if git.prefix is None:
            return (), "", ("not in a git repository: cannot tell which paragraphs changed",), b""
        note = f"git history holds no version of {source.path} with hash {made_from}"
        why = SHALLOW if git.shallow else "cannot tell which paragraphs changed"
        return (), "", (f"{note}: {why}",), b""
    return tuple(changes(version.document, source)), version.changed_on, (), pack(version.document.blocks)


def _stale_memo(git: Git, use_cache: bool) -> Memo:
    """The kept explanations still true at the commit checked out now."""
    root, here = git.root, Path(__file__)
    code = (here, here.with_name("history.py"), here.with_name("snapshots.py"), here.with_name("git.py"))
    now = (head(root), git.prefix, git.shallow)
    memo = Memo(root / CACHE_DIR if use_cache else None, "stale", code, now)
    if memo.entries and memo.saved_context != now:
        was = memo.saved_context
        # Same repository, a commit later: only the sources those commits touched have new history.
        touched = changed_between(root, was[0], now[0]) if was[1:] == now[1:] else None
        memo.drop(lambda key: touched is None or key[0] in touched)
    return memo


def _memo_key(center: HelpCenter, source: Document, made_from: str, stored: set[str]) -> tuple[str, ...]:
    """What an explanation depends on but git history: the source's bytes, the versions sought, their snapshots."""
    through = center.editorial_chain(source.rel, made_from)
    wanted = (made_from, through[-1].after) if through else (made_from,)
    kept = "".join("1" if digest in stored else "0" for digest in wanted)  # stored: snapshots.stored(), read once
    return (source.path, *wanted, source.content_hash, kept)  # the hash of the bytes the scan read


def report_json(center: HelpCenter, report: dict[str, list[Entry]], dashboard: dict[str, Any]) -> dict[str, Any]:
    """The `kb status --format json` document; dashboard is review.dashboard's (review is downstream of status)."""
    broken = violations(center, report)
    return {
        "source_language": center.settings.source_language,
        "languages": {
            lang: {"counts": counts(entries),
                   "articles": [e.to_json() for e in entries if e.status != "current" or e.reasons]}
            for lang, entries in report.items()
        },
        "policy": {"ok": not broken, "violations": broken},
        "problems": [str(p) for p in center.problems if p.severity == "error"],
        "dashboard": dashboard,
    }


def json_text(data: Any, depth: int = 4) -> str:
    """JSON indented as json.dumps(indent=2) indents it down to depth, each value deeper on one line.

    For report_json's document: an article a line. Python's JSON encoder indents only in Python (its C
    encoder writes compact text): at 10,000 articles x 6 languages, indenting every field took a sixth
    of a warm `kb status --format json`.
    """
    encode = json.JSONEncoder(ensure_ascii=False).encode

    def text(value: Any, level: int) -> str:
        if level >= depth or not value or not isinstance(value, dict | list):
            return encode(value)
        pad = "\n" + "  " * (level + 1)
        items = (f"{pad}{encode(str(key))}: {text(item, level + 1)}" for key, item in value.items()) \
            if isinstance(value, dict) else (pad + text(item, level + 1) for item in value)
        brackets = "{}" if isinstance(value, dict) else "[]"
        return brackets[0] + ",".join(items) + "\n" + "  " * level + brackets[1]

    return text(data, 0)


def counts(entries: list[Entry]) -> dict[str, int]:
    """How many entries have each status."""
    tally = Counter(map(attrgetter("status"), entries))  # counted in C: tens of thousands of entries a language
    return {status: tally[status] for status in STATUSES}


def violations(center: HelpCenter, report: dict[str, list[Entry]]) -> list[str]:
    """Where a language breaks its policy (`fail_on` rules), one line each."""
    found = []
    for lang, entries in report.items():
        rules = center.settings.policy(lang).fail_on
        named = {rule.removesuffix("-critical") for rule in rules}  # the statuses a rule names: most entries have none
        for entry in entries:
            if entry.status not in named:
                continue
            broken: list[str] = [entry.status] if entry.status in rules else []
            if entry.critical and f"{entry.status}-critical" in rules:
                broken.append(f"{entry.status}-critical")
            for rule in broken:
                found.append(f"{entry.path}: {lang} {entry.rel} is {entry.status}"
                             f"{' (critical)' if entry.critical else ''}: policy {lang}.fail_on has {rule}")
    return found


def harm(entry: Entry) -> int:
    """How much an entry harms readers, 0 the most. First what may tell them something wrong: critical
    stale and invalid (left out of the site), stale, machine drafts; then a critical article they
    cannot read in their language; then what needs a person but misleads nobody (untracked, orphan),
    the other missing articles, and current ones."""
    if entry.status == "invalid" or (entry.status == "stale" and entry.critical):
        return 0
    if entry.status == "missing" and entry.critical:
        return 3
    return {"stale": 1, "machine": 2, "untracked": 4, "orphan": 5, "missing": 6, "current": 7}[entry.status]


def by_harm(report: dict[str, list[Entry]]) -> list[Entry]:
    """Every language's entries, most harmful first; alike, critical first, then by language and path."""
    order = {lang: index for index, lang in enumerate(report)}
    entries = [entry for found in report.values() for entry in found]
    return sorted(entries, key=lambda e: (harm(e), not e.critical, order[e.lang], e.rel))
