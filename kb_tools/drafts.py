"""kb draft: machine drafts of missing and stale translations that send the engine only what changed.

Each source block already translated and reviewed comes from the translation memory; only new or
changed blocks go to the engine. Code blocks are never sent; inline code, URLs, link targets,
HTML, heading anchors and do-not-translate terms are replaced by placeholders before sending and
put back after. A draft is written whole, one article at a time, through a temp file and a rename.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kb_tools import frontmatter, qa, snapshots, untrusted
from kb_tools.blocks import Block, item_content
from kb_tools.cache import CACHE_DIR
from kb_tools.engines import Engine, EngineError
from kb_tools.errors import KbError
from kb_tools.fsutil import read_only, write_atomic
from kb_tools.git import SHALLOW, Git, dirty_files
from kb_tools.glossary import Glossary
from kb_tools.history import find_version
from kb_tools.layout import Layout
from kb_tools.memory import Memory, segment, with_meta
from kb_tools.model import Document, HelpCenter
from kb_tools.scan import read_document
from kb_tools.status import compute

log = logging.getLogger(__name__)

_PROTECT = re.compile(
    r"`[^`\n]+`"  # inline code
    r"|\]\([^)\s]+(?:\s+\"[^\"]*\")?\)"  # link and image targets
    r"|<https?://[^>]+>|https?://[\w\-.~:/?#@!$&*+;=%,]+[\w/]|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # URLs, emails
    r"|</?[A-Za-z][^>]*>|(?s:<!--.*?-->)"  # HTML tags and comments
    r"|\{:?\s*[#.][\w-]+[^}]*\}|\{:[^}\n]*\}"  # heading anchors, attribute lists
    r"|\{\{.*?\}\}|\{%.*?%\}",  # template syntax the source has (shown as written)
    re.ASCII,
)


@dataclass
class Job:
    """One article to draft in one language."""

    rel: str
    reason: str  # missing or stale
    source: Document
    to_send: list[str] = field(default_factory=list)  # source texts the engine would get
    reused: int = 0  # blocks taken from the memory


@dataclass(frozen=True)
class Outcome:
    """What kb draft did with one article."""

    rel: str
    result: str  # drafted, skipped, failed
    detail: str = ""
    sent: int = 0  # pieces sent to the engine
    reused: int = 0
    qa: tuple[str, ...] = ()


def harvest(center: HelpCenter, lang: str, memory: Memory) -> list[str]:
    """Feed the memory from every reviewed translation of lang; returns notes on those that do not line up."""
    git = Git(center.settings.root)
    notes = []
    for rel, doc in sorted(center.docs[lang].items()):
        source = center.source(rel)
        if not (source and source.readable and doc.readable and doc.translation
                and doc.translation.status == "reviewed"):
            continue
        if doc.translation.source_hash == source.source_hash:
            original = center.with_blocks(source)
        else:
            version = find_version(git, center.with_blocks(source), doc.translation.source_hash)
            if version is None:
                log.info("%s: not used as memory: git history holds no version of %s it was made from%s", doc.path,
                         source.path, f": {SHALLOW}" if git.shallow else "")
                continue
            original = version.document
        doc = center.with_blocks(doc)
        if not memory.learn(with_meta(original), with_meta(doc)):
            notes.append(f"{doc.path}: does not line up block for block with its source: not used as memory")
    return notes


def plan(center: HelpCenter, lang: str, memory: Memory, engine: Engine, glossary: Glossary,
         paths: tuple[str, ...] = (), only: str | None = None) -> tuple[list[Job], list[str]]:
    """The articles to draft (missing and stale, or `only` one of them), and those skipped with why."""
    files = Layout(center.settings)
    wanted = {files.rel_of(path, center.settings.source_language, lang) for path in paths}
    unknown = wanted - set(center.docs[center.settings.source_language])
    if unknown:
        raise KbError(f"no source article {sorted(unknown)[0]}: give paths inside "
                      f"{files.place(center.settings.source_language)}")
    jobs, skipped = [], []
    for entry in compute(center, (lang,))[lang]:
        if entry.status not in ("missing", "stale") or (only and entry.status != only):
            continue
        if wanted and entry.rel not in wanted:
            continue
        source = center.source(entry.rel)
        assert source is not None
        if not source.machine_translation:
            skipped.append(f"{entry.rel}: machine_translation: false (translate it by hand)")
            continue
        job = Job(entry.rel, entry.status, center.with_blocks(source))
        for block in with_meta(job.source):
            if block.kind == "code" or not _words(_protect(segment(block), glossary.do_not_translate)[0]):
                continue
            found = memory.get(block)
            if found is not None and _reusable(block, found, glossary.do_not_translate):
                job.reused += 1
            else:
                masked = (_protect(text, glossary.do_not_translate)[0] for text in _pieces(block))
                job.to_send += [text for text in masked if _words(text) and engine.cached(text) is None]
        jobs.append(job)
    return jobs, skipped


@dataclass(frozen=True)
class Sending:
    """What a draft run would send the engine for one article."""

    rel: str
    reason: str  # missing or stale
    blocks: int  # pieces to send
    characters: int
    reused: int  # blocks taken from the memory


@dataclass(frozen=True)
class Estimate:
    """What a draft run would send, in all, and what the engine would charge for it."""

    engine: str
    articles: tuple[Sending, ...]
    blocks: int
    characters: int
    cost: float  # USD, at the engine's list price


def estimate(jobs: list[Job], engine: Engine) -> Estimate:
    """What drafting jobs would send to engine and cost (`kb draft --dry-run`)."""
    articles = tuple(Sending(job.rel, job.reason, len(job.to_send), sum(len(t) for t in job.to_send), job.reused)
                     for job in jobs)
    characters = sum(a.characters for a in articles)
    return Estimate(engine.name, articles, sum(a.blocks for a in articles), characters,
                    characters * engine.info.price_per_million / 1_000_000)


def _pieces(block: Block) -> list[str]:
    """What goes to the engine for a block: a table row cell by cell, anything else whole."""
    if block.kind == "row":
        return [cell.strip() for cell in block.text.strip().strip("|").split("|")]
    return [segment(block)]


def _words(masked: str) -> bool:
    """Whether protected text has anything left to translate (not only numbers, symbols and placeholders)."""
    return bool(re.search(r"[^\W\d_]", re.sub(r"⟦\d+⟧", "", masked)))


def draft(center: HelpCenter, lang: str, jobs: list[Job], memory: Memory, engine: Engine, glossary: Glossary,
          force: bool = False, on_piece: Callable[[int], None] | None = None,
          on_article: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Draft each job and write it; stops at the first engine fault (its outcome is "failed").

    The source each draft is made from is kept as its snapshot; snapshots no translation refers to are deleted.

    One run per language at a time: a second one would send (and bill) every text again.
    A read-only file or folder fails its article (before anything is sent for it), not the run.
    """
    root = center.settings.root
    files = Layout(center.settings)
    dirty = set() if force else dirty_files(root, *files.folders(lang))
    outcomes = []
    with _language_lock(root, lang):
        for job in jobs:
            target = files.file(lang, job.rel)
            shown = target.relative_to(root).as_posix() if target.is_relative_to(root) else str(target)
            locked = read_only(target)
            if shown in dirty:
                outcome = Outcome(job.rel, "skipped", f"{shown} has uncommitted changes: commit them, or pass --force")
            elif locked:
                outcome = Outcome(job.rel, "failed", f"{_shown(root, locked)}: cannot write (read-only): "
                                                     "make it writable, or leave it out of kb draft")
            else:
                try:
                    outcome = _draft_one(center, lang, job, memory, engine, glossary, target, on_piece)
                except EngineError as exc:  # stop: the files written so far are whole, the cache keeps the rest
                    outcomes.append(Outcome(job.rel, "failed", str(exc)))
                    break
                except OSError as exc:
                    where = exc.filename or shown
                    outcome = Outcome(job.rel, "failed", f"{where}: {exc.strerror}: fix it and run again")
            outcomes.append(outcome)
            if on_article:
                on_article(outcome)
    written = {(lang, o.rel): center.source(o.rel).source_hash for o in outcomes  # type: ignore[union-attr]
               if o.result == "drafted"}
    if written:
        snapshots.prune(root, snapshots.referenced(center, written))
    return outcomes


