"""Time `kb build` (cold, warm, after a one-article edit) against plain `mkdocs build` and mkdocs-static-i18n.

    pip install -e '.[bench]'
    python bench/bench_build.py --articles 1000 3000 --runs 3
    python bench/bench_build.py --articles 200 --runs 1                       # a quick smoke run
    python bench/bench_build.py --articles 3000 --cases warm --overrides DIR  # page bytes with other templates

For N articles x 2 languages (en source, zh with 80% translated and the rest falling back), in the
help center's categories (locales/helpcenter.yml) and with its own overrides/ and locales/ copied in,
each run does, interleaved so machine noise hits every case alike (each case starts once the old sites
that the last kb build left to a process of its own are deleted: that is the last build's work):
- kb cold: `kb build` with no .kb-cache/ and no site/ (a new user's first build);
- kb warm: `kb build --force` with .kb-cache/ kept;
- kb one edit: one source article's body edited, then `kb build`;
- plain: one `mkdocs build` per language of exactly the pages kb publishes (fallbacks copied in),
  Material with the same features and Markdown extensions, and no plugins: kb writes its own search
  index, so plain MkDocs does not pay for Material's (which segments Chinese with jieba);
- static-i18n: one `mkdocs build` with mkdocs-static-i18n (folder structure, fallback to en), no search.
Budget = (plain en + plain zh) / min(L, cores). Targets (PRODUCT.md): cold <= 1.5 x budget, warm <= 1.15 x
budget, one edit <= 0.15 x warm. Growth: log(t_last / t_first) / log(N_last / N_first), 1 is linear.
Every process runs with its bytecode cached (a PYTHONPYCACHEPREFIX of its own), as an installed kb does.
Peak memory: the largest sum of RSS over the build's process tree (its session), sampled from /proc
every 0.5 s: pool workers' shared pages count once per process, so it overstates what they hold.
Page bytes: median and max of the article pages' HTML and each language's whole site, from kb's build.
Prints a table and writes bench/results/build.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

from kb_tools.scan import read_document

REPO = Path(__file__).resolve().parent.parent
ZH = "提币充值账户安全验证网络手续费地址钱包交易订单市场限额身份认证客服工单钓鱼密码设备会话白名单"
EN = ("withdrawal deposit network fee address wallet confirm security account verify limit order market "
      "trade token balance support ticket phishing password device session whitelist memo chain").split()
FEATURES = "  features: [navigation.path, navigation.prune, navigation.indexes, navigation.top]\n"
MARKDOWN = "markdown_extensions: [admonition, attr_list, tables, toc, pymdownx.details, pymdownx.superfences]\n"
LANGS = ("en", "zh")
CASES = ("cold", "warm", "edit", "plain", "i18n")
KB = [sys.executable, "-m", "kb_tools.cli"]
MKDOCS = [sys.executable, "-m", "mkdocs", "build", "-q", "-f"]
EDITED = "account/article-0.md"
# Every process (kb's and plain MkDocs') runs with its bytecode cached, as an installed program does: where
# PYTHONDONTWRITEBYTECODE is set, an editable kb_tools would be compiled anew by every build.
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "NO_MKDOCS_2_WARNING": "1",
       "PYTHONPYCACHEPREFIX": str(Path(tempfile.gettempdir()) / f"kb-bench-pyc-{os.getuid()}")}


def body(rng: random.Random, words: list[str], sep: str) -> str:
    parts = []
    for section in range(4):
        parts.append(f"## {sep.join(rng.choice(words) for _ in range(3))} {section}")
        parts.append(sep.join(rng.choice(words) for _ in range(60)) + ".")
        parts.extend(f"{i}. {sep.join(rng.choice(words) for _ in range(12))}" for i in range(1, 4))
    parts.append("| Coin | Fee |\n|---|---|\n| BTC | 0.0005 |\n| USDT | 1 |")
    parts.append('!!! warning "BTC"\n    ' + sep.join(rng.choice(words) for _ in range(25)))
    parts.append("```bash\ncurl https://api.nimbusx.example/v1/time\n```")
    return "\n\n".join(parts) + "\n"


def generate(root: Path, articles: int, seed: int = 11, overrides: Path = REPO / "overrides") -> None:
    """docs/en and docs/zh (80% translated) plus docs-plain/<lang>: the pages kb publishes per language,
    with the repository's overrides/ and locales/ (catalogs, helpcenter.yml) and the configs of every case."""
    shutil.copytree(overrides, root / "overrides")
    shutil.copytree(REPO / "locales", root / "locales", ignore=shutil.ignore_patterns("snapshots"))
    categories = list(yaml.safe_load((REPO / "locales/helpcenter.yml").read_text(encoding="utf-8"))["categories"])
    rng = random.Random(seed)
    zh_words = [ZH[i:i + 2] for i in range(0, len(ZH), 2)]
    for i in range(articles):
        rel = f"{categories[i % len(categories)]}/article-{i}.md"
        head = f"---\ntitle: Article {i} {rng.choice(EN)}\ndescription: About {rng.choice(EN)}.\n---\n\n"
        text = head + body(rng, EN, " ")
        for folder in ("docs/en", "docs-plain/en", "docs-plain/zh"):
            (root / folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / folder / rel).write_text(text)
        if rng.random() < 0.8:
            digest = read_document(rel, "en", rel, text.encode(), True).source_hash
            zh = (f"---\ntitle: 文章 {i}\ntranslation:\n  source_hash: \"{digest}\"\n  status: reviewed\n---\n\n"
                  + body(rng, zh_words, ""))
            for folder in ("docs/zh", "docs-plain/zh"):
                (root / folder / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / folder / rel).write_text(zh)
    for folder in ("docs/en", "docs/zh", "docs-plain/en", "docs-plain/zh"):
        (root / folder / "index.md").write_text("---\ntitle: Help\n---\n\nWelcome.\n")
    theme = f"theme:\n  name: material\n  font: false\n{FEATURES}"
    (root / "mkdocs.yml").write_text(
        f"site_name: Bench\ndocs_dir: docs\n{theme}  custom_dir: overrides\n{MARKDOWN}"
        f"plugins:\n  - kb:\n      source_language: en\n      languages: [{', '.join(LANGS)}]\n")
    for lang in LANGS:
        (root / f"plain-{lang}.yml").write_text(f"site_name: Bench\ndocs_dir: docs-plain/{lang}\n"
                                                f"site_dir: site-plain/{lang}\n{theme}{MARKDOWN}plugins: []\n")
    (root / "i18n.yml").write_text(
        f"site_name: Bench\ndocs_dir: docs\nsite_dir: site-i18n\n{theme}{MARKDOWN}plugins:\n  - i18n:\n"
        "      docs_structure: folder\n      fallback_to_default: true\n      languages:\n"
        "        - {locale: en, default: true, name: English, build: true}\n"
        "        - {locale: zh, name: 中文, build: true}\n")


