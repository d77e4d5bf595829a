"""kb approve: mark translations reviewed, and feed the translation memory with what lines up."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb_tools import frontmatter, qa, snapshots
from kb_tools.errors import KbError
from kb_tools.fsutil import read_only, write_atomic
from kb_tools.git import user_name
from kb_tools.glossary import Glossary
from kb_tools.layout import Layout
from kb_tools.memory import Memory, with_meta
from kb_tools.model import HelpCenter
from kb_tools.status import entry_for


@dataclass(frozen=True)
class Approval:
    """What kb approve did with one translation."""

    rel: str
    approved: bool
    notes: tuple[str, ...] = ()  # why not, or what the reviewer should know


def reviewer(root: Path, given: str | None) -> str:
    """--by, else git's user.name."""
    if given:
        return given
    name = user_name(root)
    if not name:
        raise KbError("who reviewed it? pass --by NAME (or set git's user.name)")
    return name


def approve(center: HelpCenter, lang: str, rels: list[str], by: str, glossary: Glossary, memory: Memory,
            force: bool = False, today: dt.date | None = None) -> list[Approval]:
    """Mark each translation reviewed by `by` today against the current source; untracked ones are adopted.

    The source as approved is kept as its snapshot; snapshots no translation refers to any more are deleted.
    """
    results = []
    written: dict[tuple[str, str], str] = {}
    for raw in rels:
        rel = Layout(center.settings).rel_of(raw, lang, center.settings.source_language)
        entry = entry_for(center, lang, rel) if rel in center.docs[lang] or center.source(rel) else None
        if entry is None or entry.status in ("missing", "orphan", "invalid"):
            why = {"missing": "no translation yet: write one or run kb draft",
                   "orphan": "its source is gone: nothing to approve it against",
                   "invalid": "it cannot be read: run kb check and fix it first"}
            results.append(Approval(rel, False, (why.get(entry.status if entry else "", f"no article {rel}"),)))
            continue
        source, doc = center.with_blocks(center.source(rel)), center.with_blocks(center.docs[lang][rel])  # type: ignore[arg-type]
        errors = [p for p in qa.check(source, doc, glossary) if p.severity == "error"]
        if errors and not force:
            results.append(Approval(rel, False, (*(str(p) for p in errors),
                                                 "fix these, or approve anyway with --force")))
            continue
        path = center.settings.root / doc.path
        locked = read_only(path)
        if locked:  # left alone, and not learned either: the file would not say it was reviewed
            shown = locked.relative_to(center.settings.root).as_posix() if locked.is_relative_to(
                center.settings.root) else str(locked)
            results.append(Approval(rel, False, (f"{shown}: cannot write (read-only): make it writable",)))
            continue
        block = {"source_hash": source.source_hash, "status": "reviewed", "reviewed_by": by,
                 "reviewed_on": today or dt.date.today()}
        write_atomic(path, set_translation_block(path.read_bytes(), block))
        snapshots.save(center.settings.root, source.source_hash, (center.settings.root / source.path).read_bytes())
        written[(lang, rel)] = source.source_hash
        notes = ["adopted: it had no translation: block" if entry.status == "untracked" else ""]
        originals, translated = with_meta(source), with_meta(doc)
        # What QA faults (added markup, other links or numbers) never enters the memory, even with --force.
        flagged = _flagged(doc.translation.qa if doc.translation else (), source.path)
        refused = [(s, t) for s, t in zip(originals, translated, strict=False)
                   if s.kind != "code" and ({f"{source.path}:{s.line}", f"draft line {t.line}", s.kind} & flagged
                                            or not qa.clean_pair(s, t, source.lang, lang, glossary))]
        bad = {(s.key, t.key) for s, t in refused}
        if memory.learn(originals, translated, lambda s, t: (s.key, t.key) not in bad):  # noqa: B023 (used at once)
            learned = len([b for b in originals if b.kind != "code"]) - len(refused)
            notes.append(f"memory: {learned} blocks learned")
            if refused:
                lines = ", ".join(str(t.line or doc.title_line) for _, t in refused)
                notes.append(f"memory: {len(refused)} blocks left out (lines {lines}): they differ from the "
                             "source in links, numbers, terms or markup, or kb draft flagged them")
        else:
            notes.append(f"memory: not fed: its {len(doc.blocks)} blocks do not line up with the "
                         f"{len(source.blocks)} blocks of {source.path} (translate block by block to reuse them)")
        results.append(Approval(rel, True, tuple(n for n in notes if n)))
    memory.save()
    if written:
        snapshots.prune(center.settings.root, snapshots.referenced(center, written))
    return results


def _flagged(notes: tuple[str, ...], source_path: str) -> set[str]:
    """Where kb draft's notes (not its warnings) point: `path:line`, `draft line N`, or `title`/`description`."""
    found = set()
    for note in notes:
        if not qa.withholds((note,)):
            continue
        meta = re.match(rf"{re.escape(source_path)}: the (title|description): ", note)
        where = re.match(r"(draft line \d+|[^:\s]+:\d+): ", note)
        if meta:
            found.add(meta.group(1))
        elif where:
            found.add(where.group(1))
    return found


def set_translation_block(data: bytes, block: dict[str, object]) -> str:
    """The file with its `translation:` block replaced (or added); every other line kept as it was."""
    text = data.decode("utf-8-sig")
    newline = "\r\n" if "\r\n" in text else "\n"
    split = frontmatter.split(text.replace("\r\n", "\n"))
    kept, skipping = [], False
    for line in (split.yaml_text or "").split("\n"):
        if re.match(r"^translation\s*:", line):
            skipping = True
        elif not (skipping and (line.startswith((" ", "\t")) or not line.strip())):
            skipping = False
            kept.append(line)
    head = "\n".join(kept).rstrip("\n")
    dumped = yaml.safe_dump({"translation": block}, allow_unicode=True, sort_keys=False)
    result = "---\n" + (f"{head}\n" if head else "") + f"{dumped}---\n{split.body}"
    return result.replace("\n", newline)
