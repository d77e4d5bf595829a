"""What one `kb search` from the command line costs at N articles, end to end, against the old way.

    python bench/bench_search_cli.py --articles 10000 --runs 10 [--dir DIR]

For a synthetic help center (bench_search.generate: en, and zh), times a `kb search` process per query
as it is now (the index is fresh: answered from it, no scan) against the old way in the same run: a
process that imports the whole CLI, scans the help center, brings the index up to date and then
searches (what `kb search` did before). Both print the same results (checked). Prints a table and
writes bench/results/search_cli.json. Target: under 200 ms per query at 10,000 articles.
--dir keeps the generated help centers there (DIR/<lang><N>) and reuses them: generating and indexing
10,000 articles takes minutes.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_search import generate, percentile, text, vocabulary

from kb_tools import config, search
from kb_tools.scan import scan

OLD = """
import json, sys
from pathlib import Path
import kb_tools.checks, kb_tools.status, kb_tools.scaffold, rich.progress, rich.table  # the old CLI's imports
from kb_tools import config, search
from kb_tools.scan import scan
settings = config.load(Path(sys.argv[1]) / "mkdocs.yml")
search.update(scan(settings), sys.argv[2])
with search.Searcher(settings.root, sys.argv[2]) as searcher:
    hits = searcher.search(sys.argv[3], 10)
print(json.dumps({"query": sys.argv[3], "lang": sys.argv[2], "results": [h.to_json() for h in hits]},
                 ensure_ascii=False, indent=2))
"""


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return (time.perf_counter() - start) * 1000, done.stdout


def bench(root: Path, articles: int, lang: str, runs: int) -> dict[str, object]:
    if not (root / "mkdocs.yml").exists():
        generate(root, articles, lang)
    settings = config.load(root / "mkdocs.yml")
    if not search.is_fresh(settings, lang):
        search.update(scan(settings), lang)
    rng = random.Random(11)
    asked = [text(rng, vocabulary(lang), rng.choice((1, 2, 3)), " ") for _ in range(runs)]
    kb = [sys.executable, "-m", "kb_tools.cli", "--config", str(root / "mkdocs.yml"), "search", "--json",
          "--lang", lang]
    new_times, old_times = [], []
    for query in asked:
        new_ms, new_out = timed([*kb, query])
        old_ms, old_out = timed([sys.executable, "-c", OLD, str(root), lang, query])
        if json.loads(new_out) != json.loads(old_out):
            raise SystemExit(f"{lang} {query!r}: kb search and the old way answer differently")
        new_times.append(new_ms)
        old_times.append(old_ms)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    python_ms = (time.perf_counter() - start) * 1000
    return {"articles": articles, "lang": lang, "runs": runs, "kb search p50 ms": statistics.median(new_times),
            "kb search p95 ms": percentile(new_times, 95), "old p50 ms": statistics.median(old_times),
            "old p95 ms": percentile(old_times, 95),
            "old/new p50": statistics.median(old_times) / statistics.median(new_times),
            "bare python ms": python_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[10000])
    parser.add_argument("--langs", nargs="+", default=["en", "zh"])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--dir", type=Path, default=None, help="keep the generated help centers here and reuse them")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = args.dir or Path(tmp)
        for n in args.articles:
            for lang in args.langs:
                folder = base / f"{lang}{n}"
                folder.mkdir(parents=True, exist_ok=True)
                rows.append(bench(folder, n, lang, args.runs))
    columns = list(rows[0])
    print("  ".join(f"{c:>16}" for c in columns))
    for row in rows:
        print("  ".join(f"{row[c]:>16.1f}" if isinstance(row[c], float) else f"{row[c]:>16}" for c in columns))
    out = Path(__file__).parent / "results" / "search_cli.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"command": " ".join(sys.argv), "rows": rows}, indent=2, ensure_ascii=False))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
