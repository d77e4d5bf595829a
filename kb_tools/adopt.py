"""kb adopt: track imported translations from git history, once; from then on kb tracks them by hash.

The rule: a translation was made from the source as it stood in the translation's last commit (the
tree the translator committed against), that is, from the newest source version committed at or
before it. Its hash becomes the translation's `source_hash`, and the version is kept as a snapshot,
so a source changed since makes the translation stale with the changed paragraphs named from day one.
Lunaria and FastAPI's translate.py compare commit dates on every run; kb reads the history once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kb_tools import snapshots
from kb_tools.approve import set_translation_block
from kb_tools.errors import KbError
from kb_tools.fsutil import read_only, write_atomic
from kb_tools.git import SHALLOW, Git, dirty_files, user_name
from kb_tools.history import changes, find_version
from kb_tools.layout import Layout
from kb_tools.model import HelpCenter, TranslationStatus
from kb_tools.scan import read_document
from kb_tools.status import compute


@dataclass(frozen=True)
class Adoption:
    """What kb adopt decided for one untracked translation."""

    lang: str
    rel: str
    path: str  # the translation's file
    adopted: bool
    source_commit: str = ""  # the source version used ('' for the working tree)
    source_date: str = ""
    source_hash: str = ""
    status: str = ""  # what kb status says after: current, machine or stale
    changed: int = 0  # for stale: source blocks changed since
    note: str = ""  # why not adopted, or how it was decided


def adopt(center: HelpCenter, languages: tuple[str, ...], as_status: TranslationStatus = "reviewed",
          by: str | None = None, force: bool = False, dry_run: bool = False) -> list[Adoption]:
    """Give every untracked translation of languages the source hash of the version it was made from."""
    root = center.settings.root
    git = _history(center)
    results = []
    for lang in languages:
        dirty = set() if force else dirty_files(root, *Layout(center.settings).folders(lang))
        for entry in compute(center, (lang,))[lang]:
            if entry.status == "untracked":
                results.append(_adopt_one(center, git, lang, entry.rel, as_status, by, entry.path in dirty, dry_run))
    return results


def _history(center: HelpCenter) -> Git:
    git = Git(center.settings.root)
    if git.prefix is None:
        raise KbError("kb adopt reads git history: run it inside the help center's git repository")
    if git.shallow:
        raise KbError(f"kb adopt reads git history, and {SHALLOW}")
    return git


def _adopt_one(center: HelpCenter, git: Git, lang: str, rel: str, as_status: TranslationStatus, by: str | None,
               dirty: bool, dry_run: bool) -> Adoption:
    root = center.settings.root
    doc, source = center.docs[lang][rel], center.with_blocks(center.source(rel))  # type: ignore[arg-type]
    if dirty:
        return Adoption(lang, rel, doc.path, False, note=f"{doc.path} has uncommitted changes: commit them (kb "
                                                         "adopt reads the commit), or pass --force")
    path = root / doc.path
    locked = read_only(path)
    if locked:
        return Adoption(lang, rel, doc.path, False, note=f"{doc.path}: cannot write (read-only): make it writable")
    made = git.last_commit(doc.path)
    if made is None:  # never committed (only with --force): made from the source as it is now
        data = (root / source.path).read_bytes()
        commit, date, author = "", dt.date.today().isoformat(), user_name(root)
        made_on = date
        how = "never committed: taken as made from the source as it is now"
    else:
        found = git.last_commit(source.path, made.commit)
        read = git.read(made.commit, source.path) if found else None
        if found is None or read is None:
            return Adoption(lang, rel, doc.path, False, note=(
                f"{source.path} did not exist at its last commit {made.commit[:10]} ({made.date}): kb adopt cannot "
                "tell which version it was made from: check it against the source, then kb approve it"))
        data, commit, date, author, made_on = read, found.commit, found.date, made.author, made.date
        how = f"translation last committed {made.commit[:10]} ({made.date})"
    old = read_document(source.path, source.lang, rel, data, is_source=True)
    if not old.readable:
        return Adoption(lang, rel, doc.path, False, note=f"{source.path} at {commit[:10] or 'the working tree'} "
                                                         "cannot be read: approve it by hand with kb approve")
    if old.source_hash == source.source_hash:
        status, changed = ("current" if as_status == "reviewed" else "machine"), 0
    else:
        status, changed = "stale", len(changes(old, source))
    block: dict[str, object] = {"source_hash": old.source_hash, "status": as_status}
    if as_status == "reviewed":
        block |= {"reviewed_by": by or author or "unknown", "reviewed_on": dt.date.fromisoformat(made_on)}
    if not dry_run:
        write_atomic(path, set_translation_block(path.read_bytes(), block))
        snapshots.save(root, old.source_hash, data)
    return Adoption(lang, rel, doc.path, True, commit, date, old.source_hash, status, changed, how)


def missing_snapshots(center: HelpCenter, languages: tuple[str, ...]) -> list[tuple[str, str]]:
    """(source rel, hash) of every version a tracked translation was made from that has no snapshot (no git)."""
    have = set(snapshots.stored(center.settings.root))
    found: dict[str, str] = {}
    for lang in languages:
        for rel, doc in sorted(center.docs[lang].items()):
            source = center.source(rel)
            if not (doc.translation and source and source.readable):
                continue
            made_from = doc.translation.source_hash
            for digest in (made_from, *(edit.after for edit in center.editorial_chain(rel, made_from))):
                if digest not in have:
                    found.setdefault(digest, rel)
    return sorted((rel, digest) for digest, rel in found.items())


def record_snapshots(center: HelpCenter, languages: tuple[str, ...], dry_run: bool = False) -> list[str]:
    """Write, from git history, the missing snapshots of the versions tracked translations were made from.

    Returns them as `path@hash`; versions history does not hold are left out.
    """
    wanted = missing_snapshots(center, languages)
    if not wanted:
        return []
    root, git = center.settings.root, _history(center)
    written = []
    for rel, digest in wanted:
        source = center.source(rel)
        assert source is not None
        version = find_version(git, source, digest)
        data = git.read(version.commit, source.path) if version and version.commit else None
        if data is not None and snapshots.save(root, digest, data, dry_run):
            written.append(f"{source.path}@{digest}")
    return written
