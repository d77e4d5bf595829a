"""`kb status --format markdown`: what a change leaves stale or missing per language, as a pull-request comment.

One table per translation language (article, status, changed paragraphs, file), as Lunaria's GitHub
Action comments; with a git ref, only the articles whose source or translation changed since it.
"""

from __future__ import annotations

from kb_tools import git
from kb_tools.errors import KbError
from kb_tools.model import HelpCenter
from kb_tools.status import Entry, counts

SHOWN = ("stale", "missing", "machine", "untracked", "invalid", "orphan")  # what a reviewer may act on


def changed_articles(center: HelpCenter, ref: str) -> set[str]:
    """The articles (paths inside a language folder) whose source or any translation changed since ref."""
    settings = center.settings
    changed = git.changed_since(settings.root, ref)
    if changed is None:
        raise KbError(f"--since {ref}: not a commit of the repository at {settings.root}: fetch it, or name "
                      "another (e.g. origin/main)")
    docs = settings.docs_dir.relative_to(settings.root).as_posix() if settings.docs_dir.is_relative_to(
        settings.root) else settings.docs_dir.as_posix()
    found = set()
    for path in changed:
        for lang in settings.languages:
            prefix = f"{docs}/{lang}/"
            if path.startswith(prefix) and path.endswith(".md"):
                found.add(path[len(prefix):])
    return found


def comment(center: HelpCenter, report: dict[str, list[Entry]], since: str | None = None,
            articles: set[str] | None = None) -> str:
    """The Markdown comment: a heading, then per translation language its counts and a table.

    articles limits the tables to those paths (what changed since the ref named by since).
    """
    source_lang = center.settings.source_language
    lines = ["## Translation status", ""]
    if since is not None:
        changed = sorted(articles or ())
        lines += [f"Articles changed since `{_cell(since)}`: {len(changed)}"
                  + (f" ({', '.join(f'`{_cell(rel)}`' for rel in changed)})" if changed else "") + ".", ""]
    for lang, entries in report.items():
        if lang == source_lang:
            continue
        rows = sorted((e for e in entries if e.status in SHOWN and (articles is None or e.rel in articles)),
                      key=lambda e: (SHOWN.index(e.status), e.rel))
        tally = counts(rows)
        summary = ", ".join(f"{tally[s]} {s}" for s in SHOWN if tally[s])
        lines.append(f"### {lang}: {summary or 'up to date'}")
        lines.append("")
        if not rows:
            continue
        lines += ["| article | status | changed paragraphs | file |", "|---|---|---|---|"]
        for entry in rows:
            doc = center.source(entry.rel) or center.docs[lang].get(entry.rel)
            title = doc.title if doc and doc.title else entry.rel
            flag = " (critical)" if entry.critical else ""
            lines.append(f"| {_cell(title)} | {entry.status}{flag} | {_changed(entry)} | `{_cell(entry.path)}` |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _changed(entry: Entry) -> str:
    """How many source paragraphs changed: a count for stale, '?' when history cannot tell, else blank."""
    if entry.status != "stale":
        return ""
    return str(len(entry.changes)) if entry.changes or not entry.reasons else "?"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell or code span."""
    return " ".join(text.split()).replace("|", "\\|").replace("`", "'")
