"""The MkDocs face of kb: `plugins: [kb]` in mkdocs.yml publishes one language of the help center.

Every rule about what a reader sees is the core's (kb_tools.edition); this plugin only maps MkDocs
events onto one language's edition. kb build runs one MkDocs build per language with `language`
set; `mkdocs build` or `mkdocs serve` alone publish the source language.
"""

from __future__ import annotations

import html
import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from jinja2 import Environment
from mkdocs.config import base
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from kb_tools import checks, config, edition, i18n, webindex
from kb_tools.errors import KbError
from kb_tools.layout import Layout
from kb_tools.scan import scan

log = logging.getLogger("mkdocs.plugins.kb")  # under "mkdocs": MkDocs shows it, and kb build reports it
FALLBACK = "kb-fallback"  # the Material page status of a page shown in the source language


class _Raw(base.BaseConfigOption[Any]):
    """Any value: the core validates the kb options (kb_tools.config.OPTIONS), every error at once."""

    def __init__(self, default: Any) -> None:
        super().__init__()
        self.default = default

    def run_validation(self, value: object) -> Any:
        return value


class KbPluginConfig(base.Config):
    """The kb options of mkdocs.yml, declared once in kb_tools.config.OPTIONS."""


for _option in config.OPTIONS:
    setattr(KbPluginConfig, _option.name, _Raw(_option.default))
KbPluginConfig.__init_subclass__()  # register the options set above, as a class body would


