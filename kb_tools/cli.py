"""The `kb` command: parses flags, calls the library, prints through rich."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from kb_tools import checks, config, scaffold, status
from kb_tools.cache import CACHE_DIR
from kb_tools.errors import KbError
from kb_tools.history import word_diff
from kb_tools.scan import scan

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = argparse.ArgumentParser(prog="kb", description="Multilingual help center toolkit.")
    parser.add_argument("--config", type=Path, default=Path("mkdocs.yml"), help="the help center's mkdocs.yml")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("status", help="translation status per language")
    p.add_argument("languages", nargs="*", metavar="LANG")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--check", action="store_true", help="exit 1 when a language breaks its policy")
    p = sub.add_parser("check", help="validate front matter, links, images and translations")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument("--search", action="store_true", help="also check the golden queries of search/queries/")
    p = sub.add_parser("index", help="build or update the Whoosh index of every language")
    p.add_argument("--lang", action="append", default=[], dest="languages", metavar="LANG")
    p = sub.add_parser("search", help="search the help center")
    p.add_argument("query")
    p.add_argument("--lang", default=None, metavar="LANG", help="default: the source language")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("new", help="scaffold a source article")
    p.add_argument("path", help="path inside the source language folder, e.g. security/passkeys.md")
    p.add_argument("--title", required=True)
    p.add_argument("--description", default="")
    p.add_argument("--tag", action="append", default=[], dest="tags")
    p.add_argument("--critical", action="store_true")
    p = sub.add_parser("draft", help="machine drafts of missing and stale translations")
    p.add_argument("language", metavar="LANG")
    p.add_argument("paths", nargs="*", metavar="PATH", help="only these articles (paths in the source language)")
    p.add_argument("--only", choices=["missing", "stale"])
    p.add_argument("--engine", default="memory", help="google, deepl, microsoft, libre, mymemory, llm or memory")
    p.add_argument("--engine-url", default=None, help="the server of a self-hosted engine (libre, llm)")
    p.add_argument("--model", default=None, help="llm: the model name (default: llm.model in mkdocs.yml)")
    p.add_argument("--attempts", type=int, default=None, help="llm: tries per block before leaving it to a person")
    p.add_argument("--price-in", type=float, default=None, help="llm: USD per million prompt tokens, for --dry-run")
    p.add_argument("--price-out", type=float, default=None, help="llm: USD per million completion tokens")
    p.add_argument("--dry-run", action="store_true", help="say what would be sent, send nothing")
    p.add_argument("--force", action="store_true", help="overwrite files with uncommitted changes")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each answer")
    p.add_argument("--backoff", type=float, default=1.0, help="seconds before the first retry (doubles)")
    p = sub.add_parser("approve", help="mark translations reviewed and feed the translation memory")
    p.add_argument("language", metavar="LANG")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--by", default=None, help="who reviewed (default: git's user.name)")
    p.add_argument("--force", action="store_true", help="approve even if translation QA finds errors")
    p = sub.add_parser("diff", help="what changed in the source since the translation was made")
    p.add_argument("language", metavar="LANG")
    p.add_argument("path", metavar="PATH")
    p = sub.add_parser("review", help="build the static review site (review/ by default)")
    p.add_argument("--lang", action="append", default=[], dest="languages", metavar="LANG")
    p.add_argument("--out", type=Path, default=None, help="where to write it (default: review/ next to mkdocs.yml)")
    p = sub.add_parser("build", help="build one static site per language under site/<lang>/")
    p.add_argument("--lang", action="append", default=[], dest="languages", metavar="LANG")
    p.add_argument("--force", action="store_true", help="rebuild languages whose inputs did not change")
    p.add_argument("--jobs", type=int, default=0, help="parallel builds (default: one per core)")
    p = sub.add_parser("prepare", help="write one language's edition as a plain docs folder for any builder")
    p.add_argument("language", metavar="LANG")
    p.add_argument("out", type=Path, metavar="OUT")
    p = sub.add_parser("serve", help="preview one language with live reload, or serve the search API")
    p.add_argument("--lang", default=None, metavar="LANG")
    p.add_argument("--dev-addr", default="127.0.0.1:8000", metavar="HOST:PORT")
    p.add_argument("--api", action="store_true", help="serve GET /api/search?q=&lang=&limit= instead")
    p = sub.add_parser("i18n", help="maintain the UI catalogs in locales/")
    p.add_argument("action", choices=["extract", "update", "compile"])
    p.add_argument("--check", action="store_true", help="with update: write nothing, exit 1 if any is untranslated")
    args = parser.parse_args(argv)
    try:
        settings = config.load(args.config)
        if args.command == "status":
            return _status(settings, args.languages, args.format, args.check)
        if args.command == "check":
            return _check(settings, args.strict, args.search)
        if args.command == "index":
            return _index(settings, tuple(args.languages))
        if args.command == "search":
            return _search(settings, args.query, args.lang, args.limit, args.json)
        if args.command == "approve":
            return _approve(settings, args.language, args.paths, args.by, args.force)
        if args.command == "diff":
            return _diff(settings, args.language, args.path)
        if args.command == "review":
            return _review(settings, tuple(args.languages), args.out)
        if args.command == "draft":
            return _draft(settings, args)
        if args.command == "build":
            return _build(settings, args.config, args.languages, args.force, args.jobs)
        if args.command == "prepare":
            return _prepare(settings, args.language, args.out)
        if args.command == "serve" and args.api:
            return _serve_api(settings, args.dev_addr)
        if args.command == "serve":
            return _serve(settings, args.config, args.lang, args.dev_addr)
        if args.command == "i18n":
            return _i18n(settings, args.action, args.check)
        path = scaffold.new_article(settings, args.path, args.title, args.description, args.tags, args.critical)
        out.print(f"created {path}")
        return 0
    except KbError as exc:
        err.print(f"kb: {exc}", markup=False)
        return 2


def _status(settings: config.Settings, languages: list[str], fmt: str, check: bool) -> int:
    for lang in languages:
        _language(settings, lang)
    center = scan(settings, blocks=False)
    report = status.explain_stale(center, status.compute(center, tuple(languages) or None))
    broken = status.violations(center, report)
    if fmt == "json":
        from kb_tools import review

        data = {
            "source_language": settings.source_language,
            "languages": {
                lang: {"counts": status.counts(entries),
                       "articles": [e.to_json() for e in entries if e.status != "current"]}
                for lang, entries in report.items()
            },
            "policy": {"ok": not broken, "violations": broken},
            "dashboard": review.dashboard(center, report),
        }
        out.print_json(json.dumps(data, ensure_ascii=False)) if out.is_terminal else print(
            json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_status(report)
    if check and broken:
        for line in broken:
            err.print(line, markup=False)
        return 1
    return 0


def _print_status(report: dict[str, list[status.Entry]]) -> None:
    rows = []
    for lang, entries in report.items():
        tally = status.counts(entries)
        total = len(entries) - tally["orphan"]
        percent = 100 * tally["current"] // total if total else 100
        rows.append((lang, tally, percent))
    if out.is_terminal:
        table = Table(title="Translation status", box=box.SIMPLE_HEAD, collapse_padding=True)
        table.add_column("lang", no_wrap=True, min_width=4)
        for name in status.STATUSES:
            table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
        table.add_column("reviewed", no_wrap=True, min_width=10)
        for lang, tally, percent in rows:
            bar = "█" * (percent // 20) + "░" * (5 - percent // 20)
            table.add_row(lang, *(str(tally[s]) for s in status.STATUSES), f"{bar} {percent}%")
        out.print(table)
    else:
        print("language " + " ".join(f"{s:>9}" for s in status.STATUSES) + "  reviewed")
        for lang, tally, percent in rows:
            print(f"{lang:<8} " + " ".join(f"{tally[s]:>9}" for s in status.STATUSES) + f"  {percent:>7}%")
    for lang, entries in report.items():
        for entry in sorted(entries, key=lambda e: (status.STATUSES.index(e.status), e.rel)):
            if entry.status == "current":
                continue
            flag = " (critical)" if entry.critical else ""
            since = f", source changed {entry.source_changed_on}" if entry.source_changed_on else ""
            out.print(f"{lang} {entry.status:<9} {entry.path}{flag}{since}", markup=False)
            for change in entry.changes:
                text = word_diff(change.old_text, change.text) if change.kind == "changed" else \
                    _clip(change.text or change.old_text)
                out.print(f"    line {change.line}: {change.block_kind} {change.kind}: {text}", markup=False)
            for reason in entry.reasons:
                out.print(f"    {reason}", markup=False)


def _clip(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _check(settings: config.Settings, strict: bool, golden: bool = False) -> int:
    center = scan(settings)
    problems = checks.check(center)
    if golden:
        from kb_tools import search

        problems += search.golden(center)
    for problem in problems:
        label = "" if problem.severity == "error" else "warning: "
        out.print(f"{problem.path}:{problem.line}: {label}{problem.message}: {problem.fix}", markup=False)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    err.print(f"{errors} errors, {warnings} warnings", markup=False)
    return 1 if errors or (strict and warnings) else 0


def _language(settings: config.Settings, lang: str) -> str:
    if lang not in settings.languages:
        raise KbError(f"unknown language {lang!r}: use one of {', '.join(settings.languages)}")
    return lang


def _target_language(settings: config.Settings, lang: str) -> str:
    if lang not in settings.targets:
        raise KbError(f"{lang!r} is not a translation language: use one of {', '.join(settings.targets)}")
    return lang


def _approve(settings: config.Settings, lang: str, paths: list[str], by: str | None, force: bool) -> int:
    from kb_tools import approve, glossary
    from kb_tools.memory import Memory

    _target_language(settings, lang)
    terms, _ = glossary.load(settings.root)
    results = approve.approve(scan(settings), lang, paths, approve.reviewer(settings.root, by), terms,
                              Memory.load(settings.root, lang), force)
    for result in results:
        out.print(f"{'approved' if result.approved else 'not approved'} {lang} {result.rel}", markup=False)
        for note in result.notes:
            out.print(f"    {note}", markup=False)
    return 0 if all(r.approved for r in results) else 1


def _diff(settings: config.Settings, lang: str, path: str) -> int:
    _target_language(settings, lang)
    center = scan(settings)
    rel = path.removeprefix(f"docs/{lang}/").removeprefix(f"docs/{settings.source_language}/")
    if center.source(rel) is None:
        raise KbError(f"no source article docs/{settings.source_language}/{rel}")
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
    for change in entry.changes:
        out.print(f"{source.path}:{change.line}: {change.block_kind} {change.kind}", markup=False)
        if change.old_text:
            out.print(f"  - {change.old_text}", style="red" if out.is_terminal else None, markup=False)
        if change.text:
            out.print(f"  + {change.text}", style="green" if out.is_terminal else None, markup=False)
        if change.kind == "changed":
            out.print(f"    {word_diff(change.old_text, change.text)}", markup=False)
    return 0


def _review(settings: config.Settings, languages: tuple[str, ...], out_dir: Path | None) -> int:
    from kb_tools import review

    for lang in languages:
        _target_language(settings, lang)
    index = review.build(scan(settings), out_dir or settings.root / "review", languages)
    out.print(f"review: {index.resolve()}", markup=False)
    return 0


def _draft(settings: config.Settings, args: argparse.Namespace) -> int:
    from kb_tools import drafts, engines, glossary, llm
    from kb_tools.memory import Memory

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
        width = max((len(job.rel) for job in jobs), default=0)
        for job in jobs:
            chars = sum(len(text) for text in job.to_send)
            out.print(f"{job.rel:<{width}}  {job.reason:<7}  {len(job.to_send)} blocks  {chars} chars  "
                      f"({job.reused} from memory)", markup=False)
        total = sum(len(text) for job in jobs for text in job.to_send)
        cost = total * engine.info.price_per_million / 1_000_000
        if isinstance(engine, llm.LlmEngine):
            use = llm.estimate(engine, center, lang, jobs, memory, terms)
            out.print(f"{len(jobs)} articles, {sum(len(j.to_send) for j in jobs)} blocks, {total} characters; "
                      f"{use.requests} requests of about {use.prompt_tokens} prompt and {use.completion_tokens} "
                      "completion tokens (the prompts kb would send, 4 characters a token, no retries); estimated "
                      f"cost: ${engine.cost(use.prompt_tokens, use.completion_tokens):.4f}", markup=False)
            return 0
        out.print(f"{len(jobs)} articles, {sum(len(j.to_send) for j in jobs)} blocks, {total} characters; "
                  f"estimated cost with {engine.name}: ${cost:.2f}", markup=False)
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


def _index(settings: config.Settings, languages: tuple[str, ...]) -> int:
    from kb_tools import search

    center = scan(settings)
    for lang in languages or settings.languages:
        report = search.update(center, _language(settings, lang))
        out.print(f"{lang}: {len(report.updated)} indexed, {len(report.removed)} removed, {report.unchanged} unchanged",
                  markup=False)
    return 0


def _search(settings: config.Settings, query: str, lang: str | None, limit: int, as_json: bool) -> int:
    from kb_tools import search

    lang = _language(settings, lang or settings.source_language)
    if limit < 1:
        raise KbError(f"--limit {limit}: give at least 1")
    search.update(scan(settings), lang)
    searcher = search.Searcher(settings.root, lang)
    try:
        hits = searcher.search(query, limit)
    finally:
        searcher.close()
    if as_json:
        print(json.dumps({"query": query, "lang": lang, "results": [h.to_json() for h in hits]}, ensure_ascii=False,
                         indent=2))
        return 0
    for number, hit in enumerate(hits, start=1):
        label = f" [{hit.lang}]" if hit.lang != lang else ""
        out.print(f"{number}. {hit.title}{label}  {hit.path}  ({hit.status})", markup=False)
        snippet = re.sub(r"</?mark[^>]*>", "**", re.sub(r"\s+", " ", hit.snippet))
        out.print(f"   {snippet}", markup=False)
    if not hits:
        out.print("no results", markup=False)
    return 0


def _serve_api(settings: config.Settings, address: str) -> int:
    from wsgiref.simple_server import make_server

    from kb_tools import api

    host, _, port = address.rpartition(":")
    if not port.isdigit():
        raise KbError(f"--dev-addr {address!r}: write HOST:PORT, e.g. 127.0.0.1:8000")
    app = api.App(settings)
    try:
        server = make_server(host or "127.0.0.1", int(port), app, handler_class=api.QuietHandler)
    except OSError as exc:
        raise KbError(f"cannot listen on {address}: {exc.strerror}: choose another --dev-addr") from None
    with server:
        out.print(f"search API on http://{host or '127.0.0.1'}:{port}/api/search?q=...&lang=...", markup=False)
        server.serve_forever()
    return 0


def _build(settings: config.Settings, config_file: Path, languages: list[str], force: bool, jobs: int) -> int:
    from kb_tools import build
    from kb_tools.mkdocs.runner import build_language  # imports MkDocs: only for the commands that need it

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as progress:
        total = len(languages) or len(settings.languages)
        task = progress.add_task("building languages", total=total)
        results = build.build(config_file, build_language, languages, force, jobs,
                              on_done=lambda r: progress.advance(task))
    for result in results:
        detail = f" in {result.seconds:.1f} s" if result.outcome == "built" else ""
        out.print(f"{result.lang}: {result.outcome}{detail}", markup=False)
        if result.message and result.outcome != "built":
            out.print(f"    {result.message}", markup=False)
    assert settings.site_dir is not None
    out.print(f"site: {settings.site_dir.resolve()}/index.html", markup=False)
    return 1 if any(r.outcome == "failed" for r in results) else 0


def _prepare(settings: config.Settings, lang: str, out_dir: Path) -> int:
    from kb_tools import edition, prepare

    _language(settings, lang)
    folder = prepare.prepare(edition.compute(scan(settings), lang, related=settings.related), out_dir)
    out.print(f"{lang}: {folder.resolve()}/docs (build it with: mkdocs build -f {folder / 'mkdocs.yml'})", markup=False)
    return 0


def _serve(settings: config.Settings, config_file: Path, lang: str | None, dev_addr: str) -> int:
    from kb_tools.mkdocs.runner import serve

    lang = _language(settings, lang or settings.source_language)
    watch = [str(p) for p in (settings.docs_dir, settings.root / "locales") if p.exists()]
    serve(str(config_file), lang, dev_addr, watch)
    return 0


def _i18n(settings: config.Settings, action: str, check: bool) -> int:
    from kb_tools import i18n

    if action == "extract":
        catalog = i18n.extract(settings.root)
        out.print(f"{i18n.POT_FILE}: {len(catalog)} strings", markup=False)
        return 0
    if action == "compile":
        for path in i18n.compile_catalogs(settings.root, settings.targets):
            out.print(f"wrote {path}", markup=False)
        return 0
    missing = i18n.update(settings.root, settings.targets, check=check)
    for lang, strings in missing.items():
        out.print(f"{lang}: {len(strings)} untranslated", markup=False)
        for text in strings:
            out.print(f"    {text}", markup=False)
    return 1 if check and any(missing.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
