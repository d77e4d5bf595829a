"""Page keys: what each page of a language's site was made from, so that the next build renders only what changed.

A builder face keeps, per page, two keys: its content key (the Markdown it converts, its metadata, the
inputs every page shares and the site's file list: what the page's HTML body is made from) and its page
key (the content key with the page's own kb context and the navigation every page shows), and a key of each
other file it may link from the last site instead of writing (the browser index's articles). The keys of a
build are kept next to its stamp (kb_tools.build) once its site is in place; the next build reuses a
page's HTML from that site when its page key is the same, and skips converting its Markdown when its
content key and context are.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from kb_tools.fsutil import write_atomic

VERSION = "1"  # of the keys' recipe: a new recipe makes every stored key unequal


@dataclass(frozen=True)
class PageKeys:
    """The keys of one build of a language: its navigation's, and each page's by its source path."""

    nav: str = ""
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)  # src path -> (content key, page key)
    files: dict[str, str] = field(default_factory=dict)  # other files (path in the site) -> what each is made from


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
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            return None
        return PageKeys(str(data["nav"]), {src: (str(pair[0]), str(pair[1])) for src, pair in data["pages"].items()},
                        {str(path): str(key) for path, key in data.get("files", {}).items()})
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def save(path: Path, keys: PageKeys) -> None:
    """Store keys at path (through a temp file and a rename)."""
    write_atomic(path, json.dumps({"version": VERSION, "nav": keys.nav, "pages": keys.pages, "files": keys.files},
                                  sort_keys=True) + "\n")
