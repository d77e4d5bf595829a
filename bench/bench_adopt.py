"""Adopt a real multilingual repository in place: kb adopt, kb status, kb check --summary, timed, and
kb's stale list against the commit-date rule of FastAPI's `scripts/translate.py list_outdated`.

    python bench/bench_adopt.py --repo PATH [--languages zh ja es ko ru] [--at YYYY-MM-DD]

PATH: a full clone of github.com/fastapi/fastapi (this script writes a kb config into it, `kb.yml`,
and the translation blocks `kb adopt` adds: use a scratch clone). The layout is FastAPI's own:
sources in docs/en/docs/, translations in docs/<lang>/docs/. The commit-date rule: a translation is
outdated when its file's last commit is older than its source's last commit. Prints a table and
writes bench/results/adopt.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

CONFIG = """site_name: FastAPI (adopted by kb)
docs_dir: docs
plugins:
  - kb:
      source_language: en
      languages: [{languages}]
      layout:
        source: "docs/en/docs/{{path}}"
        translation: "docs/{{lang}}/docs/{{path}}"
"""
RESULTS = Path(__file__).parent / "results" / "adopt.json"


def kb(repo: Path, *args: str) -> tuple[float, str]:
    """Run kb on the repository's kb.yml; (seconds, what it printed)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kb_tools.cli", "--config", str(repo / "kb.yml"), *args],
                          capture_output=True, text=True, cwd=repo)
    return time.perf_counter() - start, done.stdout + done.stderr


def last_commit(repo: Path, path: str) -> int:
    """The commit time of the newest commit that changed path (0 if none)."""
    out = subprocess.run(["git", "log", "-1", "--format=%ct", "--", path], cwd=repo, capture_output=True,
                         text=True).stdout.strip()
    return int(out or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--languages", nargs="+", default=["zh", "ja", "es", "ko", "ru"])
    parser.add_argument("--at", default="", help="a date (YYYY-MM-DD): check out the last commit before it first")
    args = parser.parse_args()
    repo = args.repo.resolve()
    if subprocess.run(["git", "status", "--porcelain", "--", "docs"], cwd=repo, capture_output=True,
                      text=True).stdout.strip():
        sys.exit(f"{repo}: docs/ has uncommitted changes (an earlier run?): use a fresh clone")
    if args.at:
        commit = subprocess.run(["git", "rev-list", "-1", f"--before={args.at}", "HEAD"], cwd=repo,
                                capture_output=True, text=True, check=True).stdout.strip()
        subprocess.run(["git", "checkout", "-q", "--detach", commit], cwd=repo, check=True)
    (repo / "kb.yml").write_text(CONFIG.format(languages=", ".join(["en", *args.languages])), encoding="utf-8")
    timings = {}
    timings["kb adopt"], adopt_out = kb(repo, "adopt")
    timings["kb status (cold)"], _ = kb(repo, "status", "--format", "json")
    timings["kb status (warm)"], status_out = kb(repo, "status", "--format", "json")
    timings["kb check --summary"], check_out = kb(repo, "check", "--summary")
    report = json.loads(status_out[status_out.index("{"):])
    rows = []
    sources = sorted(p.relative_to(repo / "docs/en/docs").as_posix() for p in (repo / "docs/en/docs").rglob("*.md"))
    for lang in args.languages:
        language = report["languages"][lang]
        counts = {status: n for status, n in language["counts"].items() if n}
        kb_stale = {entry["path"] for entry in language["articles"] if entry["status"] == "stale"}
        dates_stale = {rel for rel in sources if (repo / f"docs/{lang}/docs/{rel}").is_file()
                       and last_commit(repo, f"docs/{lang}/docs/{rel}") < last_commit(repo, f"docs/en/docs/{rel}")}
        rows.append({"lang": lang, "counts": counts, "both": len(kb_stale & dates_stale),
                     "kb_only": sorted(kb_stale - dates_stale), "dates_only": sorted(dates_stale - kb_stale)})
    print("| step | seconds |\n|---|---|")
    for step, seconds in timings.items():
        print(f"| {step} | {seconds:.1f} |")
    print("\n| lang | statuses | stale by both | kb only | commit dates only |\n|---|---|---|---|---|")
    for row in rows:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(row["counts"].items()))
        print(f"| {row['lang']} | {counts} | {row['both']} | {len(row['kb_only'])} | {len(row['dates_only'])} |")
    print("\n" + "\n".join(adopt_out.strip().splitlines()[-3:]))
    print("\n" + "\n".join(check_out.strip().splitlines()[:25]))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"timings": timings, "languages": rows}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
