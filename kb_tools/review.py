"""kb review: a static review site (and the dashboard data) for translators, readable from file://.

Per language a queue (critical stale first, then stale, then machine drafts, then untracked), each
with its age; per article the source and the translation side by side, block by block, changed
source blocks with their old and new text, QA problems at their block, and the approve command.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from kb_tools import align, qa
from kb_tools import glossary as glossary_mod
from kb_tools.blocks import Block
from kb_tools.errors import KbError
from kb_tools.fsutil import clean_scratch, scratch_dir, swap_dir, write_atomic
from kb_tools.git import last_changed
from kb_tools.history import Change
from kb_tools.i18n import language_name
from kb_tools.layout import Layout
from kb_tools.model import HelpCenter
from kb_tools.status import STATUSES, Entry, compute, counts, explain_stale

MARKER = ".kb-review"  # in the review folder: kb review made it, so it may replace it whole
QUEUE_ORDER = {"stale-critical": 0, "stale": 1, "machine": 2, "untracked": 3}


@dataclass
class Row:
    """One line of the side-by-side view."""

    source: Block | None
    target: Block | None
    change: Change | None = None
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class QueueItem:
    """A translation waiting for a reviewer."""

    entry: Entry
    kind: str  # a key of QUEUE_ORDER
    age_days: int | None
    since: str  # the ISO date the age counts from


def dashboard(center: HelpCenter, report: dict[str, list[Entry]], today: dt.date | None = None) -> dict[str, Any]:
    """Per language: counts, progress, the oldest stale articles and the critical ones out of date."""
    today = today or dt.date.today()
    data: dict[str, Any] = {}
    for lang, entries in report.items():
        if lang == center.settings.source_language:
            continue
        tally = counts(entries)
        total = len(entries) - tally["orphan"]
        stale = sorted((e for e in entries if e.status == "stale"), key=lambda e: e.source_changed_on or "9999")
        data[lang] = {
            "counts": tally,
            "percent": {s: round(100 * tally[s] / total, 1) if total else 0.0 for s in STATUSES if s != "orphan"},
            "oldest_stale": [{"path": e.rel, "source_changed_on": e.source_changed_on or None,
                              "age_days": _age(e.source_changed_on, today)} for e in stale[:5]],
            "critical_out_of_date": [{"path": e.rel, "status": e.status} for e in entries
                                     if e.critical and e.status in ("stale", "missing", "machine", "invalid")],
        }
    return data


def queue(entries: list[Entry], dates: dict[str, str], today: dt.date) -> list[QueueItem]:
    """The translations of one language a reviewer should look at, most urgent first."""
    items = []
    for entry in entries:
        kind = "stale-critical" if entry.status == "stale" and entry.critical else entry.status
        if kind not in QUEUE_ORDER:
            continue
        since = entry.source_changed_on if entry.status == "stale" else dates.get(entry.path, "")
        items.append(QueueItem(entry, kind, _age(since, today), since))
    return sorted(items, key=lambda i: (QUEUE_ORDER[i.kind], -(i.age_days or 0), i.entry.rel))


def rows(center: HelpCenter, entry: Entry, glossary: glossary_mod.Glossary) -> tuple[list[Row], list[str], bool]:
    """The side-by-side rows of one translation, the problems not tied to a block, and whether blocks line up."""
    source = center.with_blocks(center.source(entry.rel))  # type: ignore[arg-type]
    target = center.with_blocks(center.docs[entry.lang][entry.rel])
    src, dst = list(source.blocks), list(target.blocks)
    aligned = [b.kind for b in src] == [b.kind for b in dst]
    result = [Row(s, d) for s, d in align.pairs(src, dst)]
    by_line = {row.source.line: row for row in result if row.source}
    for change in entry.changes:
        if change.block_kind in ("title", "description"):
            result.insert(0, Row(None, None, change))
        elif change.kind == "removed":
            result.append(Row(None, None, change))
        elif change.line in by_line:
            by_line[change.line].change = change
    loose: list[str] = []
    target_rows = {row.target.line: row for row in result if row.target}
    for problem in qa.check(source, target, glossary, "warning" if entry.status == "stale" else "error",
                            made_from=entry.made_from):
        row = target_rows.get(problem.line)
        (row.problems if row else loose).append(f"{problem.message}: {problem.fix}")
    return result, loose, aligned


def word_diff_html(old: str, new: str) -> Markup:
    """new, with the words that changed since old marked <del> and <ins>."""
    a, b = old.split(" "), new.split(" ")
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(html.escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(f"<del>{html.escape(' '.join(a[i1:i2]))}</del>")
        if j2 > j1:
            parts.append(f"<ins>{html.escape(' '.join(b[j1:j2]))}</ins>")
    return Markup(" ".join(parts))


def show(block: Block) -> str:
    """A block as a translator reads it: its Markdown, with heading marks and admonition types."""
    if block.kind == "heading":
        return f"{'#' * block.level} {block.text}"
    if block.kind == "admonition":
        return f'!!! {block.info} "{block.text}"' if block.text else f"!!! {block.info}"
    if block.kind == "code":
        return f"```{block.info}\n{block.text}\n```"
    return block.text


def build(center: HelpCenter, out: Path, languages: tuple[str, ...] = (), today: dt.date | None = None) -> Path:
    """Write the review site under out/; returns its index.html.

    It is written into a scratch folder that replaces out/ once complete: a killed run leaves the
    old review site, never half of a new one.
    """
    if not _replaceable(out, center.settings.languages):
        raise KbError(f"{out}: not a review site made by kb review, it would be replaced: "
                      "choose a new or empty folder with --out")
    clean_scratch(out)
    scratch = scratch_dir(out)
    try:
        _write(center, scratch, languages, today or dt.date.today())
        write_atomic(scratch / MARKER, "")
        swap_dir(scratch, out)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return out / "index.html"


def _write(center: HelpCenter, out: Path, languages: tuple[str, ...], today: dt.date) -> None:
    langs = languages or center.settings.targets
    report = explain_stale(center, compute(center, langs))
    glossary, _ = glossary_mod.load(center.settings.root)
    dates = last_changed(center.settings.root, *Layout(center.settings).every_folder())
    env = Environment(loader=PackageLoader("kb_tools", "templates/review"), autoescape=select_autoescape())
    env.globals.update(diff=word_diff_html, language_name=language_name, show=show)
    board = dashboard(center, report, today)
    queues = {lang: queue(report[lang], dates, today) for lang in langs}
    write_atomic(out / "index.html", env.get_template("index.html").render(
        board=board, queues=queues, today=today.isoformat(), root="", source=center.settings.source_language))
    for lang in langs:
        write_atomic(out / lang / "index.html", env.get_template("queue.html").render(
            lang=lang, items=queues[lang], root="../", counts=board[lang]["counts"]))
        for item in queues[lang]:
            table, loose, aligned = rows(center, item.entry, glossary)
            depth = "../" * (item.entry.rel.count("/") + 1)
            write_atomic(out / lang / (item.entry.rel[:-3] + ".html"), env.get_template("article.html").render(
                item=item, rows=table, loose=loose, aligned=aligned, root=depth, lang=lang,
                source=center.source(item.entry.rel), target=center.docs[lang][item.entry.rel],
                command=f"kb approve {lang} {item.entry.rel}"))


def _replaceable(out: Path, languages: tuple[str, ...]) -> bool:
    """Whether out is new, empty, or a review site (one made before the marker holds index.html and languages)."""
    if not out.is_dir() or (out / MARKER).exists():
        return True
    names = {p.name for p in out.iterdir()}
    return not names or ("index.html" in names and names <= {"index.html", *languages})


def _age(since: str, today: dt.date) -> int | None:
    try:
        return (today - dt.date.fromisoformat(since)).days
    except ValueError:
        return None
