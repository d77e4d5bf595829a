"""`kb check`: everything a writer or translator can get wrong, all reported in one run.

Every problem names the check that found it (errors.CHECKS); the help center's `checks:` setting
makes a check an error, a warning or silent. A stale translation's differences from the current
source are one problem: they are what being stale means, and kb draft or a reviewer fixes them together.
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kb_tools import glossary as glossary_mod
from kb_tools import locale_data, qa, verify
from kb_tools.cache import CACHE_DIR, Memo
from kb_tools.errors import ConfigError, Problem, Severity
from kb_tools.layout import Layout
from kb_tools.model import Document, HelpCenter
from kb_tools.status import entry_for

# What a stale translation's differences are called in its one problem, by check: (one, many).
_STALE_NOUNS = {
    "anchors": ("heading anchor", "heading anchors"), "headings": ("heading layout", "heading layouts"),
    "numbers": ("number", "numbers"), "urls": ("link target", "link targets"), "code": ("code block", "code blocks"),
    "admonitions": ("admonition layout", "admonition layouts"), "terms": ("term", "terms"),
    "glossary": ("glossary term", "glossary terms"), "blocks": ("block layout", "block layouts"),
}


def check(center: HelpCenter, use_cache: bool = True) -> list[Problem]:
    """Every problem in the help center at the severity its check is set to, sorted by file and line.

    A translation's QA against its source is kept in .kb-cache/qa.pickle by the content of both files
    and of the glossary: a warm run checks again only the pairs where one of them changed. Links are
    checked every run (they depend on every file), from each file's link targets and heading anchors
    kept in .kb-cache/links.pickle by its content: a warm run needs no file's blocks.
    """
    glossary, problems = glossary_mod.load(center.settings.root)
    problems += center.problems
    found, official = _helpcenter(center)
    problems += found
    src_lang = center.settings.source_language
    memo = _QA(center, glossary, use_cache)
    facts = _LinkFacts(center, memo, use_cache, official)
    folders = center.settings.template_folders() if any(d.template for ds in center.docs.values()
                                                         for d in ds.values()) else ()
    # A source's file, named in the problems of every language translated from it: found once a source.
    source_file = functools.lru_cache(maxsize=None)(functools.partial(Layout(center.settings).path, src_lang))
    for lang, docs in center.docs.items():
        for doc in docs.values():
            problems += doc.problems
        problems += _duplicates(lang, docs)
        for doc in docs.values():
            found = []
            if doc.readable:
                found += _template(doc, folders)
                found += _links(center, doc, facts)
            if lang != src_lang:
                found = _translation(center, doc, memo, found, source_file)
            problems += found
    memo.kept.save(prune=True)
    facts.kept.save(prune=True)
    return sorted(set(leveled(problems, center.settings.checks)), key=lambda p: (p.path, p.line, p.message))


def _helpcenter(center: HelpCenter) -> tuple[list[Problem], bool]:
    """locales/helpcenter.yml as every build reads it: what would stop the builds, and promoted articles
    that are not articles (the home would leave them out); and whether it lists official channels."""
    settings = center.settings
    try:
        data = locale_data.load(settings.root, settings.source_language, settings.source_language)
    except ConfigError as exc:
        found = []
        for text in str(exc).splitlines():  # path:line: what is wrong: how to fix
            where = re.match(r"(.+?):(\d+): (.*)", text)
            path, line, rest = where.groups() if where else (locale_data.HELPCENTER_FILE, "1", text)
            message, _, fix = rest.rpartition(": ")
            found.append(Problem(path, int(line), message or fix, fix if message else "fix it", "error"))
        return found, False
    articles = center.docs[settings.source_language]
    return [Problem(locale_data.HELPCENTER_FILE, locale_data.line(settings.root / locale_data.HELPCENTER_FILE,
                                                                  "promoted", i),
                    f"promoted: {rel!r} is not an article, so the home leaves it out",
                    f"write an article's path as its links do, e.g. account/log-in.md for "
                    f"{Layout(settings).path(settings.source_language, 'account/log-in.md')}", "error", "links")
            for i, rel in enumerate(data.promoted) if rel not in articles], bool(data.official)


def leveled(problems: Iterable[Problem], levels: dict[str, str]) -> list[Problem]:
    """Problems at the level their check is set to (levels: check -> error, warning or off)."""
    found = []
    for problem in problems:
        level = levels.get(problem.check)
        if level == "off":
            continue
        if level in ("error", "warning"):
            problem = replace(problem, severity="error" if level == "error" else "warning")
        found.append(problem)
    return found


def has_template(name: str, folders: tuple[Path, ...]) -> bool:
    """Whether a page's `template:` is in one of the theme's template folders."""
    if not name or ".." in name.split("/") or name.startswith("/"):
        return False
    return any((Path(folder) / name).is_file() for folder in folders)


def _template(doc: Document, folders: tuple[Path, ...]) -> list[Problem]:
    if not doc.template or not folders or has_template(doc.template, folders):
        return []  # no theme known (kb run outside MkDocs' reach): nothing to judge against
    return [Problem(doc.path, doc.template_line, f"template '{doc.template}' is not in the theme",
                    "add it to the theme's custom_dir, or remove template: (until then the page is built with "
                    "the default template)", "error", "template")]


class _QA:
    """qa.check, its results kept between runs by the content of the source, the translation and the glossary."""

    def __init__(self, center: HelpCenter, glossary: glossary_mod.Glossary, use_cache: bool) -> None:
        root, here = center.settings.root, Path(__file__)
        self.center, self.glossary = center, glossary
        self.facts: dict[str, qa.Facts] = {}  # the source blocks' facts, shared by the languages
        self.read: dict[str, Document] = {}  # documents with their blocks, read once (a source serves every language)
        self.kept = Memo(root / CACHE_DIR if use_cache else None, "qa",
                         (here, here.with_name("qa.py"), here.with_name("glossary.py")))
        try:
            self.glossary_key = hashlib.sha256((root / glossary_mod.GLOSSARY_FILE).read_bytes()).hexdigest()
        except OSError:
            self.glossary_key = ""

    def check(self, source: Document, doc: Document, severity: Severity) -> list[Problem]:
        """qa.check(source, doc) at severity, from the cache when neither file nor the glossary changed."""
        key = (doc.path, doc.content_hash, source.path, source.content_hash, self.glossary_key, severity)
        found = self.kept.get(key) if doc.content_hash and source.content_hash else None
        if found is None:
            found = qa.check(self.with_blocks(source), self.with_blocks(doc), self.glossary, severity, self.facts)
            self.kept.put(key, found)
        return list(found)

    def with_blocks(self, doc: Document) -> Document:
        """doc with its blocks: read from disk at most once a run when the scan left them out."""
        if doc.parsed is not None or not doc.readable:
            return doc
        if doc.path not in self.read:
            self.read[doc.path] = self.center.with_blocks(doc)
        return self.read[doc.path]


_Facts = tuple[tuple[tuple[str, int], ...], frozenset[str]]  # (link target, line) in order; heading anchors


class _LinkFacts:
    """Each file's link targets and heading anchors, kept between runs by the file's content."""

    def __init__(self, center: HelpCenter, reader: _QA, use_cache: bool, official: bool) -> None:
        root, here = center.settings.root, Path(__file__)
        self.reader = reader
        self.official = official  # the site has the verify page
        self.kept = Memo(root / CACHE_DIR if use_cache else None, "links", (here, here.with_name("qa.py")))

    def get(self, doc: Document) -> _Facts:
        """doc's facts (none for an unreadable file)."""
        if not doc.readable:
            return (), frozenset()
        key = (doc.path, doc.content_hash)
        found: _Facts | None = self.kept.get(key) if doc.content_hash else None
        if found is None:
            blocks = self.reader.with_blocks(doc).blocks
            found = (tuple((raw, b.line) for b in blocks for raw in qa.link_targets(b)),
                     frozenset(b.anchor for b in blocks if b.kind == "heading"))
            if doc.content_hash:
                self.kept.put(key, found)
        return found


