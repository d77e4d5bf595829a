"""Search quality on questions real users type: recall@5 and MRR per language, for each search face.

    python bench/bench_search_quality.py --fastapi /path/to/fastapi [--sample] [--out bench/results/search_quality.json]

Imports FastAPI's documentation (a checkout or a bare git repository; bench/corpus_fastapi.py) into a
scratch help center, runs `kb build` and `kb index` on it, and asks the questions of
bench/corpora/fastapi.tsv (`lang<TAB>query<TAB>expected page`) of every face:

- kb: kb search (kb_tools.search.Searcher) on the help center;
- kb-browser: the built site's own search (kb-search.js, `window.kbSearch.search(query, 5)`) in headless
  Chromium, the site served on 127.0.0.1;
- pagefind: plain Pagefind, run here over kb's built site of each language with --root-selector on the
  article, queried in the same browser with no query shaping (`pf.search(q)`);
- pagefind-shaped: the same Pagefind index with kb's query shaping (kb_tools/query.py: stop words and
  question words dropped, synonym groups as alternatives), all words first, then, when that finds fewer
  than 5 pages, each word (each pair of CJK characters) alone, the pages ranked by their summed scores.

recall@5 is the share of questions whose page is in the top 5; MRR the mean of 1/rank within the top 5
(0 when absent). With --sample the same faces answer the bundled sample's search/queries/<lang>.tsv
(`query<TAB>path`), built in a temp copy. Prints a table and writes every question's rank per face to --out.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from corpus_fastapi import DROPPED, LANGUAGES, CorpusError, import_fastapi
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
QUERIES = REPO / "bench/corpora/fastapi.tsv"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ROOT_SELECTOR = ".md-content"  # Material's article column: no header, navigation or footer
TOP = 5
JS_TIMEOUT_MS = 30_000

console = Console(stderr=True, highlight=False, soft_wrap=True)

Face = Callable[[str, str], list[str]]  # (lang, query) -> the top pages, as paths relative to docs/<lang>/


class BenchError(Exception):
    """An expected failure, reported as one line."""


@dataclass(frozen=True)
class Question:
    """One question and the page that answers it."""

    lang: str
    query: str
    expected: str


@dataclass
class Corpus:
    """A help center to measure: where it is, its questions, and what happened while preparing it."""

    name: str
    root: Path
    questions: list[Question]
    info: dict[str, Any] = field(default_factory=dict)


def read_fastapi_questions(path: Path) -> list[Question]:
    """lang<TAB>query<TAB>expected lines; # comments and blank lines skipped."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [part.strip() for part in line.split("\t")]
        if len(parts) != 3 or not all(parts):
            raise BenchError(f"{path}:{number}: write lang<TAB>query<TAB>expected page")
        questions.append(Question(*parts))
    return questions


def read_sample_questions(root: Path, languages: tuple[str, ...]) -> list[Question]:
    """search/queries/<lang>.tsv of the sample: query<TAB>path lines."""
    questions = []
    for lang in languages:
        path = root / f"search/queries/{lang}.tsv"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            query, _, expected = line.partition("\t")
            if query.strip() and not line.startswith("#") and expected.strip():
                questions.append(Question(lang, query.strip(), expected.strip()))
    return questions


# --- preparing a corpus: import, kb build, kb index, pagefind ---------------------------------------------------


