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
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from kb_tools import blocks as blocks_module
from kb_tools import frontmatter, model
from kb_tools.fsutil import write_atomic_bytes
from kb_tools.model import Document

log = logging.getLogger(__name__)

CACHE_DIR = ".kb-cache"
Stamp = tuple[int, int, bool]  # mtime_ns, size, is_source

# Parsed documents are valid only for the code that parsed and kept them, markdown-it's included: its version is
# written in its __init__.py (read rather than asked of importlib.metadata, an import that cost kb status 20 ms).
_VERSION = hashlib.sha256(b"".join(
    Path(origin or "").read_bytes() for origin in (frontmatter.__file__, blocks_module.__file__, model.__file__,
                                                   str(Path(__file__).with_name("scan.py")), __file__,
                                                   *(getattr(find_spec(name), "origin", "") for name in
                                                     ("markdown_it", "mdit_py_plugins")))
)).hexdigest()


class ScanCache:
    """Documents of the last scan, by path with the stamp of the file each was read from; `folder` None keeps nothing.

    Two files: documents.pickle, the documents without their blocks (what `kb status` needs), pickled
    as they are, in parts (a cold scan's workers pickle what each read); and blocks.pickle, each document's
    blocks packed (blocks.pack), loaded on first use.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.stamps: dict[str, Stamp]
        self.docs: dict[str, Document] = {}
        self.stamps, parts = self._load("documents") or ({}, [])
        for part in parts:
            self.docs.update(pickle.loads(part))
        self._blocks: dict[str, tuple[Stamp, bytes]] | None = None

    def get(self, path: str, stamp: Stamp, blocks: bool) -> Document | None:
        """The cached document if the file has not changed since (with its blocks if asked)."""
        if self.stamps.get(path) != stamp:
            return None
        document = self.docs[path]
        if not blocks or not document.readable:
            return document
        packed = self.packed(path, stamp)
        return None if packed is None else document._replace(parsed=blocks_module.unpack(packed))

    def packed(self, path: str, stamp: Stamp) -> bytes | None:
        """The blocks of path, packed, if they were read from the file as it is now (None if a scan read it without)."""
        kept = self.blocks().get(path)
        return kept[1] if kept is not None and kept[0] == stamp else None

    def blocks(self) -> dict[str, tuple[Stamp, bytes]]:
        """path -> (stamp of the file read, its packed blocks), loaded on first use."""
        if self._blocks is None:
            self._blocks = self._load("blocks") or {}
        return self._blocks

    def update(self, stamps: dict[str, Stamp], docs: dict[str, Document], fresh: dict[str, bytes],
               pickled: list[bytes] | None = None) -> None:
        """Save the documents (without blocks) read from files with these stamps; fresh: the blocks read now;
        pickled: the documents already pickled by path, in parts whose union is docs (by the processes that read
        them), else they are pickled here.

        Blocks are kept with the stamp of the file they were read from, so a file read again without
        its blocks leaves blocks.pickle as it was: its old blocks no longer count.
        """
        if self.folder is None:
            return
        try:
            if fresh:
                kept = {path: old for path, old in self.blocks().items() if stamps.get(path) == old[0]}
                kept.update((path, (stamps[path], data)) for path, data in fresh.items())
                self._save("blocks", kept)
            self._save("documents", (stamps, pickled or [pickle.dumps(docs, protocol=pickle.HIGHEST_PROTOCOL)]))
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
