"""The MkDocs face of kb: `plugins: [kb]` in mkdocs.yml publishes one language of the help center.

Every rule about what a reader sees is the core's (kb_tools.edition); this plugin only maps MkDocs
events onto one language's edition. kb build runs one MkDocs build per language with `language`
set; `mkdocs build` or `mkdocs serve` alone publish the source language.
"""

from __future__ import annotations

import functools
import html
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import Any

import mkdocs
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader
from mkdocs.config import base
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Link, Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.utils import meta
from mkdocs.utils.templates import TemplateContext

from kb_tools import build, checks, config, edition, frontmatter, i18n, pagecache, webindex
from kb_tools.cache import CACHE_DIR
from kb_tools.errors import KbError
from kb_tools.fsutil import hard_link, unpack_spare
from kb_tools.layout import Layout
from kb_tools.scan import scan

log = logging.getLogger("mkdocs.plugins.kb")  # under "mkdocs": MkDocs shows it, and kb build reports it
FALLBACK = "kb-fallback"  # the Material page status of a page shown in the source language
LIBRARIES = ("mkdocs-material", "markdown", "pymdown-extensions", "babel")  # what pages are made with, besides MkDocs
EDITION_WIDE = ("data", "categories", "languages", "promoted")  # of every page's kb context, the same on every page


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
    """Publishes docs/<language>/ with fallbacks, notices, translated UI and kb's in-browser search.

    Set previous (kb build's runner does, and builds with MkDocs' dirty flag) to reuse the pages of the last
    build that are made from the same inputs (kb_tools.pagecache): their HTML is linked from the last site and
    MkDocs skips them. After a build, keys holds this build's and rendered and reused count them.
    """

    previous: pagecache.Previous | None = None
    keys: pagecache.PageKeys | None = None
    rendered = 0
    reused = 0

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        """Validate the kb options with the core's rules, compute the edition, point MkDocs at it."""
        self.root = Path(config.config_file_path or "mkdocs.yml").resolve().parent
        self.rendered = self.reused = 0
        self._contexts: dict[str, dict[str, Any]] = {}  # src path -> the page's kb context
        self._content_keys: dict[str, str] = {}  # src path -> what its HTML body is made from
        self._unread: set[str] = set()  # src paths of pages not read: their HTML body is made from the same as before
        self._meta: dict[str, dict[str, Any]] = {}  # src path -> its front matter, read by on_page_read_source
        self._own_meta = list(config.plugins) == ["kb"]  # no other plugin sees a page before on_page_markdown
        docs_root = Path(config.docs_dir)
        try:
            self.settings = config_from(self.root, str(docs_root), dict(self.config), config)
            lang = self.lang = self.settings.language or self.settings.source_language
            self.edition = edition.compute(scan(self.settings, packed=True), lang, related=self.settings.related)
        except KbError as exc:
            raise PluginError(str(exc)) from None
        config.docs_dir = str(Layout(self.settings).home(lang))  # what MkDocs walks; on_files keeps what is ours
        config.theme.get_env = functools.partial(_theme_env, config.theme.get_env)  # type: ignore[method-assign]
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
        # What every page is made from, the articles and git left out: templates, catalogs, settings, code.
        self._shared = pagecache.digest(build.shared_inputs_hash(self.settings, lang), lang, mkdocs.__version__,
                                        [metadata.version(name) for name in LIBRARIES],
                                        os.environ.get("KB_BUILDER", "mkdocs"),
                                        [sorted((p.relative_to(d).as_posix(), p.stat().st_mtime_ns)
                                                for p in Path(d).rglob("*") if p.is_file())
                                         for d in config.theme.dirs[:-2]])  # overrides; Material's: its version
        home = self.edition.context("index.md")
        self._shared = pagecache.digest(self._shared, [home[key] for key in EDITION_WIDE])  # hashed once, not per page
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        """Publish exactly the edition's pages and assets, each from its own file: fallbacks, no orphans.

        MkDocs found its files by walking the language's folder on its own, following every symlink;
        only what the core's scan accepted is published, from the file the layout says: no file that
        is not valid Markdown text, no symlink out of docs/ or in a loop, no other language's file.
        MkDocs has emptied site_dir by now: the folders kb build kept of the last site go in it.
        """
        unpack_spare(Path(config.site_dir))
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
        # Links are resolved against the site's files: a page converts alike while they are the same.
        self._files = pagecache.digest(sorted((f.src_uri, f.dest_uri, f.url) for f in files))
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
        self._nav = nav
        self._leave_unread(config, files)
        return nav

    def _leave_unread(self, config: MkDocsConfig, files: Files) -> None:
        """Pages whose HTML body is made from the same inputs as before are not read (MkDocs' dirty build skips
        them): their metadata is the last build's, for the navigation; _plan_reuse reads them if it changed.

        Not when a link to a missing anchor is a warning: the check reads the anchors of converted pages.
        """
        if self.previous is None or config.validation.links.anchors >= logging.WARNING:
            return
        previous, metas = self.previous.keys.pages, self.previous.keys.metas
        for file in files.documentation_pages():
            last, meta = previous.get(file.src_uri), metas.get(file.src_uri)
            if file.page is None or not last or not meta or "title" not in meta:
                continue
            if last[0] == self._content_key(file):
                file.page.meta, file.page.markdown = meta, ""  # titled by its metadata, like the last build's
                file.is_modified = _not_modified  # type: ignore[method-assign]
                self._unread.add(file.src_uri)

    def on_env(self, env: Environment, /, *, config: MkDocsConfig, files: Files) -> Environment | None:
        """Our templates' strings come from the Babel catalog of this language."""
        env.add_extension("jinja2.ext.i18n")
        env.install_gettext_translations(self.edition.translations, newstyle=True)  # type: ignore[attr-defined]
        # Templates compiled once, not by every build (a cached one is used only while its source is the same).
        compiled = self.root / CACHE_DIR / "jinja"
        try:
            compiled.mkdir(parents=True, exist_ok=True)
            env.bytecode_cache = FileSystemBytecodeCache(str(compiled))
        except OSError:  # a read-only help center builds without it
            pass
        self._plan_reuse(config, files)
        return env

    def _plan_reuse(self, config: MkDocsConfig, files: Files) -> None:
        """Once every page's title is known: which pages the previous site has, linked from it; the others built.

        A page is reused when its page key is the one stored: its content key and the navigation every
        page shows (titles, urls, levels and the metadata Material shows in it) are as before.
        """
        nav = pagecache.digest(_nav_entries(self._nav.items, 0))
        previous = self.previous.keys.pages if self.previous else {}
        pages: dict[str, tuple[str, str]] = {}
        metas: dict[str, Any] = {}
        for file in files.documentation_pages():
            page, src = file.page, file.src_uri
            if page is None or src not in self._content_keys:
                continue
            pages[src] = (self._content_keys[src], pagecache.digest(self._content_keys[src], nav))
            metas[src] = page.meta
            if previous.get(src) == pages[src] and self._link_previous(file):
                file.is_modified = _not_modified  # type: ignore[method-assign]  # MkDocs' dirty build skips it
                self.reused += 1
            elif src in self._unread:  # the navigation changed (or its old HTML is gone): read and convert it now
                del file.is_modified  # MkDocs builds it
                self._unread.discard(src)
                _populate(page, config, files)
        self.keys = pagecache.PageKeys(nav, pages, metas=metas)

    def _link_previous(self, file: File) -> bool:
        """Whether the page's HTML in the new site is now the previous site's (linked, or copied)."""
        if self.previous is None:
            return False
        html_file, dest = os.path.join(self.previous.site, file.dest_uri), file.abs_dest_path
        if hard_link(html_file, dest):
            return True
        try:
            shutil.copyfile(html_file, dest)
            return True
        except OSError:  # gone (someone deleted it): the page is built
            return False

    def on_page_read_source(self, /, *, page: Page, config: MkDocsConfig) -> str | None:
        """A page's source, its front matter read here when kb reads it as MkDocs would (read_front_matter):
        MkDocs gets the body alone and on_page_markdown sets page.meta."""
        if not self._own_meta:
            return None
        try:
            source = page.file.content_string
        except (OSError, ValueError):
            return None  # MkDocs reads it again and says what is wrong
        read = read_front_matter(source)
        if read is None:
            return source
        self._meta[page.file.src_uri], body = read
        return body

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        """The Markdown the edition publishes (_convert_or_not), the page's title escaped, its template checked."""
        rel = page.file.src_uri
        if rel in self._meta:
            page.meta = self._meta.pop(rel)
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
        self._content_key(page.file)
        if rel in self.edition.pages:
            if self.edition.badge(rel):
                page.meta["status"] = FALLBACK
            return self.edition.markdown(rel, markdown)
        return markdown

    def _content_key(self, file: File) -> str:
        """What a page's HTML body is made from, hashed, known before MkDocs reads the page: the inputs every page
        shares, the site's files, the page's own kb context and what its Markdown and metadata are made from:
        for an article, its file's bytes and the edition's plan (Edition.markdown_key), else its text.
        """
        src = file.src_uri
        context = self._contexts[src] = self.edition.context(src)
        own = {key: value for key, value in context.items() if key not in EDITION_WIDE}
        made_from = self.edition.markdown_key(src) if src in self.edition.pages else file.content_string
        key = self._content_keys[src] = pagecache.digest(self._shared, self._files, src, made_from, own)
        return key

    def on_page_context(self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig,
                        nav: Navigation) -> TemplateContext | None:
        """What our templates show: notice, fallback language, alternates, dates, contact data."""
        src = page.file.src_uri
        context["kb"] = self._contexts.get(src) or self.edition.context(src)  # type: ignore[typeddict-unknown-key]
        return context

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        """Count the pages rendered (a reused one is not built: _plan_reuse)."""
        self.rendered += 1
        return output

    def on_template_context(self, context: TemplateContext, /, *, template_name: str,
                            config: MkDocsConfig) -> TemplateContext | None:
        """The 404 page (a theme template, not a page) gets kb's context too: its language list and switcher."""
        if template_name == "404.html":
            context["kb"] = self.edition.context("404.html")  # type: ignore[typeddict-unknown-key]
        return context

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Write the site's search index (kb_tools/webindex.py) next to its pages, linking what the last site has."""
        if self.settings.search:
            last = self.previous
            previous = {key: os.path.join(last.site, path) for path, key in last.keys.files.items()} if last else {}
            try:
                files = webindex.write(self.edition, Path(config.site_dir), previous, self._shared)
            except KbError as exc:
                raise PluginError(str(exc)) from None
            if self.keys is not None:
                self.keys = replace(self.keys, files=files)


