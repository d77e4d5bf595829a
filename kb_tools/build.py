"""kb build: one site per language, built in parallel processes by a builder face, plus the site root.

The builder is a function (config file, language, site folder) -> LanguageBuild that runs in a
worker process; kb_tools.mkdocs.runner.build_language is the MkDocs one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from kb_tools import config as config_mod
from kb_tools import git, i18n, pagecache
from kb_tools.errors import KbError
from kb_tools.fsutil import clean_scratch, prune_empty, scratch_dir, swap_dir, take_spare, write_atomic
from kb_tools.layout import Layout, display, walk_folder
from kb_tools.siteroot import write_root

PART_MANIFEST = "kb-part.json"  # in a part built for kb merge: its languages, commit and builder
STAMP_DIR = ".kb-cache/build"  # <lang>.stamp: the hash of the inputs site/<lang>/ was built from (not published)
TRASH_DIR = ".kb-cache/trash"  # old sites, deleted there by a process kb build does not wait for
SPARE_DIR = ".kb-cache/spare"  # <lang>: the folders of an old site, emptied, for the next build to write in


@dataclass(frozen=True)
class LanguageBuild:
    """How one language's build went."""

    lang: str
    outcome: str  # built, skipped, failed
    seconds: float = 0.0
    message: str = ""  # for failed: why; for built: warnings
    rendered: int = 0  # for built: pages rendered from their Markdown
    reused: int = 0  # for built: pages whose HTML the previous site already had (kb_tools.pagecache)
    keys: pagecache.PageKeys | None = None  # for built: what each page was made from, for the next build
    urls: list[str] | None = None  # for built: what the sitemap lists (siteroot.sitemap_urls), from the build's scan


# (config file, language, site folder, what the previous build left to reuse or None) -> LanguageBuild
Builder = Callable[[str, str, str, "pagecache.Previous | None"], "LanguageBuild"]


def build(config_file: Path, builder: Builder, languages: Iterable[str] = (), force: bool = False, jobs: int = 0,
          on_done: Callable[[LanguageBuild], None] | None = None, part: Path | None = None) -> list[LanguageBuild]:
    """Build site/<lang>/ for each language (all by default) with builder, and the site root; returns each outcome.

    builder must be a module-level function: it runs in another process. Each language is built
    into a scratch folder that replaces site/<lang>/ only once its build succeeded, and the stamp
    is written after that: a build killed half-way leaves the old site and no stamp of the new one.
    Unless force, the builder may reuse pages of the old site/<lang>/ whose page keys are the same;
    the old keys are deleted before the swap and the new ones written after it, so a killed build
    leaves the old site with its keys, or a site with none (its next build renders every page).
    With part, the languages go to part/<lang>/ instead, with a manifest (PART_MANIFEST) in place of
    the site root: one runner's share of a site that kb merge puts together.
    """
    settings = config_mod.load(config_file)
    langs = tuple(languages) or settings.languages
    unknown = [lang for lang in langs if lang not in settings.languages]
    if unknown:
        raise KbError(f"unknown language {unknown[0]!r}: use one of {', '.join(settings.languages)}")
    assert settings.site_dir is not None
    site = (part or settings.site_dir).resolve()
    stamps = inputs_hashes(settings, langs)
    results: list[LanguageBuild] = []
    todo = []
    for lang in langs:
        clean_scratch(site / lang)  # what a killed build left
        if not force and _read_stamp(settings, lang, site) == stamps[lang] and (site / lang).is_dir():
            results.append(LanguageBuild(lang, "skipped", message="inputs unchanged since the last build"))
            if on_done:
                on_done(results[-1])
        else:
            todo.append(lang)
    if not todo:
        _finish(settings, site, part, stamps, results)
        return results  # in the order of langs
    with ProcessPoolExecutor(max_workers=max(1, min(len(todo), jobs or os.cpu_count() or 1))) as pool:
        scratch = {lang: scratch_dir(site / lang) for lang in todo}
        for lang in todo:
            take_spare(_spare_path(settings, lang, site), scratch[lang])
        previous = {lang: None if force else _previous(settings, lang, site) for lang in todo}
        for lang in settings.languages:  # each locale's data loaded once: for the workers (forked) and the root
            i18n.language_name(lang)
        futures = {pool.submit(_build_one, builder, str(config_file), lang, str(scratch[lang]), previous[lang]): lang
                   for lang in todo}
        for future in as_completed(futures):
            lang = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # a crashed worker fails its language alone
                result = LanguageBuild(lang, "failed", message=f"{type(exc).__name__}: {exc}")
            if result.outcome == "built":
                keys = _keys_path(settings, lang, site)
                keys.unlink(missing_ok=True)
                swap_dir(scratch[lang], site / lang, settings.root / TRASH_DIR, _spare_path(settings, lang, site))
                if result.keys is not None:
                    pagecache.save(keys, result.keys)
                _write_stamp(settings, lang, site, stamps[lang])
            else:
                shutil.rmtree(scratch[lang], ignore_errors=True)  # the old site stays
            results.append(result)
            if on_done:
                on_done(result)
        _finish(settings, site, part, stamps, results)  # while the workers exit
    return sorted(results, key=lambda r: langs.index(r.lang))


