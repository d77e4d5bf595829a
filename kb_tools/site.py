"""kb build and kb serve: one MkDocs site per language, built in parallel, plus the site root.

Each language is a plain MkDocs build of the one mkdocs.yml with the kb plugin's `language` set
and its own site_dir: no recursive builds, no patched MkDocs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment, PackageLoader, select_autoescape

from kb_tools import config as config_mod
from kb_tools import content, i18n
from kb_tools.errors import ConfigError, KbError
from kb_tools.fsutil import write_atomic
from kb_tools.publish import page_url

STAMP = ".kb-build"  # in site/<lang>/: the hash of the inputs it was built from


@dataclass(frozen=True)
class LanguageBuild:
    """How one language's build went."""

    lang: str
    outcome: str  # built, skipped, failed
    seconds: float = 0.0
    message: str = ""  # for failed: why; for built: warnings


def build(config_file: Path, languages: Iterable[str] = (), force: bool = False, jobs: int = 0,
          on_done: Callable[[LanguageBuild], None] | None = None) -> list[LanguageBuild]:
    """Build site/<lang>/ for each language (all by default) and the site root; returns each outcome."""
    settings = config_mod.load(config_file)
    langs = tuple(languages) or settings.languages
    unknown = [lang for lang in langs if lang not in settings.languages]
    if unknown:
        raise KbError(f"unknown language {unknown[0]!r}: use one of {', '.join(settings.languages)}")
    assert settings.site_dir is not None
    site = settings.site_dir.resolve()
    stamps = {lang: inputs_hash(settings, lang) for lang in langs}
    results: list[LanguageBuild] = []
    todo = []
    for lang in langs:
        stamp = site / lang / STAMP
        if not force and stamp.exists() and stamp.read_text() == stamps[lang]:
            results.append(LanguageBuild(lang, "skipped", message="inputs unchanged since the last build"))
            if on_done:
                on_done(results[-1])
        else:
            todo.append(lang)
    workers = max(1, min(len(todo), jobs or os.cpu_count() or 1))
    if todo:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(build_language, str(config_file), lang, str(site / lang)): lang for lang in todo}
            for future in as_completed(futures):
                lang = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # a crashed worker fails its language alone
                    result = LanguageBuild(lang, "failed", message=f"{type(exc).__name__}: {exc}")
                if result.outcome == "built":
                    write_atomic(site / lang / STAMP, stamps[lang])
                results.append(result)
                if on_done:
                    on_done(result)
    write_root(settings, site)
    return sorted(results, key=lambda r: langs.index(r.lang))


def build_language(config_file: str, lang: str, site_dir: str) -> LanguageBuild:
    """One MkDocs build of one language (runs in a worker process)."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import MkDocsException

    warnings = _WarningCollector()
    logging.getLogger("mkdocs").addHandler(warnings)
    start = time.perf_counter()
    try:
        mkdocs_build(load_language_config(config_file, lang, site_dir=site_dir))
    except (MkDocsException, OSError, KbError) as exc:
        # MkDocs logs the cause and raises a bare "Aborted with a BuildError!": report the cause.
        errors = [m for level, m in warnings.records if level >= logging.ERROR] or [str(exc)]
        return LanguageBuild(lang, "failed", time.perf_counter() - start, "\n".join(errors))
    finally:
        logging.getLogger("mkdocs").removeHandler(warnings)
    return LanguageBuild(lang, "built", time.perf_counter() - start, "\n".join(m for _, m in warnings.records))


def load_language_config(config_file: str, lang: str, **overrides: Any) -> Any:
    """The MkDocs config of one language: mkdocs.yml with plugins.kb.language set."""
    from mkdocs.config import load_config

    return load_config(config_file, plugins=language_plugins(config_file, lang), **overrides)


def language_plugins(config_file: str, lang: str) -> list[Any]:
    """mkdocs.yml's plugins, with the kb plugin's language set."""
    from mkdocs.utils.yaml import yaml_load

    with open(config_file, "rb") as handle:
        raw = yaml_load(handle) or {}
    plugins = []
    for plugin in raw.get("plugins") or []:
        if plugin == "kb":
            plugin = {"kb": {}}
        if isinstance(plugin, dict) and "kb" in plugin:
            plugin = {"kb": {**(plugin["kb"] or {}), "language": lang}}
        plugins.append(plugin)
    if not any(isinstance(p, dict) and "kb" in p for p in plugins):
        raise KbError(f"{config_file}: no kb plugin: add `plugins: [kb]` to it")
    return plugins


def inputs_hash(settings: config_mod.Settings, lang: str) -> str:
    """A hash of everything a language's site is made from: an equal hash means nothing to rebuild."""
    digest = hashlib.sha256()
    folders = [settings.docs_dir / lang, settings.docs_dir / settings.source_language,
               settings.root / "overrides", settings.root / "locales" / lang, Path(__file__).parent]
    files = [settings.root / "mkdocs.yml", *sorted((settings.root / "locales").glob("*.yml"))]
    for folder in folders:
        if folder.is_dir():
            files += sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=settings.root, capture_output=True, text=True)
    digest.update(head.stdout.encode())  # stale notices and dates come from git history
    return digest.hexdigest()


def write_root(settings: config_mod.Settings, site: Path) -> None:
    """site/index.html (languages in their own names, sends a browser to its language),
    site/404.html and site/sitemap.xml with xhtml:link alternates."""
    env = Environment(loader=PackageLoader("kb_tools"), autoescape=select_autoescape())
    languages = [(lang, i18n.language_name(lang)) for lang in settings.languages]
    site_url = settings.site_url.rstrip("/")
    for name in ("index.html", "404.html"):
        html = env.get_template("root.html").render(
            languages=languages, source=settings.source_language, site_name=settings.site_name,
            site_url=site_url, not_found=name == "404.html",
            not_found_texts=[(lang, _not_found(settings.root, lang)) for lang in settings.languages])
        write_atomic(site / name, html)
    center = content.scan(settings, blocks=False)
    urls = sorted(page_url(rel) for rel in center.docs[settings.source_language])
    base = f"{site_url}/" if site_url else ""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    for url in urls:
        for lang in settings.languages:
            lines.append(f"  <url><loc>{escape(f'{base}{lang}/{url}')}</loc>")
            lines += [f'    <xhtml:link rel="alternate" hreflang="{other}" href="{escape(f"{base}{other}/{url}")}"/>'
                      for other in settings.languages]
            lines.append(f'    <xhtml:link rel="alternate" hreflang="x-default" '
                         f'href="{escape(f"{base}{settings.source_language}/{url}")}"/>')
            lines.append("  </url>")
    lines.append("</urlset>\n")
    write_atomic(site / "sitemap.xml", "\n".join(lines))


def _not_found(root: Path, lang: str) -> str:
    try:
        return i18n.translations(root, lang).gettext("Page not found")
    except ConfigError:  # the language's build reports its broken catalog
        return "Page not found"


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelno, record.getMessage()))
