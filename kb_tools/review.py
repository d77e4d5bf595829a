"""kb review: a static review site (and the dashboard data) for translators, readable from file://.

The dashboard: per language its counts and progress, and one grid of every article by every
language, each cell a status linking to a page. Per language a queue (critical stale first, then
critical missing, invalid, stale, machine drafts, untracked, orphans, missing), each with its age.
Per article and language a page: the source and the translation side by side, block by block,
each changed source block paired with the translation block to edit, QA problems at their block,
and the approve command; for a missing translation the source and the draft command; for an
orphan what to do with it; for an invalid file what cannot be read.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import shlex
import shutil
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
# What to look at first: a reader must never read an outdated or missing critical article.
QUEUE_ORDER = {"stale-critical": 0, "missing-critical": 1, "invalid": 2, "stale": 3, "machine": 4, "untracked": 5,
               "orphan": 6, "missing": 7}
KINDS = (*QUEUE_ORDER, "current")  # every status a grid cell can have, most urgent first
LABELS = {"stale-critical": "critical stale", "missing-critical": "critical missing"}


@dataclass
class Row:
    """One line of the side-by-side view."""

    source: Block | None
    target: Block | None
    change: Change | None = None
    problems: list[str] = field(default_factory=list)
    edit: str = ""  # when the translation cell must change: what to do there, e.g. "edit this"


@dataclass(frozen=True)
class GridRow:
    """One article of the dashboard's grid: its entry in every language (None where it has none)."""

    rel: str
    title: str
    critical: bool
    cells: dict[str, Entry | None]


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


def kind(entry: Entry) -> str:
    """The entry's status, told apart when a critical article is stale or missing (a key of KINDS)."""
    return f"{entry.status}-critical" if entry.critical and entry.status in ("stale", "missing") else entry.status


def item(entry: Entry, dates: dict[str, str], today: dt.date) -> QueueItem:
    """entry with its kind and age: since its source changed (stale), else since its file last changed."""
    since = entry.source_changed_on if entry.status == "stale" else dates.get(entry.path, "")
    return QueueItem(entry, kind(entry), _age(since, today), since)


def queue(entries: list[Entry], dates: dict[str, str], today: dt.date) -> list[QueueItem]:
    """The articles of one language that need a translator, most urgent first."""
    items = [item(entry, dates, today) for entry in entries if kind(entry) in QUEUE_ORDER]
    return sorted(items, key=lambda i: (QUEUE_ORDER[i.kind], -(i.age_days or 0), i.entry.rel))


def grid(center: HelpCenter, report: dict[str, list[Entry]], languages: tuple[str, ...]) -> list[GridRow]:
    """Every article (orphans included) by every language, the most urgent first, then by path."""
    by_rel: dict[str, dict[str, Entry | None]] = {}
    for lang in languages:
        for entry in report[lang]:
            by_rel.setdefault(entry.rel, dict.fromkeys(languages))[lang] = entry
    result = []
    for rel, cells in by_rel.items():
        doc = center.source(rel) or next(center.docs[e.lang][rel] for e in cells.values() if e)
        result.append(GridRow(rel, doc.title, bool(doc.critical and center.source(rel)), cells))
    return sorted(result, key=lambda r: (_rank(r), r.rel))


def page_file(rel: str) -> str:
    """The review page of an article, relative to its language's folder (the home page's beside the queue's)."""
    return "index.md.html" if rel == "index.md" else rel.removesuffix(".md") + ".html"


def page_href(rel: str) -> str:
    """page_file, URL-quoted for a link."""
    return urllib.parse.quote(page_file(rel))


def rows(center: HelpCenter, entry: Entry, glossary: glossary_mod.Glossary) -> tuple[list[Row], list[str], bool]:
    """The side-by-side rows of one translation, the problems not tied to a block, and whether blocks line up.

    A changed source block is paired with the translation of its earlier version (align.counterparts), and
    that translation block is marked to edit; the translation of a removed source block is marked to delete.
    """
    source = center.with_blocks(center.source(entry.rel))  # type: ignore[arg-type]
    target = center.with_blocks(center.docs[entry.lang][entry.rel])
    src, dst = list(source.blocks), list(target.blocks)
    aligned = [b.kind for b in src] == [b.kind for b in dst]
    now, from_old = align.counterparts(src, dst, entry.made_from)
    paired = {id(d) for d in now if d is not None}
    place = {id(d): i for i, d in enumerate(dst)}
    result: list[Row] = []
    shown = 0  # translation blocks before dst[shown] are in result
    for s, d in zip(src, now, strict=True):
        if d is not None:  # the translation blocks of no source block go where they stand in the translation
            result += [Row(None, t) for t in dst[shown:place[id(d)]] if id(t) not in paired]
            shown = max(shown, place[id(d)] + 1)
        result.append(Row(s, d))
    result += [Row(None, t) for t in dst[shown:] if id(t) not in paired]
    by_line = {row.source.line: row for row in result if row.source}
    by_target = {id(row.target): row for row in result if row.target and not row.source}
    old_line = {b.line: i for i, b in enumerate(entry.made_from)}
    for change in entry.changes:
        if change.block_kind in ("title", "description"):
            result.insert(0, Row(None, None, change, edit=f"edit this {change.block_kind} (front matter)"))
        elif change.kind == "removed":
            was = from_old[old_line[change.line]] if change.line in old_line else None
            if was is not None and id(was) in by_target:
                by_target[id(was)].change = change
                by_target[id(was)].edit = "delete this: its source block was removed"
            else:
                result.append(Row(None, None, change))
        elif change.line in by_line:
            row = by_line[change.line]
            row.change, row.edit = change, "edit this" if row.target else "translate this"
    loose: list[str] = []
    target_rows = {row.target.line: row for row in result if row.target}
    for problem in qa.check(source, target, glossary, "warning" if entry.status == "stale" else "error",
                            made_from=entry.made_from):
        at = target_rows.get(problem.line)
        (at.problems if at else loose).append(f"{problem.message}: {problem.fix}")
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


