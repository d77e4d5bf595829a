"""Scan docs/ into documents: front matter validated, body split into blocks, source hash computed."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import pickle
from collections.abc import Iterator
from dataclasses import astuple, dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from kb_tools import blocks as blocks_module
from kb_tools import frontmatter
from kb_tools.blocks import Block, normalize_text, short_hash, split_blocks
from kb_tools.config import Settings
from kb_tools.errors import Problem
from kb_tools.fsutil import write_atomic_bytes

log = logging.getLogger(__name__)

CACHE_DIR = ".kb-cache"
# The cache holds parsed documents: it is valid only for the code that parsed them.
_CACHE_VERSION = hashlib.sha256(b"".join(
    Path(module).read_bytes() for module in (__file__, frontmatter.__file__, blocks_module.__file__)
)).hexdigest()


@dataclass(frozen=True)
class TranslationInfo:
    """The `translation:` block of a translation's front matter."""

    source_hash: str
    status: str  # machine or reviewed
    engine: str = ""
    reviewed_by: str = ""
    reviewed_on: str = ""


@dataclass(frozen=True)
class Document:
    """One Markdown file of one language, read and validated."""

    path: str  # relative to the help center root, e.g. docs/en/security/enable-2fa.md
    lang: str
    rel: str  # relative to the language folder, e.g. security/enable-2fa.md
    readable: bool  # false when front matter or text cannot be read: status `invalid`
    meta: dict[str, Any] = field(default_factory=dict)
    # The blocks, pickled; None when a scan left them out (kb status needs none: see scan()).
    block_data: bytes | None = field(default=None, repr=False)
    problems: tuple[Problem, ...] = ()
    translation: TranslationInfo | None = None
    source_hash: str = ""  # hash of this file as a source (title, description, body)
    title_line: int = 1

    @cached_property
    def blocks(self) -> tuple[Block, ...]:
        """The body's blocks, in order."""
        if self.block_data is None:
            if not self.readable:
                return ()
            raise RuntimeError(f"{self.path}: blocks not loaded: scan with blocks, or use HelpCenter.with_blocks")
        return tuple(Block(*fields) for fields in pickle.loads(self.block_data))

    @property
    def title(self) -> str:
        """The title from front matter ('' when missing)."""
        value = self.meta.get("title")
        return value if isinstance(value, str) else ""

    @property
    def critical(self) -> bool:
        """True for articles on fees, limits, KYC and security."""
        return self.meta.get("critical") is True

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that make the file invalid."""
        return tuple(p for p in self.problems if p.severity == "error")


@dataclass
class HelpCenter:
    """Every document of every language, and the files that are not articles."""

    settings: Settings
    docs: dict[str, dict[str, Document]]  # lang -> rel -> document
    assets: dict[str, set[str]]  # lang -> rel paths of images and other files
    problems: list[Problem]  # problems outside any one document

    def source(self, rel: str) -> Document | None:
        """The source-language document at rel, if any."""
        return self.docs[self.settings.source_language].get(rel)

    def with_blocks(self, doc: Document) -> Document:
        """doc with its blocks, read again from disk when the scan left them out."""
        if doc.block_data is not None or not doc.readable:
            return doc
        data = (self.settings.root / doc.path).read_bytes()
        return read_document(doc.path, doc.lang, doc.rel, data, doc.lang == self.settings.source_language)


def source_hash(title: str, description: str, blocks: tuple[Block, ...] | list[Block]) -> str:
    """Hash of what a translation is made from: normalized title, description and body."""
    parts = [normalize_text(title), normalize_text(description), *(b.key for b in blocks)]
    return short_hash("\n".join(parts))


def read_document(path: str, lang: str, rel: str, data: bytes, is_source: bool) -> Document:
    """Parse one file's bytes; any fault becomes a problem of the document, never an exception."""

    def invalid(line: int, message: str, fix: str) -> Document:
        return Document(path, lang, rel, False, problems=(Problem(path, line, message, fix),))

    if b"\0" in data:
        return invalid(1, "binary file, not Markdown text", "remove it, or save it as UTF-8 Markdown")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return invalid(line, f"invalid UTF-8 at byte {exc.start}", "save the file as UTF-8")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return invalid(1, "empty file", "add front matter with a title, then the article")
    try:
        split = frontmatter.split(text)
        meta = frontmatter.parse(split)
    except frontmatter.FrontMatterError as exc:
        return invalid(exc.line, exc.message, exc.fix)
    if split.yaml_text is None:
        return invalid(1, "no front matter", "start the file with --- , title: ..., ---")
    fields = frontmatter.SOURCE_FIELDS if is_source else frontmatter.TRANSLATION_FIELDS
    problems = frontmatter.validate(meta, fields, split, path)
    translation = None
    block = meta.get("translation")
    if not is_source and isinstance(block, dict):
        if isinstance(block.get("source_hash"), int):  # YAML reads an all-digit hash as a number
            block["source_hash"] = frontmatter.raw_value(split, "source_hash")
        problems += frontmatter.validate_translation_block(block, split, path)
        translation = _translation_info(block)
    blocks = split_blocks(split.body, split.body_line)
    readable = not any(p.severity == "error" for p in problems)
    title = meta.get("title") if isinstance(meta.get("title"), str) else ""
    description = meta.get("description") if isinstance(meta.get("description"), str) else ""
    digest = source_hash(str(title), str(description), blocks) if is_source and readable else ""
    block_data = pickle.dumps([tuple(b) for b in blocks], protocol=pickle.HIGHEST_PROTOCOL)
    return Document(path, lang, rel, readable, meta, block_data, tuple(problems), translation, digest,
                    frontmatter.key_line(split, "title"))


