"""What one `kb search` from the command line costs at N articles, end to end, against its floor and before.

    python bench/bench_search_cli.py --articles 10000 --runs 10 [--dir DIR] [--before TREE] [--old] [--pyc]
                                     [--translations K]

For a synthetic help center (bench_search.generate: en, and zh), times one `kb search --json` process per
query (the index is fresh: answered from it, no scan), with in the same run, query by query:
- the floor: a bare `python -c pass`, a Python that only imports Whoosh's index and searcher, and one
  that imports them as kb search does, without the modules Whoosh loads for nothing a search does
  (kb_tools/deferred.py: no process that searches with Whoosh can start faster);
- --before TREE: the same kb search with another kb_tools tree (e.g. a worktree of main), answering
  from the same index (its fingerprint is written for that tree into a hard-linked copy);
- --old: the way kb search worked before it answered from the index: a process that imports the
  whole CLI, scans the help center, brings the index up to date and then searches (seconds).
--translations K: the help center also holds its articles in K more languages (hard links), as a real one
does; kb search asks the source language's index. Every answer must be the same JSON (checked). Wall time
is what a user waits; CPU time (user + system of the process) says the same with less of the noise of a
shared machine. Each way runs once untimed first.
--pyc: every process runs with its modules' bytecode cached (in a scratch PYTHONPYCACHEPREFIX), as an
installed kb runs; without it a process started where PYTHONDONTWRITEBYTECODE is set compiles an editable
kb_tools anew each time (about 30 ms). Target (issue #15): kb search
p50 under 200 ms at 10,000 articles, most of it start-up. Prints a table and writes
bench/results/search_cli.json. --dir keeps the generated help centers there (DIR/<lang><N>[+K]) and
reuses them: generating and indexing 10,000 articles takes minutes.
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

from bench_search import generate, percentile, text, vocabulary

from kb_tools import config, freshness, search
from kb_tools.scan import scan

TARGET_MS = 200.0
TRANSLATIONS = ("zh", "ja", "es", "ko", "fr", "de", "en")  # --translations: the languages added, in order
WHOOSH = "import whoosh.index, whoosh.searching, whoosh.query, whoosh.analysis, whoosh.scoring"
LEAN = f"from kb_tools import deferred\nwith deferred.whoosh():\n    {WHOOSH}"
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
# Writes the fingerprint a kb_tools tree computes into the index of the help center argv[1], language argv[2].
FINGERPRINT = """
import sys
from pathlib import Path
from kb_tools import config, search
settings = config.load(Path(sys.argv[1]) / "mkdocs.yml")
path = search.index_dir(settings.root, sys.argv[2]) / "sources"
path.unlink()  # a hard link to the original's: write a file of its own
try:
    from kb_tools.freshness import sources_fingerprint
except ImportError:  # a tree from before kb_tools/freshness.py
    sources_fingerprint = search.sources_fingerprint
try:
    fingerprint = sources_fingerprint(settings, sys.argv[2])
except TypeError:  # a tree from before fingerprints were per language
    fingerprint = sources_fingerprint(settings)
path.write_text(fingerprint)
"""


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall ms, CPU ms, stdout) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=cwd, env=env)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu, done.stdout


def before_copy(root: Path, lang: str, tree: Path, env: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """A hard-linked copy of root whose index is fresh for the kb_tools of tree, and the environment to run it."""
    copy = root.parent / f"{root.name}-before"
    if not copy.exists():
        shutil.copytree(root, copy, copy_function=os.link)  # links keep every file's mtime: the same fingerprint
    env = {**env, "PYTHONPATH": str(tree)}
    subprocess.run([sys.executable, "-c", FINGERPRINT, str(copy), lang], check=True, env=env, cwd=copy)
    return copy, env


def with_translations(root: Path, lang: str, count: int) -> None:
    """Make the help center's articles also those of count more languages (hard links to its own files)."""
    others = [code for code in TRANSLATIONS if code != lang][:count]
    for code in others:
        shutil.copytree(root / "docs" / lang, root / "docs" / code, copy_function=os.link)
    config_file = root / "mkdocs.yml"
    config_file.write_text(config_file.read_text().replace(f"languages: [{lang}]",
                                                           f"languages: [{', '.join([lang, *others])}]"))


