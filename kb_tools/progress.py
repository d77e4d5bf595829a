"""Translation progress over time: each week's status counts per language, from git history, and a chart of them.

A week stands for the last commit of the branch (its first parents) dated in or before it; a week with
no commit shows the one before it again. Each such commit's files are listed with one `git ls-tree`
and read through one `git cat-file --batch` process; a blob is read and parsed once, however many weeks
hold it. A week is counted with kb status's own rules (status.compute) on documents read as kb status
reads them (scan.read_document), with the editorial edits locales/editorial.yml declared in that
commit. Today's settings apply to every week: the languages and layout of mkdocs.yml as it is now.
What a blob yields is kept in .kb-cache/progress.pickle by the blob's id: a blob's bytes never change,
so only the blobs of new commits are parsed again (parsing is most of a cold run's time).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import math
from dataclasses import dataclass
from pathlib import Path

from kb_tools import editorial, status
from kb_tools.cache import CACHE_DIR, Memo
from kb_tools.config import Settings
from kb_tools.errors import KbError
from kb_tools.fsutil import write_atomic
from kb_tools.git import SHALLOW, Git, dirty_files, first_parents, tree_files
from kb_tools.i18n import language_name
from kb_tools.layout import Layout, display
from kb_tools.model import Document, EditorialEdit, HelpCenter
from kb_tools.scan import read_document

log = logging.getLogger(__name__)

__all__ = ["SERIES", "WEEKS", "History", "Week", "history", "svg", "write"]

WEEKS = 26  # weeks charted unless asked otherwise: half a year
# The chart's series, bottom up: (name, statuses folded into it, colour). Orphans are left out: no
# source article, so nothing a language still owes. Colours after Okabe and Ito, told apart by most
# colour-blind readers; missing in grey, the part of the bar not yet done.
SERIES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("current", ("current",), "#009E73"),
    ("machine, not reviewed", ("machine",), "#56B4E9"),
    ("stale", ("stale",), "#E69F00"),
    ("untracked or invalid", ("untracked", "invalid"), "#CC79A7"),
    ("missing", ("missing",), "#C8C8C8"),
)


@dataclass(frozen=True)
class Week:
    """One week of history: the commit that stands for it and every language's status counts there."""

    monday: dt.date  # the first day of the ISO week
    commit: str
    committed_on: str  # ISO date of that commit (before monday when the week itself had none)
    counts: dict[str, dict[str, int]]  # lang -> status -> articles, as status.counts gives them


@dataclass(frozen=True)
class History:
    """What the progress chart shows: weeks oldest first, for the translation languages asked."""

    site_name: str
    source_language: str
    languages: tuple[str, ...]
    weeks: tuple[Week, ...]
    notes: tuple[str, ...] = ()  # what the chart cannot show, one line each


def history(settings: Settings, languages: tuple[str, ...] | None = None, weeks: int = WEEKS,
            use_cache: bool = True) -> History:
    """The status counts of each of the last `weeks` weeks up to HEAD's, from the help center's git history."""
    if weeks < 1:
        raise KbError(f"--weeks {weeks}: chart at least one week, e.g. --weeks {WEEKS}")
    root = settings.root
    wanted = tuple(lang for lang in languages or settings.targets if lang != settings.source_language)
    if not wanted:
        raise KbError(f"{settings.source_language} is the source language: name a translation language to chart")
    git = Git(root)
    if git.prefix is None:
        raise KbError(f"{root}: not in a git repository: the progress chart is made from the history of commits")
    commits = first_parents(root)
    if not commits:
        raise KbError(f"{root}: no commits yet: commit the help center, then chart its progress")
    files = Layout(settings)
    folders = [display(root, folder) for folder in files.every_folder()]
    here = Path(__file__)
    code = tuple(here.with_name(name) for name in ("progress.py", "scan.py", "frontmatter.py", "blocks.py", "model.py"))
    memo = Memo(root / CACHE_DIR if use_cache else None, "progress", code)
    reader = _Reader(settings, files, git, memo)
    counted: dict[tuple[tuple[str, str, str], ...], dict[str, dict[str, int]]] = {}
    found = []
    with git:
        for monday, (commit, day) in _pick(commits, weeks):
            tree = tuple(tree_files(root, commit, *folders, editorial.EDITORIAL_FILE))
            if tree not in counted:  # commits that touch no article share their counts
                report = status.compute(reader.center(tree), wanted)
                counted[tree] = {lang: status.counts(entries) for lang, entries in report.items()}
            found.append(Week(monday, commit, day, counted[tree]))
    memo.save(prune=weeks >= WEEKS)  # a shorter chart than usual keeps what the usual one needs
    log.debug("progress: %d weeks, %d trees, %d blobs read", len(found), len(counted), reader.read)
    notes = []
    if git.shallow:
        notes.append(f"history before {found[0].committed_on} is missing: {SHALLOW}")
    if dirty_files(root, *files.every_folder(), root / editorial.EDITORIAL_FILE):
        notes.append("uncommitted changes are not charted: the last week shows the last commit")
    return History(settings.site_name, settings.source_language, wanted, tuple(found), tuple(notes))