def run_kb(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The kb command on the help center at root (this interpreter's kb_tools), output captured."""
    command = [sys.executable, "-m", "kb_tools.cli", "--config", str(root / "mkdocs.yml"), *args]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, check=False,
                          env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"})


def build(root: Path) -> dict[str, Any]:
    """kb build of every language: each one's outcome and the messages kb printed for it."""
    result = run_kb(root, "build")
    languages: dict[str, dict[str, Any]] = {}
    current = None
    for line in result.stdout.splitlines():
        head, _, rest = line.partition(": ")
        if re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)*", head) and rest.split(" ")[0] in ("built", "skipped", "failed"):
            current = languages.setdefault(head, {"outcome": rest.split(" ")[0], "line": line, "messages": []})
        elif line.startswith("site: "):
            current = None
        elif current is not None and line.strip():
            current["messages"].append(line.strip())
    if not languages:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise BenchError(f"kb build failed: {lines[-1] if lines else f'exit code {result.returncode}'}")
    return {"returncode": result.returncode, "languages": languages, "stderr": result.stderr.strip()}


def kb_status(root: Path) -> dict[str, Any]:
    """kb status --format json: the count of each status per language."""
    result = run_kb(root, "status", "--format", "json")
    try:
        data = json.loads(result.stdout)
        return {lang: entry["counts"] for lang, entry in data["languages"].items()}
    except (ValueError, KeyError, TypeError):
        return {"error": (result.stderr or result.stdout).strip()[-500:]}


def kb_index(root: Path) -> str:
    """kb index of every language; its output."""
    result = run_kb(root, "index")
    if result.returncode != 0:
        raise BenchError(f"kb index failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout.strip()


def pagefind(site: Path, lang: str) -> str:
    """Plain Pagefind over one language's built site, rooted at the article; '' or why it failed."""
    result = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site / lang), "--root-selector",
                             ROOT_SELECTOR, "--silent"], capture_output=True, text=True, check=False)
    return "" if result.returncode == 0 else (result.stderr.strip() or result.stdout.strip() or "pagefind failed")


def prepare(corpus: Corpus, progress: Progress) -> None:
    """Build, index and Pagefind a help center, recording timings, outcomes and statuses in corpus.info."""
    timings = corpus.info.setdefault("seconds", {})
    with step(progress, f"{corpus.name}: kb build", timings, "kb build"):
        corpus.info["build"] = build(corpus.root)
    corpus.info["status"] = kb_status(corpus.root)
    with step(progress, f"{corpus.name}: kb index", timings, "kb index"):
        corpus.info["index"] = kb_index(corpus.root)
    errors = {}
    with step(progress, f"{corpus.name}: pagefind --root-selector {ROOT_SELECTOR}", timings, "pagefind"):
        for lang, outcome in corpus.info["build"]["languages"].items():
            if outcome["outcome"] != "failed":
                errors[lang] = pagefind(corpus.root / "site", lang)
    corpus.info["pagefind"] = {lang: error or "indexed" for lang, error in errors.items()}


@contextmanager
def step(progress: Progress, description: str, timings: dict[str, float], key: str) -> Iterator[None]:
    """A spinner while a step runs, then a line with its time."""
    task = progress.add_task(description, total=None)
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[key] = round(time.perf_counter() - start, 1)
        progress.remove_task(task)
    progress.console.print(f"  {description}: {timings[key]:.1f} s")


def fastapi_corpus(repo: Path, work: Path, progress: Progress) -> Corpus:
    """FastAPI's docs imported as a help center in work/fastapi, with the questions of bench/corpora/fastapi.tsv."""
    questions = read_fastapi_questions(QUERIES)
    timings: dict[str, float] = {}
    with step(progress, "fastapi: import", timings, "import"):
        root = import_fastapi(repo, work / "fastapi", LANGUAGES)
    pages = {lang: sum(1 for _ in (root / "docs" / lang).rglob("*.md")) for lang in LANGUAGES}
    info = {"repo": str(repo), "commit": _git_head(repo), "pages": pages, "dropped": DROPPED, "seconds": timings}
    return Corpus("fastapi", root, questions, info)


