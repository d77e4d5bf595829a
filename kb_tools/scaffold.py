"""`kb new`: a source article with valid front matter, ready to write."""

from __future__ import annotations

from pathlib import Path

import yaml

from kb_tools.config import Settings
from kb_tools.errors import KbError
from kb_tools.fsutil import write_atomic
from kb_tools.layout import Layout


def new_article(settings: Settings, rel: str, title: str, description: str = "", tags: list[str] | None = None,
                critical: bool = False) -> Path:
    """Create docs/<source>/<rel> with front matter; refuses to overwrite an existing file."""
    files = Layout(settings)
    rel = files.rel_of(rel, settings.source_language)
    if not rel.endswith(".md"):
        rel += ".md"
    path = files.file(settings.source_language, rel)
    if ".." in Path(rel).parts or Path(rel).is_absolute():
        raise KbError(f"{rel}: must be a path inside {files.place(settings.source_language)}, "
                      "e.g. security/passkeys.md")
    if path.exists():
        raise KbError(f"{path}: already exists: choose another path or edit that article")
    if not title.strip():
        raise KbError("--title is empty: give the article a title")
    meta: dict[str, object] = {"title": title, "description": description or title, "tags": tags or []}
    if critical:
        meta["critical"] = True
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=None)
    body = "Say in one or two sentences what this article helps the reader do.\n\n## Steps\n\n1. First step.\n"
    write_atomic(path, f"---\n{front}---\n\n{body}")
    return path
