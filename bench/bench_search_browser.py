"""What one search costs a reader's browser: bytes fetched and time to results, kb's search against Pagefind.

    python bench/bench_search_browser.py --articles 3000 --queries 40

For N synthetic articles in en and in zh (bench_search.generate: Zipf-drawn help-center words), builds
the site with `kb build`, indexes the same built site with plain Pagefind (pip install -e '.[bench]'),
serves it on 127.0.0.1 and asks each query in headless Chromium from a blank page of the site:

- cold: a new browser context per query (nothing cached), as a reader who opens a page and asks once;
  everything the search fetches counts in the bytes: kb-search.js, meta.json (loaded when the box
  gets the focus), term shards and the articles shown; pagefind.js, its wasm and entry (loaded by
  pf.init(), as its UI does on the first keystroke), index chunks and the fragments shown; the time
  runs from the query to the results, what the engine loads on focus done while the reader types;
- warm: the next queries on the same page.

Each engine fetches what its search box shows: kb the top 10 articles (its box lists 10), Pagefind
the top 5 fragments (its UI's first page). Target (issue 11): under 300 KB and 300 ms a query at
3,000 articles. Prints a table of medians and p95 and writes bench/results/search_browser.json.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench_search import generate, text, vocabulary
from playwright.sync_api import sync_playwright

from kb_tools.browser import CHROMIUM_ARGS, chromium_path

REPO = Path(__file__).resolve().parent.parent
# Each engine: what it loads when a search box gets the focus (not timed, but its bytes count), then
# one query to the results its box shows.
ENGINES = {
    "kb": """async ([q]) => {
      if (!window.kbSearch) await new Promise((done, fail) => {
        const s = document.createElement("script"); s.src = "kb-search/kb-search.js";
        s.onload = done; s.onerror = fail; document.head.appendChild(s);
      });
      await window.kbSearch.load();
      const start = performance.now();
      const hits = await window.kbSearch.search(q, 10);
      return {ms: performance.now() - start, found: hits.length};
    }""",
    "pagefind": """async ([q]) => {
      const pf = window.pf = window.pf || await import("./pagefind/pagefind.js");
      await pf.init();
      const start = performance.now();
      const r = await pf.search(q);
      const shown = await Promise.all(r.results.slice(0, 5).map(x => x.data()));
      return {ms: performance.now() - start, found: shown.length};
    }""",
}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def build(root: Path, lang: str) -> dict[str, float]:
    """kb build of the generated help center, then Pagefind over the same site; seconds of each."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kb_tools.cli", "--config", str(root / "mkdocs.yml"), "build"],
                   check=True, capture_output=True)
    built = time.perf_counter()
    # Pagefind indexes the article only, as kb does (MkDocs' default theme puts it in role=main): without
    # this it indexes every page's navigation, 3,000 links long here.
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(root / "site" / lang), "--root-selector",
                    "[role=main]", "--silent"], check=True, capture_output=True)
    (root / "site" / lang / "_bench.html").write_text(
        f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>bench</title></html>', encoding="utf-8")
    return {"kb build s": built - start, "pagefind s": time.perf_counter() - built}


def ask(page: Any, engine: str, query: str) -> dict[str, float]:
    """One query in page: milliseconds to results, and bytes fetched meanwhile."""
    requests: list[Any] = []

    def finished(request: Any) -> None:
        requests.append(request)

    page.on("requestfinished", finished)
    result = page.evaluate(ENGINES[engine], [query])
    page.wait_for_timeout(50)  # the last fetches' events reach the handler
    page.remove_listener("requestfinished", finished)
    fetched = sum(request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"] for request in requests)
    return {"ms": result["ms"], "bytes": fetched, "found": result["found"]}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(articles: int, lang: str, queries: int) -> list[dict[str, Any]]:
    """Cold and warm figures of both engines on one generated help center."""
    rng = random.Random(11)
    words = vocabulary(lang)
    asked = [text(rng, words, rng.choice((2, 3, 4)), " " if lang == "en" else "") for _ in range(queries)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="kb-search-browser-") as tmp:
        root = Path(tmp)
        generate(root, articles, lang)
        seconds = build(root, lang)
        site = root / "site"
        index_bytes = {"kb": sum(p.stat().st_size for p in (site / lang / "kb-search").rglob("*") if p.is_file()),
                       "pagefind": sum(p.stat().st_size for p in (site / lang / "pagefind").rglob("*") if p.is_file())}
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/{lang}/_bench.html"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
                for engine in ENGINES:
                    cold, warm = [], []
                    for query in asked:
                        context = browser.new_context()
                        page = context.new_page()
                        page.goto(url)
                        cold.append(ask(page, engine, query))
                        context.close()
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(url)
                    ask(page, engine, asked[0])
                    warm = [ask(page, engine, query) for query in asked[1:]]
                    context.close()
                    for kind, runs in (("cold", cold), ("warm", warm)):
                        rows.append({
                            "articles": articles, "lang": lang, "engine": engine, "queries": kind,
                            "KB p50": statistics.median(r["bytes"] for r in runs) / 1024,
                            "KB p95": percentile([r["bytes"] for r in runs], 95) / 1024,
                            "ms p50": statistics.median(r["ms"] for r in runs),
                            "ms p95": percentile([r["ms"] for r in runs], 95),
                            "empty": sum(1 for r in runs if not r["found"]),
                            "index MB": index_bytes[engine] / 1e6, **seconds})
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[3000])
    parser.add_argument("--languages", nargs="+", default=["en", "zh"])
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    rows = [row for n in args.articles for lang in args.languages for row in measure(n, lang, args.queries)]
    columns = ["articles", "lang", "engine", "queries", "KB p50", "KB p95", "ms p50", "ms p95", "empty", "index MB"]
    print("  ".join(f"{c:>9}" for c in columns))
    for row in rows:
        print("  ".join(f"{row[c]:>9.1f}" if isinstance(row[c], float) else f"{row[c]:>9}" for c in columns))
    for n in args.articles:
        for lang in args.languages:
            for kind in ("cold", "warm"):
                kb, pf = (next(r for r in rows if (r["articles"], r["lang"], r["engine"], r["queries"]) ==
                               (n, lang, engine, kind)) for engine in ("kb", "pagefind"))
                print(f"{n} {lang} {kind}: kb/pagefind bytes {kb['KB p50'] / max(pf['KB p50'], 0.1):.2f}, "
                      f"time {kb['ms p50'] / max(pf['ms p50'], 0.1):.2f} (medians; Pagefind found nothing for "
                      f"{pf['empty']} of the queries)")
    out = REPO / "bench" / "results" / "search_browser.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"command": " ".join(sys.argv), "rows": rows}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