def sample_corpus(work: Path) -> Corpus:
    """The bundled sample help center, copied to work/sample, with its search/queries/<lang>.tsv."""
    root = work / "sample"
    root.mkdir(parents=True)
    for name in ("docs", "locales", "search", "overrides", "mkdocs.yml"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
        elif (REPO / name).exists():
            shutil.copy(REPO / name, root / name)
    languages = tuple(sorted(p.name for p in (root / "docs").iterdir() if p.is_dir()))
    return Corpus("sample", root, read_sample_questions(root, languages), {"commit": _git_head(REPO)})


def _git_head(repo: Path) -> str:
    result = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


# --- faces: each is a function (lang, query) -> the top pages; add a new one in faces() --------------------------


def kb_face(root: Path, stack: ExitStack) -> Face:
    """kb's own search: one Searcher per language, kept open."""
    from kb_tools import search

    searchers: dict[str, Any] = {}

    def top(lang: str, query: str) -> list[str]:
        if lang not in searchers:
            searchers[lang] = stack.enter_context(search.Searcher(root, lang))
        return [hit.path for hit in searchers[lang].search(query, limit=TOP)]

    return top


PAGEFIND_JS = """async ([lang, query, limit]) => {
  const pf = window.benchPagefind = window.benchPagefind || await import(`/${lang}/pagefind/pagefind.js`);
  await pf.init();
  const r = await pf.search(query);
  const top = await Promise.all(r.results.slice(0, limit).map(x => x.data()));
  return top.map(d => d.url);
}"""

# kb's own in-browser search, in a page of kb's built site.
KB_BROWSER_JS = """async ([lang, query, limit]) => {
  const top = await window.kbSearch.search(query, limit);
  return top.map(x => x.url);
}"""
KB_BROWSER_DEFINED = "() => typeof window.kbSearch === 'object'"

# Pagefind with kb's query shaping: the words kb keeps (and each synonym group's alternatives) all at once,
# then, if that finds fewer than `limit` pages, one by one, each page scored by the sum of its scores.
PAGEFIND_SHAPED_JS = """async ([lang, words, limit]) => {
  const pf = window.benchPagefind = window.benchPagefind || await import(`/${lang}/pagefind/pagefind.js`);
  await pf.init();
  const first = await pf.search(words.join(" "));
  const scores = new Map(first.results.map(r => [r.id, {r, score: r.score * 10}]));
  if (scores.size < limit) {
    for (const word of words) {
      for (const r of (await pf.search(word)).results) {
        const seen = scores.get(r.id) || {r, score: 0};
        seen.score += r.score;
        scores.set(r.id, seen);
      }
    }
  }
  const ranked = [...scores.values()].sort((a, b) => b.score - a.score).slice(0, limit);
  return Promise.all(ranked.map(x => x.r.data().then(d => d.url)));
}"""


class SiteBrowser:
    """A built site served on 127.0.0.1 and headless Chromium to run searches in its pages."""

    def __init__(self, site: Path) -> None:
        from playwright.sync_api import sync_playwright

        handler = functools.partial(_QuietHandler, directory=str(site))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.site = site
        self.tabs: dict[str, Any] = {}
        self.playwright = sync_playwright().start()
        try:
            self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception:
            self.close()
            raise

    def page(self, path: str) -> Any:
        """The browser tab showing path (opened once)."""
        if path not in self.tabs:
            tab = self.browser.new_page()
            tab.set_default_timeout(JS_TIMEOUT_MS)
            tab.goto(self.base + path)
            self.tabs[path] = tab
        return self.tabs[path]

    def blank(self, lang: str) -> str:
        """A page of the site's language with no script of kb's: plain Pagefind loads nothing else."""
        page = self.site / "_bench" / f"{lang}.html"
        if not page.exists():
            page.parent.mkdir(exist_ok=True)
            page.write_text(f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>bench</title></html>',
                            encoding="utf-8")
        return f"/_bench/{lang}.html"

    def run(self, path: str, script: str, *args: Any) -> Any:
        """Run a JS function in the page at path with args as one array, failing after JS_TIMEOUT_MS."""
        raced = (f"async (args) => Promise.race([({script})(args), new Promise((_, fail) => setTimeout("
                 f"() => fail(new Error('no answer in {JS_TIMEOUT_MS} ms')), {JS_TIMEOUT_MS}))])")
        return self.page(path).evaluate(raced, list(args))

    def close(self) -> None:
        """Stop the browser and the server."""
        for tab in self.tabs.values():
            tab.close()
        if hasattr(self, "browser"):
            self.browser.close()
        self.playwright.stop()
        self.server.shutdown()
        self.server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def page_path(url: str, lang: str, pages: set[str]) -> str:
    """The article path (relative to docs/<lang>/) of a result URL such as /zh/tutorial/cors/#origin."""
    path = unquote(urlparse(url).path).lstrip("/")
    if path.startswith(f"{lang}/"):
        path = path[len(lang) + 1:]
    if path.endswith(".md"):
        return path
    path = path.removesuffix("index.html").rstrip("/")
    if not path:
        return "index.md"
    return f"{path}/index.md" if f"{path}/index.md" in pages and f"{path}.md" not in pages else f"{path}.md"


def browser_face(browser: SiteBrowser, script: str, opened: Callable[[str], str], pages: set[str]) -> Face:
    """A face that runs script(lang, query, limit) in the page opened(lang) and maps its URLs to pages."""

    def top(lang: str, query: str) -> list[str]:
        urls = browser.run(opened(lang), script, lang, query, TOP)
        return _unique([page_path(url, lang, pages) for url in urls if url])[:TOP]

    return top


@contextmanager
def faces(corpus: Corpus, languages: list[str]) -> Iterator[tuple[dict[str, Face], dict[str, str]]]:
    """The faces to measure on a corpus (name -> function), and the ones skipped with why."""
    site = corpus.root / "site"
    pages = {p.relative_to(corpus.root / "docs" / "en").as_posix() for p in (corpus.root / "docs/en").rglob("*.md")}
    found: dict[str, Face] = {}
    skipped: dict[str, str] = {}
    with ExitStack() as stack:
        found["kb"] = kb_face(corpus.root, stack)
        browser = None
        try:
            browser = SiteBrowser(site)
            stack.callback(browser.close)
        except Exception as exc:  # no playwright, no chromium: the browser faces are skipped, said once
            reason = f"no headless Chromium: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc)}"
            skipped["pagefind"] = skipped["kb-browser"] = reason
        if browser is not None:
            home = f"/{languages[0]}/"
            if browser.run(home, KB_BROWSER_DEFINED):
                found["kb-browser"] = browser_face(browser, KB_BROWSER_JS, lambda lang: f"/{lang}/", pages)
            else:
                skipped["kb-browser"] = "window.kbSearch is not defined on kb's pages"
            found["pagefind"] = browser_face(browser, PAGEFIND_JS, browser.blank, pages)
            found["pagefind-shaped"] = shaped_face(browser, corpus.root, pages)
        yield found, skipped


def shaped_face(browser: SiteBrowser, root: Path, pages: set[str]) -> Face:
    """Pagefind asked the words kb's query shaping keeps: each word, each synonym, each CJK pair of a long run."""
    from kb_tools import query, search

    rules: dict[str, Any] = {}

    def top(lang: str, text: str) -> list[str]:
        if lang not in rules:
            rules[lang] = query.Rules.from_json(json.loads((search.index_dir(root, lang) / search.RULES).read_text()))
        shaped = query.shape(text, rules[lang])
        words = [*shaped.rest.split(), *(word for group in shaped.concepts for word in group)]
        pieces = []
        for word in words:
            run = query.runs(word) == [word]
            pieces += query.bigrams(word) if run and query.is_cjk(word[0]) and len(word) > 4 else [word]
        urls = browser.run(browser.blank(lang), PAGEFIND_SHAPED_JS, lang, _unique(pieces), TOP)
        return _unique([page_path(url, lang, pages) for url in urls if url])[:TOP]

    return top


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --- measuring ---------------------------------------------------------------------------------------------------


def measure(corpus: Corpus, progress: Progress) -> dict[str, Any]:
    """Every question through every face: per-question ranks, and recall@5 and MRR per language and face."""
    languages = _unique([q.lang for q in corpus.questions])
    unknown = [q.expected for q in corpus.questions if not (corpus.root / "docs/en" / q.expected).is_file()]
    if unknown:
        raise BenchError(f"{corpus.name}: expected pages that are not in the help center: {', '.join(unknown)}")
    built = {lang for lang, b in corpus.info["build"]["languages"].items() if b["outcome"] != "failed"}
    rows: list[dict[str, Any]] = [
        {"lang": q.lang, "query": q.query, "expected": q.expected, "rank": {}, "top": {}, "error": {},
         "fallback": not (corpus.root / "docs" / q.lang / q.expected).is_file()}  # the site shows the source text
        for q in corpus.questions]
    start = time.perf_counter()
    with faces(corpus, languages) as (found, skipped):
        task = progress.add_task(f"{corpus.name}: questions", total=len(rows) * len(found))
        for name, face in found.items():
            for row in rows:
                progress.advance(task)
                if name != "kb" and row["lang"] not in built:
                    row["error"][name] = f"the {row['lang']} site was not built"
                    continue
                if name == "pagefind" and corpus.info["pagefind"].get(row["lang"]) != "indexed":
                    row["error"][name] = f"pagefind failed on the {row['lang']} site"
                    continue
                try:
                    top = face(row["lang"], row["query"])
                except Exception as exc:  # one failing question must not lose the others' results
                    row["error"][name] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200]}"
                    continue
                row["top"][name] = top
                row["rank"][name] = top.index(row["expected"]) + 1 if row["expected"] in top else None
        progress.remove_task(task)
    corpus.info["seconds"]["questions"] = round(time.perf_counter() - start, 1)
    summary = {lang: {name: score([r for r in rows if r["lang"] == lang], name) for name in found}
               for lang in languages}
    for lang in languages:
        summary[lang].update({name: {"skipped": why} for name, why in skipped.items()})
    return {"summary": summary, "questions": rows}