def _build_one(builder: Builder, config_file: str, lang: str, scratch: str,
               previous: pagecache.Previous | None) -> LanguageBuild:
    """builder's build of lang into scratch, without the spare folders it left empty (in the worker process)."""
    result = builder(config_file, lang, scratch, previous)
    if result.outcome == "built":
        prune_empty(Path(scratch))
    return result


def _finish(settings: config_mod.Settings, site: Path, part: Path | None, stamps: dict[str, str],
            results: list[LanguageBuild]) -> None:
    """Write what spans languages: the site root, or for a part its manifest."""
    if part is None:
        write_root(settings, site, next((r.urls for r in results if r.urls is not None), None))
    else:
        # Complete: built from the inputs as they are now, by this run or an earlier one into the same part.
        done = [lang for lang in settings.languages if (site / lang).is_dir()
                and _read_stamp(settings, lang, site) == (stamps.get(lang) or inputs_hash(settings, lang))]
        write_part_manifest(settings, site, done)


def _stamp_path(settings: config_mod.Settings, lang: str, site: Path) -> Path:
    """Where the stamp of site/<lang>/ is kept: one per site folder, so that a part built elsewhere
    does not make site/<lang>/ look current."""
    assert settings.site_dir is not None
    if site == settings.site_dir.resolve():
        return settings.root / STAMP_DIR / f"{lang}.stamp"
    return settings.root / STAMP_DIR / f"{lang}-{hashlib.sha256(str(site).encode()).hexdigest()[:12]}.stamp"


def _keys_path(settings: config_mod.Settings, lang: str, site: Path) -> Path:
    """Where the page keys of site/<lang>/ are kept: beside its stamp."""
    return _stamp_path(settings, lang, site).with_suffix(".pages.pickle")


def _spare_path(settings: config_mod.Settings, lang: str, site: Path) -> Path:
    """Where the emptied folders of site/<lang>/ wait for its next build (fsutil.take_spare)."""
    return settings.root / SPARE_DIR / _stamp_path(settings, lang, site).stem


def _previous(settings: config_mod.Settings, lang: str, site: Path) -> pagecache.Previous | None:
    """What a build of lang may reuse: site/<lang>/ and the keys of its pages (None when it has none)."""
    keys = pagecache.load(_keys_path(settings, lang, site))
    if keys is None or not (site / lang).is_dir():
        return None
    return pagecache.Previous(str(site / lang), keys)


def _read_stamp(settings: config_mod.Settings, lang: str, site: Path) -> str | None:
    """The inputs hash the complete site of lang was built from (None if it has none)."""
    try:
        return _stamp_path(settings, lang, site).read_text()
    except OSError:
        return None