def config_from(root: Path, docs_dir: str, options: dict[str, Any], mkdocs_config: MkDocsConfig) -> config.Settings:
    """The core's settings from the plugin's options and MkDocs' own config."""
    settings = config.from_mapping(root, docs_dir, options)
    return replace(settings, site_name=mkdocs_config.site_name or "", site_url=mkdocs_config.site_url or "",
                   config_file=Path(mkdocs_config.config_file_path or root / "mkdocs.yml"),
                   templates=tuple(Path(folder) for folder in mkdocs_config.theme.dirs))


def read_front_matter(source: str) -> tuple[dict[str, Any], str] | None:
    """(front matter, a source without it) when source's front matter is plain `key: value` lines; else None.

    kb's reader (frontmatter.simple) reads those as MkDocs' YAML does, several times faster. MkDocs
    finds no front matter in the source returned (it starts with a blank line) and keeps its body as
    it would have; None leaves everything else to MkDocs: other YAML, line breaks with CR, no front matter.
    """
    found = meta.YAML_RE.match(source)
    data = frontmatter.simple(found[1][:-1]) if found and "\r" not in source else None
    return None if found is None or data is None else (data, "\n" + source[found.end():])


class _ThemeLoader(FileSystemLoader):
    """The theme's templates, listed without what is in a dot folder or file.

    MkDocs lists every file of the theme's folders to find its static files (add_files_from_theme),
    and keeps none of those: Material's 10,000 icons (.icons/) made that a tenth of a build's time
    after one edit. Templates load as they do from any FileSystemLoader.
    """

    def list_templates(self) -> list[str]:
        found: set[str] = set()
        for folder in self.searchpath:
            for path, folders, files in os.walk(folder, followlinks=self.followlinks):
                folders[:] = [name for name in folders if not name.startswith(".")]
                prefix = os.path.relpath(path, folder).replace(os.path.sep, "/")
                found.update(name if prefix == "." else f"{prefix}/{name}" for name in files if name[:1] != ".")
        return sorted(found)


