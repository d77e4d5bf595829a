"""Editorial source edits: a typo fix a writer declares needs no re-translation (`kb editorial`).

Each declaration is one entry of `locales/editorial.yml` (source path, hash before and after, who,
when, why): a reviewed change like any other, kept in the files rather than in commit messages, so a
shallow clone reads it too. A translation made from `before` counts as made from `after`; edits
chain (before -> after -> after that). Only the edit declared is forgiven: a translation already
stale before it stays stale.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kb_tools.errors import KbError, Problem
from kb_tools.fsutil import write_atomic
from kb_tools.git import SHALLOW, Git
from kb_tools.layout import Layout
from kb_tools.model import EditorialEdit, HelpCenter

log = logging.getLogger(__name__)

EDITORIAL_FILE = "locales/editorial.yml"
_HEADER = ("# Source edits that need no re-translation, recorded by `kb editorial`: a translation made from\n"
           "# `before` counts as made from `after`. Review an entry like any change to the articles.\n")
_KEYS = ("path", "before", "after", "by", "on")


def load(root: Path) -> tuple[dict[str, dict[str, EditorialEdit]], list[Problem]]:
    """The declared editorial edits (rel -> hash before -> edit), and what is wrong in the file."""
    path = root / EDITORIAL_FILE
    if not path.is_file():
        return {}, []
    try:
        return parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [Problem(EDITORIAL_FILE, 1, f"cannot be read: {exc}", "fix the YAML, or restore it from git")]


def parse(text: str) -> tuple[dict[str, dict[str, EditorialEdit]], list[Problem]]:
    """The editorial edits a text of locales/editorial.yml declares, and what is wrong in it."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return {}, [Problem(EDITORIAL_FILE, 1, f"cannot be read: {exc}", "fix the YAML, or restore it from git")]
    edits: dict[str, dict[str, EditorialEdit]] = {}
    problems = []
    for index, entry in enumerate(data or []):
        missing = [key for key in _KEYS if not isinstance(entry, dict) or not entry.get(key)]
        if missing:
            problems.append(Problem(EDITORIAL_FILE, 1, f"entry {index + 1} lacks {', '.join(missing)}",
                                    "record editorial edits with kb editorial"))
            continue
        edit = EditorialEdit(str(entry["path"]), str(entry["before"]), str(entry["after"]), str(entry["by"]),
                             str(entry["on"]), str(entry.get("note") or ""))
        edits.setdefault(edit.rel, {})[edit.before] = edit
    return edits, problems


@dataclass(frozen=True)
class Declared:
    """What kb editorial did for one source article."""

    rel: str
    edit: EditorialEdit | None
    kept_current: tuple[str, ...] = ()  # languages whose translation stays current (or machine) through it
    note: str = ""  # why nothing was recorded


def declare(center: HelpCenter, rels: list[str], by: str, note: str, dry_run: bool = False,
            today: dt.date | None = None) -> list[Declared]:
    """Record the last edit of each source article as editorial: the version before it -> the current one."""
    from kb_tools import snapshots  # snapshots reads documents; the scan reads this module's file

    root, source_lang = center.settings.root, center.settings.source_language
    git = Git(root)
    if git.prefix is None:
        raise KbError("kb editorial needs the git history of the sources: run it inside the repository")
    results, entries = [], []
    for raw in rels:
        rel = Layout(center.settings).rel_of(raw, source_lang)
        source = center.source(rel)
        if source is None or not source.readable:
            results.append(Declared(rel, None, note=f"no readable source article {rel}"))
            continue
        before, before_data = _previous(git, source.path, source.lang, rel, source.source_hash)
        if not before:
            why = SHALLOW if git.shallow else "git history holds no earlier version of it"
            results.append(Declared(rel, None, note=f"{source.path}: {why}"))
            continue
        edit = EditorialEdit(rel, before, source.source_hash, by, (today or dt.date.today()).isoformat(), note)
        center.editorial.setdefault(rel, {})[before] = edit
        kept = tuple(lang for lang in center.settings.targets
                     if (doc := center.docs[lang].get(rel)) and doc.translation
                     and any(e.before == before for e in center.editorial_chain(rel, doc.translation.source_hash)))
        entries.append(edit)
        if not dry_run:
            assert before_data is not None
            snapshots.save(root, before, before_data)
            snapshots.save(root, source.source_hash, (root / source.path).read_bytes())
        results.append(Declared(rel, edit, kept))
    if entries and not dry_run:
        _append(root / EDITORIAL_FILE, entries)
        snapshots.prune(root, snapshots.referenced(center))
    return results


def _previous(git: Git, path: str, lang: str, rel: str, now: str) -> tuple[str, bytes | None]:
    """The hash (and bytes) of the newest committed version of the source whose hash is not now."""
    from kb_tools.scan import read_document

    for commit, _ in git.versions(path):
        data = git.read(commit, path)
        if data is None:
            continue
        digest = read_document(path, lang, rel, data, is_source=True).source_hash
        if digest and digest != now:
            return digest, data
    return "", None


def _append(path: Path, edits: list[EditorialEdit]) -> None:
    """Add entries at the end of the file, every line already there kept as it was."""
    text = path.read_text(encoding="utf-8") if path.is_file() else _HEADER
    items: list[dict[str, Any]] = []
    for edit in edits:
        item: dict[str, Any] = {"path": edit.rel, "before": edit.before, "after": edit.after, "by": edit.by,
                                "on": edit.on}
        if edit.note:
            item["note"] = edit.note
        items.append(item)
    if text and not text.endswith("\n"):
        text += "\n"
    write_atomic(path, text + yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=1000))
