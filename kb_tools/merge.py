"""kb merge: parts of a site built on separate machines (kb build --site-dir), put together with what spans languages.

Each part holds some languages' finished sites and kb-part.json (build.PART_MANIFEST). Nothing is
rebuilt: the language folders are linked or copied as they are, and the root page, root 404 and sitemap are
written by the same code as kb build's. The site is assembled in a scratch folder next to the output
and swapped into place only once it is complete and checked: a merge that fails or is killed leaves
the old site.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from kb_tools import config as config_mod
from kb_tools import git
from kb_tools.build import PART_MANIFEST
from kb_tools.errors import KbError
from kb_tools.fsutil import clean_scratch, scratch_dir, swap_dir
from kb_tools.siteroot import missing_pages, sitemap_urls, write_root

MAX_LISTED = 20  # missing pages named in the error; the rest counted


@dataclass(frozen=True)
class Part:
    """One part: its folder, the languages complete in it, and the commit they were built from."""

    folder: Path
    languages: tuple[str, ...]
    commit: str


def read_part(folder: Path) -> Part:
    """A part's manifest, checked: every language it names has its folder."""
    manifest = folder / PART_MANIFEST
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KbError(f"{folder}: no {PART_MANIFEST}: give kb merge the folders of "
                      "kb build --lang LANG --site-dir FOLDER") from None
    except (OSError, ValueError) as exc:
        raise KbError(f"{manifest}: cannot be read ({exc}): build the part again") from None
    languages = data.get("languages") if isinstance(data, dict) else None
    if not isinstance(languages, list) or not all(isinstance(lang, str) for lang in languages):
        raise KbError(f"{manifest}: no list of languages: build the part again")
    return Part(folder, tuple(languages), str(data.get("commit") or ""))


def plan(settings: config_mod.Settings, parts: list[Part]) -> dict[str, Part]:
    """Which part gives each language; every problem (overlap, unknown, missing, other commit) at once."""
    problems = []
    owner: dict[str, Part] = {}
    for part in parts:
        for lang in part.languages:
            if lang not in settings.languages:
                problems.append(f"{part.folder}: has {lang!r}, which {_config_name(settings)} does not list "
                                f"(languages: {', '.join(settings.languages)})")
            elif lang in owner:
                problems.append(f"{lang}: in two parts, {owner[lang].folder} and {part.folder}: "
                                "build each language in one job only")
            else:
                owner[lang] = part
    for lang in settings.languages:
        if lang not in owner:
            problems.append(f"{lang}: in none of the parts: build it with kb build --lang {lang} --site-dir FOLDER")
    head = git.head(settings.root)
    for part in parts:
        if part.commit != head:
            problems.append(f"{part.folder}: built from commit {part.commit[:12] or '(none)'}, "
                            f"this checkout is {head[:12] or '(none)'}: build every part and merge at one commit")
    if problems:
        raise KbError("cannot merge:\n" + "\n".join(problems))
    return owner


def merge(settings: config_mod.Settings, folders: list[Path], out: Path) -> dict[str, Path]:
    """Put the parts' languages into out with the site root; returns where each language came from."""
    out = out.resolve()
    for folder in folders:
        if folder.resolve() == out or out in folder.resolve().parents:
            raise KbError(f"{folder}: is the output folder or inside it: merge into another folder")
    owner = plan(settings, [read_part(folder) for folder in folders])
    clean_scratch(out)  # what a killed merge left
    scratch = scratch_dir(out)
    try:
        for lang in settings.languages:
            shutil.copytree(owner[lang].folder / lang, scratch / lang, symlinks=True, copy_function=_link_or_copy)
        urls = sitemap_urls(settings)
        missing = missing_pages(settings, scratch, urls)
        if missing:
            listed = [f"{lang}: /{lang}/{url} has no page ({owner[lang].folder / lang / url / 'index.html'})"
                      for lang, url in missing[:MAX_LISTED]]
            if len(missing) > MAX_LISTED:
                listed.append(f"... and {len(missing) - MAX_LISTED} more")
            raise KbError("cannot merge: the sitemap and hreflang links would point at pages that do not exist:\n"
                          + "\n".join(listed) + "\nbuild those languages again from this commit")
        write_root(settings, scratch, urls)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    swap_dir(scratch, out)
    return {lang: owner[lang].folder for lang in settings.languages}


def _link_or_copy(source: str, target: str) -> None:
    """A hard link where the part is on the output's file system (most of a merge's time is copying), else a copy.

    Safe to share: kb never writes a published file in place (it writes a new file and renames it,
    or builds a new folder and swaps it in), so neither the part nor the site changes under the other.
    """
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, target)


def _config_name(settings: config_mod.Settings) -> str:
    return settings.config_file.name if settings.config_file else "mkdocs.yml"