def _translation_info(block: dict[str, Any]) -> TranslationInfo:
    reviewed_on = block.get("reviewed_on", "")
    if isinstance(reviewed_on, dt.date):
        reviewed_on = reviewed_on.isoformat()
    return TranslationInfo(
        str(block.get("source_hash") or ""), str(block.get("status") or ""), str(block.get("engine") or ""),
        str(block.get("reviewed_by") or ""), str(reviewed_on or ""),
    )


def scan(settings: Settings, use_cache: bool = True, blocks: bool = True) -> HelpCenter:
    """Read docs/<lang>/ for every language; unchanged files come from the cache.

    With blocks=False documents come without their blocks, which is all `kb status` needs:
    the blocks are most of the cache, and loading them would cost most of its time.
    """
    cache = _Cache(settings.root / CACHE_DIR if use_cache else None)
    fresh: dict[str, tuple[tuple[int, int, bool], Document]] = {}
    docs: dict[str, dict[str, Document]] = {}
    assets: dict[str, set[str]] = {}
    problems: list[Problem] = []
    docs_root = settings.docs_dir.resolve()
    base = _display(settings.root, settings.docs_dir)
    for lang in settings.languages:
        docs[lang], assets[lang] = {}, set()
        is_source = lang == settings.source_language
        for entry, rel in _walk(settings.docs_dir / lang):
            path = f"{base}/{lang}/{rel}"
            if entry.is_symlink():
                target = Path(entry.path).resolve()
                if not target.is_relative_to(docs_root):
                    problems.append(Problem(path, 1, "symlink points outside docs/",
                                            "replace it with a copy of the file, or remove it"))
                    continue
                if target.is_dir():
                    continue
            if not rel.endswith(".md"):
                assets[lang].add(rel)
                continue
            try:
                stat = entry.stat()
                stamp = (stat.st_mtime_ns, stat.st_size, is_source)
                document = cache.get(path, stamp, blocks)
                if document is None:
                    with open(entry.path, "rb") as handle:
                        document = read_document(path, lang, rel, handle.read(), is_source)
            except OSError as exc:
                problems.append(Problem(path, 1, f"cannot be read ({exc.strerror})", "fix the file or remove it"))
                continue
            fresh[path] = (stamp, document)
            docs[lang][rel] = document
    for folder in settings.docs_dir.iterdir() if settings.docs_dir.is_dir() else []:
        if folder.is_dir() and folder.name not in settings.languages:
            problems.append(Problem(_display(settings.root, folder), 1,
                                    f"folder '{folder.name}' is not a configured language",
                                    "add it to plugins.kb.languages in mkdocs.yml, or move it out of docs/"))
    cache.update(fresh)
    return HelpCenter(settings, docs, assets, problems)


def _to_row(doc: Document) -> tuple[Any, ...]:
    """A document as plain data without blocks: plain tuples unpickle several times faster."""
    translation = astuple(doc.translation) if doc.translation else None
    return (doc.path, doc.lang, doc.rel, doc.readable, doc.meta, doc.problems, translation, doc.source_hash,
            doc.title_line)


def _from_row(row: tuple[Any, ...]) -> Document:
    path, lang, rel, readable, meta, problems, translation, source_hash, title_line = row
    info = TranslationInfo(*translation) if translation else None
    return Document(path, lang, rel, readable, meta, None, problems, info, source_hash, title_line)


class _Cache:
    """Parsed documents in two files: a small one for what status needs, a large one for blocks."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.entries: dict[str, tuple[tuple[int, int, bool], tuple[Any, ...]]] = self._load("documents") or {}
        self._blocks: dict[str, bytes] | None = None

    def get(self, path: str, stamp: tuple[int, int, bool], blocks: bool) -> Document | None:
        """The cached document if the file has not changed since (with its blocks if asked)."""
        cached = self.entries.get(path)
        if cached is None or cached[0] != stamp:
            return None
        document = _from_row(cached[1])
        if not blocks or not document.readable:
            return document
        data = self.blocks().get(path)
        return replace(document, block_data=data) if data else None

    def blocks(self) -> dict[str, bytes]:
        """path -> pickled blocks, loaded on first use."""
        if self._blocks is None:
            self._blocks = self._load("blocks") or {}
        return self._blocks

    def update(self, fresh: dict[str, tuple[tuple[int, int, bool], Document]]) -> None:
        """Save the documents if any file changed, appeared or went away."""
        if self.folder is None or {k: v[0] for k, v in fresh.items()} == {k: v[0] for k, v in self.entries.items()}:
            return
        old_blocks = self.blocks()
        blocks = {path: doc.block_data if doc.block_data is not None else old_blocks.get(path, b"")
                  for path, (_, doc) in fresh.items()}
        entries = {path: (stamp, _to_row(doc)) for path, (stamp, doc) in fresh.items()}
        try:
            self._save("blocks", blocks)
            self._save("documents", entries)
        except OSError as exc:
            log.warning("cannot write the cache in %s: %s", self.folder, exc)

    def _load(self, name: str) -> Any:
        if self.folder is None:
            return None
        try:
            version, data = pickle.loads((self.folder / f"{name}.pickle").read_bytes())  # written by _save
        except Exception:
            return None
        return data if version == _CACHE_VERSION else None

    def _save(self, name: str, data: Any) -> None:
        assert self.folder is not None
        payload = pickle.dumps((_CACHE_VERSION, data), protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic_bytes(self.folder / f"{name}.pickle", payload)


def _walk(lang_dir: Path) -> Iterator[tuple[os.DirEntry[str], str]]:
    """Every file and symlink under lang_dir (folders are entered, symlinked ones not), with its posix path."""
    if not lang_dir.is_dir():
        return
    stack = [(str(lang_dir), "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, f"{prefix}{entry.name}/"))
                else:
                    yield entry, prefix + entry.name


def _display(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
