"""The MkDocs face of kb: `plugins: [kb]` in mkdocs.yml publishes one language of the help center.

kb build runs one MkDocs build per language with `language` set; `mkdocs build` or
`mkdocs serve` alone publish the source language.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

from jinja2 import Environment
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from kb_tools import content, helpcenter, i18n, publish, search
from kb_tools.config import Settings, from_mapping
from kb_tools.errors import ConfigError
from kb_tools.history import last_changed
from kb_tools.publish import page_url

log = logging.getLogger(__name__)


def N_(message: str) -> str:  # the gettext marker Babel extracts
    """Mark a string for the catalogs; it is translated where it is shown."""
    return message


# Default admonition titles, translated so that a zh page says 注意, not "Note".
ADMONITION_TITLES = {
    "note": N_("Note"), "abstract": N_("Abstract"), "info": N_("Info"), "tip": N_("Tip"),
    "success": N_("Success"), "question": N_("Question"), "warning": N_("Warning"), "failure": N_("Failure"),
    "danger": N_("Danger"), "bug": N_("Bug"), "example": N_("Example"), "quote": N_("Quote"),
}


class KbPluginConfig(base.Config):
    """The `kb` options of mkdocs.yml; kb_tools.config validates the same options for the CLI."""

    source_language = c.Type(str, default="en")
    """The language articles are written in."""
    languages = c.Type(list, default=[])
    """Every language of the help center, the source included."""
    policies = c.Type(dict, default={})
    """Per language (or `default`): publish_machine and fail_on rules."""
    language = c.Optional(c.Type(str))
    """The language this build publishes; the source language when unset."""
    feedback_url = c.Optional(c.Type(str))
    """Where "Was this helpful?" answers go (a form POST); no control at all when unset."""
    search = c.Type(bool, default=True)
    """Index the built site with Pagefind for offline in-browser search."""
    related = c.Type(bool, default=True)
    """Show up to five related articles under each article (from the Whoosh index)."""


class KbPlugin(BasePlugin[KbPluginConfig]):
    """Publishes docs/<language>/ with fallbacks, notices, translated UI and Pagefind search."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        """Validate the kb options with the core's rules and point MkDocs at one language."""
        self.root = Path(config.config_file_path or "mkdocs.yml").resolve().parent
        docs_root = Path(config.docs_dir)
        options = {k: v for k, v in self.config.items() if k in ("source_language", "languages", "policies")}
        try:
            self.settings: Settings = from_mapping(self.root, str(docs_root), options)
        except ConfigError as exc:
            raise PluginError(str(exc)) from None
        lang = self.lang = self.config.language or self.settings.source_language
        if lang not in self.settings.languages:
            raise PluginError(f"plugins.kb.language: {lang!r} is not one of {list(self.settings.languages)}")
        config.docs_dir = str(docs_root / lang)
        config.theme["language"] = lang
        if config.site_url:
            self.site_root = config.site_url.rstrip("/") + "/"
            config.site_url = f"{self.site_root}{lang}/"
        else:
            self.site_root = ""
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
        try:
            self.center = content.scan(self.settings)
            self.data = helpcenter.load(self.root, lang, self.settings.source_language)
            self.translations = i18n.translations(self.root, lang)
        except ConfigError as exc:
            raise PluginError(str(exc)) from None
        self.plans = publish.plan(self.center, lang)
        self.titles = {kind: self.translations.gettext(title) for kind, title in ADMONITION_TITLES.items()}
        self.page_context = {  # the same on every page of this build
            "lang": lang,
            "source_lang": self.settings.source_language,
            "source_name": i18n.language_name(self.settings.source_language, lang),
            "lang_name": i18n.language_name(lang),
            "languages": [(other, i18n.language_name(other)) for other in self.settings.languages],
            "site_root": self.site_root,
            "feedback_url": self.config.feedback_url,
            "data": self.data,
        }
        home, home_plan = self.center.docs[lang].get("index.md"), self.plans.get("index.md")
        if home and home.title and home_plan and not home_plan.show_source:
            config.site_name = home.title  # the header names the help center in the reader's language
        self.dates = last_changed(self.root, self.settings.docs_dir)
        self.related: dict[str, list[tuple[str, str]]] = {}
        if self.config.related:
            search.update(self.center, lang, self.plans)  # only what changed since the last build
            self.related = search.related_map(self.root, lang)
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        """Put the source article where a language must fall back to it; leave orphans out."""
        source_dir = str(self.settings.docs_dir / self.settings.source_language)
        for file in list(files.documentation_pages()):
            if file.src_uri not in self.plans:  # an orphan: its source is gone
                files.remove(file)
        for rel, plan in self.plans.items():
            if plan.show_source and self.lang != self.settings.source_language:
                existing = files.get_file_from_path(rel)
                if existing is not None:
                    files.remove(existing)
                files.append(File(rel, source_dir, config.site_dir, config.use_directory_urls))
        missing_assets = self.center.assets[self.settings.source_language] - self.center.assets[self.lang]
        for rel in sorted(missing_assets):
            files.append(File(rel, source_dir, config.site_dir, config.use_directory_urls))
        return files

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation | None:
        """Name the category sections in the reader's language, in the order of helpcenter.yml."""
        order = list(self.data.categories)
        for item in nav.items:
            if isinstance(item, Section):
                folder = _folder(item)
                if folder in self.data.categories:
                    item.title = self.data.categories[folder]
        nav.items.sort(key=lambda item: order.index(_folder(item)) if _folder(item) in order else -1)
        return nav

    def on_env(self, env: Environment, /, *, config: MkDocsConfig, files: Files) -> Environment | None:
        """Our templates' strings come from the Babel catalog of this language."""
        env.add_extension("jinja2.ext.i18n")
        env.install_gettext_translations(self.translations, newstyle=True)  # type: ignore[attr-defined]
        return env

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        """Give a translation its source's heading anchors and translated admonition titles."""
        rel = page.file.src_uri
        if rel == "index.md" and self.has_template["home.html"]:
            page.meta.setdefault("template", "home.html")
        plan = self.plans.get(rel)
        source = self.center.source(rel)
        if plan is None or plan.show_source or source is None or self.lang == self.settings.source_language:
            return markdown
        return publish.localize(markdown, source.blocks, self.titles)

    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        """Keep the headings' permalink signs out of search results."""
        return html.replace('class="headerlink"', 'class="headerlink" data-pagefind-ignore')

    def on_page_context(self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig,
                        nav: Navigation) -> TemplateContext | None:
        """What our templates show: notice, fallback language, alternates, dates, contact data."""
        plan = self.plans.get(page.file.src_uri)
        source = self.settings.source_language
        shown = Path(page.file.abs_src_path or "").resolve()
        try:
            updated = self.dates.get(shown.relative_to(self.root).as_posix(), "")
        except ValueError:
            updated = ""
        if not updated and shown.is_file():  # not committed yet
            updated = dt.date.fromtimestamp(shown.stat().st_mtime).isoformat()
        context["kb"] = {  # type: ignore[typeddict-unknown-key]
            **self.page_context,
            "notice": plan.notice if plan and self.lang != source else "",
            "changed_on": i18n.long_date(plan.changed_on, self.lang) if plan and plan.changed_on else "",
            "fallback": bool(plan and plan.show_source and self.lang != source),
            "updated": i18n.long_date(updated, self.lang) if updated else "",
            "related": [(page_url(rel), title) for rel, title in self.related.get(page.file.src_uri, [])],
        }
        return context

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Index the site with Pagefind (it segments Chinese and Japanese words)."""
        if not self.config.search:
            return
        result = subprocess.run([sys.executable, "-m", "pagefind", "--site", config.site_dir, "--silent"],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PluginError(f"pagefind failed on {config.site_dir}: {result.stderr.strip() or result.stdout}")


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