def _pick(commits: list[tuple[str, str]], weeks: int) -> list[tuple[dt.date, tuple[str, str]]]:
    """(monday, commit) of each week up to the newest commit's: the first commit, newest first, dated before its end."""
    newest = _monday(dt.date.fromisoformat(commits[0][1]))
    picked, index = [], 0
    for back in range(weeks):
        monday = newest - dt.timedelta(weeks=back)
        while index < len(commits) and dt.date.fromisoformat(commits[index][1]) >= monday + dt.timedelta(weeks=1):
            index += 1
        if index == len(commits):
            break  # the history starts later
        picked.append((monday, commits[index]))
    return picked[::-1]


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


class _Reader:
    """Past trees as help centers: each blob read and parsed once, by its id."""

    def __init__(self, settings: Settings, files: Layout, git: Git, memo: Memo) -> None:
        self.settings, self.files, self.git, self.memo = settings, files, git, memo
        self.places: dict[str, tuple[str, str] | None] = {}  # path -> files.locate(path): paths recur every week
        self.read = 0  # blobs read from git in this run

    def center(self, tree: tuple[tuple[str, str, str], ...]) -> HelpCenter:
        """The help center a commit's tree holds, its documents without blocks, as kb status scans them."""
        source = self.settings.source_language
        docs: dict[str, dict[str, Document]] = {lang: {} for lang in self.settings.languages}
        paths: dict[tuple[str, str], str] = {}
        edits: dict[str, dict[str, EditorialEdit]] = {}
        for mode, blob, path in tree:
            if path == editorial.EDITORIAL_FILE:
                edits, _ = editorial.parse((self.git.read_object(blob) or b"").decode("utf-8", "replace"))
                continue
            if path not in self.places:
                self.places[path] = self.files.locate(path)
            place = self.places[path]
            if mode == "120000" or place is None or not place[1].endswith(".md"):
                continue  # symlinks are left out: their target may lie outside the tree
            lang, rel = place
            if (lang, rel) in paths and len(paths[lang, rel]) <= len(path):
                continue  # the suffix layout's x.md and x.en.md: the scan keeps the shorter name
            paths[lang, rel] = path
            docs[lang][rel] = self.document(blob, path, lang, rel, lang == source)
        return HelpCenter(self.settings, docs, {}, [], edits)

    def document(self, blob: str, path: str, lang: str, rel: str, is_source: bool) -> Document:
        """The document a blob holds (its path and rel are those it was first seen under: status needs neither)."""
        key = (blob, is_source)
        document: Document | None = self.memo.get(key)
        if document is None:
            data = self.git.read_object(blob)
            self.read += 1
            if data is None:  # not in this clone: not kept, a later fetch may bring it
                return Document(path, lang, rel, False)
            document = read_document(path, lang, rel, data, is_source, blocks=False).without_blocks()
            self.memo.put(key, document)
        return document


def write(path: Path, chart: History) -> None:
    """Write the chart as an SVG file, atomically."""
    write_atomic(path, svg(chart) + "\n")


# The drawing, in SVG user units (pixels at 100%).
WIDTH = 960
_PANEL_HEIGHT = 250
_HEADER = 92
_NOTE = 18
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Helvetica Neue', Arial, sans-serif"


