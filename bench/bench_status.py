"""Time `kb status` and `kb check` on a synthetic help center of N articles x L languages.

    python bench/bench_status.py --articles 10000 --languages 6 --runs 5 [--before DIR] [--evict] [--keep DIR]

Prints a table and writes bench/results/status-<N>x<L>.json. The help center is a git repository
with two commits: 5% of the sources change in the second, and their translations stay made from
the first version, so they are stale with real history to explain. The baseline, timed in the same
run, is the least any status tool must do: read every file and parse its front matter with PyYAML.
Cold runs move .kb-cache/ aside (and back after). --before DIR times another kb_tools tree (e.g. one
exported with `git archive`) in the same run, case for case. --evict adds a cold run with the help
center's files out of the page cache too, as a checkout not read for a while often is (only its own
files are evicted). --keep DIR generates the help center once and reuses it. Each case reports wall
seconds and CPU seconds (kb's process and the git it starts): on a machine shared with other work,
wall time stretches and CPU time much less.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
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


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args], cwd=root,
                   check=True, stdout=subprocess.DEVNULL)


def generate(root: Path, articles: int, languages: int, seed: int = 7) -> None:
    """A git repository of mkdocs.yml and docs/: 80% reviewed, 5% machine, 5% stale, 10% missing per language.

    The stale ones: their source gained a paragraph in a second commit, after they were made.
    """
    rng = random.Random(seed)
    langs = LANGS[:languages]
    (root / "mkdocs.yml").write_text(f"site_name: Bench\nplugins:\n  - kb:\n      languages: [{', '.join(langs)}]\n")
    (root / ".gitignore").write_text(".kb-cache*/\n")
    edited = []
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
            source_hash = digest
            if roll > 0.95:
                edited.append(path)
            block = f"translation:\n  source_hash: {source_hash}\n  status: {status}\n  reviewed_by: bench\n"
            target = root / "docs" / lang / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"---\ntitle: {lang} {i}\n{block}---\n\n{text.split('---', 2)[2]}")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first version")
    for path in dict.fromkeys(edited):
        path.write_text(path.read_text() + "\nA paragraph added after the translations were made.\n")
    git(root, "commit", "-q", "-a", "-m", "sources edited")


def baseline(root: Path) -> None:
    """Read every Markdown file and parse its front matter: the floor for any status tool."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for dirpath, _, files in os.walk(root / "docs"):
        for name in files:
            text = Path(dirpath, name).read_text(encoding="utf-8")
            yaml.load(text.split("---", 2)[1], Loader=loader)


def timed(command: list[str] | None, root: Path, tree: str | None = None, cold: bool = False,
          evict: bool = False) -> tuple[float, float]:
    """Seconds one run takes, wall and CPU (the process and what it starts, git included); tree: the folder
    kb_tools is imported from (None: the installed one); evict: the help center's files out of the page cache first."""
    cache, kept = root / ".kb-cache", root / ".kb-cache-kept"
    if cold:  # the warm cache is put back afterwards: making its QA results again takes minutes
        shutil.rmtree(kept, ignore_errors=True)
        cache.rename(kept)
    if evict:
        _evict(root)
    env = {**os.environ, "PYTHONPATH": tree} if tree else None
    start, cpu = time.perf_counter(), _cpu()
    if command is None:
        baseline(root)
    else:
        subprocess.run(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    took = time.perf_counter() - start, _cpu() - cpu
    if cold:
        shutil.rmtree(cache)
        kept.rename(cache)
    return took


def _evict(root: Path) -> None:
    """Drop the files under root (its .git too) from the page cache, and nothing else."""
    for dirpath, _, files in os.walk(root):
        for name in files:
            handle = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.posix_fadvise(handle, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(handle)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (a loaded machine stretches wall time, not this)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--languages", type=int, default=6)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", default=None, metavar="DIR", help="a kb_tools tree to time in the same run")
    parser.add_argument("--evict", action="store_true",
                        help="also time a cold status with the help center's files out of the page cache")
    parser.add_argument("--keep", default=None, metavar="DIR",
                        help="generate the help center into DIR once and reuse it in later runs (its caches removed)")
    args = parser.parse_args()
    kb = [sys.executable, "-m", "kb_tools.cli"]
    status, check = [*kb, "status", "--format", "json"], [*kb, "check"]
    trees: dict[str, str | None] = {"": None, **({"before: ": str(Path(args.before).resolve())} if args.before else {})}
    Case = tuple[list[str] | None, str | None, bool, bool]  # command, tree, cold, evict
    cases: dict[str, Case] = {"baseline: read + parse front matter": (None, None, False, False)}
    for label, tree in trees.items():
        cases[f"{label}kb status (cold, no cache)"] = (status, tree, True, False)
        if args.evict:
            cases[f"{label}kb status (cold, files evicted)"] = (status, tree, True, True)
        cases[f"{label}kb status (warm cache)"] = (status, tree, False, False)
        cases[f"{label}kb check (warm cache)"] = (check, tree, False, False)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep or tmp)
        for old in root.glob(".kb-cache*"):  # each run starts with no cache, as a fresh help center does
            shutil.rmtree(old)
        if (root / ".git").exists():
            if sum(1 for _ in (root / "docs/en").rglob("*.md")) != args.articles:
                raise SystemExit(f"{root} holds a help center of another size: give --keep another folder")
        else:
            started = time.perf_counter()
            root.mkdir(parents=True, exist_ok=True)
            generate(root, args.articles, args.languages)
            print(f"generated {args.articles} x {args.languages} in {time.perf_counter() - started:.1f} s")
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        loads = [os.getloadavg()[0]]
        for _ in range(args.runs):  # interleaved, so machine noise hits every case alike
            for index, tree in enumerate(trees.values()):  # each tree with its own cache, filled before its warm runs
                own = root / f".kb-cache-{index}"
                if own.exists():
                    own.rename(root / ".kb-cache")
                timed(check, root, tree)
                for name, (command, case_tree, cold, evict) in cases.items():
                    if case_tree == tree and command is not None:
                        results[name].append(timed(command, root, tree, cold, evict))
                (root / ".kb-cache").rename(own)
            results["baseline: read + parse front matter"].append(timed(None, root))
            loads.append(os.getloadavg()[0])
    base = statistics.median(wall for wall, _cpu in results["baseline: read + parse front matter"])
    rows = [{"case": name, "median_s": statistics.median(wall for wall, _cpu in times),
             "median_cpu_s": statistics.median(cpu for _wall, cpu in times), "runs": len(times),
             "ratio_to_baseline": statistics.median(wall for wall, _cpu in times) / base}
            for name, times in results.items()]
    print(f"\n{args.articles} articles x {args.languages} languages, {os.cpu_count()} cores, "
          f"load average {min(loads):.1f}-{max(loads):.1f} during the runs")
    print(f"{'case':<44} {'median s':>9} {'CPU s':>7} {'x baseline':>11}")
    for row in rows:
        print(f"{row['case']:<44} {row['median_s']:>9.2f} {row['median_cpu_s']:>7.2f} "
              f"{row['ratio_to_baseline']:>11.2f}")
    out = Path(__file__).parent / "results" / f"status-{args.articles}x{args.languages}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"articles": args.articles, "languages": args.languages, "command": sys.argv,
                               "load_average": [min(loads), max(loads)], "rows": rows}, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
