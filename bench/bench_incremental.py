"""Time a one-article edit's `kb build` against a warm full build (`kb build --force`, .kb-cache kept).

    python bench/bench_incremental.py --articles 1000 --runs 2

bench_build.py's synthetic help center (N articles x 2 languages, en and zh), built once; then, per run,
`kb build --force` (every page rendered) and, after appending a sentence to one article's body, `kb build`
(the pages whose inputs changed rendered, the others reused from the site: kb_tools/pagecache.py).
Prints a table with the pages each build rendered and reused, and writes bench/results/incremental.json.
Target (issue #15): the edit's build at most ~15% of the warm full build.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_build import generate

KB = [sys.executable, "-m", "kb_tools.cli", "build"]


def run(command: list[str], root: Path) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=root, capture_output=True, text=True,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - start, result.stdout


def counts(output: str) -> str:
    """'en 3/1021, zh 2/1021': pages rendered of pages, per language, from kb build's lines."""
    found = re.findall(r"^(\w+): built in [\d.]+ s: ([\d,]+) pages rendered, ([\d,]+) reused", output, re.M)
    return ", ".join(f"{lang} {r}/{int(r.replace(',', '')) + int(u.replace(',', '')):,}" for lang, r, u in found)


def bench(articles: int, runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, articles)
        cold, _ = run(KB, root)
        full: list[float] = []
        edit: list[float] = []
        rendered = ""
        for number in range(runs):
            seconds, _ = run([*KB, "--force"], root)
            full.append(seconds)
            page = root / "docs" / "en" / "category-3" / "article-3.md"
            text = page.read_text(encoding="utf-8") + f"\nOne more sentence, edit {number}.\n"
            page.write_text(text, encoding="utf-8")
            seconds, output = run(KB, root)
            edit.append(seconds)
            rendered = counts(output)
    return {"articles": articles, "languages": 2, "cold": cold, "full (--force)": statistics.median(full),
            "one edit": statistics.median(edit), "edit / full": statistics.median(edit) / statistics.median(full),
            "rendered of pages": rendered, "runs": {"full": full, "edit": edit}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[1000])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    rows = [bench(articles, args.runs) for articles in args.articles]
    print(f"{'articles':>8} {'cold':>7} {'full':>7} {'edit':>7} {'edit/full':>9}  rendered of pages")
    for r in rows:
        print(f"{r['articles']:>8} {r['cold']:>7.1f} {r['full (--force)']:>7.1f} {r['one edit']:>7.1f} "
              f"{r['edit / full']:>9.2f}  {r['rendered of pages']}")
    out = Path(__file__).parent / "results" / "incremental.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"runs": args.runs, "cores": os.cpu_count(), "rows": rows}, indent=2))
    print(f"medians of {args.runs} runs (seconds); wrote {out}")


if __name__ == "__main__":
    main()