def svg(chart: History) -> str:
    """The chart as SVG text: a panel of weekly stacked bars per language, for a file or inline in a page."""
    columns = 1 if len(chart.languages) == 1 else 2
    rows = math.ceil(len(chart.languages) / columns)
    top = _HEADER + _NOTE * len(chart.notes)
    height = top + rows * _PANEL_HEIGHT + 8
    first, last = chart.weeks[0].monday, chart.weeks[-1].monday
    span = f"{len(chart.weeks)} week{'s' if len(chart.weeks) != 1 else ''}, {first} to {last}"
    title = f"Translation progress{': ' + chart.site_name if chart.site_name else ''}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" font-family="{_e(_FONT)}" font-size="12" fill="#222">',
        f"<title>{_e(title)} ({_e(span)})</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>',
        f'<text x="20" y="30" font-size="20" font-weight="bold">{_e(title)}</text>',
        f'<text x="20" y="52" fill="#555">{_e(span)}; each week as its last commit left it; '
        f'articles of the source language ({_e(chart.source_language)}) per status</text>',
    ]
    x = 20.0
    for name, _, colour in SERIES:
        parts.append(f'<rect x="{x:.1f}" y="66" width="14" height="14" fill="{colour}"/>'
                     f'<text x="{x + 20:.1f}" y="78">{_e(name)}</text>')
        x += 40 + 6.4 * len(name)
    for index, note in enumerate(chart.notes):
        parts.append(f'<text x="20" y="{_HEADER + 6 + index * _NOTE}" fill="#a33">{_e(note)}</text>')
    width = (WIDTH - 20) / columns
    for index, lang in enumerate(chart.languages):
        row, column = divmod(index, columns)
        parts += _panel(chart, lang, 20 + column * width, top + row * _PANEL_HEIGHT, width - 20)
    parts.append("</svg>")
    return "\n".join(parts)


def _panel(chart: History, lang: str, left: float, top: float, width: float) -> list[str]:
    """One language's weekly stacked bars, with its title, axes and dates."""
    plot_left, plot_top = left + 44, top + 34
    plot_width, plot_height = width - 80, _PANEL_HEIGHT - 92  # room on the right for the newest week's date
    bottom = plot_top + plot_height
    stacks = [[sum(week.counts[lang].get(s, 0) for s in statuses) for _, statuses, _ in SERIES]
              for week in chart.weeks]
    now = stacks[-1]
    total = sum(now)
    percent = f" ({100 * now[0] // total}%)" if total else ""
    parts = [f'<text x="{left}" y="{top + 16}" font-size="15" font-weight="bold">'
             f"{_e(lang)} · {_e(language_name(lang, 'en'))}</text>",
             f'<text x="{plot_left + plot_width}" y="{top + 16}" text-anchor="end" fill="#555">'
             f"{now[0]} of {total} current{percent}</text>"]
    most = max(sum(stack) for stack in stacks)
    step = _step(most)
    ceiling = max(step, math.ceil(most / step) * step)
    for tick in range(0, ceiling + 1, step):
        y = bottom - plot_height * tick / ceiling
        parts.append(f'<line x1="{plot_left}" x2="{plot_left + plot_width}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#e4e4e4"/><text x="{plot_left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'fill="#555">{tick}</text>')
    slot = plot_width / len(stacks)
    bar = max(1.0, min(slot * 0.8, 40))  # a few weeks make bars, not blocks
    for position, (week, stack) in enumerate(zip(chart.weeks, stacks, strict=True)):
        x, y = plot_left + position * slot + (slot - bar) / 2, bottom
        for (name, _, colour), count in zip(SERIES, stack, strict=True):
            if count:
                tall = plot_height * count / ceiling
                y -= tall
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{tall:.1f}" '
                             f'fill="{colour}"><title>{_e(lang)}, week of {week.monday}: '
                             f"{count} {_e(name)}</title></rect>")
    parts.append(f'<line x1="{plot_left}" x2="{plot_left + plot_width}" y1="{bottom}" y2="{bottom}" '
                 f'stroke="#888"/>')
    every = max(1, math.ceil(len(stacks) * 78 / plot_width))  # an ISO date is about 70 units wide
    for position in range(len(stacks) - 1, -1, -every):  # the newest week always labelled
        x = plot_left + (position + 0.5) * slot
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 4}" stroke="#888"/>'
                     f'<text x="{x:.1f}" y="{bottom + 17}" text-anchor="middle" fill="#555">'
                     f"{chart.weeks[position].monday}</text>")
    middle = plot_top + plot_height / 2
    parts.append(f'<text x="{plot_left + plot_width / 2}" y="{bottom + 36}" text-anchor="middle" fill="#555">'
                 f"week (its Monday)</text>"
                 f'<text x="{left + 8}" y="{middle}" text-anchor="middle" fill="#555" '
                 f'transform="rotate(-90 {left + 8} {middle})">articles</text>')
    return parts


def _step(most: int) -> int:
    """A round tick step (1, 2 or 5 times a power of ten) giving at most 5 steps up to most."""
    power = 1
    while True:
        for factor in (1, 2, 5):
            if most <= 5 * factor * power:
                return factor * power
        power *= 10


def _e(text: str) -> str:
    """Text from files, settings or git, safe in SVG text and attributes."""
    return html.escape(text, quote=True)
