"""kb search prunes (skips articles that cannot reach the top) without changing a single result.

Each query is searched twice, pruned as kb search does and with a collector that scores every matching
article, and the two must give the same articles with the same scores: on synthetic indexes of 1,500
articles in en and zh (long and short, several segments, deleted documents, synonyms, terms bridged to
the source language, typos) and on the bundled sample's golden questions.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh import index
from whoosh.collectors import TopCollector
from whoosh.query import And, Or, Query, Term

from kb_tools import golden, query, search

EN = ("withdrawal deposit network fee address wallet confirmation security account verification limit order market "
      "trade token balance support ticket phishing password device session whitelist memo chain transfer pending "
      "arrive identity document passport selfie level daily api key signature request rate spot convert").split()
ZH = ("提币 充值 网络 手续费 地址 钱包 确认 安全 账户 认证 限额 订单 市场 交易 余额 客服 工单 钓鱼 密码 设备 "
      "白名单 备注 转账 处理中 到账 身份 证件 护照 自拍 等级 每日 密钥 签名 请求 频率 现货 闪兑 报价").split()
SYNONYMS = {"en": (("withdrawal", "cash out", "payout"), ("2fa", "two-factor", "authenticator")),
            "zh": (("提币", "提现", "withdraw"), ("手续费", "费用"), ("密码", "password"))}
# a source term weighs as many as the reader's terms it stands for: 1 or 2 here
BRIDGE = {"地址": "address", "钱包": "address", "网络": "network", "转账": "network", "密码": "password"}


def words(lang: str, rng: random.Random) -> list[str]:
    """Help-center words, then made-up ones: Zipf-like, as real text uses a few words a lot."""
    found = list(EN if lang == "en" else ZH)
    while len(found) < 1500:
        found.append("".join(rng.choice("abcdefghiklmnoprstuvwy") for _ in range(rng.randint(3, 9))) if lang == "en"
                     else "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(2)))
    return found


class Corpus:
    """A synthetic index of one language, with kb's schema, and what to ask it."""

    def __init__(self, root: Path, lang: str, count: int) -> None:
        rng = random.Random(lang)
        self.root, self.lang = root, lang
        self.words = {"en": words("en", rng), lang: words(lang, rng)}
        weights = [1 / rank for rank in range(1, 1501)]
        folder = search.index_dir(root, lang)
        folder.mkdir(parents=True)
        ix = index.create_in(str(folder), search.schema(lang, "en"))

        def text(doc_lang: str, n: int) -> str:
            return ("" if doc_lang != "en" else " ").join(rng.choices(self.words[doc_lang], weights, k=n))

        def fields(number: int) -> dict[str, Any]:
            doc_lang = "en" if lang == "en" or number % 3 == 0 else lang  # a third of zh's pages fall back to en
            # 1 to 600 words (300 CJK ones, two characters each): lengths kept exact and rounded
            size = int(math.exp(rng.uniform(0, math.log(600 if doc_lang == "en" else 300))))
            suffix = "" if doc_lang == lang else "_src"
            headings = "\n".join(text(doc_lang, rng.randint(1, 4)) for _ in range(rng.randint(1, 5)))
            found = {f"title{suffix}": text(doc_lang, rng.randint(1, 8)), f"headings{suffix}": headings,
                     f"body{suffix}": text(doc_lang, size)}
            if doc_lang == "en":  # the words of a spaced language's article, as kb indexes them
                found[f"words{suffix}"] = " ".join(sorted(set(query.WORD.findall(query.normalize(
                    "\n".join(found.values()))))))
            return {"lang": doc_lang, "status": "current", **found}

        # Several segments, and documents replaced (deleted in their old segment): as kb index leaves an index.
        for start in range(0, count, count // 4):
            writer = ix.writer()
            for number in range(start, min(count, start + count // 4)):
                writer.add_document(path=f"c{number % 7}/a{number}.md", **fields(number))
            writer.commit(merge=False)
        writer = ix.writer()
        for number in rng.sample(range(count), count // 20):
            writer.update_document(path=f"c{number % 7}/a{number}.md", **fields(number))
        writer.commit(merge=False)
        ix.close()
        rules = query.Rules(lang, query.kind(lang), "words", frozenset(), (), SYNONYMS[lang], frozenset())
        (folder / search.RULES).write_text(json.dumps(rules.to_json(), ensure_ascii=False), encoding="utf-8")
        (folder / search.BRIDGE).write_text(json.dumps(BRIDGE if lang != "en" else {}, ensure_ascii=False),
                                            encoding="utf-8")
        self.asked = [" ".join(rng.choices(self.words[rng.choice(list(self.words))][:400], weights[:400],
                                           k=rng.randint(1, 5))) for _ in range(40)]
        self.asked += [" ".join(group) for group in SYNONYMS[lang]] + ["地址 钱包", "网络 转账 密码", "钱包"]
        self.asked += ["withdrawl adress", "pasword reset", "phisihng"]  # typos: the fuzzy fallback

    @property
    def searcher(self) -> search.Searcher:
        return search.Searcher(self.root, self.lang)


@pytest.fixture(scope="module", params=["en", "zh"])
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return Corpus(tmp_path_factory.mktemp(f"corpus-{request.param}"), request.param, 1500)


def ranked(searcher: search.Searcher, looked: search.Looked, limit: int, prune: bool) -> list[tuple[str, float]]:
    return [(r["path"], r.score) for r in searcher.top(looked, limit, prune=prune)]


def lookups(searcher: search.Searcher, text: str, fuzzy: bool = True) -> Iterator[search.Looked]:
    """What kb search asks of the index for text: its query, and in spaced languages its typo fallback."""
    asked = [searcher.query(text), *([searcher.fuzzy(text)] if searcher.spaced and fuzzy else [])]
    yield from (looked for looked in asked if looked.query is not None)


def plain(q: Query) -> Query:
    """The query as Whoosh's own Or reads it: what kb searched before it pruned."""
    if isinstance(q, search.Sum):
        return Or([plain(sub) for sub in q.subqueries], boost=q.boost)
    if isinstance(q, And | search.BestOf):
        return type(q)([plain(sub) for sub in q.subqueries], boost=q.boost)
    return q


def test_pruned_search_ranks_as_scoring_every_article_does(corpus: Corpus) -> None:
    seen = {True: 0, False: 0}
    with corpus.searcher as searcher:
        for number, text in enumerate(corpus.asked):
            for looked in lookups(searcher, text, fuzzy=number % 4 == 0 or number >= 40):  # typos are slow to expand
                results = {}
                for prune, limit in ((True, 1), (True, 3), (True, 15), (False, 15)):
                    collector = TopCollector(limit) if prune else TopCollector(limit, usequality=False, replace=0)
                    searcher.searcher.search_with_collector(looked.query, collector)
                    results[prune, limit] = [(r["path"], r.score) for r in collector.results()]
                    seen[prune] += collector.total if limit == 15 else 0  # the articles scored in full
                assert all(results[True, limit] == results[False, 15][:limit] for limit in (1, 3, 15)), text
                # and as Whoosh's own Or, unpruned, scores (the sum in another order: floats differ in the last bits)
                whole = TopCollector(15, usequality=False, replace=0)
                searcher.searcher.search_with_collector(plain(looked.query), whole)
                assert [r["path"] for r in whole.results()] == [path for path, _ in results[True, 15]], text
                assert all(math.isclose(r.score, score, rel_tol=1e-9)
                           for r, (_, score) in zip(whole.results(), results[True, 15], strict=True))
    assert seen[True] * 3 < seen[False], seen


def test_no_article_scores_above_the_bound_of_its_block_or_of_its_term(corpus: Corpus) -> None:
    """The bounds pruning relies on hold for every posting, lengths rounded as Whoosh stores them; and each
    score is BM25 of the article's own length, as Whoosh reads it, in every segment."""
    checked = 0
    with corpus.searcher as searcher:
        for sub, _ in searcher.searcher.leaf_searchers():
            reader = sub.reader()
            for field in (*search.OWN, *search.SRC):
                if field not in reader.indexed_field_names():
                    continue
                terms = [term for term, _ in zip(reader.lexicon(field), range(300), strict=False)]
                for term in terms:
                    matcher = sub.postings(field, term, weighting=searcher.searcher.weighting)
                    scorer = searcher.searcher.weighting.scorer(sub, field, term)
                    most, block = matcher.max_quality(), matcher.block_quality()
                    while matcher.is_active():
                        score = matcher.score()
                        assert score <= block <= most * (1 + 1e-12), (field, term, matcher.id())
                        length = reader.doc_field_length(matcher.id(), field, 1)
                        assert score == scorer._score(matcher.weight(), length), (field, term, matcher.id())
                        checked += 1
                        if matcher.next() and matcher.is_active():
                            block = matcher.block_quality()
    assert checked > 10_000


def test_the_samples_golden_questions_rank_alike_pruned(built_sample: Path) -> None:
    for lang in ("en", "zh", "ja", "es", "ko"):
        with search.Searcher(built_sample, lang) as searcher:
            for question in golden.questions(built_sample, lang)[0]:
                for text in (question.text, " ".join(question.text.split()[:2])):
                    for looked in lookups(searcher, text):
                        whole = ranked(searcher, looked, 15, False)
                        for limit in (1, 5, 15):
                            assert ranked(searcher, looked, limit, True) == whole[:limit], (lang, text)


def test_a_boosted_term_is_pruned_by_its_boosted_bound(corpus: Corpus) -> None:
    """A term weighed by a boost (a bridged source word weighs as many as the reader's terms it stands
    for) is dropped only where its boosted best cannot reach the top."""
    field = "body" if corpus.lang == "en" else "body_src"
    with corpus.searcher as searcher:
        common = corpus.words["en"][:8]
        for boost in (0.5, 3.0):
            for word, other in itertools.pairwise(common):
                looked = search.Looked(search.Sum([Term(field, word, boost=boost), Term(field, other)]), frozenset())
                for limit in (1, 3):
                    assert ranked(searcher, looked, limit, True) == ranked(searcher, looked, limit, False), \
                        (word, boost, limit)
