"""Scan a help center's files into documents: front matter validated, body split into blocks, source hash."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kb_tools import frontmatter
from kb_tools.blocks import split_blocks
from kb_tools.cache import CACHE_DIR, ScanCache, Stamp
from kb_tools.config import Settings
from kb_tools.errors import Problem
from kb_tools.model import Document, HelpCenter, TranslationInfo, TranslationStatus, source_hash

log = logging.getLogger(__name__)

__all__ = ["CACHE_DIR", "read_document", "scan"]


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
    blocks = tuple(split_blocks(split.body, split.body_line))
    readable = not any(p.severity == "error" for p in problems)
    title = meta.get("title") if isinstance(meta.get("title"), str) else ""
    description = meta.get("description") if isinstance(meta.get("description"), str) else None
    tags = meta.get("tags")
    digest = source_hash(str(title), description or "", blocks) if is_source and readable else ""
    return Document(
        path, lang, rel, readable, str(title), description,
        tuple(tags) if isinstance(tags, list) and all(isinstance(t, str) for t in tags) else (),
        meta.get("critical") is True, meta.get("machine_translation") is not False, translation,
        str(meta.get("template") or ""), tuple(problems), digest, frontmatter.key_line(split, "title"), blocks,
    )


def _translation_info(block: dict[str, Any]) -> TranslationInfo:
    reviewed_on = block.get("reviewed_on", "")
    if isinstance(reviewed_on, dt.date):
        reviewed_on = reviewed_on.isoformat()
    status: TranslationStatus = "reviewed" if block.get("status") == "reviewed" else "machine"  # else invalid
    qa = block.get("qa")
    return TranslationInfo(
        str(block.get("source_hash") or ""), status, str(block.get("engine") or ""),
        str(block.get("reviewed_by") or ""), str(reviewed_on or ""),
        tuple(str(note) for note in qa) if isinstance(qa, list) else (),
    )


def scan(settings: Settings, use_cache: bool = True, blocks: bool = True) -> HelpCenter:
    """Read docs/<lang>/ for every language; unchanged files come from the cache.

    With blocks=False documents come without their blocks, which is all `kb status` needs:
    the blocks are most of the cache, and loading them would cost most of its time.
    """
    cache = ScanCache(settings.root / CACHE_DIR if use_cache else None)
    fresh: dict[str, tuple[Stamp, Document]] = {}
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
            docs[lang][rel] = document if blocks else document.without_blocks()
    for folder in settings.docs_dir.iterdir() if settings.docs_dir.is_dir() else []:
        if folder.is_dir() and folder.name not in settings.languages:
            problems.append(Problem(_display(settings.root, folder), 1,
                                    f"folder '{folder.name}' is not a configured language",
                                    "add it to plugins.kb.languages in mkdocs.yml, or move it out of docs/"))
    cache.update(fresh)
    return HelpCenter(settings, docs, assets, problems)


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
