"""Time `kb status` and `kb check` on a synthetic help center of N articles x L languages.

    python bench/bench_status.py --articles 10000 --languages 6 --runs 5

Prints a table and writes bench/results/status-<N>x<L>.json. The baseline, timed in the same
run, is the least any status tool must do: read every file and parse its front matter with PyYAML.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from kb_tools.scan import read_document

LANGS = ["en", "zh", "ja", "es", "ko", "ru", "de", "fr", "pt", "tr"]
WORDS = ("withdrawal deposit network fee address wallet confirm security account verify limit order market "
         "trade token balance support ticket phishing password device session whitelist memo chain").split()


def body(rng: random.Random, n: int) -> str:
    """A plausible article body: headings, paragraphs, steps, a table, an admonition, code."""
    parts = []
    for section in range(4):
        parts.append(f"## Section {section} {rng.choice(WORDS)}")
        parts.append(" ".join(rng.choice(WORDS) for _ in range(40)) + f" {n}.")
        parts.extend(f"{i}. {' '.join(rng.choice(WORDS) for _ in range(10))}" for i in range(1, 4))
    parts.append("| Coin | Fee |\n|---|---|\n| BTC | 0.0005 |\n| USDT | 1 |")
    parts.append('!!! warning "Check the network"\n    ' + " ".join(rng.choice(WORDS) for _ in range(20)))
    parts.append("```bash\ncurl https://api.nimbusx.example/v1/time\n```")
    return "\n\n".join(parts) + "\n"


def generate(root: Path, articles: int, languages: int, seed: int = 7) -> None:
    """Write mkdocs.yml and docs/: 80% reviewed, 5% machine, 5% stale, 10% missing per language."""
    rng = random.Random(seed)
    langs = LANGS[:languages]
    (root / "mkdocs.yml").write_text(f"site_name: Bench\nplugins:\n  - kb:\n      languages: [{', '.join(langs)}]\n")
    for i in range(articles):
        rel = f"category-{i % 40}/article-{i}.md"
        text = f"---\ntitle: Article {i}\ndescription: About {rng.choice(WORDS)}.\ntags: [bench]\n---\n\n{body(rng, i)}"
        path = root / "docs/en" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        digest = read_document(rel, "en", rel, text.encode(), True).source_hash
        for lang in langs[1:]:
            roll = rng.random()
            if roll < 0.10:
                continue
            status = "machine" if roll < 0.15 else "reviewed"
            source_hash = "f" * 12 if roll > 0.95 else digest
            block = f"translation:\n  source_hash: {source_hash}\n  status: {status}\n  reviewed_by: bench\n"
            target = root / "docs" / lang / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"---\ntitle: {lang} {i}\n{block}---\n\n{text.split('---', 2)[2]}")


def baseline(root: Path) -> None:
    """Read every Markdown file and parse its front matter: the floor for any status tool."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for dirpath, _, files in os.walk(root / "docs"):
        for name in files:
            text = Path(dirpath, name).read_text(encoding="utf-8")
            yaml.load(text.split("---", 2)[1], Loader=loader)


def timed(command: list[str] | None, root: Path) -> float:
    start = time.perf_counter()
    if command is None:
        baseline(root)
    else:
        subprocess.run(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--languages", type=int, default=6)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    kb = [sys.executable, "-m", "kb_tools.cli"]
    cases = {
        "baseline: read + parse front matter": None,
        "kb status (warm cache)": [*kb, "status", "--format", "json"],
        "kb check (warm cache)": [*kb, "check"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        generate(root, args.articles, args.languages)
        print(f"generated {args.articles} x {args.languages} in {time.perf_counter() - started:.1f} s")
        cold = timed([*kb, "status", "--format", "json"], root)  # fills the cache
        results: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):  # interleaved, so machine noise hits every case alike
            for name, command in cases.items():
                results[name].append(timed(command, root))
    base = statistics.median(results["baseline: read + parse front matter"])
    rows = [{"case": "kb status (cold, no cache)", "median_s": cold, "runs": 1, "ratio_to_baseline": cold / base}]
    rows += [{"case": name, "median_s": statistics.median(times), "runs": len(times),
              "ratio_to_baseline": statistics.median(times) / base} for name, times in results.items()]
    print(f"\n{args.articles} articles x {args.languages} languages, {os.cpu_count()} cores")
    print(f"{'case':<40} {'median s':>9} {'x baseline':>11}")
    for row in rows:
        print(f"{row['case']:<40} {row['median_s']:>9.2f} {row['ratio_to_baseline']:>11.2f}")
    out = Path(__file__).parent / "results" / f"status-{args.articles}x{args.languages}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"articles": args.articles, "languages": args.languages, "rows": rows}, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