def _translation(center: HelpCenter, doc: Document, memo: _QA, found: list[Problem],
                 source_file: Callable[[str], str]) -> list[Problem]:
    """A translation's own problems (found: its links and template) with its QA against the source.

    source_file: the file of the source at a rel, where the layout keeps it (Layout.path).
    """
    entry = entry_for(center, doc.lang, doc.rel)
    source = center.source(doc.rel)
    if entry.status == "orphan":
        return [*found, Problem(doc.path, 1, f"orphan: no source {source_file(doc.rel)}",
                                "delete it, or move it to the path of its source", "warning", "orphan")]
    if entry.status == "invalid" or source is None:
        return found
    if entry.status == "untracked":
        found.append(Problem(doc.path, 1, "untracked: no translation: block",
                             f"review it against the source, then run: kb approve {doc.lang} {doc.rel}", "warning",
                             "untracked"))
    for note in doc.translation.qa if doc.translation else ():
        found.append(Problem(doc.path, 1, f"kb draft left a note: {note}",
                             "resolve it, then delete it from translation.qa", "warning", "draft-notes"))
    if entry.status != "stale":
        return found + memo.check(source, doc, "error")
    # Stale: the structure of an older source is expected; markup it adds is not, and stays on its own.
    everything = memo.check(source, doc, "warning") + found
    differences = [p for p in everything if p.check in _STALE_NOUNS]
    kept = [p for p in everything if p.check not in _STALE_NOUNS]
    differences = leveled(differences, center.settings.checks)  # a check set to off is not counted either
    if not differences:
        return kept
    tally = Counter(check for check, _line in dict.fromkeys((p.check, p.line) for p in differences))  # by place
    parts = ", ".join(f"{n} {_STALE_NOUNS[check][n != 1]}" for check, n in tally.most_common())
    return [*kept, Problem(doc.path, min(p.line for p in differences),
                           f"stale: {parts} differ{'s' if sum(tally.values()) == 1 else ''} from the current source",
                           f"run kb draft {doc.lang} {doc.rel}, or review it against {source_file(doc.rel)}",
                           "warning", "stale")]