class KbPlugin(BasePlugin[KbPluginConfig]):
    """Publishes docs/<language>/ with fallbacks, notices, translated UI and kb's in-browser search."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        """Validate the kb options with the core's rules, compute the edition, point MkDocs at it."""
        self.root = Path(config.config_file_path or "mkdocs.yml").resolve().parent
        docs_root = Path(config.docs_dir)
        try:
            self.settings = config_from(self.root, str(docs_root), dict(self.config), config)
            lang = self.lang = self.settings.language or self.settings.source_language
            self.edition = edition.compute(scan(self.settings), lang, related=self.settings.related)
        except KbError as exc:
            raise PluginError(str(exc)) from None
        config.docs_dir = str(Layout(self.settings).home(lang))  # what MkDocs walks; on_files keeps what is ours
        config.theme["language"] = lang
        if config.site_url:
            config.site_url = f"{config.site_url.rstrip('/')}/{lang}/"
        # Material's header includes partials/alternate.html when extra.alternate is true; ours links
        # each page to the same page in each language. Not a list, so that Material's head does not
        # also link every language's home as an alternate of every page (main.html links the page).
        # kb's templates are in the help center's overrides/ (theme.custom_dir); without them MkDocs
        # builds plain Material pages.
        self.has_template = {name: any((Path(d) / name).exists() for d in config.theme.dirs[:-2])
                             for name in ("home.html", "partials/alternate.html")}
        if self.has_template["partials/alternate.html"]:
            config.extra["alternate"] = True
        config.extra["kb_languages"] = [(other, i18n.language_name(other)) for other in self.settings.languages]
        # Material marks a nav entry whose page has meta.status with a badge titled extra.status[status]:
        # pages shown in the source language get one, named in the reader's language (on_page_markdown).
        config.extra["status"] = {**(config.extra.get("status") or {}),
                                  FALLBACK: i18n.language_name(self.settings.source_language, lang)}
        toc = config.mdx_configs.get("toc")
        if isinstance(toc, dict) and toc.get("permalink"):
            toc.setdefault("permalink_title", self.edition.gettext(edition.PERMALINK_TITLE))
        config.site_name = html.escape(self.edition.site_name or config.site_name or "")  # text, as titles are
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        """Publish exactly the edition's pages and assets, each from its own file: fallbacks, no orphans.

        MkDocs found its files by walking the language's folder on its own, following every symlink;
        only what the core's scan accepted is published, from the file the layout says: no file that
        is not valid Markdown text, no symlink out of docs/ or in a loop, no other language's file.
        """
        wanted = {rel: page.file for rel, page in self.edition.pages.items()}
        wanted.update(sorted(self.edition.assets.items()))  # pages first, in the edition's order: the nav's
        for file in list(files):
            if file.src_dir != config.docs_dir:  # the theme's files
                continue
            path = wanted.get(file.src_uri)
            if path is None or file.abs_src_path != os.path.normpath(path):
                files.remove(file)
        for reason in sorted(self.edition.left_out.values()):
            log.warning(f"{reason} (left out of the {self.lang} site)")
        for rel, path in wanted.items():
            if files.get_file_from_path(rel) is None:
                files.append(_file(rel, path, config))
        for rel, generated in sorted(self.edition.generated().items()):  # pages kb writes: verify, categories
            files.append(File.generated(config, rel, content=generated.text()))
            for asset, path in generated.assets:
                if files.get_file_from_path(asset) is None:
                    files.append(File.generated(config, asset, abs_src_path=str(path)))
        return files

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation | None:
        """Name the category sections in the reader's language, in the order of helpcenter.yml."""
        categories = self.edition.data.categories
        order = list(categories)
        for item in nav.items:
            if isinstance(item, Section):
                folder = _folder(item)
                if folder in categories:
                    item.title = categories[folder]
        nav.items.sort(key=lambda item: order.index(_folder(item)) if _folder(item) in order else -1)
        return nav

    def on_env(self, env: Environment, /, *, config: MkDocsConfig, files: Files) -> Environment | None:
        """Our templates' strings come from the Babel catalog of this language."""
        env.add_extension("jinja2.ext.i18n")
        env.install_gettext_translations(self.edition.translations, newstyle=True)  # type: ignore[attr-defined]
        return env

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        """The edition's Markdown: source anchors and translated admonition titles for translations."""
        rel = page.file.src_uri
        # MkDocs renders templates without autoescaping, and Material puts page.meta.title and
        # .description into the nav, header, <title> and <meta> as they are: a title is text, so
        # it goes in escaped (set here, before any page is rendered, so every nav shows it so).
        for key in ("title", "description"):
            if isinstance(page.meta.get(key), str):
                page.meta[key] = html.escape(page.meta[key])
        template = page.meta.get("template")
        if template and not checks.has_template(str(template), self.settings.template_folders()):
            # A template the theme lacks would stop the whole language; kb check reports it as an error.
            log.warning(f"{page.file.src_uri}: template '{template}' is not in the theme: built with the default "
                        f"template (kb check reports it)")
            del page.meta["template"]
        if rel == "index.md" and self.has_template["home.html"]:
            page.meta.setdefault("template", "home.html")
        if rel not in self.edition.pages:
            return markdown
        if self.edition.badge(rel):
            page.meta["status"] = FALLBACK
        return self.edition.markdown(rel, markdown)

    def on_page_context(self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig,
                        nav: Navigation) -> TemplateContext | None:
        """What our templates show: notice, fallback language, alternates, dates, contact data."""
        context["kb"] = self.edition.context(page.file.src_uri)  # type: ignore[typeddict-unknown-key]
        return context

    def on_template_context(self, context: TemplateContext, /, *, template_name: str,
                            config: MkDocsConfig) -> TemplateContext | None:
        """The 404 page (a theme template, not a page) gets kb's context too: its language list and switcher."""
        if template_name == "404.html":
            context["kb"] = self.edition.context("404.html")  # type: ignore[typeddict-unknown-key]
        return context

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Write the site's search index (kb_tools/webindex.py) next to its pages."""
        if self.settings.search:
            try:
                webindex.write(self.edition, Path(config.site_dir))
            except KbError as exc:
                raise PluginError(str(exc)) from None


def config_from(root: Path, docs_dir: str, options: dict[str, Any], mkdocs_config: MkDocsConfig) -> config.Settings:
    """The core's settings from the plugin's options and MkDocs' own config."""
    settings = config.from_mapping(root, docs_dir, options)
    return replace(settings, site_name=mkdocs_config.site_name or "", site_url=mkdocs_config.site_url or "",
                   config_file=Path(mkdocs_config.config_file_path or root / "mkdocs.yml"),
                   templates=tuple(Path(folder) for folder in mkdocs_config.theme.dirs))


def _file(rel: str, path: Path, config: MkDocsConfig) -> File:
    """The MkDocs file that publishes path as rel: from its folder when the name is the same, else by its path."""
    if path.as_posix().endswith(f"/{rel}"):
        folder = path.as_posix()[: -len(rel) - 1]
        return File(rel, folder, config.site_dir, config.use_directory_urls)
    return File.generated(config, rel, abs_src_path=str(path))  # a suffixed file: x.zh.md published as x.md


def _folder(item: Any) -> str:
    """The docs folder a nav section stands for ('' for a page)."""
    if isinstance(item, Page):
        return ""
    for child in item.children or []:
        if isinstance(child, Page):
            return child.file.src_uri.split("/")[0]
        folder = _folder(child)
        if folder:
            return folder
    return ""
