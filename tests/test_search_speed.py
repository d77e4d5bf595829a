"""kb search stays light: a fresh index answers without the builder, the scanner or rich, from any path."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import RunKb, article, write_kb

from kb_tools import config

# What `kb search` must not import: the builder and its templates, the console library, locale data,
# the engines, and the scanner and Markdown reader (a fresh index answers without reading articles).
HEAVY = ("mkdocs", "material", "jinja2", "rich", "babel", "deep_translator", "openai", "markdown_it", "markdown",
         "whoosh.qparser", "kb_tools.scan", "kb_tools.reader", "kb_tools.checks", "kb_tools.glossary",
         # nor what Whoosh imports for nothing a search does (kb_tools/deferred.py), nor PyYAML (mkdocs.yml's data
         # is kept in .kb-cache/config.json)
         "asyncio", "urllib.request", "whoosh.lang.morph_en", "yaml")

# Runs kb search in a fresh interpreter and prints its answer and the modules it loaded.
PROBE = """
import io, json, sys, contextlib
from kb_tools.cli import main
answer = io.StringIO()
with contextlib.redirect_stdout(answer):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "answer": answer.getvalue(), "modules": sorted(sys.modules)}))
"""


@pytest.fixture
def center(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "kb", {
        "docs/en/withdraw.md": article("Withdraw crypto", "Choose the network, paste the address, confirm.\n"),
        "docs/en/fees.md": article("Network fees", "Every withdrawal pays a network fee to the miners.\n"),
        "docs/zh/withdraw.md": article("提币", "选择网络，粘贴地址，确认。\n"),
    }, languages=("en", "zh"))


def probe(cwd: Path, *args: str) -> tuple[int, str, list[str], str]:
    """Run kb with args in a new Python process in cwd: (exit code, its output, modules loaded, stderr)."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True, text=True, check=True)
    data = json.loads(done.stdout)
    return data["code"], data["answer"], data["modules"], done.stderr


@pytest.mark.parametrize(("lang", "words", "expected"),
                         [("en", "network fee", "fees.md"), ("zh", "提币", "withdraw.md")])
def test_kb_search_answers_from_a_fresh_index_without_the_builder_or_rich(center: Path, run_kb: RunKb, lang: str,
                                                                          words: str, expected: str) -> None:
    assert run_kb(center, "index")[0] == 0
    config.load(center / "mkdocs.yml")  # as any kb command after the first that made .kb-cache/: keeps its data
    code, answer, modules, err = probe(center, "search", words, "--lang", lang, "--json")
    assert code == 0 and err == ""
    assert json.loads(answer)["results"][0]["path"] == expected
    loaded = [name for name in HEAVY if name in modules or any(m.startswith(name + ".") for m in modules)]
    assert loaded == []
    code, answer, modules, err = probe(center, "search", words, "--lang", lang)  # the plain text answer too
    assert code == 0 and err == "" and "1. " in answer and expected in answer.splitlines()[0]
    assert "rich" not in modules


def test_a_quoted_query_still_reads_whoosh_syntax(center: Path, run_kb: RunKb) -> None:
    run_kb(center, "index")
    code, out, _ = run_kb(center, "search", '"network fee"', "--json")
    assert code == 0 and json.loads(out)["results"][0]["path"] == "fees.md"
    code, out, _ = run_kb(center, "search", '"network NOT NOT', "--json")  # the parser trips: read as words
    assert code == 0 and json.loads(out)["results"]


def test_the_same_help_center_reached_by_another_path_is_not_indexed_again(center: Path, run_kb: RunKb) -> None:
    assert run_kb(center, "index")[0] == 0  # by its absolute path
    code, answer, _, err = probe(center.parent, "--config", "kb/mkdocs.yml", "search", "network fee", "--json")
    assert code == 0 and err == "" and json.loads(answer)["results"][0]["path"] == "fees.md"
    code, answer, _, err = probe(center, "search", "network fee", "--json")  # mkdocs.yml where it runs
    assert code == 0 and err == ""
    (center / "docs/en/fees.md").write_text(article("Network fees", "Fees change with the network's load.\n"))
    code, answer, _, err = probe(center.parent, "--config", "kb/mkdocs.yml", "search", "network fee", "--json")
    assert err.startswith("kb: the search index of en is missing or older than the help center's files")



def test_kb_search_leaves_the_collector_of_a_process_that_goes_on_as_it_was(center: Path, run_kb: RunKb) -> None:
    """kb search pauses Python's cycle collector while it imports Whoosh and asks; kb as a command freezes
    what is left at its exit: a caller of main(), as the tests, keeps its collector on and nothing frozen."""
    frozen = gc.get_freeze_count()
    assert run_kb(center, "index")[0] == 0
    code, out, _ = run_kb(center, "search", "network fee", "--json")
    assert code == 0 and json.loads(out)["results"][0]["path"] == "fees.md"
    (center / "docs/en/fees.md").write_text(article("Network fees", "Fees change with the network's load.\n"))
    code, out, err = run_kb(center, "search", "network load", "--json")  # the index is updated first
    assert code == 0 and "updating it" in err and json.loads(out)["results"][0]["path"] == "fees.md"
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    done = subprocess.run([sys.executable, "-m", "kb_tools.cli", "search", "network load", "--json"], cwd=center,
                          capture_output=True, text=True, check=True)  # kb as a command: main() with no argv
    assert done.stderr == "" and done.stdout == out

# After kb_tools.search, the modules Whoosh's import deferred are the real ones, for Whoosh and for anyone else.
DEFERRED = """
import json, sys, types
import kb_tools.search
import asyncio
from urllib.request import Request
from cached_property import cached_property
from whoosh import compat, query

class Box:
    @cached_property
    async def value(self):  # cached_property asks asyncio whether it is a coroutine
        return 42

async def main():
    return await Box().value

modules = ("asyncio", "urllib.request", "whoosh.lang.morph_en")
print(json.dumps({"run": asyncio.run(main()), "request": Request("http://127.0.0.1/").host,
                  "variations": sorted(query.terms.variations("fee")), "urlretrieve": callable(compat.urlretrieve),
                  "real": [type(sys.modules[name]) is types.ModuleType for name in modules]}))
"""


def test_modules_whoosh_imports_at_start_are_real_when_used() -> None:
    done = subprocess.run([sys.executable, "-c", DEFERRED], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == {"run": 42, "request": "127.0.0.1", "variations": ["fee", "feeless", "fees"],
                                       "urlretrieve": True, "real": [True, True, True]}
