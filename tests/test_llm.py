"""kb draft --engine llm with the real openai client against an OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import article, commit_all, hash_of, translation, write_kb
from llm_server import LLMServer, Script, translate
from test_draft import PARAGRAPHS, ZH_PARAGRAPHS, front, reviewed_center


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # a local server needs none


def draft(run_kb, root: Path, server: LLMServer, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    return run_kb(root, "draft", *args, "--engine", "llm", "--engine-url", server.url, "--model", "test",  # type: ignore[no-any-return]
                  "--backoff", "0.05")


def edited_center(root: Path) -> Path:
    """The reviewed 10-paragraph article with paragraph 4 edited, and a zh style guide."""
    reviewed_center(root)
    write_kb(root, {"locales/zh/style.md": "Address the reader as 您. Use full-width punctuation.\n"})
    path = root / "docs/en/withdraw.md"
    path.write_text(path.read_text().replace("take about 40 minutes", "take about 45 minutes"))
    commit_all(root, "slower network 4")
    return root


def test_a_one_paragraph_edit_sends_that_block_with_context_and_its_old_translation(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    root = edited_center(tmp_path)
    with LLMServer() as server:
        code, out, err = draft(run_kb, root, server, "zh")
    assert code == 0, err
    assert len(server.script.requests) == 1
    assert server.script.requests[0]["model"] == "test"
    assert server.script.requests[0]["response_format"] == {"type": "json_object"}
    sent = server.script.user()
    edited = PARAGRAPHS[3].replace("40", "45")
    assert sent["title"] == "Withdrawal times"
    assert [block["text"] for block in sent["translate"]] == [edited]
    assert sent["translate"][0]["previous_source"] == PARAGRAPHS[3]
    assert sent["translate"][0]["previous_translation"] == ZH_PARAGRAPHS[3]
    assert [(c["source"], c["translation"]) for c in sent["context"]] == [(PARAGRAPHS[2], ZH_PARAGRAPHS[2]),
                                                                        (PARAGRAPHS[4], ZH_PARAGRAPHS[4])]
    assert "Address the reader as 您. Use full-width punctuation." in server.script.system()
    assert "change only what the source change requires" in server.script.system()
    text = (root / "docs/zh/withdraw.md").read_text()
    for i, paragraph in enumerate(ZH_PARAGRAPHS):
        assert (paragraph in text) == (i != 3)  # the nine reviewed paragraphs are kept verbatim
    assert translate(edited, {}) in text
    block = front(root / "docs/zh/withdraw.md")["translation"]
    assert (block["status"], block["engine"], block["source_hash"]) == ("machine", "llm", hash_of(root, "withdraw.md"))
    assert "qa" not in block
    prompt, completion = server.script.usage[0]
    assert "1 sent, 10 reused" in out
    assert f"llm: 1 requests, {prompt} prompt tokens, {completion} completion tokens" in out


def test_glossary_terms_reach_the_prompt_and_the_draft(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    root = write_kb(tmp_path, {
        "docs/en/withdraw.md": article("Withdrawal limits",
                                       "Each withdrawal of BTC is checked.\n\nDeposits are free.\n"),
        "locales/glossary.yml": "do_not_translate: [BTC]\nrequired:\n  withdrawal: {zh: 提币}\n  staking: {zh: 质押}\n",
    })
    commit_all(root, "source")
    with LLMServer() as server:
        code, _, err = draft(run_kb, root, server, "zh")
    assert code == 0, err
    system = server.script.system()
    assert "- withdrawal: 提币" in system and "Keep as written, never translate: BTC" in system
    assert "staking" not in system  # only the terms that occur in the blocks
    sent = json.dumps(server.script.user(), ensure_ascii=False)
    assert "BTC" not in sent  # masked as a placeholder, put back afterwards
    text = (root / "docs/zh/withdraw.md").read_text()
    assert "title: 〔zh〕提币 stimil" in text and "〔zh〕hcae 提币 fo BTC si dekcehc." in text
    assert "qa" not in front(root / "docs/zh/withdraw.md")["translation"]  # the glossary check passes


FAULTS = [
    ("missing_id", "your answer had no translation for this id"),
    ("broken_json", "the answer was not valid JSON"),
    ("lost_placeholder", "placeholder ⟦0⟧ is missing"),
    ("changed_number", "the source says 10 where the translation says 11: check the figure against the source"),
    ("script", "adds HTML (script) the source does not have"),
    ("split", "splits the block over several lines"),
]


def faulty_center(root: Path) -> Path:
    write_kb(root, {"docs/en/fees.md": article("Fees", "Pay with `card` within 10 days.\n\nNo other charges.\n")})
    commit_all(root, "source")
    return root


@pytest.mark.parametrize(("fault", "stated"), FAULTS)
def test_a_bad_answer_is_asked_again_with_its_problem_stated(tmp_path: Path, run_kb, fault: str, stated: str) -> None:  # type: ignore[no-untyped-def]
    root = faulty_center(tmp_path)
    with LLMServer(Script(faults=[fault])) as server:
        code, _, err = draft(run_kb, root, server, "zh")
    assert code == 0, err
    assert len(server.script.requests) == 2
    first, again = server.script.user(0), server.script.user(1)
    assert [b["id"] for b in first["translate"]] == ["b0", "b1", "b2"]
    if fault == "broken_json":
        assert [b["id"] for b in again["translate"]] == ["b0", "b1", "b2"]
    else:  # only the block that failed goes back
        assert [b["id"] for b in again["translate"]] == ["b1"]
    assert all(stated in b["problems_to_fix"] for b in again["translate"])
    text = (root / "docs/zh/fees.md").read_text()
    assert "〔zh〕yap htiw `card` nihtiw 10 syad." in text and "<script>" not in text and "11 days" not in text
    assert "Injected" not in text and "qa" not in front(root / "docs/zh/fees.md")["translation"]


@pytest.mark.parametrize(("fault", "stated"), FAULTS[2:])
def test_an_answer_that_stays_bad_is_never_published_and_is_listed_for_the_reviewer(tmp_path: Path, run_kb,  # type: ignore[no-untyped-def]
                                                                                    fault: str, stated: str) -> None:
    root = faulty_center(tmp_path)
    with LLMServer(Script(always=fault)) as server:
        code, _, err = draft(run_kb, root, server, "zh", "--attempts", "2")
    assert code == 0, err
    assert len(server.script.requests) == 2
    text = (root / "docs/zh/fees.md").read_text()
    assert "Pay with `card` within 10 days." in text  # the source, for a person to translate
    assert "<script>" not in text and "11 days" not in text and "Injected" not in text
    qa = front(root / "docs/zh/fees.md")["translation"]["qa"]
    assert any(line.startswith("docs/en/fees.md:5: no usable LLM translation after 2 attempts (") and stated in line
               for line in qa)


def test_rate_limit_with_retry_after_is_honoured(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    root = faulty_center(tmp_path)
    with LLMServer(Script(faults=[(429, "1")])) as server:
        code, _, err = draft(run_kb, root, server, "zh")
    assert code == 0, err
    assert len(server.script.requests) == 2
    assert server.script.times[1] - server.script.times[0] >= 1.0  # the back-off alone would be 0.05 s
    assert (root / "docs/zh/fees.md").exists()


def test_an_answer_that_takes_too_long_is_asked_again(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    root = faulty_center(tmp_path)
    with LLMServer(Script(faults=["hang"])) as server:
        code, _, err = draft(run_kb, root, server, "zh", "--timeout", "0.5")
    assert code == 0, err
    assert len(server.script.requests) == 2
    assert "〔zh〕yap htiw `card` nihtiw 10 syad." in (root / "docs/zh/fees.md").read_text()


def test_a_rerun_sends_nothing_twice(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    root = faulty_center(tmp_path)
    with LLMServer() as server:
        assert draft(run_kb, root, server, "zh")[0] == 0
        (root / "docs/zh/fees.md").unlink()
        code, out, err = draft(run_kb, root, server, "zh")
    assert code == 0, err
    assert len(server.script.requests) == 1 and "llm: 0 requests" in out
    assert "〔zh〕yap htiw `card` nihtiw 10 syad." in (root / "docs/zh/fees.md").read_text()


def test_dry_run_estimates_tokens_and_cost_from_the_configured_prices(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    root = edited_center(tmp_path)
    write_kb(root, {}, options="llm: {price_in: 2.5, price_out: 10}")  # no model needed to estimate
    code, out, err = run_kb(root, "draft", "zh", "--engine", "llm", "--dry-run")
    assert code == 0, err
    assert "withdraw.md  stale    1 blocks" in out
    found = re.search(r"1 requests of about (\d+) prompt and (\d+) completion tokens", out)
    assert found, out
    prompt, completion = int(found.group(1)), int(found.group(2))
    assert f"estimated cost: ${(prompt * 2.5 + completion * 10) / 1e6:.4f}" in out
    assert (root / "docs/zh/withdraw.md").read_text().count("status: reviewed") == 1  # nothing written
    with LLMServer() as server:  # the estimate is built from the very prompt a run sends
        assert draft(run_kb, root, server, "zh")[0] == 0
    sent, answered = server.script.usage[0]
    assert abs(prompt - sent) <= 1 and abs(completion - answered) <= len(PARAGRAPHS[3]) // 4


def test_settings_in_mkdocs_yml_and_clear_errors(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    root = faulty_center(tmp_path)
    with LLMServer() as server:
        write_kb(root, {}, options=f"llm: {{url: '{server.url}', model: from-config}}")
        code, _, err = run_kb(root, "draft", "zh", "--engine", "llm")
        assert code == 0, err
        assert server.script.requests[0]["model"] == "from-config"
    (root / "docs/zh/fees.md").unlink()
    write_kb(root, {}, options="llm: {modle: x}")
    code, _, err = run_kb(root, "draft", "zh", "--engine", "llm")
    assert (code, err.strip()) == (2, "kb: mkdocs.yml: plugins.kb.llm.modle: unknown setting: use one of url, model, "
                                      "attempts, price_in, price_out, batch_blocks, batch_chars")
    write_kb(root, {})
    code, _, err = run_kb(root, "draft", "zh", "--engine", "llm", "--engine-url", "http://127.0.0.1:9/v1")
    assert (code, err.strip()) == (1, "kb: llm: no model: pass --model NAME, or set llm: {model: NAME} in the "
                                      "kb plugin")
    code, _, err = run_kb(root, "draft", "zh", "--engine", "llm", "--model", "m", "--engine-url", "https://llm.invalid/v1")
    assert (code, err.strip()) == (1, "kb: llm: no API key: set the environment variable OPENAI_API_KEY")
    code, _, err = run_kb(root, "draft", "zh", "--engine", "llm", "--model", "m", "--engine-url", "http://127.0.0.1:9/v1")
    assert (code, err.strip()) == (1, "kb: llm: cannot connect to http://127.0.0.1:9/v1 (connection error): check "
                                      "--engine-url, or that the server runs")
    assert not (root / "docs/zh/fees.md").exists()


def test_a_translation_that_does_not_line_up_gives_no_previous_translation(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    root = write_kb(tmp_path, {"docs/en/a.md": article("Limits", "First part.\n\nSecond part.\n")})
    write_kb(root, {"docs/zh/a.md": translation("限额", "合并的一段。\n", hash_of(root, "a.md"))})
    commit_all(root, "reviewed, merged into one paragraph")
    (root / "docs/en/a.md").write_text(article("Limits", "First part, edited.\n\nSecond part.\n"))
    commit_all(root, "edit")
    with LLMServer() as server:
        code, _, err = draft(run_kb, root, server, "zh")
    assert code == 0, err
    assert all("previous_source" not in b for r in range(len(server.script.requests))
               for b in server.script.user(r)["translate"])


def test_a_new_article_goes_in_batches_with_table_cells_as_their_own_ids(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    body = "\n\n".join(PARAGRAPHS[:6]) + "\n\n| Network | Time |\n|---|---|\n| Tron | 5 minutes |\n"
    root = write_kb(tmp_path, {"docs/en/withdraw.md": article("Withdrawal times", body)},
                    options="llm: {batch_blocks: 4}")
    commit_all(root, "source")
    with LLMServer() as server:
        code, out, err = draft(run_kb, root, server, "zh")
    assert code == 0, err
    ids = [[b["id"] for b in server.script.user(i)["translate"]] for i in range(len(server.script.requests))]
    assert ids == [["b0", "b1", "b2", "b3"], ["b4", "b5", "b6", "b7.0"], ["b7.1", "b8.0", "b8.1"]]
    text = (root / "docs/zh/withdraw.md").read_text()
    assert "| 〔zh〕krowten | 〔zh〕emit |" in text and "| 〔zh〕nort | 〔zh〕5 setunim |" in text
    assert all(translate(p, {}) in text for p in PARAGRAPHS[:6])
    assert "llm: 3 requests" in out and "qa" not in front(root / "docs/zh/withdraw.md")["translation"]
