"""What an LLM draft costs after a one-paragraph edit: kb's changed blocks against FastAPI's whole page.

    python bench/bench_llm.py

A 20-block article (2 headings, 14 paragraphs, 4 list items) with a reviewed zh translation; one
paragraph is edited. kb: `kb draft zh --engine llm` sends the changed block with its neighbours as
read-only context and its previous reviewed translation. FastAPI (scripts/translate.py): one request
with the whole source and the whole previous translation, answered with the whole page. Both go
through the real openai client to the tests' OpenAI-compatible server on 127.0.0.1, which counts
tokens as characters // 4 of every message sent and of the answer. The FastAPI request gets kb's own
system prompt (rules and style guide), so the two differ only in what they send of the article;
FastAPI's real general prompt alone is about 4,000 characters, so its figures here are a floor.
Prints a table and writes bench/results/bench_llm.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import openai
from llm_server import LLMServer  # the tests' OpenAI-compatible server
from mt_server import fake_translation

from kb_tools.cli import main
from kb_tools.drafts import _protect, _restore
from kb_tools.llm import RULES

STYLE = "Address the reader as 您. Use full-width punctuation. Keep product names in English.\n"


def blocks() -> list[tuple[str, str]]:
    """(kind, text) of the 20 body blocks."""
    out: list[tuple[str, str]] = [("heading", "Before you withdraw")]
    for p in range(7):
        out.append(("paragraph", f"Step {p + 1}: withdrawals on network {p} confirm after {p * 3 + 2} blocks and "
                                 f"arrive within {p * 10 + 5} minutes; check the address in `Wallet` twice and read "
                                 f"the [fee table](fees.md) before you send more than {p + 1} BTC."))
    out.append(("heading", "Limits and reviews"))
    for p in range(7, 14):
        out.append(("paragraph", f"Rule {p}: a withdrawal above {p * 1000} USDT in 24 hours is reviewed by a person, "
                                 f"which takes up to {p} hours on working days; you get an email when it is done."))
    for p in range(4):
        out.append(("item", f"Keep {p + 2}FA codes for device {p} somewhere safe, offline, and never share them."))
    return out


def zh(text: str) -> str:
    """The reviewed translation of a block: the server's kind, with code and link targets kept."""
    masked, saved = _protect(text, ())
    return _restore(fake_translation(masked, "zh"), saved)[0]


def markdown(title: str, body: list[tuple[str, str]], meta: str = "") -> str:
    lines = []
    for kind, text in body:
        lines.append(f"## {text}" if kind == "heading" else f"- {text}" if kind == "item" else text)
    return f"---\ntitle: {title}\n{meta}---\n\n" + "\n\n".join(lines) + "\n"


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args], cwd=root,
                   check=True, capture_output=True)


def setup(root: Path) -> tuple[str, str, str]:
    """The help center with a reviewed translation, then one paragraph edited; (new source, old translation, old)."""
    from kb_tools.scan import read_document

    (root / "mkdocs.yml").write_text("site_name: Bench\nplugins:\n  - kb:\n      languages: [en, zh]\n")
    (root / "locales/zh").mkdir(parents=True)
    (root / "locales/zh/style.md").write_text(STYLE, encoding="utf-8")
    source = markdown("Withdrawal times", blocks())
    (root / "docs/en").mkdir(parents=True)
    (root / "docs/en/withdraw.md").write_text(source, encoding="utf-8")
    digest = read_document("a", "en", "a", source.encode(), True).source_hash
    done = [(kind, zh(text)) for kind, text in blocks()]
    old = markdown(fake_translation("Withdrawal times", "zh"), done,
                   f'translation:\n  source_hash: "{digest}"\n  status: reviewed\n')
    (root / "docs/zh").mkdir(parents=True)
    (root / "docs/zh/withdraw.md").write_text(old, encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "reviewed")
    edited = source.replace("arrive within 35 minutes", "arrive within 40 minutes", 1)
    assert edited != source
    (root / "docs/en/withdraw.md").write_text(edited, encoding="utf-8")
    git(root, "commit", "-qam", "edit one paragraph")
    return edited, old, source


def run_kb(root: Path) -> dict[str, int]:
    with LLMServer() as server:
        code = main(["--config", str(root / "mkdocs.yml"), "draft", "zh", "--engine", "llm", "--engine-url",
                     server.url, "--model", "bench"])
        assert code == 0
        script = server.script
    return {"requests": len(script.requests), "blocks_sent": sum(len(script.user(i)["translate"])
                                                                 for i in range(len(script.requests))),
            "prompt_tokens": sum(p for p, _ in script.usage), "completion_tokens": sum(c for _, c in script.usage)}


def run_whole_page(source: str, old: str) -> dict[str, int]:
    system = RULES.format(source="en", target="zh") + f"\nStyle guide for zh:\n{STYLE}"
    user = json.dumps({
        "instructions": "There's an existing previous translation that is probably outdated. Update the translation "
                        "only where necessary; otherwise preserve it line by line. Translate to zh.",
        "previous_translation": old,
        "translate": [{"id": "page", "text": source}]}, ensure_ascii=False)
    with LLMServer() as server:
        client = openai.OpenAI(base_url=server.url, api_key="not-needed-for-local", max_retries=0)
        client.chat.completions.create(model="bench", response_format={"type": "json_object"},
                                       messages=[{"role": "system", "content": system},
                                                 {"role": "user", "content": user}])
        script = server.script
    return {"requests": len(script.requests), "blocks_sent": len(blocks()) + 1,  # the title too
            "prompt_tokens": sum(p for p, _ in script.usage), "completion_tokens": sum(c for _, c in script.usage)}


def bench() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        edited, old, _ = setup(root)
        kb = run_kb(root)
        page = run_whole_page(edited, old)
    return {"article_blocks": 20, "edited_blocks": 1, "token_rule": "characters // 4 of every message and answer",
            "kb": kb, "fastapi_whole_page": page,
            "prompt_ratio": round(page["prompt_tokens"] / kb["prompt_tokens"], 1),
            "completion_ratio": round(page["completion_tokens"] / kb["completion_tokens"], 1)}


def show(result: dict[str, object]) -> None:
    kb, page = result["kb"], result["fastapi_whole_page"]
    assert isinstance(kb, dict) and isinstance(page, dict)
    print("one paragraph edited in a 20-block article, zh (tokens = characters // 4)")
    print(f"{'':<22}{'requests':>10}{'blocks':>8}{'prompt tok':>12}{'completion tok':>16}")
    for name, row in (("kb (changed blocks)", kb), ("FastAPI (whole page)", page)):
        print(f"{name:<22}{row['requests']:>10}{row['blocks_sent']:>8}{row['prompt_tokens']:>12}"
              f"{row['completion_tokens']:>16}")
    print(f"FastAPI sends {result['prompt_ratio']}x the prompt tokens and gets {result['completion_ratio']}x the "
          "completion tokens")


if __name__ == "__main__":
    outcome = bench()
    show(outcome)
    out = Path(__file__).resolve().parent / "results" / "bench_llm.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(outcome, indent=2) + "\n")
