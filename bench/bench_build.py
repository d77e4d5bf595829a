"""Time `kb build` against plain `mkdocs build` of the same pages and against mkdocs-static-i18n.

    pip install -e '.[bench]'
    python bench/bench_build.py --articles 200 2000 --runs 3

For N articles x 2 languages (en source, zh with 80% translated and the rest falling back):
- plain: one `mkdocs build` per language of exactly the pages kb publishes (fallbacks copied in),
  Material with its own search, the same theme features and Markdown extensions;
- kb: `kb build --force` of both languages (parallel, Pagefind included);
- static-i18n: one `mkdocs build` with mkdocs-static-i18n (folder structure, fallback to en).
Prints a table and writes bench/results/build.json. Target (issue 3): kb <= 1.15 x plain sum / min(L, cores),
and faster than static-i18n.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kb_tools.scan import read_document

ZH = "提币充值账户安全验证网络手续费地址钱包交易订单市场限额身份认证客服工单钓鱼密码设备会话白名单"
EN = ("withdrawal deposit network fee address wallet confirm security account verify limit order market "
      "trade token balance support ticket phishing password device session whitelist memo chain").split()
THEME = """theme:
  name: material
  font: false
  features: [navigation.path, navigation.prune, navigation.indexes]
markdown_extensions: [admonition, attr_list, tables, toc, pymdownx.details, pymdownx.superfences]
"""


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


def generate(root: Path, articles: int, seed: int = 11) -> None:
    """docs/en and docs/zh (80% translated) plus docs-plain/<lang>: the pages kb publishes per language."""
    rng = random.Random(seed)
    zh_words = [ZH[i:i + 2] for i in range(0, len(ZH), 2)]
    for i in range(articles):
        rel = f"category-{i % 20}/article-{i}.md"
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
    kb = f"site_name: Bench\ndocs_dir: docs\n{THEME}plugins:\n  - kb:\n      source_language: en\n"
    kb += "      languages: [en, zh]\n"
    (root / "mkdocs.yml").write_text(kb)
    (root / "nosearch.yml").write_text(kb + "      search: false\n")  # what Pagefind costs
    for lang in ("en", "zh"):
        (root / f"plain-{lang}.yml").write_text(f"site_name: Bench\ndocs_dir: docs-plain/{lang}\n"
                                                f"site_dir: site-plain/{lang}\n{THEME}plugins: [search]\n")
    (root / "i18n.yml").write_text(
        f"site_name: Bench\ndocs_dir: docs\nsite_dir: site-i18n\n{THEME}plugins:\n  - search\n  - i18n:\n"
        "      docs_structure: folder\n      fallback_to_default: true\n      languages:\n"
        "        - {locale: en, default: true, name: English, build: true}\n"
        "        - {locale: zh, name: 中文, build: true}\n")


def run(command: list[str], root: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=root, capture_output=True, text=True,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - start


def bench(articles: int, runs: int) -> dict[str, float]:
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "-q", "-f"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, articles)
        times: dict[str, list[float]] = {"plain en": [], "plain zh": [], "kb build": [], "kb, no search": [],
                                         "static-i18n": []}
        for _ in range(runs):  # interleaved, so machine noise hits every case alike
            times["plain en"].append(run([*mkdocs, "plain-en.yml"], root))
            times["plain zh"].append(run([*mkdocs, "plain-zh.yml"], root))
            times["kb build"].append(run([sys.executable, "-m", "kb_tools.cli", "build", "--force"], root))
            times["kb, no search"].append(run([sys.executable, "-m", "kb_tools.cli", "--config", "nosearch.yml",
                                              "build", "--force"], root))
            times["static-i18n"].append(run([*mkdocs, "i18n.yml"], root))
        pages = sum(1 for _ in (root / "site").rglob("index.html"))
        shutil.rmtree(root / "site", ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in times.items()}
    medians["pages built by kb"] = pages
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    rows = []
    for articles in args.articles:
        m = bench(articles, args.runs)
        budget = (m["plain en"] + m["plain zh"]) / min(2, cores)
        rows.append({"articles": articles, "languages": 2, "cores": cores, **m, "plain sum / min(L, cores)": budget,
                     "kb / budget": m["kb build"] / budget, "kb no search / budget": m["kb, no search"] / budget,
                     "kb / static-i18n": m["kb build"] / m["static-i18n"]})
    print(f"{'articles':>8} {'plain en':>9} {'plain zh':>9} {'budget':>8} {'kb build':>9} {'no search':>10} "
          f"{'i18n':>8} {'kb/budget':>10} {'nosearch/budget':>16} {'kb/i18n':>8}")
    for r in rows:
        print(f"{r['articles']:>8} {r['plain en']:>9.1f} {r['plain zh']:>9.1f} {r['plain sum / min(L, cores)']:>8.1f} "
              f"{r['kb build']:>9.1f} {r['kb, no search']:>10.1f} {r['static-i18n']:>8.1f} {r['kb / budget']:>10.2f} "
              f"{r['kb no search / budget']:>16.2f} {r['kb / static-i18n']:>8.2f}")
    out = Path(__file__).parent / "results" / "build.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"runs": args.runs, "rows": rows}, indent=2))
    print(f"medians of {args.runs} runs (seconds); wrote {out}")


if __name__ == "__main__":
    main()