def _tree_rss(session: int) -> int:
    """Bytes of RSS summed over the processes of a session (the build and every process it started)."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # gone since the listing
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state ppid pgrp session ... rss
        if int(fields[3]) == session:
            total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    return total


def measure(command: list[str], root: Path) -> tuple[float, int]:
    """Seconds and peak process-tree RSS (bytes) of command run in root; stops the bench if it fails."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=ENV, start_new_session=True)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_rss(process.pid))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - start
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr[-2000:]}")
    return seconds, peak[0]


def settled(root: Path) -> None:
    """Wait (up to a minute) for the old sites that kb build left to a process of its own (kb_tools.fsutil.swap_dir)
    to be gone: that deletion is the last build's work, not the next case's."""
    trash = root / ".kb-cache" / "trash"
    for _ in range(600):
        if not trash.is_dir() or not any(trash.iterdir()):
            return
        time.sleep(0.1)


def run(command: list[str], root: Path) -> float:
    """Seconds command takes in root (bench_merge.py's timer)."""
    return measure(command, root)[0]


def page_bytes(site: Path) -> dict[str, float]:
    """Median and max bytes of a language's article pages (two folders deep) and its whole site."""
    articles = sorted(path.stat().st_size for path in site.glob("*/*/index.html"))
    total = sum(path.stat().st_size for path in site.rglob("*") if path.is_file())
    return {"article median KB": statistics.median(articles) / 1e3, "article max KB": max(articles) / 1e3,
            "site MB": total / 1e6}


