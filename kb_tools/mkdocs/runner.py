"""Run MkDocs for one language: the plain MkDocs build of the one mkdocs.yml with the kb plugin's `language`
set and its own site_dir (no recursive builds, no patched MkDocs), and the live preview."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from kb_tools.build import LanguageBuild
from kb_tools.errors import KbError


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


def serve(config_file: str, lang: str, dev_addr: str, watch: list[str]) -> None:
    """Preview one language with live reload."""
    from mkdocs.commands.serve import serve as mkdocs_serve

    mkdocs_serve(config_file, livereload=True, watch=watch, dev_addr=dev_addr,
                 plugins=language_plugins(config_file, lang))


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelno, record.getMessage()))
