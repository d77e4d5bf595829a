"""Time a sharded build: each language built alone on one core (kb build --lang L --site-dir), then kb merge.

    python bench/bench_merge.py --articles 2000 --runs 2

The help center is bench_build.py's synthetic one (en source, zh 80% translated, the rest falling back:
every language publishes every article). Prints the seconds per page of one language's build on one
core and of the merge, and writes bench/results/merge.json; README's estimate for 40 languages x 5,000
articles on 1 and on 20 runners is made from these figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench_build import generate, run

KB = [sys.executable, "-m", "kb_tools.cli"]


def bench(articles: int, runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, articles)
        times: dict[str, list[float]] = {"build en": [], "build zh": [], "merge": []}
        for _ in range(runs):
            for lang in ("en", "zh"):
                times[f"build {lang}"].append(run([*KB, "build", "--force", "--jobs", "1", "--lang", lang,
                                                   "--site-dir", f"parts/{lang}"], root))
            times["merge"].append(run([*KB, "merge", "parts/en", "parts/zh", "--out", "site"], root))
        pages = sum(1 for _ in (root / "site" / "en").rglob("index.html"))
        shutil.rmtree(root / "site", ignore_errors=True)
    result = {name: statistics.median(values) for name, values in times.items()}
    result["pages per language"] = pages
    result["s per page, one language, one core"] = (result["build en"] + result["build zh"]) / 2 / pages
    result["s per page, merge"] = result["merge"] / (2 * pages)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[2000])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    results = {str(n): bench(n, args.runs) for n in args.articles}
    for n, result in results.items():
        print(f"{n} articles:")
        for name, value in result.items():
            print(f"  {name:38} {value:.4f}" if isinstance(value, float) else f"  {name:38} {value}")
    out = Path(__file__).parent / "results" / "merge.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
