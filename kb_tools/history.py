"""Git history: find the source version a translation was made from, and what changed since."""

from __future__ import annotations

import difflib
import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kb_tools.blocks import Block
from kb_tools.content import Document, read_document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceVersion:
    """A past version of a source article, found in git by its hash."""

    commit: str
    document: Document
    changed_on: str  # date of the first commit after it that changed the file ('' if uncommitted)


@dataclass(frozen=True)
class Change:
    """One source block added, removed or changed since the translation was made."""

    kind: str  # changed, added, removed
    line: int  # line in the current source (for removed: where it was, in the old version)
    block_kind: str  # heading, paragraph, item...
    text: str  # current text ('' for removed)
    old_text: str  # text in the version translated ('' for added)


class Git:
    """Reads file versions from the git repository that holds the help center."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.prefix: str | None = None
        try:
            result = subprocess.run(["git", "rev-parse", "--show-prefix"], cwd=root, capture_output=True,
                                    text=True, check=True)
            self.prefix = result.stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            log.debug("%s is not in a git repository", root)

    def versions(self, path: str) -> list[tuple[str, str]]:
        """(commit, date) of every commit that changed path, newest first."""
        if self.prefix is None:
            return []
        result = subprocess.run(["git", "log", "--format=%H %cs", "--", path], cwd=self.root,
                                capture_output=True, text=True, check=False)
        return [tuple(line.split(" ", 1)) for line in result.stdout.splitlines() if line]  # type: ignore[misc]

    def read(self, commit: str, path: str) -> bytes | None:
        """The file's bytes at a commit."""
        result = subprocess.run(["git", "show", f"{commit}:{self.prefix}{path}"], cwd=self.root,
                                capture_output=True, check=False)
        return result.stdout if result.returncode == 0 else None


def last_changed(root: Path, folder: Path) -> dict[str, str]:
    """path (relative to root) -> ISO date of the newest commit that changed it, for every file in folder."""
    result = subprocess.run(["git", "log", "--format=%x00%cs", "--name-only", "--relative", "--", str(folder)],
                            cwd=root, capture_output=True, text=True, check=False)
    dates: dict[str, str] = {}
    date = ""
    for line in result.stdout.splitlines():
        if line.startswith("\0"):
            date = line[1:]
        elif line:
            dates.setdefault(line, date)
    return dates


def find_version(git: Git, source: Document, wanted_hash: str) -> SourceVersion | None:
    """The newest committed version of source whose hash is wanted_hash, if history holds it."""
    changed_on = ""
    for commit, date in git.versions(source.path):
        data = git.read(commit, source.path)
        if data is not None:
            old = read_document(source.path, source.lang, source.rel, data, is_source=True)
            if old.source_hash == wanted_hash:
                return SourceVersion(commit, old, changed_on)
        changed_on = date
    return None


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
    if old.meta.get("description") != new.meta.get("description"):
        found.append(Change("changed", new.title_line, "description", str(new.meta.get("description", "")),
                            str(old.meta.get("description", ""))))
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