@contextmanager
def _language_lock(root: Path, lang: str) -> Iterator[None]:
    """Hold .kb-cache/locks/draft-<lang>.lock; another run holding it is an error, never a wait.

    flock: the kernel releases it when its process ends, even killed, so a lock is never left stale.
    """
    path = root / CACHE_DIR / "locks" / f"draft-{lang}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid = handle.read().strip() or "?"
            raise KbError(f"kb draft {lang} is already running (pid {pid}): wait for it to finish "
                          f"({_shown(root, path)} is held while it runs)") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)


def _shown(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _draft_one(center: HelpCenter, lang: str, job: Job, memory: Memory, engine: Engine, glossary: Glossary,
               target: Path, on_piece: Callable[[int], None] | None) -> Outcome:
    if engine.name == "memory" and job.reused == 0:
        return Outcome(job.rel, "skipped", "nothing of it is in the translation memory: use an online engine")
    terms = glossary.do_not_translate
    sent_before = engine.sent
    untranslated: list[str] = []
    answers: dict[str, str] = {}  # masked text -> translation, when the engine takes an article's blocks at once
    if engine.name == "llm":
        from kb_tools.llm import LlmEngine, prefill

        assert isinstance(engine, LlmEngine)
        answers, notes = prefill(engine, center, lang, job.rel, job.source, memory, glossary,
                                 lambda text: _protect(text, terms), _pieces, _words)
        untranslated += notes

    def translate(block: Block) -> str:
        found = memory.get(block)
        if found is not None and _reusable(block, found, terms):
            return found
        if block.kind == "row":
            return "| " + " | ".join(_send(cell, block, "cell") for cell in _pieces(block)) + " |"
        return _send(segment(block), block, block.kind)

    def _send(text: str, block: Block, kind: str) -> str:
        masked, saved = _protect(text, terms)
        if not _words(masked):
            return text
        try:
            result = answers[masked] if masked in answers else engine.translate(masked)
        except EngineError:
            if engine.name != "memory":
                raise
            untranslated.append(f"{job.source.path}:{block.line}: not in the translation memory: translate it")
            return text
        if on_piece:
            on_piece(len(masked))
        # The answer is untrusted: made inert before the source's own markup is put back.
        result, notes = untrusted.neutralize(result, masked, kind)
        where = f"{job.source.path}:{block.line}" if block.line else f"{job.source.path}: the {kind}"
        untranslated.extend(f"{where}: {note}" for note in notes)
        restored, lost = _restore(result, saved)
        untranslated.extend(f"{job.source.path}:{block.line}: the engine dropped {item!r}: put it back"
                            for item in lost)
        return restored

    source = job.source
    meta_blocks = with_meta(source)[: 2 if source.description is not None else 1]
    texts = {b.kind: translate(b) for b in meta_blocks}
    raw = (center.settings.root / source.path).read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    split = frontmatter.split(raw)
    lines = split.body.split("\n")
    for block in reversed(source.blocks):
        if block.kind == "code" or not segment(block).strip():
            continue
        start, stop = block.line - split.body_line, block.end - split.body_line + 1  # the block's own lines
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
        first, *rest = _render(block, lines[start].lstrip(), translate(block)).split("\n")
        if block.kind == "item":  # continuation lines line up under the item's text
            hang = indent + " " * (len(block.text) - len(item_content(block)))
            rest = [hang + line.lstrip() for line in rest]
        else:  # and stay inside their admonition
            rest = [indent + line if line.strip() else "" for line in rest]
        lines[start:stop] = [indent + first, *rest]
    translation: dict[str, object] = {"source_hash": source.source_hash, "status": "machine", "engine": engine.name}
    meta: dict[str, object] = {"title": texts["title"]}
    if "description" in texts:
        meta["description"] = texts["description"]
    if source.tags:
        meta["tags"] = list(source.tags)
    body = "\n".join(lines).strip("\n") + "\n"
    draft_doc = read_document(Layout(center.settings).path(lang, job.rel), lang, job.rel,
                              _file_text({**meta, "translation": translation}, body).encode(), False)
    problems = [qa.note(f"draft line {p.line}", p) for p in qa.check(source, draft_doc, glossary)]
    if problems or untranslated:
        translation["qa"] = untranslated + problems  # for the reviewer: kb check reports them too
    write_atomic(target, _file_text({**meta, "translation": translation}, body))
    snapshots.save(center.settings.root, source.source_hash, raw.encode("utf-8"))  # what the draft was made from
    sent = engine.sent - sent_before
    return Outcome(job.rel, "drafted", sent=sent, reused=job.reused, qa=tuple(untranslated + problems))


def _reusable(block: Block, found: str, terms: tuple[str, ...]) -> bool:
    """Whether a memory entry may be reused as it is: it adds no markup to its source block.

    The memory is fed by reviewed translations, but a file edited by hand or an approval with
    --force could have put anything in it: such an entry goes to the engine again instead.
    """
    if block.kind == "row":
        cells = [cell.strip() for cell in found.strip().strip("|").split("|")]
        if len(cells) != len(_pieces(block)):
            return False
        return all(_reusable(Block("cell", 0, c, ""), t, terms) for c, t in zip(_pieces(block), cells, strict=True))
    masked, saved = _protect(found, terms)
    ours, theirs = _protect(segment(block), terms)
    if Counter(saved) - Counter(theirs):  # a link, URL, tag or term the source does not have
        return False
    added = untrusted.neutralize(masked, ours, block.kind)[1]
    return set(added) <= set(untrusted.neutralize(ours, ours, block.kind)[1])


def _render(block: Block, first_line: str, text: str) -> str:
    if block.kind == "heading":
        anchor = f" {{#{block.anchor}}}" if block.explicit_anchor else ""
        return f"{'#' * block.level} {text}{anchor}"
    if block.kind == "item":
        return block.text[: len(block.text) - len(item_content(block))] + text  # the source's marker
    if block.kind == "admonition":
        title = text.replace('"', "'")  # a quote from the engine would end the title early
        return f'{" ".join(first_line.split()[:2])} "{title}"'  # marker and type: !!! note, ???+ tip
    return text


def _file_text(meta: dict[str, object], body: str) -> str:
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{front}---\n\n{body}"


def _protect(text: str, terms: tuple[str, ...]) -> tuple[str, list[str]]:
    """text with code, URLs, link targets, HTML, anchors and kept terms replaced by ⟦n⟧."""
    saved: list[str] = []

    def keep(match: re.Match[str]) -> str:
        saved.append(match.group(0))
        return f"⟦{len(saved) - 1}⟧"

    masked = _PROTECT.sub(keep, text)
    if terms:
        words = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
        masked = re.sub(rf"(?<![A-Za-z0-9])(?:{words})(?![A-Za-z0-9])", keep, masked)
    return masked, saved


def _restore(text: str, saved: list[str]) -> tuple[str, list[str]]:
    """Put the protected pieces back; returns the text and the pieces the engine lost."""
    lost = []
    for index, original in enumerate(saved):
        marker = f"⟦{index}⟧"
        if marker in text:
            text = text.replace(marker, original)
        else:
            lost.append(original)
    return text, lost
