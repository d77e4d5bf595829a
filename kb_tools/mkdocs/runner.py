"""Run MkDocs for one language: the plain MkDocs build of the one mkdocs.yml with the kb plugin's `language`
set and its own site_dir (no recursive builds, no patched MkDocs), and the live preview.

KB_BUILDER=properdocs runs the same code on ProperDocs, the maintained fork of MkDocs 1.x: its import hook
makes every mkdocs.* import, kb's plugin's and Material's alike, load the matching properdocs.* module.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import time
from typing import Any

from kb_tools import pagecache
from kb_tools.build import LanguageBuild
from kb_tools.errors import KbError
from kb_tools.siteroot import sitemap_urls

BUILDERS = ("mkdocs", "properdocs")  # the values of KB_BUILDER
LOGGERS = ("mkdocs", "properdocs")  # ProperDocs logs under its own name, Material and plugins under mkdocs.*
DIRTY_WARNING = "A 'dirty' build is being performed"  # MkDocs' warning of every dirty build


def choose_builder() -> None:
    """Make mkdocs.* imports load ProperDocs when KB_BUILDER=properdocs (call before any of them)."""
    builder = os.environ.get("KB_BUILDER") or "mkdocs"
    if builder not in BUILDERS:
        raise KbError(f"KB_BUILDER={builder}: unknown builder: use {' or '.join(BUILDERS)}")
    if builder == "mkdocs":
        return
    loaded = sys.modules.get("mkdocs")
    if loaded is not None and loaded.__name__ != "properdocs":
        # Modules already loaded from MkDocs would mix their classes with ProperDocs' ones.
        raise KbError("KB_BUILDER=properdocs: MkDocs was already imported in this process: "
                      "set KB_BUILDER before starting Python")
    try:
        importlib.import_module("properdocs.replacement")  # importing it installs the hook
    except ImportError:
        raise KbError("KB_BUILDER=properdocs: ProperDocs is not installed: "
                      "pip install 'kb-tools[properdocs]'") from None


def build_language(config_file: str, lang: str, site_dir: str,
                   previous: pagecache.Previous | None = None) -> LanguageBuild:
    """One MkDocs build of one language (runs in a worker process), reusing what it can of previous."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    try:
        choose_builder()
    except KbError as exc:
        return LanguageBuild(lang, "failed", 0.0, str(exc))
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import MkDocsException

    warnings = _WarningCollector()
    for logger in LOGGERS:
        logging.getLogger(logger).addHandler(warnings)
        logging.getLogger(f"{logger}.commands.build").addFilter(_not_dirty_warning)
    start = time.perf_counter()
    try:
        config = load_language_config(config_file, lang, site_dir=site_dir)
        plugin = config.plugins["kb"]
        # Another plugin may gather every page's content (a search index, a blog): it would miss reused pages.
        plugin.previous = previous if set(config.plugins) == {"kb"} else None
        # Dirty: MkDocs neither reads nor builds the pages the plugin reused (it cleans no folder either: site_dir
        # is a new one).
        mkdocs_build(config, dirty=plugin.previous is not None)
    except (MkDocsException, OSError, KbError) as exc:
        # MkDocs logs the cause and raises a bare "Aborted with a BuildError!": report the cause.
        errors = [m for level, m in warnings.records if level >= logging.ERROR] or [str(exc)]
        return LanguageBuild(lang, "failed", time.perf_counter() - start, "\n".join(errors))
    finally:
        for logger in LOGGERS:
            logging.getLogger(logger).removeHandler(warnings)
            logging.getLogger(f"{logger}.commands.build").removeFilter(_not_dirty_warning)
    return LanguageBuild(lang, "built", time.perf_counter() - start, "\n".join(m for _, m in warnings.records),
                         rendered=plugin.rendered, reused=plugin.reused, keys=plugin.keys,
                         urls=sitemap_urls(plugin.settings, plugin.edition.center))


def load_language_config(config_file: str, lang: str, **overrides: Any) -> Any:
    """The MkDocs config of one language: mkdocs.yml with plugins.kb.language set."""
    choose_builder()
    from mkdocs.config import load_config

    return load_config(config_file, plugins=language_plugins(config_file, lang), **overrides)


def language_plugins(config_file: str, lang: str) -> list[Any]:
    """mkdocs.yml's plugins, with the kb plugin's language set."""
    choose_builder()
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


def serve(config_file: str, lang: str, dev_addr: str, watch: list[str]) -> None:
    """Preview one language with live reload."""
    choose_builder()
    from mkdocs.commands.serve import serve as mkdocs_serve

    mkdocs_serve(config_file, livereload=True, watch=watch, dev_addr=dev_addr,
                 plugins=language_plugins(config_file, lang))


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelno, record.getMessage()))


def _not_dirty_warning(record: logging.LogRecord) -> bool:
    """Drops MkDocs' warning of a dirty build (it is about `mkdocs build --dirty`; kb's reuse is made for it),
    so that strict mode does not count it."""
    return not record.getMessage().startswith(DIRTY_WARNING)
