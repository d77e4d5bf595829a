"""What kb draft sends and how fast it drafts, against a LibreTranslate-compatible server on 127.0.0.1.

    python bench/bench_draft.py --articles 200

1. The saving: one paragraph edited in each of 20 reviewed 10-paragraph articles; characters kb
   sends, against the characters of the whole articles (what a tool without a memory would send).
2. Throughput: drafts of every article into a language that has none; drafts per second, against
   the bare engine round-trips for the same texts (the same deep-translator client, no kb).
Prints a table and writes bench/results/draft.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from mt_server import API_KEY, MTServer, fake_translation  # the tests' LibreTranslate-compatible server

from kb_tools.scan import read_document


def paragraphs(i: int) -> list[str]:
    return [f"Article {i}, part {p}: withdrawals on network {p} confirm after {p * 3} blocks and arrive "
            f"within {p * 10} minutes; check the address twice before you send." for p in range(10)]


def generate(root: Path, articles: int) -> None:
    (root / "mkdocs.yml").write_text("site_name: Bench\nplugins:\n  - kb:\n      languages: [en, zh, ja]\n")
    for i in range(articles):
        text = f"---\ntitle: Article {i}\n---\n\n" + "\n\n".join(paragraphs(i)) + "\n"
        source = root / f"docs/en/a{i}.md"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(text)
        digest = read_document("a", "en", "a", text.encode(), True).source_hash
        zh = "\n\n".join(fake_translation(p, "zh") for p in paragraphs(i))
        target = root / f"docs/zh/a{i}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        block = f"translation:\n  source_hash: \"{digest}\"\n  status: reviewed\n"
        target.write_text(f"---\ntitle: 文章 {i}\n{block}---\n\n{zh}\n")
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "reviewed"], cwd=root, check=True)
    for i in range(20):
        path = root / f"docs/en/a{i}.md"
        path.write_text(path.read_text().replace("check the address twice", "check the address and memo twice", 1))
    subprocess.run([*git, "commit", "-qam", "edit one paragraph"], cwd=root, check=True)


def kb_draft(root: Path, server: MTServer, lang: str) -> float:
    start = time.perf_counter()
    command = [sys.executable, "-m", "kb_tools.cli", "draft", lang, "--engine", "libre", "--engine-url", server.url]
    subprocess.run(command, cwd=root, check=True, capture_output=True, env={**os.environ, "LIBRE_API_KEY": API_KEY})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, args.articles)
        with MTServer() as server:
            kb_draft(root, server, "zh")
            sent_edit = sum(len(text) for text in server.script.received)
        whole = sum(len(f"Article {i}") + sum(len(p) for p in paragraphs(i)) for i in range(20))
        with MTServer() as server:
            seconds = kb_draft(root, server, "ja")
            texts = list(server.script.received)
        from deep_translator import LibreTranslator

        with MTServer() as server:
            client = LibreTranslator(source="en", target="ja", api_key=API_KEY, custom_url=server.url)
            start = time.perf_counter()
            for text in texts:
                client.translate(text)
            bare = time.perf_counter() - start
    rows = {
        "one-paragraph edits: articles": 20,
        "characters sent by kb draft": sent_edit,
        "characters of the whole articles": whole,
        "sent / whole": sent_edit / whole,
        "drafts (new language)": args.articles,
        "kb draft seconds": seconds,
        "drafts per second": args.articles / seconds,
        "bare engine round-trips seconds": bare,
        "kb / bare": seconds / bare,
    }
    width = max(map(len, rows))
    for name, value in rows.items():
        print(f"{name:<{width}}  {value:>10.3f}" if isinstance(value, float) else f"{name:<{width}}  {value:>10}")
    out = Path(__file__).parent / "results" / "draft.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
