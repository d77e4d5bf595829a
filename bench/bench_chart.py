"""Time `kb status --chart` (kb_tools/progress.py) on the bundled sample's history and on FastAPI's.

    python bench/bench_chart.py [--sample] [--fastapi PATH] [--weeks 26 52] [--runs 3] [--keep DIR]

--sample charts this repository's own history (the sample lives in docs/ and locales/ here).
--fastapi PATH: a clone (bare or not) of github.com/fastapi/fastapi, cloned again into a scratch folder
with bench_adopt.py's kb.yml (FastAPI's layout, languages zh ja es ko ru); `kb adopt` runs there and its
front matter is committed (dated the day after FastAPI's last commit), so the last week shows adopted
translations and the weeks before it show them untracked (FastAPI's translations carry no translation:
block). Each case runs `kb status --chart` as a user does, a new process each run: once cold (no
.kb-cache/progress.pickle: every blob parsed), then --runs times warm. Wall and CPU seconds (the
process and its git children): on a shared machine the CPU time is the steadier figure. Prints a table
and writes bench/results/chart.json; --keep DIR keeps the SVGs there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_adopt import CONFIG

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results" / "chart.json"
LANGUAGES = ["zh", "ja", "es", "ko", "ru"]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args], cwd=cwd,
                          capture_output=True, text=True, check=True).stdout


def fastapi(source: Path, scratch: Path) -> Path:
    """A scratch clone of FastAPI with kb.yml and kb adopt's front matter committed on top."""
    clone = scratch / "fastapi"
    git(scratch, "clone", "-q", str(source), str(clone))
    (clone / "kb.yml").write_text(CONFIG.format(languages=", ".join(["en", *LANGUAGES])), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "kb_tools.cli", "--config", "kb.yml", "adopt"], cwd=clone,
                   capture_output=True, check=True)
    git(clone, "add", "-A", "kb.yml", "docs")
    # Dated the day after FastAPI's last commit, not today: the weeks charted are FastAPI's own.
    day = (dt.date.fromisoformat(git(clone, "log", "-1", "--format=%cs").strip()) + dt.timedelta(days=1)).isoformat()
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q", "-m",
                    "kb adopt"], cwd=clone, check=True,
                   env={**os.environ, "GIT_AUTHOR_DATE": f"{day}T12:00:00Z", "GIT_COMMITTER_DATE": f"{day}T12:00:00Z"})
    return clone


def chart(config: Path, weeks: int, out: Path) -> tuple[float, float, str]:
    """One `kb status --chart` process: (wall seconds, CPU seconds, what it printed)."""
    start, used = time.perf_counter(), _children_cpu()
    done = subprocess.run([sys.executable, "-m", "kb_tools.cli", "--config", str(config), "-vv", "status", "--chart",
                           str(out), "--weeks", str(weeks)], capture_output=True, text=True, cwd=config.parent)
    seconds, cpu = time.perf_counter() - start, _children_cpu() - used
    if done.returncode:
        sys.exit(done.stdout + done.stderr)
    return seconds, cpu, done.stdout + done.stderr


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", action="store_true")
    parser.add_argument("--fastapi", type=Path)
    parser.add_argument("--weeks", type=int, nargs="+", default=[26, 52])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="a folder to keep the charts in")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="kb-bench-chart-"))
    rows = []
    try:
        cases = [("sample", REPO / "mkdocs.yml")] if args.sample or not args.fastapi else []
        if args.fastapi:
            start = time.perf_counter()
            clone = fastapi(args.fastapi.resolve(), scratch)
            print(f"FastAPI cloned and adopted in {time.perf_counter() - start:.0f} s", file=sys.stderr)
            cases.append(("fastapi", clone / "kb.yml"))
        for name, config in cases:
            for weeks in args.weeks:
                out = (args.keep or scratch) / f"chart-{name}-{weeks}.svg"
                out.parent.mkdir(parents=True, exist_ok=True)
                (config.parent / ".kb-cache" / "progress.pickle").unlink(missing_ok=True)
                for kind, runs in (("cold", [chart(config, weeks, out)]),
                                   ("warm", [chart(config, weeks, out) for _ in range(args.runs)])):
                    said = runs[-1][2]
                    found = next(line for line in said.splitlines() if "progress:" in line)
                    rows.append({"case": name, "weeks_asked": weeks, "run": kind,
                                 "wall": [round(s, 2) for s, _, _ in runs], "cpu": [round(c, 2) for _, c, _ in runs],
                                 "read": found.split("progress: ", 1)[1], "svg_bytes": out.stat().st_size})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print("| history | weeks asked | run | wall s, median (runs) | CPU s, median | weeks, trees, blobs | SVG |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        wall, runs = statistics.median(row["wall"]), " / ".join(f"{s:.2f}" for s in row["wall"])
        print(f"| {row['case']} | {row['weeks_asked']} | {row['run']} | {wall:.2f} ({runs}) | "
              f"{statistics.median(row['cpu']):.2f} | {row['read']} | {row['svg_bytes'] // 1024} KB |")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
