"""Whether a language's search index was made from the files as they are now, without importing Whoosh.

kb search asks it alongside its query (kb_tools/workers.py: answer_later): the index answers at once when
it is fresh, and is brought up to date first only when it is not.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from kb_tools import query
from kb_tools.config import Settings
from kb_tools.layout import Layout, walk_folder

INDEX_DIR = ".kb-cache/whoosh"
SOURCES = "sources"  # in a language's index folder: the fingerprint of the files it was made from
SCHEMA_VERSION = "3"


def index_dir(root: Path, lang: str) -> Path:
    """Where the index of a language is kept."""
    return root / INDEX_DIR / lang


def sources_fingerprint(settings: Settings, lang: str) -> str:
    """A hash of the name, size and modification time of every file the index of lang is made from.

    The files of lang and of the source language (the index holds nothing of another language's, as
    build.inputs_hash counts them), locales/ (glossary, categories, memory), search/ (synonyms, stop
    words), the config file, and git's log of HEAD (stale pages are shown from older versions git
    keeps). It costs a listing of those folders, not a reading of the files: kb search compares it
    with the one the index was made from, and scans the help center only when they differ. Names are
    relative to the root: the same help center reached by another path (--config a/mkdocs.yml from
    elsewhere) has the same fingerprint.
    """
    root, layout = settings.root, Layout(settings)
    folders = [*layout.folders(settings.source_language), *layout.folders(lang), root / "locales", root / "search",
               query.DATA]
    lines = []
    for folder in dict.fromkeys(folders):
        name = os.path.relpath(folder, root)
        for entry, rel in walk_folder(folder):
            try:
                stat = entry.stat()
            except OSError:
                continue
            lines.append(f"{name}/{rel}\0{stat.st_size}\0{stat.st_mtime_ns}")
    for path in (settings.config_file, root / ".git" / "logs" / "HEAD"):
        if path is not None:
            try:
                stat = path.stat()
            except OSError:
                continue
            lines.append(f"{os.path.relpath(path, root)}\0{stat.st_size}\0{stat.st_mtime_ns}")
    lines.sort()
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()


def made_from(root: Path, lang: str) -> str:
    """The fingerprint the index of lang was made from; "" when there is no index of this schema."""
    folder = index_dir(root, lang)
    fingerprint = read(folder / SOURCES)
    return fingerprint if fingerprint and read(folder / "version") == SCHEMA_VERSION else ""


def is_fresh(settings: Settings, lang: str) -> bool:
    """Whether the index of lang exists and was made from the files as they are now (sources_fingerprint)."""
    fingerprint = made_from(settings.root, lang)
    return bool(fingerprint) and fingerprint == sources_fingerprint(settings, lang)


def read(path: Path) -> str:
    """A file's text; "" when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""