def build(center: HelpCenter, out: Path, languages: tuple[str, ...] = (), today: dt.date | None = None,
          chart: Markup | None = None) -> Path:
    """Write the review site under out/; returns its index.html. chart: an SVG for the dashboard, if any.

    It is written into a scratch folder that replaces out/ once complete: a killed run leaves the
    old review site, never half of a new one.
    """
    if not _replaceable(out, center.settings.languages):
        raise KbError(f"{out}: not a review site made by kb review, it would be replaced: "
                      "choose a new or empty folder with --out")
    clean_scratch(out)
    scratch = scratch_dir(out)
    try:
        _write(center, scratch, languages, today or dt.date.today(), chart)
        write_atomic(scratch / MARKER, "")
        swap_dir(scratch, out)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return out / "index.html"


def _write(center: HelpCenter, out: Path, languages: tuple[str, ...], today: dt.date, chart: Markup | None) -> None:
    langs = languages or center.settings.targets
    report = explain_stale(center, compute(center, langs))
    glossary, _ = glossary_mod.load(center.settings.root)
    dates = last_changed(center.settings.root, *Layout(center.settings).every_folder())
    from jinja2 import Environment, PackageLoader, select_autoescape  # here: kb status (dashboard) needs none of it

    env = Environment(loader=PackageLoader("kb_tools", "templates/review"), autoescape=select_autoescape())
    env.globals.update(diff=word_diff_html, language_name=language_name, show=show, href=page_href, kinds=KINDS,
                       label=lambda k: LABELS.get(k, k), kind=kind,
                       quote=shlex.quote)
    board = dashboard(center, report, today)
    queues = {lang: queue(report[lang], dates, today) for lang in langs}
    write_atomic(out / "index.html", env.get_template("index.html").render(
        board=board, queues=queues, grid=grid(center, report, langs), langs=langs, today=today.isoformat(),
        root="", source=center.settings.source_language, chart=chart))
    layout = Layout(center.settings)
    for lang in langs:
        write_atomic(out / lang / "index.html", env.get_template("queue.html").render(
            lang=lang, items=queues[lang], root="../", counts=board[lang]["counts"]))
        for entry in report[lang]:
            waiting = item(entry, dates, today)
            common = {"item": waiting, "root": "../" * (entry.rel.count("/") + 1), "lang": lang,
                      "source": center.source(entry.rel), "target_path": layout.path(lang, entry.rel),
                      "source_path": layout.path(center.settings.source_language, entry.rel)}
            if entry.status == "missing":
                source = center.with_blocks(center.source(entry.rel))  # type: ignore[arg-type]
                text = env.get_template("missing.html").render(
                    **common, blocks=source.blocks, command=f"kb draft {lang} {shlex.quote(entry.rel)}",
                    approve=f"kb approve {lang} {shlex.quote(entry.rel)}")
            elif entry.status in ("orphan", "invalid"):
                text = env.get_template(f"{entry.status}.html").render(**common, target=center.docs[lang][entry.rel])
            else:
                table, loose, aligned = rows(center, entry, glossary)
                text = env.get_template("article.html").render(
                    **common, rows=table, loose=loose, aligned=aligned, target=center.docs[lang][entry.rel],
                    command="" if entry.status == "current" else f"kb approve {lang} {shlex.quote(entry.rel)}")
            write_atomic(out / lang / page_file(entry.rel), text)


def _replaceable(out: Path, languages: tuple[str, ...]) -> bool:
    """Whether out is new, empty, or a review site (one made before the marker holds index.html and languages)."""
    if not out.is_dir() or (out / MARKER).exists():
        return True
    names = {p.name for p in out.iterdir()}
    return not names or ("index.html" in names and names <= {"index.html", *languages})


def _rank(row: GridRow) -> int:
    return min((KINDS.index(kind(e)) for e in row.cells.values() if e), default=len(KINDS))


def _age(since: str, today: dt.date) -> int | None:
    try:
        return (today - dt.date.fromisoformat(since)).days
    except ValueError:
        return None
