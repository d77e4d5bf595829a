"""The `kb` command: parses flags, calls the library, prints through rich.

Each command is a function registered with @command, with its own flags; main only parses and dispatches.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from kb_tools import config
from kb_tools.errors import KbError, Problem

if TYPE_CHECKING:  # the commands import what they use: `kb search` starts without rich, the scanner and checks
    from rich.console import Console

    from kb_tools import checks, model, status


class _Console:
    """A rich Console made at its first use: `kb search` prints plain lines and starts without importing rich.

    It stands for the Console everywhere one is used, as a progress bar's console too (`with console:`).
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def _real(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)

    def __enter__(self) -> Console:
        return self._real().__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._real().__exit__(*exc)


out = cast("Console", _Console(highlight=False, soft_wrap=True))
err = cast("Console", _Console(stderr=True, highlight=False, soft_wrap=True))

Arg = tuple[tuple[str, ...], dict[str, Any]]
Run = Callable[[config.Settings, argparse.Namespace], int]


def arg(*flags: str, **options: Any) -> Arg:
    """One argparse argument of a command: the flags and options add_argument takes."""
    return flags, options


@dataclass(frozen=True)
class Command:
    """A kb subcommand: its name, one-line help, flags, and the function that runs it."""

    name: str
    help: str
    arguments: tuple[Arg, ...]
    run: Run


COMMANDS: dict[str, Command] = {}  # in the order `kb --help` lists them


def command(name: str, help: str, *arguments: Arg) -> Callable[[Run], Run]:
    """Register the decorated function as `kb name`, with these flags."""

    def register(run: Run) -> Run:
        COMMANDS[name] = Command(name, help, arguments, run)
        return run

    return register


def parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser of every registered command; given argv, with the flags only of the commands it names
    (a parser parses one command's flags: making all of them cost a kb search 8 ms)."""
    top = argparse.ArgumentParser(prog="kb", description="Multilingual help center toolkit.")
    top.add_argument("--config", type=Path, default=Path("mkdocs.yml"), help="the help center's mkdocs.yml")
    top.add_argument("-v", "--verbose", action="count", default=0,
                     help="log what happens on stderr: -v retries and skips, -vv also cache misses and git")
    sub = top.add_subparsers(dest="command", required=True)
    named = set(argv) if argv is not None else set(COMMANDS)
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help)
        for flags, options in cmd.arguments if cmd.name in named else ():
            p.add_argument(*flags, **options)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = parser(sys.argv[1:] if argv is None else argv).parse_args(argv)
    _log_to_stderr(args.verbose)
    try:
        return COMMANDS[args.command].run(config.load(args.config), args)
    except KbError as exc:
        err.print(f"kb: {exc}", markup=False)
        return 2
    finally:
        if argv is None:  # kb as a command: the process exits next
            # Python's exit looks for reference cycles among every object left (Whoosh's modules, the index's
            # readers) more than once, 10 ms of a kb search; frozen, they are freed without that search.
            # (Its exit never promised to finalize what it leaves: kb closes its files itself.)
            gc.freeze()


class _ErrHandler(logging.Handler):
    """Log records printed on the stderr console, so they stay above a running progress bar."""

    def emit(self, record: logging.LogRecord) -> None:
        err.print(f"{record.levelname.lower()}: {self.format(record)}", markup=False)


_handler = _ErrHandler()


def _log_to_stderr(verbose: int) -> None:
    """-v: INFO from kb_tools on stderr, -vv: DEBUG; none: Python's default (warnings only)."""
    logger = logging.getLogger("kb_tools")
    logger.removeHandler(_handler)  # main runs more than once in one process (the tests do)
    logger.setLevel(logging.NOTSET)
    if verbose:
        logger.setLevel(logging.INFO if verbose == 1 else logging.DEBUG)
        logger.addHandler(_handler)


@command("status", "translation status per language",
         arg("languages", nargs="*", metavar="LANG"),
         arg("--format", choices=["table", "json", "markdown"], default="table",
             help="markdown: a pull-request comment, a table per language"),
         arg("--since", default=None, metavar="REF",
             help="with --format markdown: only articles whose source or translation changed since REF"),
         arg("--check", action="store_true", help="exit 1 when a language breaks its policy"),
         arg("--all", action="store_true", help="list every article, missing ones too (default: a count per language)"),
         arg("--color", choices=["auto", "always", "never"], default="auto",
             help="colour the table by status: auto (on a terminal), always, never"),
         arg("--chart", type=Path, default=None, metavar="FILE",
             help="instead: write an SVG chart of each language's counts week by week, from git history"),
         arg("--weeks", type=int, default=26, metavar="N", help="with --chart: the last N weeks (default 26)"))
def _status(settings: config.Settings, args: argparse.Namespace) -> int:
    from kb_tools.deferred import paused_gc

    for lang in args.languages:
        _language(settings, lang)
    if args.chart is not None:
        return _status_chart(settings, args)
    if args.since is not None and args.format != "markdown":
        raise KbError("--since works with --format markdown")
    with paused_gc():  # hundreds of thousands of documents and entries, and no cycle among them
        return _report_status(settings, args)