def _write_stamp(settings: config_mod.Settings, lang: str, site: Path, value: str) -> None:
    """Record that the site of lang is complete and was built from inputs with hash value."""
    write_atomic(_stamp_path(settings, lang, site), value)


def is_current(settings: config_mod.Settings, lang: str) -> bool:
    """Whether site/<lang>/ was built from the inputs as they are now."""
    assert settings.site_dir is not None
    return _read_stamp(settings, lang, settings.site_dir.resolve()) == inputs_hash(settings, lang)


def write_part_manifest(settings: config_mod.Settings, part: Path, languages: list[str]) -> None:
    """part/kb-part.json: the languages complete in the part, and the commit and builder they were built from."""
    manifest = {"languages": languages, "commit": git.head(settings.root),
                "builder": os.environ.get("KB_BUILDER") or "mkdocs"}
    write_atomic(part / PART_MANIFEST, json.dumps(manifest, indent=2) + "\n")


def inputs_hash(settings: config_mod.Settings, lang: str) -> str:
    """A hash of everything a language's site is made from: an equal hash means nothing to rebuild."""
    return inputs_hashes(settings, (lang,))[lang]


def inputs_hashes(settings: config_mod.Settings, langs: Iterable[str]) -> dict[str, str]:
    """inputs_hash of each language, each file listed once: the articles of the language and of the source
    language, what every page is made from (shared_inputs_hash) and git's HEAD (stale notices and dates)."""
    layout, source = Layout(settings), settings.source_language
    common, head = _common_hash(settings), git.head(settings.root)
    articles: dict[str, str] = {}
    hashes = {}
    for lang in langs:
        for other in (lang, source):
            if other not in articles:
                articles[other] = _stats_hash(sorted((path, entry.path) for entry, _rel, path in layout.walk(other)))
        own = articles[lang] if lang == source else articles[lang] + articles[source]
        hashes[lang] = _hash(common, _locale_hash(settings, lang), own, head, os.environ.get("KB_BUILDER", "mkdocs"))
    return hashes


def shared_inputs_hash(settings: config_mod.Settings, lang: str) -> str:
    """A hash of what every page of a language's site is made from, the articles and git's HEAD left out:
    templates, catalogs, kb's settings and code, snapshots (a part of every page key)."""
    return _hash(_common_hash(settings), _locale_hash(settings, lang), os.environ.get("KB_BUILDER", "mkdocs"))


def _common_hash(settings: config_mod.Settings) -> str:
    """The files every language's site is made from, its articles and catalogs left out."""
    root = settings.root
    files = [settings.config_file or root / "mkdocs.yml", *sorted((root / "locales").glob("*.yml"))]
    named = [(display(root, path), str(path)) for path in files]
    for folder in (root / "overrides", Path(__file__).parent, root / "locales" / "snapshots",  # stale pages show
                   root / "search" / "synonyms", root / "search" / "stopwords"):             # changed blocks
        named += _folder_files(root, folder)
    return _stats_hash(named)


def _locale_hash(settings: config_mod.Settings, lang: str) -> str:
    return _stats_hash(_folder_files(settings.root, settings.root / "locales" / lang))


def _folder_files(root: Path, folder: Path) -> list[tuple[str, str]]:
    """(name relative to root, path) of every file under folder, sorted, bytecode caches left out."""
    return sorted((display(root, Path(entry.path)), entry.path) for entry, rel in walk_folder(folder)
                  if "__pycache__" not in rel)


def _stats_hash(files: Iterable[tuple[str, str]]) -> str:
    """A hash of each file's name (as given: relative to the root, so a copy keeps its keys), size and mtime."""
    digest = hashlib.sha256()
    for name, path in files:
        try:
            stat = os.stat(path)
        except OSError:  # a broken symlink: the scan reports it
            continue
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
