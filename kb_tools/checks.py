"""`kb check`: everything a writer or translator can get wrong, all reported in one run."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from urllib.parse import unquote

from kb_tools import glossary as glossary_mod
from kb_tools import qa
from kb_tools.errors import Problem, Severity
from kb_tools.layout import Layout
from kb_tools.model import Document, HelpCenter
from kb_tools.status import entry_for


def check(center: HelpCenter) -> list[Problem]:
    """Every problem in the help center, sorted by file and line."""
    glossary, problems = glossary_mod.load(center.settings.root)
    problems += center.problems
    memo: dict[str, qa.Facts] = {}
    for lang, docs in center.docs.items():
        for doc in docs.values():
            problems += doc.problems
        problems += _duplicates(lang, docs)
        for doc in docs.values():
            if doc.readable:
                problems += _links(center, doc)
            if lang != center.settings.source_language:
                problems += _translation(center, doc, glossary, memo)
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.message))


def _translation(center: HelpCenter, doc: Document, glossary: glossary_mod.Glossary,
                 memo: dict[str, qa.Facts]) -> list[Problem]:
    entry = entry_for(center, doc.lang, doc.rel)
    source = center.source(doc.rel)
    src_lang = center.settings.source_language
    if entry.status == "orphan":
        return [Problem(doc.path, 1, f"orphan: no source {Layout(center.settings).path(src_lang, doc.rel)}",
                        "delete it, or move it to the path of its source", "warning")]
    if entry.status == "invalid" or source is None:
        return []
    found = []
    if entry.status == "untracked":
        found.append(Problem(doc.path, 1, "untracked: no translation: block",
                             f"review it against the source, then run: kb approve {doc.lang} {doc.rel}", "warning"))
    for note in doc.translation.qa if doc.translation else ():
        found.append(Problem(doc.path, 1, f"kb draft left a note: {note}",
                             "resolve it, then delete it from translation.qa", "warning"))
    # A stale translation is expected to differ from the changed source until it is updated.
    severity: Severity = "warning" if entry.status == "stale" else "error"
    return found + qa.check(source, doc, glossary, severity, memo)


def _duplicates(lang: str, docs: dict[str, Document]) -> list[Problem]:
    by_title: dict[str, list[Document]] = defaultdict(list)
    by_path: dict[str, list[Document]] = defaultdict(list)
    for doc in sorted(docs.values(), key=lambda d: d.rel):
        if doc.title:
            by_title[" ".join(doc.title.casefold().split())].append(doc)
        by_path[doc.rel.casefold()].append(doc)
    found = []
    for group in by_title.values():
        for doc in group[1:]:
            found.append(Problem(doc.path, doc.title_line, f"duplicate title '{doc.title}', also in {group[0].path}",
                                 "give each article its own title, or merge them"))
    for group in by_path.values():
        for doc in group[1:]:
            found.append(Problem(doc.path, 1, f"same path as {group[0].path} but for letter case",
                                 "rename one: they collide on case-insensitive systems"))
    return found


def _links(center: HelpCenter, doc: Document) -> list[Problem]:
    """Broken links, anchors and images; a link to an article missing in this language falls back."""
    src_lang = center.settings.source_language
    files = Layout(center.settings)
    found = []
    for block in doc.blocks:
        for raw in qa.link_targets(block):
            if "://" in raw or raw.startswith(("mailto:", "tel:", "data:")):
                continue
            target, _, anchor = unquote(raw).partition("#")
            target = target.split("?")[0]
            if target.startswith("/"):
                found.append(Problem(doc.path, block.line, f"absolute link '{raw}'",
                                     "link to the file with a relative path, e.g. ../security/enable-2fa.md"))
                continue
            rel = posixpath.normpath(posixpath.join(posixpath.dirname(doc.rel), target)) if target else doc.rel
            if rel.startswith("../") or rel == "..":
                found.append(Problem(doc.path, block.line, f"link '{raw}' leaves the language folder",
                                     "link to a file inside docs/<lang>/ with a relative path"))
                continue
            if target.endswith("/") or not posixpath.splitext(rel)[1]:
                rel = posixpath.join(rel, "index.md")
            if rel.endswith(".md"):
                linked = center.docs[doc.lang].get(rel) or center.docs[src_lang].get(rel)
                if linked is None:
                    found.append(Problem(doc.path, block.line, f"broken link '{raw}': no article "
                                         f"{files.path(src_lang, rel)}",
                                         "fix the path, or write that article"))
                elif anchor and anchor not in _anchors(center, rel, doc.lang):
                    found.append(Problem(doc.path, block.line, f"broken link '{raw}': no heading #{anchor} in {rel}",
                                         "link to an existing heading, or drop the #anchor"))
            elif rel not in center.assets[doc.lang] and rel not in center.assets[src_lang]:
                found.append(Problem(doc.path, block.line, f"missing image or file '{raw}'",
                                     f"add {files.path(src_lang, rel)} or fix the path"))
    return found


def _anchors(center: HelpCenter, rel: str, lang: str) -> set[str]:
    """Anchors readers can link to: translated headings keep their source heading's anchor."""
    doc = center.source(rel) or center.docs[lang].get(rel)
    return {b.anchor for b in doc.blocks if b.kind == "heading"} if doc else set()
