"""The scan cache in .kb-cache/: parsed documents keyed by path, modification time and size.

Two files: a small one with what `kb status` needs, and a large one with the blocks, loaded only
by what needs them. The cache is valid only for the code that parsed it.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
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


def _to_row(doc: Document) -> tuple[Any, ...]:
    """A document as plain data without blocks: plain tuples unpickle several times faster."""
    return tuple(astuple(value) if isinstance(value, TranslationInfo) else value
                 for value in (getattr(doc, name) for name in _FIELDS))


def _from_row(row: tuple[Any, ...]) -> Document:
    values = dict(zip(_FIELDS, row, strict=True))
    if values["translation"] is not None:
        values["translation"] = TranslationInfo(*values["translation"])
    return Document(**values)


class ScanCache:
    """Parsed documents of the last scan; `folder` None keeps nothing."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.entries: dict[str, tuple[Stamp, tuple[Any, ...]]] = self._load("documents") or {}
        self._blocks: dict[str, bytes] | None = None

    def get(self, path: str, stamp: Stamp, blocks: bool) -> Document | None:
        """The cached document if the file has not changed since (with its blocks if asked)."""
        cached = self.entries.get(path)
        if cached is None or cached[0] != stamp:
            return None
        document = _from_row(cached[1])
        if not blocks or not document.readable:
            return document
        data = self.blocks().get(path)
        if not data:
            return None
        return replace(document, parsed=tuple(Block(*fields) for fields in pickle.loads(data)))

    def blocks(self) -> dict[str, bytes]:
        """path -> pickled blocks, loaded on first use."""
        if self._blocks is None:
            self._blocks = self._load("blocks") or {}
        return self._blocks

    def update(self, fresh: dict[str, tuple[Stamp, Document]]) -> None:
        """Save the documents if any file changed, appeared or went away."""
        if self.folder is None or {k: v[0] for k, v in fresh.items()} == {k: v[0] for k, v in self.entries.items()}:
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