def _duplicates(lang: str, docs: dict[str, Document]) -> list[Problem]:
    titles = [(" ".join(doc.title.casefold().split()), doc) for doc in docs.values() if doc.title]
    paths = [(doc.rel.casefold(), doc) for doc in docs.values()]
    found = []
    for group in _groups(titles):
        for doc in group[1:]:
            found.append(Problem(doc.path, doc.title_line, f"duplicate title '{doc.title}', also in {group[0].path}",
                                 "give each article its own title, or merge them", "error", "duplicates"))
    for group in _groups(paths):
        for doc in group[1:]:
            found.append(Problem(doc.path, 1, f"same path as {group[0].path} but for letter case",
                                 "rename one: they collide on case-insensitive systems", "error", "duplicates"))
    return found


def _groups(keyed: list[tuple[str, Document]]) -> list[list[Document]]:
    """The documents that share a key, by key, each group in path order: the first is the one the others repeat."""
    seen = Counter(key for key, _doc in keyed)  # most keys are once: only those twice or more are grouped
    groups: dict[str, list[Document]] = defaultdict(list)
    for key, doc in keyed:
        if seen[key] > 1:
            groups[key].append(doc)
    return [sorted(group, key=lambda d: d.rel) for group in groups.values()]


def _links(center: HelpCenter, doc: Document, facts: _LinkFacts) -> list[Problem]:
    """Broken links, anchors and images; a link to an article missing in this language falls back.

    A translation's link that its source has too is the source's problem, reported there once.
    """
    links = facts.get(doc)[0]
    if not links:
        return []
    source = center.source(doc.rel) if doc.lang != center.settings.source_language else None
    theirs = {raw for raw, _line in facts.get(source)[0]} if source is not None else set()
    found = []
    for raw, line in links:
        if "://" in raw or raw.startswith(("mailto:", "tel:", "data:")) or raw in theirs:
            continue
        problem = _link(center, doc, raw, line, facts)
        if problem is not None:
            found.append(problem)
    return found


