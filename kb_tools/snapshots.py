"""Snapshots: the source versions translations were made from, kept in the repository by their hash.

`locales/snapshots/<source_hash>.md` is the source article exactly as it was when a translation
recorded that hash (front matter and body, LF line endings): reviewable in a diff, and enough to
say which blocks changed since without git history, so a shallow clone (`git clone --depth 1`)
or an exported repository gives the same stale explanations and draft payloads as a full clone.
kb adopt, kb approve, kb draft and kb editorial write them; a snapshot no translation refers to
any more is deleted. The name is the hash of the content, checked on every read: a snapshot edited
by hand is ignored, never trusted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from kb_tools.fsutil import write_atomic
from kb_tools.model import Document, HelpCenter
from kb_tools.scan import read_document

log = logging.getLogger(__name__)

FOLDER = "locales/snapshots"
_NAME = re.compile(r"[0-9a-f]{6,64}")


def folder(root: Path) -> Path:
    """Where a help center keeps its snapshots."""
    return root / FOLDER


def path_for(root: Path, digest: str) -> Path:
    """The snapshot file of one source hash."""
    return folder(root) / f"{digest}.md"


def text_of(data: bytes) -> str:
    """A file's bytes as a snapshot keeps them: UTF-8 without BOM, LF line endings."""
    return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


def save(root: Path, digest: str, data: bytes, dry_run: bool = False) -> bool:
    """Keep data (a source file with hash digest) as its snapshot; False when it was there already."""
    if not _NAME.fullmatch(digest):
        raise ValueError(f"not a source hash: {digest!r}")
    target = path_for(root, digest)
    if target.exists():
        return False
    if not dry_run:
        write_atomic(target, text_of(data))
    return True


def load(root: Path, digest: str, source: Document) -> Document | None:
    """The version of source whose hash is digest, read from its snapshot, if one is kept and intact."""
    if not _NAME.fullmatch(digest):
        return None
    target = path_for(root, digest)
    try:
        data = target.read_bytes()
    except OSError:
        return None
    old = read_document(source.path, source.lang, source.rel, data, is_source=True)
    if old.source_hash != digest:
        log.warning("%s: its content does not have the hash it is named for (%s): ignored; run kb snapshots to "
                    "write it again", target, old.source_hash or "unreadable")
        return None
    return old


def referenced(center: HelpCenter, written: dict[tuple[str, str], str] | None = None) -> set[str]:
    """Every source hash a translation refers to, directly or through editorial edits.

    written: (lang, rel) -> the hash just written into that translation (the scan still has the old one).
    """
    hashes = set()
    for lang, docs in center.docs.items():
        if lang == center.settings.source_language:
            continue
        for rel, doc in docs.items():
            digest = (written or {}).get((lang, rel)) or (doc.translation.source_hash if doc.translation else "")
            if digest:
                hashes.add(digest)
                hashes.update(edit.after for edit in center.editorial_chain(rel, digest))
    hashes.update((written or {}).values())
    return hashes


def stored(root: Path) -> list[str]:
    """The hashes that have a snapshot."""
    if not folder(root).is_dir():
        return []
    return sorted(p.stem for p in folder(root).glob("*.md") if _NAME.fullmatch(p.stem))


def prune(root: Path, keep: Iterable[str], dry_run: bool = False) -> list[str]:
    """Delete the snapshots whose hash is not in keep; returns the hashes deleted."""
    wanted = set(keep)
    gone = [digest for digest in stored(root) if digest not in wanted]
    if not dry_run:
        for digest in gone:
            path_for(root, digest).unlink(missing_ok=True)
    return gone
