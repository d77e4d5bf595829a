"""kb index and kb search: every language's words found, synonyms, typos, fallbacks, golden queries, the API."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from wsgiref.simple_server import make_server

import pytest
from conftest import RunKb, article, copy_sample, hash_of, scan, translation, write_kb

from kb_tools import api, config, freshness, golden, search

EN = {
    "withdraw.md": ("Withdrawal times", "Most withdrawals arrive within 30 minutes.\n\nCheck the withdrawal address."),
    "address.md": ("Addresses", "Every coin has its own deposit address.\n\nWithdraw only after a test."),
    "security.md": ("Two-factor authentication", "Turn on two-factor authentication for your account."),
}
ZH = {
    "withdraw.md": ("提币时间", "如果您的提币处于处理中状态，请耐心等待。\n\n请检查提币地址。"),
    "address.md": ("地址", "每个币种都有自己的充值地址。\n\n测试后再提币。"),
    "security.md": ("双重验证", "为您的账户开启双重验证。"),
}
JA = {"withdraw.md": ("出金時間", "ほとんどの出金は30分以内に着金します。\n\n出金先アドレスを確認してください。")}
KO = {"withdraw.md": ("출금 시간", "대부분의 출금은 30분 이내에 도착합니다.\n\n출금 주소를 확인하십시오.")}


@pytest.fixture
def center(tmp_path: Path) -> Path:
    root = write_kb(tmp_path, {f"docs/en/{rel}": article(title, body + "\n") for rel, (title, body) in EN.items()},
                    languages=("en", "zh", "ja", "ko"))
    files = {"search/synonyms/zh.txt": "提币, 提现\n", "search/synonyms/en.txt": "2fa, two-factor\n"}
    for lang, texts in (("zh", ZH), ("ja", JA), ("ko", KO)):
        for rel, (title, body) in texts.items():
            files[f"docs/{lang}/{rel}"] = translation(title, body + "\n", hash_of(root, rel))
    return write_kb(root, files, languages=("en", "zh", "ja", "ko"))


def found(root: Path, lang: str, query: str) -> list[search.Hit]:
    search.update(scan(root), lang)
    with search.Searcher(root, lang) as searcher:
        return searcher.search(query)


def top(hits: list[search.Hit]) -> str:
    return hits[0].path if hits else "nothing found"


def test_a_chinese_word_inside_an_unspaced_sentence_is_found(center: Path) -> None:
    hits = found(center, "zh", "处理中")
    assert top(hits) == "withdraw.md"
    assert "<mark" in hits[0].snippet and "处理中" in hits[0].snippet


def test_a_quoted_chinese_phrase_matches_only_where_the_words_are_together(center: Path) -> None:
    assert [h.path for h in found(center, "zh", '"提币地址"')] == ["withdraw.md"]
    # address.md has 提币 and 地址, but not next to each other
    assert {h.path for h in found(center, "zh", "提币 地址")} == {"withdraw.md", "address.md"}


def test_synonyms_find_the_article_that_uses_the_other_word(center: Path) -> None:
    assert "withdraw.md" in [h.path for h in found(center, "zh", "提现")]
    assert [h.path for h in found(center, "en", "2fa")] == ["security.md"]


def test_japanese_and_korean_queries_find_their_articles(center: Path) -> None:
    assert top(found(center, "ja", "着金")) == "withdraw.md"
    assert top(found(center, "ko", "출금 주소")) == "withdraw.md"


def test_typos_are_forgiven_in_spaced_languages(center: Path) -> None:
    assert top(found(center, "en", "withdrawl")) == "withdraw.md"


def test_fallback_articles_are_in_every_index_with_their_real_language(center: Path) -> None:
    hits = found(center, "ja", "two-factor")
    assert [(h.path, h.lang, h.title) for h in hits] == [("security.md", "en", "Two-factor authentication")]
    assert hits[0].status == "missing"


def test_a_changed_article_is_reindexed_alone(center: Path, run_kb: RunKb) -> None:
    code, out, _ = run_kb(center, "index")
    assert code == 0 and "zh: 3 indexed, 0 removed, 0 unchanged" in out
    path = center / "docs/zh/address.md"
    path.write_text(path.read_text().replace("测试后再提币。", "先小额测试，再提币。"))
    code, out, _ = run_kb(center, "index", "--lang", "zh")
    assert "zh: 1 indexed, 0 removed, 2 unchanged" in out
    report = search.update(scan(center), "zh")
    assert (report.updated, report.removed, report.unchanged) == ((), (), 3)
    code, out, _ = run_kb(center, "search", "小额测试", "--lang", "zh", "--json")
    assert json.loads(out)["results"][0]["path"] == "address.md"


def test_kb_search_answers_from_a_fresh_index_and_updates_a_stale_one_saying_so(center: Path,
                                                                                run_kb: RunKb) -> None:
    run_kb(center, "index")
    settings = config.load(center / "mkdocs.yml")
    assert freshness.is_fresh(settings, "zh")
    code, out, err = run_kb(center, "search", "提币", "--lang", "zh", "--json")
    assert code == 0 and err == "" and json.loads(out)["results"][0]["path"] == "withdraw.md"
    path = center / "docs/zh/address.md"
    path.write_text(path.read_text().replace("测试后再提币。", "先小额测试，再提币。"))
    assert not freshness.is_fresh(settings, "zh")
    code, out, err = run_kb(center, "search", "小额测试", "--lang", "zh", "--json")
    assert err == ("kb: the search index of zh is missing or older than the help center's files: "
                   "updating it (kb index)\n")
    assert json.loads(out)["results"][0]["path"] == "address.md" and freshness.is_fresh(settings, "zh")
    (center / "search/synonyms/zh.txt").write_text("提币, 提现, 出金\n", encoding="utf-8")
    assert not freshness.is_fresh(settings, "zh")  # the rules are made from search/ too
    (center / "docs/zh/address.md").unlink()
    run_kb(center, "index")
    code, out, err = run_kb(center, "search", "小额测试", "--lang", "zh", "--json")
    assert err == "" and "address.md" not in out


def test_kb_search_as_a_command_answers_from_the_edited_files_even_when_the_stale_index_does_not_open(
        center: Path, run_kb: RunKb) -> None:
    # A kb process asks whether the index is fresh in a forked process while it searches the index.
    def kb_search(text: str) -> tuple[str, str]:
        done = subprocess.run([sys.executable, "-m", "kb_tools.cli", "--config", str(center / "mkdocs.yml"), "search",
                               text, "--lang", "zh", "--json"], capture_output=True, text=True, check=True)
        return top_path(done.stdout), done.stderr

    run_kb(center, "index")
    assert kb_search("提币") == ("withdraw.md", "")
    path = center / "docs/zh/address.md"
    path.write_text(path.read_text().replace("测试后再提币。", "先小额测试，再提币。"))  # in place
    assert kb_search("小额测试") == ("address.md", "kb: the search index of zh is missing or older than the help "
                                               "center's files: updating it (kb index)\n")
    assert kb_search("小额测试") == ("address.md", "")
    for segment in freshness.index_dir(center, "zh").glob("*.seg"):
        segment.unlink()
    path.write_text(path.read_text().replace("先小额测试", "先做小额测试"))
    found, err = kb_search("小额测试")
    assert found == "address.md" and err.startswith("kb: the search index of zh is missing or older")


@pytest.mark.parametrize("damage", ["emptied", "deleted"])
def test_kb_search_makes_a_fresh_index_that_cannot_be_read_anew_saying_so(center: Path, run_kb: RunKb,
                                                                        damage: str) -> None:
    run_kb(center, "index")
    for segment in freshness.index_dir(center, "zh").glob("*.seg"):  # a disk error, a clean-up gone wrong
        if damage == "emptied":
            segment.write_bytes(b"")
        else:
            segment.unlink()
    assert freshness.is_fresh(config.load(center / "mkdocs.yml"), "zh")  # its files are the index's own
    code, out, err = run_kb(center, "search", "提币", "--lang", "zh", "--json")
    assert code == 0 and json.loads(out)["results"][0]["path"] == "withdraw.md"
    assert err.startswith("kb: the search index of zh cannot be read (") and err.endswith(
        "): making it anew (kb index)\n") and err.count("\n") == 1, err
    code, out, err = run_kb(center, "search", "提币", "--lang", "zh")
    assert code == 0 and "withdraw.md" in out and err == ""  # the index made anew answers


def test_an_index_is_older_after_an_edit_of_its_language_or_the_source_not_of_another_language(
        center: Path, run_kb: RunKb) -> None:
    run_kb(center, "index")
    settings = config.load(center / "mkdocs.yml")
    path = center / "docs/ja/withdraw.md"
    path.write_text(path.read_text().replace("着金します", "入金されます"))  # in place: its folder is unchanged
    assert freshness.is_fresh(settings, "zh") and not freshness.is_fresh(settings, "ja")
    code, out, err = run_kb(center, "search", "入金", "--lang", "zh", "--json")
    assert code == 0 and err == ""  # zh's index holds nothing of ja's files: answered as it is
    code, out, err = run_kb(center, "search", "入金", "--lang", "ja", "--json")
    assert err.startswith("kb: the search index of ja is missing or older") and top_path(out) == "withdraw.md"
    source = center / "docs/en/security.md"
    source.write_text(source.read_text().replace("your account", "your Nimbus account"))
    assert not freshness.is_fresh(settings, "zh") and not freshness.is_fresh(settings, "ja")
    code, out, err = run_kb(center, "search", "nimbus", "--lang", "ko", "--json")
    assert err.startswith("kb: the search index of ko is missing or older") and top_path(out) == "security.md"


def top_path(answer: str) -> str:
    results = json.loads(answer)["results"]
    return str(results[0]["path"]) if results else "nothing found"


def test_golden_questions_pass_in_both_faces_with_recall_and_mrr_per_language(built_sample: Path,
                                                                              run_kb: RunKb) -> None:
    counts = {lang: len(golden.questions(built_sample, lang)[0]) for lang in ("en", "zh", "ja", "es", "ko")}
    assert counts["en"] >= 30 and counts["zh"] >= 30 and min(counts.values()) >= 15
    code, out, err = run_kb(built_sample, "check", "--search")
    assert code == 0, out + err
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()
            if line.split() and line.split()[0] in counts}
    for lang, count in counts.items():
        questions, kb_recall, _, browser_recall, _ = rows[lang]
        assert int(questions) == count and float(kb_recall) >= 0.9 and float(browser_recall) >= 0.9, rows[lang]


def test_both_faces_answer_each_golden_question_with_the_same_article(built_sample: Path) -> None:
    center = scan(built_sample)
    center = replace(center, settings=replace(center.settings, site_dir=built_sample / "site"))
    with golden.kb_face(center) as kb, golden.browser_face(center) as browser:
        for lang in center.settings.languages:
            for question in golden.questions(built_sample, lang)[0]:
                assert kb(lang, question.text)[:1] == browser(lang, question.text)[:1], question


def test_a_missed_question_is_named_at_its_line_and_low_recall_fails(tmp_path: Path, run_kb: RunKb) -> None:
    root = copy_sample(tmp_path)
    with (root / "search/queries/en.tsv").open("a") as handle:
        handle.write("photosynthesis in plants\tapi/rate-limits.md\nno tab here\n")
    line = len((root / "search/queries/en.tsv").read_text().splitlines()) - 1
    code, out, _ = run_kb(root, "check", "--search", "--no-browser")
    assert code == 1, out  # the line without a tab is an error; one miss alone keeps recall over 0.9
    assert (f"search/queries/en.tsv:{line}: warning: 'photosynthesis in plants' does not find api/rate-limits.md "
            "in the top 5 of kb search") in out
    assert f"search/queries/en.tsv:{line + 1}: not a question and its article" in out
    code, out, _ = run_kb(root, "check", "--search", "--no-browser", "--min-recall", "1")
    assert "search/queries/en.tsv:1: recall@5 of kb search is 0.97, under 1.0" in out


@pytest.fixture
def api_url(center: Path) -> Iterator[str]:
    app = api.App(config.load(center / "mkdocs.yml"))
    server = make_server("127.0.0.1", 0, app, handler_class=api.QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def get(url: str, method: str = "GET") -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        assert error.headers["Content-Type"] == "application/json; charset=utf-8"
        return error.code, json.loads(error.read())


def test_search_api_answers_json_and_errors_as_json(api_url: str) -> None:
    status, body = get(f"{api_url}/api/search?q=%E6%8F%90%E7%8E%B0&lang=zh&limit=2")  # 提现
    assert status == 200 and body["lang"] == "zh" and body["results"][0]["path"] == "withdraw.md"
    assert len(body["results"]) <= 2 and set(body["results"][0]) == {"path", "title", "lang", "status", "score",
                                                                      "snippet"}
    assert get(f"{api_url}/api/search?lang=zh") == (400, {"error": "q is missing: pass the words to search for"})
    assert get(f"{api_url}/api/search?q={'x' * 201}")[0] == 400
    assert get(f"{api_url}/api/search?q=fee&lang=fr")[1]["error"].startswith("unknown lang 'fr'")
    assert get(f"{api_url}/api/search?q=fee&limit=none")[0] == 400
    assert get(f"{api_url}/api/search?q=fee", method="POST")[0] == 405
    assert get(f"{api_url}/other")[0] == 404


def test_related_articles_are_looked_up_again_only_for_what_changed(center: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    search.update(scan(center), "zh")
    first = search.related_map(center, "zh")
    assert first["withdraw.md"] and "withdraw.md" not in first["withdraw.md"]
    looked_up: list[str] = []
    real = search.Similar.related

    def related(self: search.Similar, path: str, limit: int = 5) -> list[str]:
        looked_up.append(path)
        return real(self, path, limit)

    monkeypatch.setattr(search.Similar, "related", related)
    assert search.related_map(center, "zh") == first and looked_up == []
    path = center / "docs/zh/address.md"
    path.write_text(path.read_text().replace("测试后再提币。", "先小额测试，再提币。"))
    search.update(scan(center), "zh")
    search.related_map(center, "zh")
    assert looked_up == ["address.md"]


def test_bad_search_arguments_get_one_clear_line(center: Path, run_kb: RunKb) -> None:
    assert run_kb(center, "search", "fee", "--limit", "0")[1:] == ("", "kb: --limit 0: give at least 1\n")
    _, _, err = run_kb(center, "search", "fee", "--lang", "fr")
    assert err == "kb: unknown language 'fr': use one of en, zh, ja, ko\n"
    code, _, err = run_kb(center, "serve", "--api", "--dev-addr", "localhost")
    assert code == 2 and err == "kb: --dev-addr 'localhost': write HOST:PORT, e.g. 127.0.0.1:8000\n"


def test_a_help_center_with_no_article_finds_nothing_then_finds_its_first(tmp_path: Path) -> None:
    """A new help center has only its home page: a search says so (no crash), and a searcher kept open
    (kb serve-api) finds the first article once the index has it."""
    root = write_kb(tmp_path, {"docs/en/index.md": article("Help", "Welcome.\n")}, languages=("en",))
    search.update(scan(root), "en")
    with search.Searcher(root, "en") as searcher:
        assert searcher.search("withdrawal") == []
        (root / "docs/en/withdraw.md").write_text(article(*EN["withdraw.md"]) + "\n", encoding="utf-8")
        search.update(scan(root), "en")
        assert [hit.path for hit in searcher.search("withdrawal")] == ["withdraw.md"]


def test_an_index_whose_articles_are_all_written_again_scores_as_a_new_index(tmp_path: Path) -> None:
    """A new kb (or an edit of every article) writes every article again: the old versions must not keep
    counting in the statistics scores are made from, or kb search and the site's box rank apart from a new index."""
    import shutil

    root = copy_sample(tmp_path)
    queries = ("withdrawal fee", "2FA", "phishing e-mail", "deposit")

    def scores() -> list[list[tuple[str, float]]]:
        return [[(hit.path, hit.score) for hit in found(root, "en", query)] for query in queries]

    scores()
    for path in (root / "docs/en").rglob("*.md"):  # every file's bytes change, its words do not
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    written_again = scores()
    shutil.rmtree(search.index_dir(root, "en"))
    assert written_again == scores() and all(written_again)