def _report_status(settings: config.Settings, args: argparse.Namespace) -> int:
    """kb status without --chart: the report in the format asked."""
    from kb_tools import status
    from kb_tools.scan import scan

    center = scan(settings, blocks=False, source_blocks=False)
    report = status.explain_stale(center, status.compute(center, tuple(args.languages) or None), blocks=False)
    broken = status.violations(center, report)
    if args.format == "markdown":
        from kb_tools import prcomment

        articles = prcomment.changed_articles(center, args.since) if args.since is not None else None
        print(prcomment.comment(center, report, args.since, articles), end="")
    elif args.format == "json":
        from kb_tools import review

        data = status.report_json(center, report, review.dashboard(center, report))
        # Asked of stdout, not of rich's console: printed to a file or a pipe, kb status starts without rich.
        out.print_json(json.dumps(data, ensure_ascii=False)) if sys.stdout.isatty() else print(status.json_text(data))
    else:
        _print_status(report, args.all, _console(args.color))
        for problem in center.problems:  # files that are no article of any language: symlink loops and the like
            if problem.severity == "error":
                out.print(f"problem {problem}", markup=False)
    if args.check and broken:
        for line in broken:
            err.print(line, markup=False)
        return 1
    return 0


def _status_chart(settings: config.Settings, args: argparse.Namespace) -> int:
    """kb status --chart FILE: the progress chart (kb_tools/progress.py) written, and where."""
    from kb_tools import progress

    chart = progress.history(settings, tuple(args.languages) or None, args.weeks)
    progress.write(args.chart, chart)
    for note in chart.notes:
        err.print(f"note: {note}", markup=False)
    weeks = f"{len(chart.weeks)} week{'s' if len(chart.weeks) > 1 else ''}"
    out.print(f"wrote {args.chart}: {', '.join(chart.languages)} over {weeks}, "
              f"{chart.weeks[0].monday} to {chart.weeks[-1].monday}", markup=False)
    return 0


# Each status's colour in a terminal: what misleads readers red, what waits for a translator yellow and cyan.
_STYLES = {"invalid": "bold red", "stale": "yellow", "machine": "cyan", "untracked": "magenta", "orphan": "magenta",
           "missing": "blue", "current": "green"}


def _console(color: str) -> Console:
    """Where kb status prints its table: stdout, coloured on a terminal (auto: asked now, FORCE_COLOR and
    NO_COLOR included) or as asked."""
    from rich.console import Console

    if color == "auto":
        return Console(highlight=False, soft_wrap=True)
    return Console(highlight=False, soft_wrap=True, force_terminal=color == "always",
                   color_system="standard" if color == "always" else None)


