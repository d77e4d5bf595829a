"""Scan a help center's files into documents: front matter validated, body split into blocks, source hash."""

from __future__ import annotations

import codecs
import datetime as dt
import errno
import hashlib
import itertools
import logging
import os
import pickle
import re
from collections.abc import Collection, Iterator
from pathlib import Path
from stat import S_ISREG
from typing import Any, cast

from kb_tools import editorial, frontmatter
from kb_tools.blocks import pack, read_keys, split_blocks, unpack
from kb_tools.cache import CACHE_DIR, ScanCache, Stamp
from kb_tools.config import Settings
from kb_tools.deferred import paused_gc
from kb_tools.errors import Problem
from kb_tools.layout import Layout
from kb_tools.model import Document, HelpCenter, TranslationInfo, TranslationStatus, hash_of_keys, source_hash
from kb_tools.workers import chunk_size, count, may_fork, pool

log = logging.getLogger(__name__)

__all__ = ["CACHE_DIR", "content_hash", "read_document", "scan"]


def read_document(path: str, lang: str, rel: str, data: bytes, is_source: bool, blocks: bool = True,
                  made_from: Collection[str] = ()) -> Document:
    """Parse one file's bytes; any fault becomes a problem of the document, never an exception.

    blocks=False leaves the body unparsed when the front matter has a title: a translation's status
    needs none of it, and a source's hash only its blocks' keys (blocks.read_keys reads them without
    making the blocks); Markdown parsing is most of the time a cold `kb status` takes. A file titled
    by its # heading is always parsed, and a source whose hash is not one of made_from (the hashes its
    translations were made from) too: a stale translation's explanation compares its blocks.
    """

    def invalid(line: int, message: str, fix: str) -> Document:
        return Document(path, lang, rel, False, problems=(Problem(path, line, message, fix),))

    if b"\0" in data:
        return invalid(1, "binary file, not Markdown text", "remove it, or save it as UTF-8 Markdown")
    try:  # as decode("utf-8-sig") decodes (a byte counted after the BOM), without its codec's Python function
        text = data[3:].decode() if data.startswith(codecs.BOM_UTF8) else data.decode()
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return invalid(line, f"invalid UTF-8 at byte {exc.start}", "save the file as UTF-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return invalid(1, "empty file", "add front matter with a title, then the article")
    try:
        split = frontmatter.split(text)
        meta = frontmatter.parse(split)
    except frontmatter.FrontMatterError as exc:
        return invalid(exc.line, exc.message, exc.fix)
    too_deep = _too_deep(split.body, split.body_line)
    if too_deep:
        return invalid(*too_deep)
    fields = frontmatter.SOURCE_FIELDS if is_source else frontmatter.TRANSLATION_FIELDS
    parsed = None
    if blocks or "title" not in meta:
        parsed = tuple(split_blocks(split.body, split.body_line))
    # As MkDocs does: the first # heading is the title (imported sites often have none).
    if "title" not in meta and parsed is not None:
        heading = next((b.text.strip() for b in parsed if b.kind == "heading" and b.level == 1), "")
        meta = {"title": heading, **meta} if heading else meta
    problems = frontmatter.validate(meta, fields, split, path)
    translation = None
    block = meta.get("translation")
    if not is_source and isinstance(block, dict):
        if isinstance(block.get("source_hash"), int):  # YAML reads an all-digit hash as a number
            block["source_hash"] = frontmatter.raw_value(split, "source_hash")
        problems += frontmatter.validate_translation_block(block, split, path)
        translation = _translation_info(block)
    readable = not any(p.severity == "error" for p in problems)
    title = meta.get("title") if isinstance(meta.get("title"), str) else ""
    description = meta.get("description") if isinstance(meta.get("description"), str) else None
    tags = meta.get("tags")
    digest = ""
    if is_source and readable and parsed is not None:
        digest = source_hash(str(title), description or "", parsed)
    elif is_source and readable:
        body_keys, make_blocks = read_keys(split.body)
        digest = hash_of_keys(str(title), description or "", body_keys)
        if any(made != digest for made in made_from):
            parsed = tuple(make_blocks(split.body_line))  # from the same reading
    return Document(
        path, lang, rel, readable, str(title), description,
        tuple(tags) if isinstance(tags, list) and all(isinstance(t, str) for t in tags) else (),
        meta.get("critical") is True, meta.get("machine_translation") is not False, translation,
        str(meta.get("template") or ""), tuple(problems), digest, frontmatter.key_line(split, "title"),
        frontmatter.key_line(split, "template") if meta.get("template") else 0, parsed,
        content_hash(data),
    )


def content_hash(data: bytes) -> str:
    """The hash of a file's bytes that derived results (QA, stale explanations) are kept by: SHA-256, which
    most processors compute in hardware (half the time BLAKE2b took on an article)."""
    return hashlib.sha256(data).hexdigest()[:32]


# Bounds on what is handed to Python-Markdown, far above what an article needs and below where it
# stalls (bench/bench_markdown_limits.py measures it): 1,000 unclosed [ between words take it about
# a second and 10,000 in a row stall it; a run of 10,000 * or _ overflows its recursion; 100,000 >
# take seconds; 200 nested lists take most of a second and 1,000 stall it.
MAX_OPEN_BRACKETS = 100  # [ not yet closed, in one paragraph
MAX_MARK_RUN = 500  # * or _ in a row
MAX_QUOTE_DEPTH = 100  # > at the start of a line
MAX_INDENT = 400  # columns of indentation: 100 nested lists


def _too_deep(body: str, first_line: int) -> tuple[int, str, str] | None:
    """(line, message, fix) where the body nests deeper than Python-Markdown can read in reasonable time."""
    if (body.count("[") <= MAX_OPEN_BRACKETS and body.count(">") <= MAX_QUOTE_DEPTH
            and not any(hint in body and run in body for hint, run in _MARK_RUNS)
            and not _DEEP_INDENT.search(body) and not body[:_DEEP].isspace()):
        return None  # the line by line reading would find nothing: most bodies stop here
    return _too_deep_lines(body, first_line)


def _too_deep_lines(body: str, first_line: int) -> tuple[int, str, str] | None:
    open_brackets = 0
    for number, line in enumerate(body.split("\n"), start=first_line):
        if not line.strip():
            open_brackets = 0  # a new paragraph
            continue
        if "[" in line or "]" in line:
            for char in line.replace("\\[", "").replace("\\]", ""):  # \[ is a bracket shown as is
                if char == "[":
                    open_brackets += 1
                    if open_brackets > MAX_OPEN_BRACKETS:
                        return (number, f"more than {MAX_OPEN_BRACKETS} unclosed [ in one paragraph",
                                "close them, or write \\[ for a bracket shown as is")
                elif char == "]" and open_brackets:
                    open_brackets -= 1
        run = _MARK_RUN.search(line)
        if run:
            return (number, f"a run of {len(run.group())} {run.group()[0]} characters",
                    f"write at most {MAX_MARK_RUN}, or put them in `code`")
        stripped = line.lstrip("> \t")
        if line[: len(line) - len(stripped)].count(">") > MAX_QUOTE_DEPTH:
            return number, f"quotes nested more than {MAX_QUOTE_DEPTH} deep", "use fewer > at the start of the line"
        if len(line[: len(line) - len(line.lstrip())].expandtabs(4)) > MAX_INDENT:
            return (number, f"indented more than {MAX_INDENT} columns (lists nested too deep)",
                    "nest lists less deeply")
    return None


_MARK_RUN = re.compile(rf"\*{{{MAX_MARK_RUN + 1},}}|_{{{MAX_MARK_RUN + 1},}}")
# What any limit above needs somewhere in the body, each found by a search that skips ahead in C (a
# regex with ^ in MULTILINE mode tries every position: it took half the time of reading a translation):
# more [ or > than a limit allows in the whole body, a run of marks (looked for when a run of 16 is there:
# a needle of 501 costs Python's search 500 steps before it starts), or a line starting with over 100
# whitespace characters (a tab is at most 4 columns: 400 columns take more), the first line included.
# \s is str.isspace, what lstrip() strips.
_MARK_RUNS = tuple((mark * 16, mark * (MAX_MARK_RUN + 1)) for mark in "*_")
_DEEP = MAX_INDENT // 4 + 1
_DEEP_INDENT = re.compile(rf"\n\s{{{_DEEP}}}")


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


def scan(settings: Settings, use_cache: bool = True, blocks: bool = True, source_blocks: bool = True,
         packed: bool = False) -> HelpCenter:
    """Read every language's files, where the layout keeps them; unchanged files come from the cache.

    With blocks=False documents come without their blocks, which is all `kb status` needs:
    the blocks are most of the cache, and loading them would cost most of its time. Many files to
    read (a cold cache) are read by one process a core. Blocks read all the same (a source's, for its
    hash) stay at hand for HelpCenter.with_blocks; source_blocks=False reads a source's blocks only
    where a translation was made from another version of it, which a stale entry's explanation
    compares it with, and every other source for its hash alone (kb status). With packed, documents
    come without their blocks and every one's blocks are at hand, packed, for HelpCenter.with_blocks:
    a build after one edit unpacks the few it uses.
    """
    with paused_gc():
        cache = ScanCache(settings.root / CACHE_DIR if use_cache else None)
        return _scan(settings, cache, blocks or packed, source_blocks, packed)


def _scan(settings: Settings, cache: ScanCache, blocks: bool, source_blocks: bool, packed: bool) -> HelpCenter:
    stamps: dict[str, Stamp] = {}
    docs: dict[str, dict[str, Document | None]] = {}
    assets: dict[str, dict[str, str]] = {}
    problems: list[Problem | None] = []  # None: the place of a read's problem, if it has one
    todo: list[_File] = []  # files the cache does not have, read after the walk
    kept_blocks: dict[str, bytes] = {}  # with packed: the blocks of cached documents, packed
    files = Layout(settings)
    top = files.top.resolve()
    for lang in settings.languages:
        found: dict[str, Document | None] = {}
        docs[lang], assets[lang] = found, {}
        is_source = lang == settings.source_language
        for entry, rel, path in files.walk(lang):
            if entry.is_symlink():
                refused = _refused_symlink(Path(entry.path), top)
                if refused:
                    problems.append(Problem(path, 1, *refused))
                    continue
                if Path(entry.path).is_dir():
                    problems.append(Problem(path, 1, "symlinked folder: it is not published",
                                            "move the folder here, or remove the link", "warning"))
                    continue
            if not rel.endswith(".md"):
                assets[lang][rel] = path
                continue
            doc = None
            if cache.stamps:  # else every file is read, and stamped as it is (the walk's stat took 0.2 s at 60,000)
                try:
                    stat = entry.stat()
                except OSError as exc:
                    problems.append(Problem(path, 1, f"cannot be read ({exc.strerror})", "fix the file or remove it"))
                    continue
                stamp = (stat.st_mtime_ns, stat.st_size, is_source)
                doc = cache.get(path, stamp, blocks and not packed)
                if packed and doc is not None and doc.readable:
                    data = cache.packed(path, stamp)
                    if data is None:
                        doc = None  # read by a scan that needed no blocks
                    else:
                        kept_blocks[path] = data
                if doc is not None:
                    stamps[path] = stamp
            found[rel] = doc
            if doc is None:
                todo.append((path, lang, rel, entry.path, is_source, len(problems)))
                problems.append(None)
    fresh: dict[str, bytes] = {}  # blocks read now, packed
    every_file_read, read_ok = not stamps, 0  # none from the cache
    reads, pickled = _read_all(todo, blocks, None, source_blocks)
    for (path, lang, rel, _file, is_source, slot), read in zip(todo, reads, strict=True):
        if isinstance(read, str):
            problems[slot] = Problem(path, 1, f"cannot be read ({read})", "fix the file or remove it")
            del docs[lang][rel]
            continue
        doc, data, (mtime, size) = read
        docs[lang][rel], stamps[path] = doc.without_blocks() if packed else doc, (mtime, size, is_source)
        read_ok += 1
        if data:
            fresh[path] = data
    every_file_read = every_file_read and read_ok == len(stamps)  # and no path twice
    found_docs = cast(dict[str, dict[str, Document]], docs)  # every None is now a document, or gone with a problem
    if todo or stamps.keys() != cache.stamps.keys():
        cache.update(stamps, {doc.path: doc if doc.parsed is None else doc.without_blocks()
                              for ds in found_docs.values() for doc in ds.values()}, fresh,
                     pickled if every_file_read else None)
    edits, edit_problems = editorial.load(settings.root)
    kept = [p for p in problems if p is not None] + files.problems()
    # Blocks read but left out stay at hand, packed, for with_blocks (stale explanations of a cold kb status).
    at_hand = {**kept_blocks, **fresh} if packed else {} if blocks else fresh
    return HelpCenter(settings, found_docs, assets, kept + edit_problems, edits, at_hand)


_File = tuple[str, str, str, str, bool, int]  # path, lang, rel, file to open, is_source, its problem's place
# A document, its packed blocks (b"" if none) and the file's modification time and size when it was read; or
# why it cannot be read.
_Read = tuple[Document, bytes, tuple[int, int]] | str
# What reading a file costs in workers.count's units: 1 for its front matter, SOURCE_COST with its blocks too.
SOURCE_COST = 5


def _read_all(todo: list[_File], blocks: bool, workers: int | None = None, source_blocks: bool = True
              ) -> tuple[list[_Read], list[bytes] | None]:
    """Each file's document and packed blocks, or why it cannot be read; much to read, by one process a core
    (workers: how many processes, else one a core the work is worth). Read by workers, the documents come
    pickled too, in parts, as ScanCache.update writes them (None: read here).

    Without blocks nor source_blocks, each article's translations are read before its source, by the same
    process, for _read to tell whether the source's blocks are needed.
    """
    grouped = not blocks and not source_blocks
    order = sorted(range(len(todo)), key=lambda i: (todo[i][2], todo[i][4])) if grouped else list(range(len(todo)))
    items = [todo[i] for i in order]
    costs = [SOURCE_COST if blocks or is_source else 1 for *_, is_source, _slot in items]
    if workers is None:
        workers = count(sum(costs))
    if workers < 2 or not may_fork():
        return _in_order(order, _read(items, blocks, blocks, source_blocks)), None
    chunks: list[list[_File]] = []
    chunk: list[_File] = []
    left = total = sum(costs)
    cost, size = 0, chunk_size(total, total, workers)
    for item, item_cost in zip(items, costs, strict=True):
        if cost >= size and (not grouped or item[2] != chunk[-1][2]):  # an article's files in one chunk
            chunks.append(chunk)
            left -= cost
            chunk, cost, size = [], 0, chunk_size(left, total, workers)
        chunk.append(item)
        cost += item_cost
    chunks += [chunk] if chunk else []
    found: list[_Read] = []
    parts = []
    with pool(workers) as processes:
        for part, packed in processes.map(_read_pickled, chunks, itertools.repeat(blocks),
                                          itertools.repeat(source_blocks)):
            parts.append(part)
            docs = iter(pickle.loads(part).values())
            found += [read if isinstance(read, str) else (next(docs), *read) for read in packed]
    if not blocks:
        return _in_order(order, found), parts
    return [read if isinstance(read, str) or not read[1] else (read[0]._replace(parsed=unpack(read[1])), *read[1:])
            for read in found], parts


def _in_order(order: list[int], found: list[_Read]) -> list[_Read]:
    """found, read in order (indexes of todo), in todo's order."""
    result: list[_Read] = [""] * len(found)
    for index, read in zip(order, found, strict=True):
        result[index] = read
    return result


def _read_pickled(todo: list[_File], blocks: bool, source_blocks: bool
                  ) -> tuple[bytes, list[tuple[bytes, tuple[int, int]] | str]]:
    """_read in a worker: the documents pickled by path, once for both the cache and the trip back (the main
    process pickling them again took a tenth of a cold `kb status`), then the rest of each file's _Read."""
    found = _read(todo, blocks, False, source_blocks)
    docs = {read[0].path: read[0] for read in found if not isinstance(read, str)}
    return pickle.dumps(docs, protocol=pickle.HIGHEST_PROTOCOL), [read if isinstance(read, str) else read[1:]
                                                                  for read in found]


def _read(todo: list[_File], blocks: bool, keep: bool, source_blocks: bool = True) -> list[_Read]:
    """Each file's document (with its blocks if keep) and packed blocks, or why it cannot be read.

    Without source_blocks, a source is read for its hash alone, unless one of its translations read just
    before (_read_all groups them) was made from another version: a stale entry's explanation needs its blocks.
    """
    found: list[_Read] = []
    article, made_from = "", set[str]()  # the source hashes the translations of the article (rel) read last name
    contents = _contents([file for _path, _lang, _rel, file, _is_source, _slot in todo])
    for (path, lang, rel, _file, is_source, _slot), content in zip(todo, contents, strict=True):
        if isinstance(content, str):
            found.append(content)
            continue
        data, stamp = content
        if rel != article:
            article, made_from = rel, set()
        doc = read_document(path, lang, rel, data, is_source, blocks or (is_source and source_blocks), made_from)
        if doc.translation is not None:
            made_from.add(doc.translation.source_hash)
        if doc.parsed is None:
            found.append((doc, b"", stamp))
        else:
            found.append((doc if keep else doc.without_blocks(), pack(doc.parsed), stamp))
    return found


PROBES = 16  # files, spread over those to read, whose first page tells whether they are in the page cache
# Bytes as they are (O_BINARY: Windows), and an open that does not wait (O_NONBLOCK: a FIFO's waits for a writer).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)


def _contents(files: list[str]) -> Iterator[tuple[bytes, tuple[int, int]] | str]:
    """Each file's bytes and its (modification time, size) when read, or why it cannot be read, in order.

    Files not read for a while are often out of the page cache: at 10,000 x 6, reading them one by one
    waited 5 s for the disk, and 0.6 s after asking the system for all of them at once (_prefetch).
    Asking costs three system calls a file, a tenth of reading a translation when the files are cached
    (a new clone's are): the files are asked for when one of PROBES of them is not cached.
    """
    step = max(1, len(files) // PROBES)
    if any(_uncached(file) for file in files[::step]):
        _prefetch(files)
    return map(_content, files)


def _uncached(file: str) -> bool:
    """Whether a read of the file's first page would wait for the disk (or this system cannot tell)."""
    if not hasattr(os, "RWF_NOWAIT"):  # Linux only
        return True
    try:
        handle = os.open(file, _OPEN_FLAGS)
    except OSError:
        return False  # the reading says why
    try:
        os.preadv(handle, [bytearray(1)], 0, os.RWF_NOWAIT)
        return False
    except OSError:  # EAGAIN: not in the page cache; another: this file system cannot tell
        return True
    finally:
        os.close(handle)


def _content(file: str) -> tuple[bytes, tuple[int, int]] | str:
    """A file's bytes and its (modification time, size) when read, or why it cannot be read (a FIFO named like
    an article is not read)."""
    try:
        handle = os.open(file, _OPEN_FLAGS)
    except OSError as exc:
        return exc.strerror or str(exc)
    try:
        stat = os.fstat(handle)  # before reading: a later edit changes the stamp kept
        if not S_ISREG(stat.st_mode):
            return "not a regular file"
        return _read_to_end(handle, stat.st_size), (stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        return exc.strerror or str(exc)
    finally:
        os.close(handle)


def _read_to_end(handle: int, size: int) -> bytes:
    """The bytes of an open file of this size, or more if it has grown: a read of fewer bytes than asked ends
    a regular file."""
    data = os.read(handle, size + 1)
    if len(data) <= size:
        return data
    pieces = [data]
    while piece := os.read(handle, 1 << 16):
        pieces.append(piece)
    return b"".join(pieces)


def _prefetch(files: list[str]) -> None:
    """Ask the system to start reading files at once, for reading them one by one to wait for none of them."""
    if not hasattr(os, "posix_fadvise"):  # not on macOS or Windows
        return
    for file in files:
        try:
            handle = os.open(file, _OPEN_FLAGS)
        except OSError:
            continue  # the reading says why
        try:
            os.posix_fadvise(handle, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(handle)


def _refused_symlink(link: Path, docs_root: Path) -> tuple[str, str] | None:
    """Why a symlink cannot be published (message, fix), or None: loops and links out of docs/ are refused."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # Python before 3.13 raises RuntimeError on a loop
        if isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP:
            return f"symlink loop: it points at {os.readlink(link)}, which leads back to itself", \
                "point it at a file, or remove it"
        return f"broken symlink: {os.readlink(link)} does not exist", "point it at a file, or remove it"
    if not target.is_relative_to(docs_root):
        return "symlink points outside docs/", "replace it with a copy of the file, or remove it"
    if target.is_dir() and link.parent.resolve().is_relative_to(target):
        return f"symlink loop: the folder it points at ({os.readlink(link)}) contains it", "remove the link"
    return None