def score(rows: list[dict[str, Any]], face: str) -> dict[str, Any]:
    """recall@5 and MRR (1/rank within the top 5, 0 when absent) of one face over some questions."""
    answered = [r for r in rows if face in r["top"]]
    if not answered:
        return {"skipped": next((r["error"][face] for r in rows if face in r["error"]), "no questions")}
    ranks = [r["rank"][face] for r in answered]
    return {"queries": len(answered), "errors": len(rows) - len(answered),
            "recall@5": round(sum(rank is not None for rank in ranks) / len(ranks), 3),
            "mrr": round(sum(1 / rank for rank in ranks if rank) / len(ranks), 3)}


def table(results: dict[str, dict[str, Any]]) -> Table:
    """Language x face: queries, recall@5 and MRR."""
    names = _unique([name for corpus in results.values() for lang in corpus["summary"].values() for name in lang])
    grid = Table(title=f"search quality: recall@{TOP} and MRR (rank within the top {TOP})")
    for column in ("corpus", "lang", "queries"):
        grid.add_column(column, justify="right" if column == "queries" else "left")
    for name in names:
        grid.add_column(f"{name}\nrecall@{TOP}", justify="right")
        grid.add_column(f"{name}\nMRR", justify="right")
    for corpus, result in results.items():
        for lang, by_face in result["summary"].items():
            counts = [s["queries"] for s in by_face.values() if "queries" in s]
            cells = []
            for score_ in (by_face.get(name, {"skipped": ""}) for name in names):
                cells += [f"{score_['recall@5']:.2f}", f"{score_['mrr']:.2f}"] if "queries" in score_ \
                    else ["skipped", ""]
            grid.add_row(corpus, lang, str(max(counts, default=0)), *cells)
    return grid


