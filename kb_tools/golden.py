"""Golden questions: search/queries/<lang>.tsv (`question<TAB>expected article`), run through both faces.

kb check --search asks every question of kb search and of each built site's own search in headless
Chromium, and reports recall@5 (the share of questions whose article is in the top 5) and MRR (the
mean of 1/rank, 0 when absent) per language and face. A missed question is a warning at its line; a
language whose recall@5 is under the minimum is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kb_tools import browser, build, search
from kb_tools.errors import KbError, Problem
from kb_tools.model import HelpCenter

MIN_RECALL = 0.9  # PRODUCT.md's target in every language, in the browser and through kb search
TOP = 5

Face = Callable[[str, str], list[str]]  # (lang, question) -> the paths of the top results


@dataclass(frozen=True)
class Question:
    """One golden question."""

    lang: str
    line: int
    text: str
    expected: str


@dataclass(frozen=True)
class Score:
    """How one face answered one language's questions: the rank of each expected article (0: not in the top 5)."""

    face: str
    lang: str
    ranks: tuple[int, ...]

    @property
    def recall(self) -> float:
        """The share of questions whose article is in the top 5."""
        return sum(1 for rank in self.ranks if rank) / len(self.ranks) if self.ranks else 1.0

    @property
    def mrr(self) -> float:
        """Mean reciprocal rank: 1 for first, 1/2 for second... 0 when not in the top 5."""
        return sum(1 / rank for rank in self.ranks if rank) / len(self.ranks) if self.ranks else 1.0


def questions(root: Path, lang: str) -> tuple[list[Question], list[Problem]]:
    """The golden questions of lang, and the lines that are not one."""
    path = root / "search" / "queries" / f"{lang}.tsv"
    shown = f"search/queries/{lang}.tsv"
    found, problems = [], []
    if not path.is_file():
        return [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        text, _, expected = line.partition("\t")
        if not expected.strip() or not text.strip():
            problems.append(Problem(shown, number, "not a question and its article", "write: question<TAB>path.md"))
        else:
            found.append(Question(lang, number, text.strip(), expected.strip()))
    return found, problems


@contextmanager
def kb_face(center: HelpCenter) -> Iterator[Face]:
    """kb search, as a face: the index of each language brought up to date once."""
    searchers: dict[str, search.Searcher] = {}

    def ask(lang: str, text: str) -> list[str]:
        if lang not in searchers:
            search.update(center, lang)
            searchers[lang] = search.Searcher(center.settings.root, lang)
        return [hit.path for hit in searchers[lang].search(text, limit=TOP)]

    try:
        yield ask
    finally:
        for searcher in searchers.values():
            searcher.close()


@contextmanager
def browser_face(center: HelpCenter) -> Iterator[Face]:
    """Each built site's own search box code in headless Chromium; the sites must be built and current."""
    settings = center.settings
    assert settings.site_dir is not None
    site = settings.site_dir
    for lang in settings.languages:
        if not (site / lang / "kb-search" / "meta.json").is_file():
            raise KbError(f"{site / lang}: no built site with search: run kb build, or pass --no-browser")
        if not build.is_current(settings, lang):
            raise KbError(f"{site / lang}: built from older sources: run kb build, or pass --no-browser")
    opened = ""
    with browser.Site(site) as page:
        def ask(lang: str, text: str) -> list[str]:
            nonlocal opened
            if opened != lang:
                page.open(f"{lang}/")
                opened = lang
            return [str(hit["path"]) for hit in page.search(text, TOP)]

        yield ask


def run(center: HelpCenter, faces: dict[str, Face], min_recall: float = MIN_RECALL,
        on_question: Callable[[], None] | None = None) -> tuple[list[Score], list[Problem]]:
    """Ask every golden question of every face; the scores, and the problems (misses, low recall)."""
    scores, problems = [], []
    for lang in center.settings.languages:
        asked, bad = questions(center.settings.root, lang)
        problems += bad
        if not asked:
            continue
        shown = f"search/queries/{lang}.tsv"
        for name, face in faces.items():
            ranks = []
            for question in asked:
                top = face(lang, question.text)
                rank = top.index(question.expected) + 1 if question.expected in top else 0
                ranks.append(rank)
                if not rank:
                    problems.append(Problem(
                        shown, question.line, f"'{question.text}' does not find {question.expected} in the top "
                        f"{TOP} of {name} (found: {', '.join(top) or 'nothing'})",
                        f"add the reader's words to the article, or a synonym to search/synonyms/{lang}.txt",
                        "warning"))
                if on_question:
                    on_question()
            score = Score(name, lang, tuple(ranks))
            scores.append(score)
            if score.recall < min_recall:
                problems.append(Problem(shown, 1, f"recall@{TOP} of {name} is {score.recall:.2f}, under {min_recall}",
                                        "see the questions it misses above"))
    return scores, problems


def count(center: HelpCenter) -> int:
    """How many golden questions the help center has."""
    return sum(len(questions(center.settings.root, lang)[0]) for lang in center.settings.languages)