def _print_status(report: dict[str, list[status.Entry]], everything: bool = False, console: Console = out) -> None:
    """The counts per language, then the articles behind them, most harmful first (status.harm).

    Without everything, missing articles are one line per language, but for critical ones: those are named.
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from kb_tools import status
    from kb_tools.history import word_diff

    rows = []
    for lang, entries in report.items():
        tally = status.counts(entries)
        total = len(entries) - tally["orphan"]
        percent = 100 * tally["current"] // total if total else 100
        rows.append((lang, tally, percent))
    if console.is_terminal:
        table = Table(title="Translation status", box=box.SIMPLE_HEAD, collapse_padding=True)
        table.add_column("lang", no_wrap=True, min_width=4)
        for name in status.STATUSES:
            table.add_column(name, justify="right", no_wrap=True, min_width=len(name), header_style=_STYLES[name])
        table.add_column("reviewed", no_wrap=True, min_width=10)
        for lang, tally, percent in rows:
            bar = "█" * (percent // 20) + "░" * (5 - percent // 20)
            table.add_row(lang, *(str(tally[s]) for s in status.STATUSES), f"{bar} {percent}%")
        console.print(table)
    else:
        print("language " + " ".join(f"{s:>9}" for s in status.STATUSES) + "  reviewed")
        for lang, tally, percent in rows:
            print(f"{lang:<8} " + " ".join(f"{tally[s]:>9}" for s in status.STATUSES) + f"  {percent:>7}%")
    lines = []  # printed at once: rich renders each print anew, and a print a line took seconds at 10,000 articles
    for entry in status.by_harm(report):
        if entry.status == "current" and not entry.reasons:  # reasons: current through an editorial edit
            continue
        if entry.status == "missing" and not entry.critical and not everything:
            continue
        style = "bold red" if entry.critical and entry.status in ("stale", "missing") else _STYLES[entry.status]
        since = f", source changed {entry.source_changed_on}" if entry.source_changed_on else ""
        lines.append(Text.assemble(f"{entry.lang} ", (f"{entry.status:<9}", style), f" {entry.path}",
                                   (" (critical)" if entry.critical else "", "bold red"), since))
        for change in entry.changes:
            text = word_diff(change.old_text, change.text) if change.kind == "changed" else \
                _clip(change.text or change.old_text)
            lines.append(console.render_str(f"    line {change.line}: {change.block_kind} {change.kind}: {text}",
                                            markup=False))
        for reason in entry.reasons:
            lines.append(console.render_str(f"    {reason}", markup=False))
    if lines:
        console.print(Text("\n").join(lines))
    if not everything:
        for lang, tally, _ in rows:
            critical = sum(e.critical for e in report[lang] if e.status == "missing")
            if tally["missing"]:
                named = f" ({critical} critical, listed above)" if critical else ""
                console.print(Text.assemble(f"{lang}: ", (f"{tally['missing']} missing", _STYLES["missing"]),
                                            f"{named} — kb status --all to list them"))


def _clip(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@command("check", "validate front matter, links, images and translations",
         arg("--strict", action="store_true", help="treat warnings as errors"),
         arg("--summary", action="store_true", help="problems grouped by check, with counts and the worst files"),
         arg("--format", choices=["text", "json", "github"], default="text",
             help="json: one document; github: GitHub Actions annotations (::error file=...,line=...::)"),
         arg("--search", action="store_true",
             help="also ask the golden questions of search/queries/ of kb search and of each built site"),
         arg("--no-browser", action="store_true", help="with --search: ask kb search only, not the built sites"),
         arg("--min-recall", type=float, default=0.9, metavar="R",
             help="with --search: the recall@5 each language must reach (default 0.9)"))
def _check(settings: config.Settings, args: argparse.Namespace) -> int:
    from kb_tools import checks
    from kb_tools.deferred import paused_gc
    from kb_tools.scan import scan

    with paused_gc():  # hundreds of thousands of documents, cached results and problems, and no cycle among them
        center = scan(settings, blocks=args.search)  # the checks read blocks only of what changed
        problems = checks.check(center)
    if args.search:
        problems += _golden(center, args.no_browser, args.min_recall)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    kinds = checks.summary(problems)
    if args.format == "json":
        print(json.dumps({
            "errors": errors, "warnings": warnings,
            "summary": [{"check": k.check, "errors": k.errors, "warnings": k.warnings,
                         "worst": [{"file": f, "problems": n} for f, n in k.worst]} for k in kinds],
            "problems": [{"file": p.path, "line": p.line, "severity": p.severity, "check": p.check or None,
                          "message": p.message, "fix": p.fix} for p in problems],
        }, ensure_ascii=False, indent=2))
    elif args.format == "github":
        for problem in problems:
            print(checks.github_annotation(problem))
    elif args.summary:
        _print_summary(kinds)
    elif problems:  # one print: rich renders each call anew, and a call a problem took a second at 10,000 problems
        out.print("\n".join(f"{problem.path}:{problem.line}: {'' if problem.severity == 'error' else 'warning: '}"
                             f"{problem.message}: {problem.fix}" for problem in problems), markup=False)
    err.print(f"{errors} errors, {warnings} warnings", markup=False)
    return 1 if errors or (args.strict and warnings) else 0


def _print_summary(kinds: list[checks.Kind]) -> None:
    """One line per kind of problem, then its worst files."""
    for kind in kinds:
        out.print(f"{kind.check:<12} {kind.errors:>6} errors {kind.warnings:>6} warnings", markup=False)
        for path, count in kind.worst:
            out.print(f"    {count:>5}  {path}", markup=False)


def _golden(center: model.HelpCenter, no_browser: bool, min_recall: float) -> list[Problem]:
    from rich import box
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    """Ask the golden questions of each face; print recall@5 and MRR per language and face."""
    from contextlib import ExitStack

    from kb_tools import golden

    with ExitStack() as stack, Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                        TimeElapsedColumn(), console=err, transient=True) as progress:
        faces = {"kb search": stack.enter_context(golden.kb_face(center))}
        if not no_browser:
            faces["browser"] = stack.enter_context(golden.browser_face(center))
        task = progress.add_task("golden questions", total=golden.count(center) * len(faces))
        scores, problems = golden.run(center, faces, min_recall, on_question=lambda: progress.advance(task))
    table = Table(title="Golden questions", box=box.SIMPLE_HEAD, collapse_padding=True)
    for column in ("language", "questions", *(f"{face} {what}" for face in faces for what in ("recall@5", "MRR"))):
        table.add_column(column, justify="left" if column == "language" else "right")
    for lang in center.settings.languages:
        row = [s for s in scores if s.lang == lang]
        if row:
            table.add_row(lang, str(len(row[0].ranks)), *(f"{value:.2f}" for s in row for value in (s.recall, s.mrr)))
    out.print(table)
    return problems


@command("index", "build or update the Whoosh index of every language",
         arg("--lang", action="append", default=[], dest="languages", metavar="LANG"))
def _index(settings: config.Settings, args: argparse.Namespace) -> int:
    from kb_tools import search
    from kb_tools.scan import scan

    center = scan(settings)
    for lang in args.languages or settings.languages:
        report = search.update(center, _language(settings, lang))
        out.print(f"{lang}: {len(report.updated)} indexed, {len(report.removed)} removed, {report.unchanged} unchanged",
                  markup=False)
    return 0


@command("search", "search the help center",
         arg("query"),
         arg("--lang", default=None, metavar="LANG", help="default: the source language"),
         arg("--limit", type=int, default=10),
         arg("--json", action="store_true"))
def _search(settings: config.Settings, args: argparse.Namespace) -> int:
    from kb_tools import freshness, workers
    from kb_tools.deferred import paused_gc

    query, limit = args.query, args.limit
    lang = _language(settings, args.lang or settings.source_language)
    if limit < 1:
        raise KbError(f"--limit {limit}: give at least 1")
    # Whether the index is fresh (a stat of every file it is made from) is asked in another process while
    # this one imports Whoosh and asks the index; the answer is used only if the index was fresh.
    made_from = freshness.made_from(settings.root, lang)
    fresh = workers.answer_later(lambda: made_from == freshness.sources_fingerprint(settings, lang)) \
        if made_from else lambda: False
    with paused_gc():
        from kb_tools import search
    failed: Exception | None = None
    try:
        hits = _ask(settings, lang, query, limit) if made_from else []
    except Exception as exc:  # an index older than its files may not open: it is made anew below
        failed, hits = exc, []
    is_fresh = fresh()
    if isinstance(failed, search.Unreadable) and is_fresh:  # made from these files, yet it does not open
        print(f"kb: {failed.what}: making it anew (kb index)", file=sys.stderr)
        search.make_anew(settings, lang)
        hits = _ask(settings, lang, query, limit)
    elif failed is not None and is_fresh:
        raise failed
    elif not is_fresh:
        print(f"kb: the search index of {lang} is missing or older than the help center's files: "
              "updating it (kb index)", file=sys.stderr)
        from kb_tools.scan import scan

        search.update(scan(settings), lang)
        hits = _ask(settings, lang, query, limit)
    if args.json:
        print(json.dumps({"query": query, "lang": lang, "results": [h.to_json() for h in hits]}, ensure_ascii=False,
                         indent=2))
        return 0
    # Plain print, not rich: kb search starts without importing it (most of a query is start-up).
    for number, hit in enumerate(hits, start=1):
        label = f" [{hit.lang}]" if hit.lang != lang else ""
        print(f"{number}. {hit.title}{label}  {hit.path}  ({hit.status})")
        snippet = re.sub(r"</?mark[^>]*>", "**", re.sub(r"\s+", " ", hit.snippet))
        print(f"   {snippet}")
    if not hits:
        print("no results")
    return 0


def _ask(settings: config.Settings, lang: str, query: str, limit: int) -> list[Any]:
    """The hits of one query to the index of lang, as it is."""
    from kb_tools import search
    from kb_tools.deferred import paused_gc

    with paused_gc():
        searcher = search.Searcher(settings.root, lang, mapped=False)  # one query: not worth mapping the index
        try:
            return list(searcher.search(query, limit))
        finally:
            searcher.close()


@command("new", "scaffold a source article",
         arg("path", help="path inside the source language folder, e.g. security/passkeys.md"),
         arg("--title", required=True),
         arg("--description", default=""),
         arg("--tag", action="append", default=[], dest="tags"),
         arg("--critical", action="store_true"))
def _new(settings: config.Settings, args: argparse.Namespace) -> int:
    from kb_tools import scaffold

    path = scaffold.new_article(settings, args.path, args.title, args.description, args.tags, args.critical)
    out.print(f"created {path}")
    return 0


@command("draft", "machine drafts of missing and stale translations",
         arg("language", metavar="LANG"),
         arg("paths", nargs="*", metavar="PATH", help="only these articles (paths in the source language)"),
         arg("--only", choices=["missing", "stale"]),
         arg("--engine", default="memory", help="google, deepl, microsoft, libre, mymemory, llm or memory"),
         arg("--engine-url", default=None, help="the server of a self-hosted engine (libre, llm)"),
         arg("--model", default=None, help="llm: the model name (default: llm.model in mkdocs.yml)"),
         arg("--attempts", type=int, default=None, help="llm: tries per block before leaving it to a person"),
         arg("--price-in", type=float, default=None, help="llm: USD per million prompt tokens, for --dry-run"),
         arg("--price-out", type=float, default=None, help="llm: USD per million completion tokens"),
         arg("--dry-run", action="store_true", help="say what would be sent, send nothing"),
         arg("--force", action="store_true", help="overwrite files with uncommitted changes"),
         arg("--timeout", type=float, default=30.0, help="seconds to wait for each answer"),
         arg("--backoff", type=float, default=1.0, help="seconds before the first retry (doubles)"))
def _draft(settings: config.Settings, args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kb_tools import drafts, engines, glossary, llm
    from kb_tools.cache import CACHE_DIR
    from kb_tools.memory import Memory
    from kb_tools.scan import scan

    lang = _target_language(settings, args.language)
    center = scan(settings)
    terms, problems = glossary.load(settings.root)
    if problems:
        raise KbError(str(problems[0]))
    memory = Memory.load(settings.root, lang)
    for note in drafts.harvest(center, lang, memory):
        err.print(f"warning: {note}", markup=False)
    memory.save()
    cache = settings.root / CACHE_DIR / "mt.sqlite"
    if args.engine == "llm":
        flags = {"url": args.engine_url, "model": args.model, "attempts": args.attempts, "price_in": args.price_in,
                 "price_out": args.price_out}
        options = {**settings.llm, **{k: v for k, v in flags.items() if v is not None}}
        engine: engines.Engine = llm.LlmEngine(settings.source_language, lang, llm.settings_from(options),
                                               settings.root, cache, args.timeout, backoff=args.backoff)
    else:
        engine = engines.Engine(args.engine, settings.source_language, lang, args.engine_url, cache, args.timeout,
                                backoff=args.backoff)
    jobs, skipped = drafts.plan(center, lang, memory, engine, terms, tuple(args.paths), args.only)
    for line in skipped:
        out.print(f"skipped {line}", markup=False)
    if args.dry_run:
        estimate = drafts.estimate(jobs, engine)
        width = max((len(a.rel) for a in estimate.articles), default=0)
        for a in estimate.articles:
            out.print(f"{a.rel:<{width}}  {a.reason:<7}  {a.blocks} blocks  {a.characters} chars  "
                      f"({a.reused} from memory)", markup=False)
        if isinstance(engine, llm.LlmEngine):
            use = llm.estimate(engine, center, lang, jobs, memory, terms)
            out.print(f"{len(estimate.articles)} articles, {estimate.blocks} blocks, {estimate.characters} characters; "
                      f"{use.requests} requests of about {use.prompt_tokens} prompt and {use.completion_tokens} "
                      "completion tokens (the prompts kb would send, 4 characters a token, no retries); estimated "
                      f"cost: ${engine.cost(use.prompt_tokens, use.completion_tokens):.4f}", markup=False)
            return 0
        out.print(f"{len(estimate.articles)} articles, {estimate.blocks} blocks, {estimate.characters} characters; "
                  f"estimated cost with {estimate.engine}: ${estimate.cost:.2f}", markup=False)
        return 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        articles = progress.add_task("articles", total=len(jobs))
        chars = progress.add_task("characters", total=sum(len(t) for job in jobs for t in job.to_send) or 1)
        if isinstance(engine, llm.LlmEngine):
            tokens = progress.add_task("tokens", total=None)
            engine.on_usage = lambda p, c: progress.update(
                tokens, advance=p + c, description=f"tokens {engine.usage.prompt_tokens} in, "
                                                   f"{engine.usage.completion_tokens} out")
        outcomes = drafts.draft(center, lang, jobs, memory, engine, terms, args.force,
                                on_piece=lambda n: progress.advance(chars, n),
                                on_article=lambda o: progress.advance(articles))
    failed = [o for o in outcomes if o.result == "failed"]
    for outcome in outcomes:
        if outcome.result == "failed":
            continue
        detail = f"{outcome.sent} sent, {outcome.reused} reused" if outcome.result == "drafted" else outcome.detail
        flag = f", {len(outcome.qa)} QA problems for the reviewer" if outcome.qa else ""
        out.print(f"{outcome.result} {outcome.rel}: {detail}{flag}", markup=False)
    drafted = sum(o.result == "drafted" for o in outcomes)
    out.print(f"{lang}: {drafted} drafted, {len(outcomes) - drafted - len(failed)} skipped; {engine.sent_chars} "
              f"characters sent to {engine.name}", markup=False)
    if isinstance(engine, llm.LlmEngine):
        used = engine.usage
        out.print(f"llm: {used.requests} requests, {used.prompt_tokens} prompt tokens, {used.completion_tokens} "
                  f"completion tokens; cost ${engine.cost(used.prompt_tokens, used.completion_tokens):.4f}",
                  markup=False)
    for outcome in failed:
        err.print(f"kb: {outcome.detail}", markup=False)
    return 1 if failed else 0


@command("approve", "mark translations reviewed and feed the translation memory",
         arg("language", metavar="LANG"),
         arg("paths", nargs="+", metavar="PATH"),
         arg("--by", default=None, help="who reviewed (default: git's user.name)"),
         arg("--force", action="store_true", help="approve even if translation QA finds errors"))
def _approve(settings: config.Settings, args: argparse.Namespace) -> int:
    from kb_tools import approve, glossary
    from kb_tools.memory import Memory
    from kb_tools.scan import scan

    lang = _target_language(settings, args.language)
    terms, _ = glossary.load(settings.root)
    results = approve.approve(scan(settings), lang, args.paths, approve.reviewer(settings.root, args.by), terms,
                              Memory.load(settings.root, lang), args.force)
    for result in results:
        out.print(f"{'approved' if result.approved else 'not approved'} {lang} {result.rel}", markup=False)
        for note in result.notes:
            out.print(f"    {note}", markup=False)
    return 0 if all(r.approved for r in results) else 1


@command("adopt", "track untracked translations: the source version each was made from, from git history",
         arg("languages", nargs="*", metavar="LANG"),
         arg("--as", dest="as_status", choices=["reviewed", "machine"], default="reviewed",
             help="what they become (default reviewed: by the author of their last commit, on its date)"),
         arg("--by", default=None, help="reviewed by (default: the author of the translation's last commit)"),
         arg("--dry-run", action="store_true", help="print what would be decided, write nothing"),
         arg("--force", action="store_true", help="also adopt translations with uncommitted changes"))
def _adopt(settings: config.Settings, args: argparse.Namespace) -> int:
    from kb_tools import adopt
    from kb_tools.scan import scan

    langs = tuple(_target_language(settings, lang) for lang in args.languages) or settings.targets
    center = scan(settings)
    results = adopt.adopt(center, langs, args.as_status, args.by, args.force, args.dry_run)
    for r in results:
        if not r.adopted:
            out.print(f"not adopted {r.lang} {r.rel}: {r.note}", markup=False)
            continue
        made_from = f"source {r.source_commit[:10]} of {r.source_date}" if r.source_commit else "the source as it is"
        changed = f", {r.changed} source blocks changed since" if r.status == "stale" else ""
        out.print(f"{'would adopt' if args.dry_run else 'adopted'} {r.lang} {r.rel}: made from {made_from} "
                  f"(hash {r.source_hash}; {r.note}): {r.status}{changed}", markup=False)
    written = adopt.record_snapshots(center, langs, args.dry_run)
    tally = {name: sum(r.adopted and r.status == name for r in results) for name in ("current", "machine", "stale")}
    out.print(f"{sum(r.adopted for r in results)} adopted ({tally['current']} current, {tally['machine']} machine, "
              f"{tally['stale']} stale), {sum(not r.adopted for r in results)} not adopted; "
              f"{len(written)} more snapshots from history{' (dry run: nothing written)' if args.dry_run else ''}",
              markup=False)
    return 0 if all(r.adopted for r in results) else 1


@command("snapshots", "keep the source versions translations were made from in locales/snapshots/",
         arg("--dry-run", action="store_true", help="print what would be written and deleted, change nothing"),
         arg("--check", action="store_true", help="write nothing, read no history: exit 1 if one is missing or unused"))
def _snapshots(settings: config.Settings, args: argparse.Namespace) -> int:
    from kb_tools import adopt, snapshots
    from kb_tools.scan import scan

    center = scan(settings)
    if args.check:  # for CI: a shallow clone can check what it cannot write
        missing = adopt.missing_snapshots(center, settings.targets)
        unused = snapshots.prune(settings.root, snapshots.referenced(center), dry_run=True)
        for rel, digest in missing:
            out.print(f"missing {snapshots.FOLDER}/{digest}.md: a translation of {rel} was made from it: run kb "
                      "snapshots in a full clone", markup=False)
        for digest in unused:
            out.print(f"unused {snapshots.FOLDER}/{digest}.md: no translation refers to it: run kb snapshots",
                      markup=False)
        out.print(f"{len(snapshots.stored(settings.root))} snapshots; {len(missing)} missing, {len(unused)} unused",
                  markup=False)
        return 1 if missing or unused else 0
    written = adopt.record_snapshots(center, settings.targets, args.dry_run)
    gone = snapshots.prune(settings.root, snapshots.referenced(center), args.dry_run)
    for item in written:
        out.print(f"{'would write' if args.dry_run else 'wrote'} {item}", markup=False)
    for digest in gone:
        out.print(f"{'would delete' if args.dry_run else 'deleted'} {snapshots.FOLDER}/{digest}.md: no translation "
                  "refers to it", markup=False)
    out.print(f"{len(snapshots.stored(settings.root))} snapshots; {len(written)} "
              f"{'to write' if args.dry_run else 'written'}, {len(gone)} {'to delete' if args.dry_run else 'deleted'}",
              markup=False)
    return 0


@command("editorial", "declare the last edit of source articles editorial: their translations stay current",
         arg("paths", nargs="+", metavar="PATH"),
         arg("--note", default="", help="why it needs no re-translation (kept in locales/editorial.yml)"),
         arg("--by", default=None, help="who declares it (default: git's user.name)"),
         arg("--dry-run", action="store_true", help="print what would be recorded, write nothing"))
def _editorial(settings: config.Settings, args: argparse.Namespace) -> int:
    from kb_tools import approve, editorial
    from kb_tools.scan import scan

    results = editorial.declare(scan(settings), args.paths, approve.reviewer(settings.root, args.by), args.note,
                                args.dry_run)
    for r in results:
        if r.edit is None:
            out.print(f"not recorded {r.rel}: {r.note}", markup=False)
            continue
        kept = ", ".join(r.kept_current) or "none"
        out.print(f"{'would record' if args.dry_run else 'recorded'} {r.rel}: {r.edit.before} -> {r.edit.after} "
                  f"editorial in {editorial.EDITORIAL_FILE}; translations that stay current: {kept}", markup=False)
    return 0 if all(r.edit for r in results) else 1


@command("diff", "what changed in the source since the translation was made",
         arg("language", metavar="LANG"),
         arg("path", metavar="PATH"))
def _diff(settings: config.Settings, args: argparse.Namespace) -> int:
    from kb_tools import status
    from kb_tools.history import word_diff
    from kb_tools.layout import Layout
    from kb_tools.scan import scan

    lang = _target_language(settings, args.language)
    center = scan(settings)
    files = Layout(settings)
    rel = files.rel_of(args.path, lang, settings.source_language)
    if center.source(rel) is None:
        raise KbError(f"no source article {files.path(settings.source_language, rel)}")
    entry = status.explain_stale(center, {lang: [status.entry_for(center, lang, rel)]})[lang][0]
    if entry.status in ("missing", "untracked", "invalid"):
        out.print(f"{entry.path}: {entry.status}: no translation made from a known source version to compare with",
                  markup=False)
        return 0
    if entry.status != "stale":
        out.print(f"{entry.path}: {entry.status}: the source has not changed since the translation was made",
                  markup=False)
        return 0
    for reason in entry.reasons:
        out.print(f"{entry.path}: {reason}", markup=False)
    source = center.source(rel)
    assert source is not None
    target = center.docs[lang][rel]
    edit = _translation_lines(center.with_blocks(source), center.with_blocks(target), entry)
    for change, where in zip(entry.changes, edit, strict=True):
        out.print(f"{source.path}:{change.line}: {change.block_kind} {change.kind}", markup=False)
        if change.old_text:
            out.print(f"  - {change.old_text}", style="red" if out.is_terminal else None, markup=False)
        if change.text:
            out.print(f"  + {change.text}", style="green" if out.is_terminal else None, markup=False)
        if change.kind == "changed":
            out.print(f"    {word_diff(change.old_text, change.text)}", markup=False)
        out.print(f"  translation: {where}", markup=False)
    return 0


def _translation_lines(source: model.Document, target: model.Document, entry: status.Entry) -> list[str]:
    """For each change of a stale entry, where its translation is to edit: file:line of the block made from
    the changed source block (align.counterparts), or where an added block goes."""
    from kb_tools import align

    now, was = align.counterparts(source.blocks, target.blocks, entry.made_from)
    index = {block.line: i for i, block in enumerate(source.blocks)}
    old_index = {block.line: i for i, block in enumerate(entry.made_from)}
    found = []
    for change in entry.changes:
        if change.block_kind in ("title", "description"):
            found.append(f"{target.path}:{target.title_line}")
            continue
        if change.kind == "removed":
            block = was[old_index[change.line]] if change.line in old_index else None
            found.append(f"{target.path}:{block.line} (made from the removed block: remove or rework it)" if block
                         else f"no block of {target.path} lines up with it")
            continue
        at = index.get(change.line)
        block = now[at] if at is not None else None
        if block is not None:
            found.append(f"{target.path}:{block.line}")
        elif change.kind == "added" and at is not None:
            before = next((b for b in reversed(now[:at]) if b is not None), None)
            after = next((b for b in now[at + 1:] if b is not None), None)
            found.append(f"add it to {target.path} after line {before.end}" if before else
                         f"add it to {target.path} before line {after.line}" if after else f"add it to {target.path}")
        else:
            found.append(f"no block of {target.path} lines up with it")
    return found


@command("review", "build the static review site (review/ by default)",
         arg("--lang", action="append", default=[], dest="languages", metavar="LANG"),
         arg("--out", type=Path, default=None, help="where to write it (default: review/ next to mkdocs.yml)"))
def _review(settings: config.Settings, args: argparse.Namespace) -> int:
    from markupsafe import Markup

    from kb_tools import progress, review
    from kb_tools.scan import scan

    for lang in args.languages:
        _target_language(settings, lang)
    try:  # progress.svg escapes every text it draws
        chart = Markup(progress.svg(progress.history(settings, tuple(args.languages) or None)))
    except KbError as exc:  # not in git, or nothing committed yet: the dashboard without its chart
        chart = None
        err.print(f"note: no progress chart: {exc}", markup=False)
    index = review.build(scan(settings), args.out or settings.root / "review", tuple(args.languages), chart=chart)
    out.print(f"review: {index.resolve()}", markup=False)
    return 0


@command("build", "build one static site per language under site/<lang>/",
         arg("--lang", action="append", default=[], dest="languages", metavar="LANG"),
         arg("--force", action="store_true", help="rebuild languages whose inputs did not change"),
         arg("--jobs", type=int, default=0, help="parallel builds (default: one per core)"),
         arg("--site-dir", type=Path, default=None, metavar="DIR",
             help="build a part for kb merge: the languages into DIR/<lang>/ with DIR/kb-part.json, no site root"))
def _build(settings: config.Settings, args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from kb_tools import build
    from kb_tools.mkdocs.runner import build_language  # imports MkDocs: only for the commands that need it

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as progress:
        total = len(args.languages) or len(settings.languages)
        task = progress.add_task("building languages", total=total)
        results = build.build(args.config, build_language, args.languages, args.force, args.jobs,
                              on_done=lambda r: progress.advance(task), part=args.site_dir)
    for result in results:
        detail = (f" in {result.seconds:.1f} s: {result.rendered:,} pages rendered, {result.reused:,} reused"
                  if result.outcome == "built" else "")
        out.print(f"{result.lang}: {result.outcome}{detail}", markup=False)
        if result.message:  # for built: warnings, e.g. an article left out because it cannot be read
            out.print(f"    {result.message}", markup=False)
    assert settings.site_dir is not None
    if args.site_dir:
        out.print(f"part: {args.site_dir.resolve()} (put the parts together with: kb merge PART... --out SITE)",
                  markup=False)
    else:
        out.print(f"site: {settings.site_dir.resolve()}/index.html", markup=False)
    return 1 if any(r.outcome == "failed" for r in results) else 0


@command("merge", "put together parts built on separate machines (kb build --site-dir) into one site",
         arg("parts", nargs="+", type=Path, metavar="PART"),
         arg("--out", type=Path, default=None, metavar="DIR", help="the site folder (default: site_dir of mkdocs.yml)"))
def _merge(settings: config.Settings, args: argparse.Namespace) -> int:
    from kb_tools import merge

    assert settings.site_dir is not None
    target = args.out or settings.site_dir
    for lang, folder in merge.merge(settings, args.parts, target).items():
        out.print(f"{lang}: from {folder}", markup=False)
    out.print(f"site: {target.resolve()}/index.html", markup=False)
    return 0


@command("prepare", "write one language's edition as a plain docs folder for any builder",
         arg("language", metavar="LANG"),
         arg("out", type=Path, metavar="OUT"))
def _prepare(settings: config.Settings, args: argparse.Namespace) -> int:
    from kb_tools import edition, prepare
    from kb_tools.scan import scan

    lang = _language(settings, args.language)
    folder = prepare.prepare(edition.compute(scan(settings), lang, related=settings.related), args.out)
    out.print(f"{lang}: {folder.resolve()}/docs (build it with: mkdocs build -f {folder / 'mkdocs.yml'})", markup=False)
    return 0


@command("serve", "preview one language with live reload, or serve the search API",
         arg("--lang", default=None, metavar="LANG"),
         arg("--dev-addr", default="127.0.0.1:8000", metavar="HOST:PORT"),
         arg("--api", action="store_true", help="serve GET /api/search?q=&lang=&limit= instead"))
def _serve(settings: config.Settings, args: argparse.Namespace) -> int:
    from kb_tools.layout import Layout

    if args.api:
        return _serve_api(settings, args.dev_addr)
    from kb_tools.mkdocs.runner import serve  # imports MkDocs: only for the commands that need it

    lang = _language(settings, args.lang or settings.source_language)
    watch = [str(p) for p in (*Layout(settings).every_folder(), settings.root / "locales") if p.exists()]
    serve(str(args.config), lang, args.dev_addr, watch)
    return 0


def _serve_api(settings: config.Settings, address: str) -> int:
    from kb_tools import api

    host, _, port = address.rpartition(":")
    if not port.isdigit():
        raise KbError(f"--dev-addr {address!r}: write HOST:PORT, e.g. 127.0.0.1:8000")
    api.serve(settings, host or "127.0.0.1", int(port),
              on_ready=lambda url: out.print(f"search API on {url}", markup=False))
    return 0


@command("i18n", "maintain the UI catalogs in locales/",
         arg("action", choices=["extract", "update", "compile"]),
         arg("--check", action="store_true", help="with update: write nothing, exit 1 if any is untranslated"))
def _i18n(settings: config.Settings, args: argparse.Namespace) -> int:
    from kb_tools import i18n

    if args.action == "extract":
        catalog = i18n.extract(settings.root)
        out.print(f"{i18n.POT_FILE}: {len(catalog)} strings", markup=False)
        return 0
    if args.action == "compile":
        for path in i18n.compile_catalogs(settings.root, settings.targets):
            out.print(f"wrote {path}", markup=False)
        return 0
    missing = i18n.update(settings.root, settings.targets, check=args.check)
    for lang, strings in missing.items():
        out.print(f"{lang}: {len(strings)} untranslated", markup=False)
        for text in strings:
            out.print(f"    {text}", markup=False)
    return 1 if args.check and any(missing.values()) else 0


def _language(settings: config.Settings, lang: str) -> str:
    if lang not in settings.languages:
        raise KbError(f"unknown language {lang!r}: use one of {', '.join(settings.languages)}")
    return lang


def _target_language(settings: config.Settings, lang: str) -> str:
    if lang not in settings.targets:
        raise KbError(f"{lang!r} is not a translation language: use one of {', '.join(settings.targets)}")
    return lang


if __name__ == "__main__":
    sys.exit(main())