def _theme_env(get_env: Callable[[], Environment]) -> Environment:
    """The theme's Jinja environment (MkDocs' Theme.get_env), listing its templates with _ThemeLoader."""
    env = get_env()
    if type(env.loader) is FileSystemLoader:
        env.loader = _ThemeLoader(env.loader.searchpath, followlinks=env.loader.followlinks)
    return env


def _not_modified() -> bool:
    """File.is_modified of a reused page: MkDocs' dirty build neither reads nor builds it."""
    return False


def _populate(page: Page, config: MkDocsConfig, files: Files) -> None:
    """What MkDocs does to read a page and convert its Markdown (its _populate_page), for one it skipped."""
    page = config.plugins.on_pre_page(page, config=config, files=files)
    page.read_source(config)
    page.markdown = config.plugins.on_page_markdown(page.markdown or "", page=page, config=config, files=files)
    page.render(config, files)
    page.content = config.plugins.on_page_content(page.content or "", page=page, config=config, files=files)


def _file(rel: str, path: Path, config: MkDocsConfig) -> File:
    """The MkDocs file that publishes path as rel: from its folder when the name is the same, else by its path."""
    if path.as_posix().endswith(f"/{rel}"):
        folder = path.as_posix()[: -len(rel) - 1]
        return File(rel, folder, config.site_dir, config.use_directory_urls)
    return File.generated(config, rel, abs_src_path=str(path))  # a suffixed file: x.zh.md published as x.md


def _nav_entries(items: list[Any], level: int) -> list[tuple[Any, ...]]:
    """What every page's navigation shows of items: titles, urls, levels and the metadata Material reads."""
    entries: list[tuple[Any, ...]] = []
    for item in items:
        if isinstance(item, Page):
            entries.append(("page", level, item.title, item.url, item.meta, item.is_homepage))
        elif isinstance(item, Link):
            entries.append(("link", level, item.title, item.url))
        else:
            entries.append(("section", level, item.title))
            entries.extend(_nav_entries(item.children or [], level + 1))
    return entries


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
