"""Page keys: what each page of a language's site was made from, so that the next build renders only what changed.

A builder face keeps, per page, two keys: its content key (the Markdown it converts, its metadata, its own
kb context, the inputs every page shares and the site's file list: what the page's HTML body is made from)
and its page key (the content key with the navigation every page shows), with the page's metadata; and a
key of each other file it may link from the last site instead of writing (the browser index's articles).
The keys of a build are kept next to its stamp (kb_tools.build) once its site is in place; the next build
reuses a page's HTML from that site when its page key is the same, and does not even read a page whose
content key is (its metadata, for the navigation, is the one kept).
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb_tools.fsutil import write_atomic_bytes

VERSION = "2"  # of the keys' recipe: a new recipe makes every stored key unequal


@dataclass(frozen=True)
class PageKeys:
    """The keys of one build of a language: its navigation's, and each page's by its source path."""

    nav: str = ""
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)  # src path -> (content key, page key)
    files: dict[str, str] = field(default_factory=dict)  # other files (path in the site) -> what each is made from
    metas: dict[str, Any] = field(default_factory=dict)  # src path -> its metadata (a dict), for pages left unread


@dataclass(frozen=True)
class Previous:
    """What a build may reuse: the folder the last build of the language left, and the keys it was made from."""

    site: str
    keys: PageKeys


def digest(*parts: object) -> str:
    """A key of parts (strings, or plain data whose repr is stable: dicts, lists, dataclasses)."""
    hasher = hashlib.sha256(VERSION.encode())
    for part in parts:
        hasher.update(b"\0" + (part if isinstance(part, str) else repr(part)).encode("utf-8", "surrogateescape"))
    return hasher.hexdigest()


def load(path: Path) -> PageKeys | None:
    """The keys stored at path (None when there are none, or they are unreadable)."""
    try:
        version, keys = pickle.loads(path.read_bytes())  # written by save
    except Exception:
        return None
    return keys if version == VERSION and isinstance(keys, PageKeys) else None


def save(path: Path, keys: PageKeys) -> None:
    """Store keys at path (through a temp file and a rename)."""
    write_atomic_bytes(path, pickle.dumps((VERSION, keys), protocol=pickle.HIGHEST_PROTOCOL))
