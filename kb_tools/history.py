"""Source history: find the source version a translation was made from, and what changed since.

The version comes from its snapshot (kb_tools/snapshots.py) when the repository keeps one, so a
shallow clone finds the same blocks as a full one; git history gives the date the source changed.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass

from kb_tools import snapshots
from kb_tools.blocks import Block
from kb_tools.git import Git
from kb_tools.model import Document
from kb_tools.scan import content_hash, read_document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceVersion:
    """A past version of a source article, found in git by its hash."""

    commit: str  # '' when only its snapshot holds it
    document: Document
    changed_on: str  # date of the first commit after it that changed the file ('' if uncommitted or unknown)


@dataclass(frozen=True)
class Change:
    """One source block added, removed or changed since the translation was made."""

    kind: str  # changed, added, removed
    line: int  # line in the current source (for removed: where it was, in the old version)
    block_kind: str  # heading, paragraph, item...
    text: str  # current text ('' for removed)
    old_text: str  # text in the version translated ('' for added)


def find_version(git: Git, source: Document, wanted_hash: str) -> SourceVersion | None:
    """The version of source whose hash is wanted_hash: its snapshot, else the newest in git history.

    History is still walked for a snapshot, for the commit and the date the source changed after it.
    """
    kept = snapshots.load(git.root, wanted_hash, source)
    changed_on = ""
    for commit, date in git.versions(source.path):
        data = git.read(commit, source.path)
        if data is not None:
            # The version committed last is often the file as it is: read once, not twice.
            same = source.parsed is not None and content_hash(data) == source.content_hash
            old = source if same else read_document(source.path, source.lang, source.rel, data, is_source=True)
            if old.source_hash == wanted_hash:
                return SourceVersion(commit, kept or old, changed_on)
        changed_on = date
    return SourceVersion("", kept, "") if kept else None


def word_diff(old: str, new: str, context: int = 4) -> str:
    """The words that differ, as `… before [-old-]{+new+} after …` with a little context."""
    a, b = old.split(), new.split()
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    parts = ["…"] if start > context else []
    parts += a[max(0, start - context):start]
    if a[start:len(a) - end]:
        parts.append("[-" + " ".join(a[start:len(a) - end]) + "-]")
    if b[start:len(b) - end]:
        parts.append("{+" + " ".join(b[start:len(b) - end]) + "+}")
    parts += b[len(b) - end:][:context]
    if end > context:
        parts.append("…")
    return " ".join(parts)


def changes(old: Document, new: Document) -> list[Change]:
    """Which blocks of new differ from old, matched by content hash in order."""
    found = []
    if old.title != new.title:
        found.append(Change("changed", new.title_line, "title", new.title, old.title))
    if old.description != new.description:
        found.append(Change("changed", new.title_line, "description", new.description or "", old.description or ""))
    matcher = difflib.SequenceMatcher(None, [b.key for b in old.blocks], [b.key for b in new.blocks], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        olds, news = old.blocks[i1:i2], new.blocks[j1:j2]
        for k in range(max(len(olds), len(news))):
            was: Block | None = olds[k] if k < len(olds) else None
            now: Block | None = news[k] if k < len(news) else None
            if was and now:
                found.append(Change("changed", now.line, now.kind, now.text, was.text))
            elif now:
                found.append(Change("added", now.line, now.kind, now.text, ""))
            elif was:
                found.append(Change("removed", was.line, was.kind, "", was.text))
    return found