def _link(center: HelpCenter, doc: Document, raw: str, line: int, facts: _LinkFacts) -> Problem | None:
    """What is wrong with one link of doc, if anything."""
    src_lang = center.settings.source_language
    target, _, anchor = unquote(raw).partition("#")
    target = target.split("?")[0]
    lang = doc.lang
    if target.startswith("/"):
        lang, path = _site_path(center, doc.lang, target)
        candidates = _url_files(path)
    else:
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(doc.rel), target)) if target else doc.rel
        if rel.startswith("../") or rel == "..":
            return Problem(doc.path, line, f"link '{raw}' leaves the language folder",
                           "link to a file inside docs/<lang>/ with a relative path", "error", "links")
        if target.endswith("/") or not posixpath.splitext(rel)[1]:
            rel = posixpath.join(rel, "index.md")
        candidates = [rel]
    for rel in candidates:
        if rel.endswith(".md"):
            if center.docs[lang].get(rel) or center.docs[src_lang].get(rel):
                if anchor and anchor not in _anchors(center, rel, lang, facts):
                    return Problem(doc.path, line, f"broken link '{raw}': no heading #{anchor} in {rel}",
                                   "link to an existing heading, or drop the #anchor", "error", "anchors")
                return None
            if rel.endswith("index.md") and _is_category(center, lang, rel[: -len("index.md")]):
                return None  # a category page: kb writes it for every folder of articles
            if rel == verify.PAGE and facts.official:
                return None  # the verify page: kb writes it when helpcenter.yml lists official channels
        elif rel in center.assets[lang] or rel in center.assets[src_lang]:
            return None
    files = Layout(center.settings)
    if not candidates[0].endswith(".md"):
        return Problem(doc.path, line, f"missing image or file '{raw}'",
                       f"add {files.path(src_lang, candidates[0])} or fix the path", "error", "images")
    where = " or ".join(files.path(src_lang, rel) for rel in candidates)
    fix = ("link to an existing article (its path on the site, or relative: ../security/enable-2fa.md), or write it"
           if target.startswith("/") else "fix the path, or write that article")
    return Problem(doc.path, line, f"broken link '{raw}': no article {where}", fix, "error", "links")


def _site_path(center: HelpCenter, lang: str, target: str) -> tuple[str, str]:
    """(language, path) of an absolute link: the site's own URL path and a language prefix taken off."""
    settings = center.settings
    path = target.lstrip("/")
    base = urlsplit(settings.site_url).path.strip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base):].lstrip("/")
    first, _, rest = path.partition("/")
    if first in settings.languages:
        lang, path = first, rest
    return lang, posixpath.normpath(path) + ("/" if path.endswith("/") else "") if path else ""


def _url_files(path: str) -> list[str]:
    """The files a site path can be published from: x/ is x.md or x/index.md, x.html is x.md."""
    if path in ("", ".", "./"):
        return ["index.md"]
    stem, ext = posixpath.splitext(path.rstrip("/"))
    if path.endswith("/") or not ext:
        return [f"{path.rstrip('/')}.md", f"{path.rstrip('/')}/index.md"]
    if ext == ".html":
        return ["index.md" if stem == "index" else f"{stem.removesuffix('/index')}/index.md" if
                stem.endswith("/index") else f"{stem}.md"]
    return [path]


def _is_category(center: HelpCenter, lang: str, folder: str) -> bool:
    return bool(folder) and any(rel.startswith(folder) for rel in (*center.docs[lang],
                                                                 *center.docs[center.settings.source_language]))


def _anchors(center: HelpCenter, rel: str, lang: str, facts: _LinkFacts) -> frozenset[str]:
    """Anchors readers can link to: translated headings keep their source heading's anchor."""
    doc = center.source(rel) or center.docs[lang].get(rel)
    return facts.get(doc)[1] if doc else frozenset()


@dataclass(frozen=True)
class Kind:
    """The problems of one check, for `kb check --summary`."""

    check: str  # a name of errors.CHECKS, or "other" for what no setting names
    errors: int
    warnings: int
    worst: tuple[tuple[str, int], ...]  # (file, problems) with the most problems of this kind first


def summary(problems: list[Problem], worst: int = 3) -> list[Kind]:
    """Problems grouped by check, most errors first, each with its worst files."""
    groups: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        groups[problem.check or "other"].append(problem)
    kinds = []
    for name, group in groups.items():
        errors = sum(p.severity == "error" for p in group)
        files = Counter(p.path for p in group)
        top = sorted(files.items(), key=lambda item: (-item[1], item[0]))[:worst]
        kinds.append(Kind(name, errors, len(group) - errors, tuple(top)))
    return sorted(kinds, key=lambda k: (-k.errors, -k.warnings, k.check))


def github_annotation(problem: Problem) -> str:
    """The problem as a GitHub Actions workflow command (`::error file=...,line=...::message`)."""

    def data(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    def prop(text: str) -> str:
        return data(text).replace(":", "%3A").replace(",", "%2C")

    title = f"kb check ({problem.check})" if problem.check else "kb check"
    return (f"::{problem.severity} file={prop(problem.path)},line={problem.line},title={prop(title)}::"
            f"{data(f'{problem.message}: {problem.fix}')}")