def bench(root: Path, articles: int, lang: str, runs: int, before: Path | None, old: bool,
          env: dict[str, str], translations: int = 0) -> dict[str, object]:
    if not (root / "mkdocs.yml").exists():
        generate(root, articles, lang)
        if translations:
            with_translations(root, lang, translations)
    settings = config.load(root / "mkdocs.yml")
    if not freshness.is_fresh(settings, lang):
        search.update(scan(settings), lang)
    rng = random.Random(11)
    asked = [text(rng, vocabulary(lang), rng.choice((1, 2, 3)), " ") for _ in range(runs)]
    kb = [sys.executable, "-m", "kb_tools.cli", "--config", str(root / "mkdocs.yml"), "search", "--json",
          "--lang", lang]
    ways = {"python": lambda q: timed([sys.executable, "-c", "pass"], root, env),
            "python+whoosh": lambda q: timed([sys.executable, "-c", WHOOSH], root, env),
            "whoosh, lean": lambda q: timed([sys.executable, "-c", LEAN], root, env),
            "kb search": lambda q: timed([*kb, q], root, env)}
    if before is not None:
        copy, before_env = before_copy(root, lang, before, env)
        old_kb = [sys.executable, "-m", "kb_tools.cli", "--config", str(copy / "mkdocs.yml"), "search", "--json",
                  "--lang", lang]
        ways["before"] = lambda q: timed([*old_kb, q], copy, before_env)
    if old:
        ways["old way"] = lambda q: timed([sys.executable, "-c", OLD, str(root), lang, q], root, env)
    for run in ways.values():  # untimed: bytecode cached (--pyc), files in the page cache
        run(asked[0])
    wall: dict[str, list[float]] = {name: [] for name in ways}
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    for query in asked:  # every way once per query, in turn: a load that comes and goes hits them alike
        answers = {}
        for name, run in ways.items():
            wall_ms, cpu_ms, output = run(query)
            wall[name].append(wall_ms)
            cpu[name].append(cpu_ms)
            if name not in ("python", "python+whoosh", "whoosh, lean"):
                answers[name] = json.loads(output)
        if any(answer != answers["kb search"] for answer in answers.values()):
            raise SystemExit(f"{lang} {query!r}: {', '.join(answers)} do not all answer alike")
    row: dict[str, object] = {"articles": articles, "lang": lang, "translations": translations, "runs": runs}
    for name in ways:
        row[f"{name} p50 ms"] = statistics.median(wall[name])
        row[f"{name} p95 ms"] = percentile(wall[name], 95)
        row[f"{name} cpu p50 ms"] = statistics.median(cpu[name])
    kb_p50 = statistics.median(wall["kb search"])
    row["kb p50/target"] = kb_p50 / TARGET_MS
    row["kb p50 - floor ms"] = kb_p50 - statistics.median(wall["python+whoosh"])
    row["kb p50 - lean floor ms"] = kb_p50 - statistics.median(wall["whoosh, lean"])
    if before is not None:
        row["before/kb p50"] = statistics.median(wall["before"]) / kb_p50
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[10000])
    parser.add_argument("--langs", nargs="+", default=["en", "zh"])
    parser.add_argument("--translations", type=int, default=0, metavar="K",
                        help="the help center also has its articles in K more languages (hard links)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--dir", type=Path, default=None, help="keep the generated help centers here and reuse them")
    parser.add_argument("--before", type=Path, default=None, help="a kb_tools tree (checkout) to time alongside")
    parser.add_argument("--old", action="store_true", help="also time the old way: scan, update, search")
    parser.add_argument("--pyc", action="store_true", help="cache every process's bytecode, as an installed kb")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = args.dir or Path(tmp)
        env = dict(os.environ)
        if args.pyc:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pyc")
        for n in args.articles:
            for lang in args.langs:
                folder = base / (f"{lang}{n}" + (f"+{args.translations}" if args.translations else ""))
                folder.mkdir(parents=True, exist_ok=True)
                rows.append(bench(folder, n, lang, args.runs, args.before.resolve() if args.before else None,
                                  args.old, env, args.translations))
    print(f"target: kb search p50 under {TARGET_MS:.0f} ms at 10,000 articles; floor: python+whoosh "
          f"(a process that starts and imports Whoosh; lean: as kb search imports it); bytecode "
          f"{'cached' if args.pyc else 'as the environment says'}; load average {os.getloadavg()[0]:.1f}")
    for row in rows:
        more = f" (and in {row['translations']} more languages)" if row["translations"] else ""
        print(f"{row['lang']} {row['articles']} articles{more}, {row['runs']} queries:")
        names = [key[: -len(" p50 ms")] for key in row if key.endswith(" p50 ms") and "cpu" not in key]
        print(f"  {'':<14}{'p50 ms':>9}{'p95 ms':>9}{'cpu p50 ms':>12}")
        for name in names:
            print(f"  {name:<14}{row[f'{name} p50 ms']:>9.0f}{row[f'{name} p95 ms']:>9.0f}"
                  f"{row[f'{name} cpu p50 ms']:>12.0f}")
        print("  " + ", ".join(f"{key} {value:.2f}" for key, value in row.items()
                               if key in ("kb p50/target", "kb p50 - floor ms", "kb p50 - lean floor ms",
                                          "before/kb p50")))
    out = Path(__file__).parent / "results" / "search_cli.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"command": " ".join(sys.argv), "load average": os.getloadavg(), "rows": rows,
                               "bytecode cached": args.pyc}, indent=2, ensure_ascii=False))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
