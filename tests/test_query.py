"""How kb reads a reader's question: stop words, synonyms, ranking, snippets, and the bridge to the source language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import RunKb, article, commit_all, copy_sample, hash_of, scan, translation, write_kb

from kb_tools import bridge, glossary, query, search
from kb_tools.blocks import CJK

EN = {
    "withdraw.md": ("How to withdraw", "Open Wallet and choose Withdraw.\n\nConfirm with your 2FA code."),
    "limits.md": ("Verification levels", "Each level has a daily limit. A withdrawal over the limit waits. " * 3
                  + "\n\nLevel 2 raises the withdrawal limit for every withdrawal you make."),
    "errors.md": ("Error codes", "The API answers 404 when the order does not exist.\n\nRetry later."),
    "response.md": ("Return a response", "Every endpoint can return a response. Return it directly."),
    "password.md": ("Reset your password", "Choose Forgot password on the login page.\n\nA new password must be "
                    "12 characters long."),
    "login.md": ("Log in", "Enter your email and password.\n\nForgot your password? Reset it first."),
    "phishing.md": ("Spot phishing", "A phishing email asks for your password.\n\nNever type your password "
                    "on a page you reached from an email."),
}
ZH = {
    "withdraw.md": ("如何提币", "打开钱包并选择提币。\n\n使用 2FA 验证码确认。"),
    "limits.md": ("认证等级", "每个等级都有每日限额。超过限额的提币会等待。" * 3 + "\n\n等级 2 提高每笔提币的限额。"),
    "login.md": ("登录", "输入邮箱和密码。\n\n忘记密码了？先重置。"),
    "phishing.md": ("识别钓鱼", "钓鱼邮件会索要您的密码。\n\n不要在邮件链接打开的页面上输入密码。"),
}


@pytest.fixture
def center(tmp_path: Path) -> Path:
    root = write_kb(tmp_path, {f"docs/en/{rel}": article(title, body + "\n") for rel, (title, body) in EN.items()},
                    languages=("en", "zh"))
    files = {f"docs/zh/{rel}": translation(title, body + "\n", hash_of(root, rel)) for rel, (title, body) in ZH.items()}
    files["search/synonyms/zh.txt"] = "提币, 提现\n"
    files["locales/glossary.yml"] = "required:\n  withdraw:\n    zh: 提币\n"
    return write_kb(root, files, languages=("en", "zh"))


def found(root: Path, lang: str, text: str) -> list[str]:
    search.update(scan(root), lang)
    with search.Searcher(root, lang) as searcher:
        return [hit.path for hit in searcher.search(text, limit=5)]


def rules(root: Path, lang: str) -> query.Rules:
    return query.rules(root, lang, "en", glossary.load(root)[0])


def test_question_words_are_dropped_unless_the_question_has_nothing_else(center: Path) -> None:
    en = rules(center, "en")
    assert query.shape("How do I withdraw my crypto?", en).rest == "withdraw crypto"
    assert query.shape("how do i", en).rest == "how do i"  # nothing else: kept
    assert query.shape("提币一直没到账怎么办", rules(center, "zh")).rest == "提币 没到账"


def test_synonym_groups_sharing_a_word_merge_and_the_glossary_bridges_to_the_source(center: Path) -> None:
    shaped = query.shape("提现多久到账", rules(center, "zh"))
    assert shaped.concepts == (("提币", "提现", "withdraw"),)
    assert "提现" in shaped.rest  # a CJK word stays in its run: 现多 and 多久 count too


def test_a_title_match_ranks_above_an_article_that_repeats_the_word(center: Path) -> None:
    assert found(center, "en", "withdraw")[0] == "withdraw.md"
    assert found(center, "zh", "提币")[0] == "withdraw.md"


def test_a_word_most_articles_have_weighs_less_than_a_rare_one(center: Path) -> None:
    for rel in ("withdraw.md", "limits.md", "password.md", "login.md", "phishing.md"):
        path = center / "docs/en" / rel
        path.write_text(path.read_text() + "\nYou can return to this page later.\n")
    # "return" is in most articles and in a title, 404 in one body: the rare word decides.
    assert found(center, "en", "how do i return a 404")[0] == "errors.md"


def test_a_word_no_article_has_is_read_as_the_longest_term_it_starts_with(center: Path) -> None:
    assert found(center, "en", "withdrawing")[0] == "withdraw.md"  # no article says "withdrawing"


def test_the_source_term_a_reader_means_is_learned_from_the_translations(center: Path) -> None:
    # 密码 translates "password" in the zh translations' blocks: a zh query finds the page only in English.
    assert "password.md" not in ZH
    assert found(center, "zh", "重置密码")[0] == "password.md"
    learned = search.Searcher(center, "zh").bridge
    assert learned["密码"] == "password"


def test_chance_pairs_are_not_learned() -> None:
    pairs = iter([("Open the wallet", "打开钱包"), ("Your wallet", "您的钱包"), ("Open a ticket", "打开工单")])
    words = bridge.learn(pairs, lambda text: text.lower().split(),
                         lambda text: [text[i:i + 2] for i in range(len(text) - 1)])
    assert words == {"钱包": "wallet", "打开": "open"}  # seen together twice; 工单 with ticket only once


def test_snippets_start_at_a_sentence_or_a_word_and_mark_whole_words() -> None:
    text = ("Deposits arrive after network confirmations. " * 4 + "Your withdrawal is pending while we check it. "
            "Pending withdrawals can be cancelled.")
    snippet = search.snippet(text, {"withdrawal", "withdrawals", "pending"})
    assert snippet.startswith("… Your <mark>withdrawal</mark> is <mark>pending</mark>"), snippet
    zh = "请先阅读提前说明。" * 5 + "提币需要等待确认，提供地址后提币会更快。"
    snippet = search.snippet(zh, {"提币"})
    assert "<mark>提币</mark>" in snippet and "<mark>提</mark>" not in snippet and "提前" not in snippet


def test_snippets_show_where_most_of_the_questions_words_are_together() -> None:
    """A word said many times counts once: the window goes where the most different words are near."""
    filler = "Check the status page first. " * 12
    text = (f"Withdrawal, withdrawal, withdrawal: read on. {filler}"
            f"A withdrawal on the wrong network loses the fee. {filler}The network fee is listed.")
    snippet = search.snippet(text, {"withdrawal", "network", "fee"})
    assert snippet.startswith("… A <mark>withdrawal</mark> on the wrong <mark>network</mark> loses the "
                              "<mark>fee</mark>."), snippet


def test_kb_check_search_refuses_a_site_older_than_its_sources(tmp_path: Path, run_kb: RunKb) -> None:
    root = copy_sample(tmp_path)
    commit_all(root, "sample")
    code, out, err = run_kb(root, "check", "--search")
    assert code == 2 and "no built site with search: run kb build, or pass --no-browser" in err, out + err


def test_synonyms_are_found_as_whole_words_next_to_any_script_and_every_time() -> None:
    groups = (("api", "インターフェース"), ("withdraw", "出金"), ("2fa", "two-factor"))
    rules = query.Rules("ja", "bigram", "words", frozenset(), (), groups, frozenset({"withdraw"}))
    shaped = {text: query.shape(text, rules) for text in
              ("APIで429", "rapid api", "withdrawals pending", "2fa2fa 2fa-2fa x", "出金できない", "x2fa")}
    assert shaped["APIで429"] == query.Shaped((("api", "インターフェース"),), "で429")  # Japanese bounds no word
    assert shaped["rapid api"].rest == "rapid"  # not the api inside rapid
    assert shaped["withdrawals pending"].rest == "pending"  # a glossary word matches a word's start
    assert shaped["2fa2fa 2fa-2fa x"].rest == "2fa2fa - x"  # each whole occurrence, not the glued one
    assert shaped["出金できない"] == query.Shaped((("withdraw", "出金"),), "出金できない")  # CJK: found, and kept
    assert shaped["x2fa"] == query.Shaped((), "x2fa")


def test_characters_are_told_apart_as_the_regexes_they_replace_tell_them() -> None:
    """is_cjk and is_letter look characters up (a regex of CJK's ranges takes milliseconds to compile)."""
    cjk, letter = re.compile(f"[{CJK}]"), re.compile(f"(?![{CJK}])[^\\W_]")
    for char in map(chr, (*range(0x10000), *range(0x10000, 0x110000, 97))):
        assert query.is_cjk(char) == bool(cjk.match(char)) and query.is_letter(char) == bool(letter.match(char)), char
    scripts = re.compile(f"(?<=[{CJK}])(?=[^{CJK}])|(?<=[^{CJK}])(?=[{CJK}])")
    for text in ("APIで429", "提币abc提币", "abc", "", "日本語", "２FA認証\nok", "é提"):
        assert query.spaced(text) == scripts.sub(" ", text)
    assert query.spaced("APIで429エラー") == "API で 429 エラー"
