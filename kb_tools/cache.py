"""The caches in .kb-cache/: parsed documents, stale explanations and QA results, each valid for the code that made it.

The scan cache keeps parsed documents keyed by path, modification time and size, in two files: a
small one with what `kb status` needs, and a large one with the blocks, loaded only by what needs
them. `Memo` keeps what is derived from documents (a stale entry's explanation, a translation's
QA problems) under a key that names everything the result depends on.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Callable
from dataclasses import astuple, fields, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

from kb_tools import blocks as blocks_module
from kb_tools import frontmatter, model
from kb_tools.blocks import Block
from kb_tools.fsutil import write_atomic_bytes
from kb_tools.model import Document, TranslationInfo

log = logging.getLogger(__name__)

CACHE_DIR = ".kb-cache"
Stamp = tuple[int, int, bool]  # mtime_ns, size, is_source

# Parsed documents are valid only for the code that parsed them, markdown-it's included.
_VERSION = hashlib.sha256(b"".join(
    Path(module.__file__ or "").read_bytes() for module in (frontmatter, blocks_module, model)
) + Path(__file__).with_name("scan.py").read_bytes()
    + f"{version('markdown-it-py')} {version('mdit-py-plugins')}".encode()).hexdigest()


_FIELDS = tuple(f.name for f in fields(Document) if f.name != "parsed")
_INFO_FIELDS = tuple(f.name for f in fields(TranslationInfo))


def _to_row(doc: Document) -> tuple[Any, ...]:
    """A document as plain data without blocks: plain tuples unpickle several times faster."""
    return tuple(astuple(value) if isinstance(value, TranslationInfo) else value
                 for value in (getattr(doc, name) for name in _FIELDS))


def _from_row(row: tuple[Any, ...]) -> Document:
    # As pickle rebuilds a dataclass: the fields set at once, not one frozen __setattr__ at a time
    # (a warm `kb status` makes tens of thousands of documents, and __init__ was a third of its scan).
    values = dict(zip(_FIELDS, row, strict=True), parsed=None)
    if values["translation"] is not None:
        info = object.__new__(TranslationInfo)
        info.__dict__.update(zip(_INFO_FIELDS, values["translation"], strict=True))
        values["translation"] = info
    doc = object.__new__(Document)
    doc.__dict__.update(values)
    return doc


class ScanCache:
    """Parsed documents of the last scan; `folder` None keeps nothing."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.entries: dict[str, tuple[Stamp, tuple[Any, ...]]] = self._load("documents") or {}
        self._blocks: dict[str, bytes] | None = None
        self.missed = False  # a file was read again: save what it gave

    def get(self, path: str, stamp: Stamp, blocks: bool) -> Document | None:
        """The cached document if the file has not changed since (with its blocks if asked)."""
        cached = self.entries.get(path)
        if cached is None or cached[0] != stamp:
            self.missed = True
            return None
        document = _from_row(cached[1])
        if not blocks or not document.readable:
            return document
        data = self.blocks().get(path)
        if not data:
            self.missed = True  # read by a scan that needed no blocks
            return None
        return replace(document, parsed=tuple(Block(*fields) for fields in pickle.loads(data)))

    def blocks(self) -> dict[str, bytes]:
        """path -> pickled blocks, loaded on first use."""
        if self._blocks is None:
            self._blocks = self._load("blocks") or {}
        return self._blocks

    def update(self, fresh: dict[str, tuple[Stamp, Document]]) -> None:
        """Save the documents if any file changed, appeared or went away."""
        if self.folder is None or (not self.missed and fresh.keys() == self.entries.keys()):
            return
        old_blocks = self.blocks()
        blocks = {}
        for path, (stamp, doc) in fresh.items():
            cached = self.entries.get(path)
            if doc.parsed is not None:
                blocks[path] = pickle.dumps([tuple(b) for b in doc.parsed], protocol=pickle.HIGHEST_PROTOCOL)
            elif cached is not None and cached[0] == stamp:
                blocks[path] = old_blocks.get(path, b"")
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
        return data if version == _VERSION else None

    def _save(self, name: str, data: Any) -> None:
        assert self.folder is not None
        payload = pickle.dumps((_VERSION, data), protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic_bytes(self.folder / f"{name}.pickle", payload)


class Memo:
    """A dict of derived results kept in .kb-cache/<name>.pickle; `folder` None keeps nothing.

    code: the source files whose code computes the results (a change to any of them empties the memo);
    the caller's keys must name everything else a result depends on.
    """

    def __init__(self, folder: Path | None, name: str, code: tuple[Path, ...], context: Any = None) -> None:
        self.folder, self.name = folder, name
        self.version = hashlib.sha256(_VERSION.encode() + b"".join(path.read_bytes() for path in code)).hexdigest()
        self.context = context  # saved with the entries, for the caller to judge them by (e.g. git HEAD)
        self.saved_context: Any = None
        self.entries: dict[Any, Any] = {}
        self.used: set[Any] = set()
        self.changed = False
        if folder is None:
            return
        try:
            version, saved_context, entries = pickle.loads((folder / f"{name}.pickle").read_bytes())  # by save()
        except Exception:
            return
        if version == self.version:
            self.saved_context, self.entries = saved_context, entries

    def get(self, key: Any) -> Any:
        """The result kept for key, or None."""
        found = self.entries.get(key)
        if found is not None:
            self.used.add(key)
        return found

    def put(self, key: Any, value: Any) -> None:
        """Keep value for key."""
        self.entries[key] = value
        self.used.add(key)
        self.changed = True

    def drop(self, unwanted: Callable[[Any], bool]) -> None:
        """Forget the results whose key is unwanted."""
        gone = [key for key in self.entries if unwanted(key)]
        for key in gone:
            del self.entries[key]
        self.changed = self.changed or bool(gone)

    def save(self, prune: bool = False) -> None:
        """Write the results if anything changed; prune: only those used in this run (the rest are for files gone)."""
        if prune and set(self.entries) != self.used:
            self.entries = {key: self.entries[key] for key in self.used}
            self.changed = True
        if self.folder is None or not (self.changed or self.saved_context != self.context):
            return
        kept = self.entries
        payload = pickle.dumps((self.version, self.context, kept), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            write_atomic_bytes(self.folder / f"{self.name}.pickle", payload)
        except OSError as exc:
            log.warning("cannot write the cache in %s: %s", self.folder, exc)