def main() -> int:
    """Run the benchmark; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fastapi", type=Path, required=True, help="FastAPI's repository: a checkout or bare git dir")
    parser.add_argument("--sample", action="store_true", help="also measure the bundled sample's golden queries")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/search_quality.json")
    parser.add_argument("--work", type=Path, help="build here and keep it (default: a temp folder, removed)")
    args = parser.parse_args()
    start = time.perf_counter()
    try:
        results = run(args)
    except (BenchError, CorpusError) as exc:
        console.print(f"error: {exc}", markup=False)
        return 2
    except KeyboardInterrupt:
        console.print("interrupted")
        return 130
    seconds = round(time.perf_counter() - start, 1)
    Console(width=None if console.is_terminal else 132).print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "seconds": seconds,
              "command": " ".join([Path(sys.executable).name, *sys.argv]), "kb_tools": _kb_tools_path(),
              "corpora": results}
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    console.print(f"wrote {args.out} ({seconds:.0f} s)")
    return 0


def run(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Prepare each corpus and measure it."""
    results = {}
    with ExitStack() as stack:
        work = args.work or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kb-search-quality-")))
        if args.work and any(args.work.iterdir() if args.work.is_dir() else ()):
            raise BenchError(f"--work {args.work}: not empty: give a new or empty folder")
        progress = stack.enter_context(Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                                MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                                                transient=True, disable=not console.is_terminal))
        corpora = [fastapi_corpus(args.fastapi, work, progress)]
        if args.sample:
            corpora.append(sample_corpus(work))
        for corpus in corpora:
            prepare(corpus, progress)
            results[corpus.name] = {**corpus.info, **measure(corpus, progress)}
    return results


def _kb_tools_path() -> str:
    import kb_tools

    return str(Path(kb_tools.__file__).parent)


if __name__ == "__main__":
    sys.exit(main())