def bench(articles: int, runs: int, cases: tuple[str, ...], overrides: Path) -> dict[str, float]:
    """Medians of each case's seconds and peak RSS (MB) at this many articles, and kb's page bytes."""
    times: dict[str, list[float]] = {}
    memory: dict[str, list[float]] = {}
    sizes: dict[str, float] = {}

    def timed(name: str, command: list[str]) -> None:
        settled(root)
        seconds, rss = measure(command, root)
        times.setdefault(name, []).append(seconds)
        memory.setdefault(name, []).append(rss / 1e6)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, articles, overrides=overrides)
        for n in range(runs):
            if "cold" in cases:
                shutil.rmtree(root / ".kb-cache", ignore_errors=True)
                shutil.rmtree(root / "site", ignore_errors=True)
                timed("kb cold", [*KB, "build"])
            if "warm" in cases:
                timed("kb warm", [*KB, "build", "--force"])
            if "edit" in cases:
                if not (root / "site").exists():
                    run([*KB, "build"], root)
                with (root / "docs/en" / EDITED).open("a") as file:
                    file.write(f"\nEdited in run {n}: one more paragraph for this benchmark.\n")
                timed("kb one edit", [*KB, "build"])
            if "plain" in cases:
                for lang in LANGS:
                    timed(f"plain {lang}", [*MKDOCS, f"plain-{lang}.yml"])
            if "i18n" in cases:
                timed("static-i18n", [*MKDOCS, "i18n.yml"])
        for lang in LANGS:
            if (root / "site" / lang).is_dir():
                sizes.update({f"{lang} {key}": value for key, value in page_bytes(root / "site" / lang).items()})
        if (root / "site/en").is_dir():
            sizes["pages per language"] = sum(1 for _ in (root / "site/en").rglob("index.html"))
    row = {name: statistics.median(values) for name, values in times.items()}
    row.update({f"{name} MB": statistics.median(values) for name, values in memory.items()})
    return {**row, **sizes}


def ratios(row: dict[str, float], cores: int) -> dict[str, float]:
    """The ratios the targets are stated in, for the cases this run measured."""
    out: dict[str, float] = {}
    if "plain en" in row and "plain zh" in row:
        out["budget"] = (row["plain en"] + row["plain zh"]) / min(len(LANGS), cores)
        for case, name in (("kb cold", "cold / budget"), ("kb warm", "warm / budget"),
                           ("static-i18n", "i18n / budget")):
            if case in row:
                out[name] = row[case] / out["budget"]
        plain_mb = max(row["plain en MB"], row["plain zh MB"])
        for case in ("kb cold", "kb warm", "kb one edit", "static-i18n"):
            if case in row:
                out[f"{case} MB / plain MB"] = row[f"{case} MB"] / plain_mb
    if "kb one edit" in row and "kb warm" in row:
        out["one edit / warm"] = row["kb one edit"] / row["kb warm"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--overrides", type=Path, default=REPO / "overrides", help="templates to build with")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "build.json")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    rows = []
    for articles in args.articles:
        row = bench(articles, args.runs, tuple(args.cases), args.overrides)
        rows.append({"articles": articles, "languages": len(LANGS), "cores": cores, **row, **ratios(row, cores)})
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        scale = math.log(last["articles"] / first["articles"])
        growth = {f"{case} growth": math.log(last[case] / first[case]) / scale
                  for case in ("kb cold", "kb warm", "kb one edit", "plain en", "plain zh", "static-i18n")
                  if case in first and case in last}
    else:
        growth = {}
    keys = [key for key in rows[0] if key not in ("languages", "cores")]
    print(f"{'':<28}" + "".join(f"{r['articles']:>12}" for r in rows))
    for key in keys[1:]:
        print(f"{key:<28}" + "".join(f"{r.get(key, float('nan')):>12.2f}" for r in rows))
    for key, value in growth.items():
        print(f"{key:<28}{value:>12.2f}")
    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"runs": args.runs, "cases": args.cases, "rows": rows, "growth": growth}, indent=2))
    print(f"medians of {args.runs} runs (seconds, MB of peak process-tree RSS, KB/MB of HTML); wrote {out}")


if __name__ == "__main__":
    main()
