"""One language's edition: everything a builder needs to publish that language's site.

The core computes it (pages with their plans, the file each page shows, localized Markdown,
titles, dates, related articles, notices, categories, contact data, translated UI); a face (the
MkDocs plugin, `kb prepare`, or another builder) only maps it onto its builder's events or files.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from babel.support import NullTranslations

from kb_tools import frontmatter, git, i18n, locale_data, reader, search, verify
from kb_tools.i18n import N_
from kb_tools.layout import Layout
from kb_tools.locale_data import HelpCenterData
from kb_tools.model import HelpCenter
from kb_tools.reader import PagePlan, page_url

# Default admonition titles, translated so that a zh page says 注意, not "Note".
ADMONITION_TITLES = {
    "note": N_("Note"), "abstract": N_("Abstract"), "info": N_("Info"), "tip": N_("Tip"),
    "success": N_("Success"), "question": N_("Question"), "warning": N_("Warning"), "failure": N_("Failure"),
    "danger": N_("Danger"), "bug": N_("Bug"), "example": N_("Example"), "quote": N_("Quote"),
}

PERMALINK_TITLE = N_("Permanent link")  # the tooltip of a heading's ¶ link


@dataclass(frozen=True)
class Page:
    """One article of the edition."""

    rel: str  # e.g. security/enable-2fa.md
    url: str  # e.g. security/enable-2fa/
    plan: PagePlan
    shown_lang: str  # the language of the text shown: the edition's, or the source's for a fallback
    file: Path  # the Markdown file whose text is shown
    title: str
    updated: str  # ISO date the shown file last changed ('' if unknown)
    related: tuple[str, ...] = ()  # up to five related articles

    @property
    def fallback(self) -> bool:
        """True when the page shows the source-language text."""
        return self.plan.show_source


@dataclass(frozen=True)
class GeneratedPage:
    """A page kb writes itself, not an article: the verify page (later, category pages).

    Not in the search index, related articles or the sitemap: those read articles only.
    """

    title: str
    markdown: str  # the body: Markdown, raw HTML allowed; links written for directory URLs
    template: str = ""  # a theme template for the page's meta `template:` ('' for the default)
    assets: tuple[tuple[str, Path], ...] = ()  # (rel under the site, file) the page needs next to it

    def text(self) -> str:
        """The page's Markdown file: front matter (title, template) and body."""
        meta = {"title": self.title, **({"template": self.template} if self.template else {})}
        return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n" + self.markdown


@dataclass
class Edition:
    """The site of one language."""

    center: HelpCenter
    lang: str
    pages: dict[str, Page]  # rel -> page; orphans are left out
    assets: dict[str, Path]  # rel -> the file it is published from (the language's own, or the source's)
    data: HelpCenterData
    translations: NullTranslations
    left_out: dict[str, str] = field(default_factory=dict)  # rel -> why no page shows it (its source is invalid)
    _generated: dict[str, GeneratedPage] | None = field(default=None, init=False, repr=False, compare=False)
    fallbacks: dict[str, set[str]] = field(default_factory=dict)  # lang -> the articles its site shows in the source's
    indexed: bool = False  # whether computing it brought the search index of lang up to date with center

    def badge(self, rel: str) -> str:
        """The language a page is shown in when it is not this edition's (a fallback), else ''."""
        page = self.pages.get(rel)
        return page.shown_lang if page and page.shown_lang != self.lang else ""

    def link(self, rel: str) -> tuple[str, str, str]:
        """How lists show an article: (url, title, badge), the same title and badge everywhere."""
        page = self.pages[rel]
        return page.url, page.title, self.badge(rel)

    @functools.cached_property
    def categories(self) -> list[dict[str, Any]]:
        """The category cards, in helpcenter.yml's order: folder, name, description, url, count.

        Once per edition: every page's context carries them, and they count every page.
        """
        counts: dict[str, int] = {}
        for rel in self.pages:
            if "/" in rel:
                counts[rel.split("/")[0]] = counts.get(rel.split("/")[0], 0) + 1
        order = list(self.data.categories) + sorted(set(counts) - set(self.data.categories))
        return [{"folder": folder, "name": self.data.categories.get(folder, folder), "url": f"{folder}/",
                 "description": self.data.descriptions.get(folder, ""), "count": counts[folder]}
                for folder in order if folder in counts]

    def category_markdown(self, folder: str) -> str:
        """A category's page: what it covers, then its articles with their descriptions and badges.

        Raw HTML with every text escaped: a title is text, and links are relative to the page at folder/.
        """
        up = "../" * (folder.count("/") + 1)
        items = []
        for rel, page in sorted(self.pages.items()):  # the order of the nav
            if not rel.startswith(folder + "/"):
                continue
            doc = self.center.docs[page.shown_lang].get(rel)
            description = doc.description if doc and doc.description else ""
            badge = self.badge(rel)
            items.append(
                f'<li><a href="{html.escape(up + page.url)}">{html.escape(page.title)}</a>'
                + (f' <span class="kb-badge kb-badge--lang" lang="{badge}">'
                   f'{html.escape(i18n.language_name(badge, self.lang))}</span>' if badge else "")
                + (f'<p class="kb-article-list__description">{html.escape(description)}</p>' if description else "")
                + "</li>")
        intro = self.data.descriptions.get(folder, "")
        return ((f'<p class="kb-category-page__description">{html.escape(intro)}</p>\n\n' if intro else "")
                + '<ul class="kb-article-list">\n' + "\n".join(items) + "\n</ul>\n")

    def switcher(self, rel: str) -> list[dict[str, Any]]:
        """The language switcher of a page: each language, whether it is this one, and whether it
        shows the page in the source language."""
        return [{"code": other, "name": i18n.language_name(other), "current": other == self.lang,
                 "fallback": other != self.source_lang and rel in self.fallbacks.get(other, set())}
                for other in self.center.settings.languages]

    def ticket_url(self, rel: str) -> str:
        """The ticket form with the article filled in ('' when helpcenter.yml names no form)."""
        page = self.pages.get(rel)
        form = self.data.ticket_form
        if not form or page is None:
            return form
        site_url = self.center.settings.site_url.rstrip("/")
        url = f"{site_url}/{self.lang}/{page.url}" if site_url else f"{self.lang}/{page.url}"
        return form.replace("{url}", quote(url, safe="")).replace("{title}", quote(page.title, safe=""))

    @property
    def source_lang(self) -> str:
        """The language articles are written in."""
        return self.center.settings.source_language

    @property
    def site_name(self) -> str:
        """The help center's name in this language: the home page's title when it is translated."""
        home = self.pages.get("index.md")
        if home and not home.fallback and home.title:
            return home.title
        return self.center.settings.site_name

    def generated(self) -> dict[str, GeneratedPage]:
        """The pages kb writes itself, by rel path (verify.md, account/index.md); an article at the same path wins."""
        if self._generated is not None:
            return self._generated
        pages = {}
        if self.data.official:
            articles = [(page.url, page.title, page.shown_lang if page.fallback else "")
                        for rel, page in sorted(self.pages.items())
                        if rel.startswith(verify.SAFETY_FOLDER + "/")]
            contact = [(channel.name, channel.link) for channel in self.data.contact]
            pages[verify.PAGE] = GeneratedPage(
                self.gettext(verify.TITLE), verify.page_markdown(self.data.official, self.gettext, contact, articles),
                assets=((verify.ASSET_REL, verify.ASSET),))
        for category in self.categories:  # a page per category: the breadcrumb and the home's cards link it
            pages[f"{category['folder']}/index.md"] = GeneratedPage(category["name"],
                                                                   self.category_markdown(category["folder"]))
        self._generated = {rel: page for rel, page in pages.items() if rel not in self.pages}
        return self._generated

    def gettext(self, message: str) -> str:
        """A UI string in this language."""
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """A UI string in this language for n of something."""
        return self.translations.ngettext(singular, plural, n)

    def admonition_titles(self) -> dict[str, str]:
        """Default admonition titles in this language."""
        return {kind: self.gettext(title) for kind, title in ADMONITION_TITLES.items()}

    def markdown(self, rel: str, text: str | None = None) -> str:
        """The Markdown a page publishes: a translation gets its source's anchors and translated titles,
        a stale one shown block by block its changed blocks from the source (text: the body MkDocs read)."""
        page = self.pages[rel]
        source = self.center.source(rel)
        if page.fallback or source is None or self.lang == self.source_lang:
            return _read(page.file) if text is None else text
        whole = _read(page.file)
        text = whole if text is None else text
        if page.plan.blocks:
            return self._mixed(rel, body_only=text != whole)
        source_blocks, titles = self.center.with_blocks(source).blocks, self.admonition_titles()
        doc = self.center.docs[self.lang].get(rel)
        doc = None if doc is None else self.center.with_blocks(doc)
        if doc is not None and doc.parsed is not None and whole.endswith(text):
            # The scan read this file's blocks: reuse them when text is its body, as MkDocs passes it.
            first_line = whole.count("\n") - text.count("\n") + 1
            return reader.localize(text, source_blocks, titles, doc.parsed, first_line)
        return reader.localize(text, source_blocks, titles)

    def markdown_key(self, rel: str) -> str:
        """What markdown(rel, text) is made from besides text, this language and its catalog: equal keys and texts,
        equal Markdown. Far cheaper than making it: a build that reuses a page's HTML needs no Markdown."""
        page = self.pages[rel]
        source, shown = self.center.source(rel), self.center.docs[page.shown_lang].get(rel)
        return repr((page.plan, page.shown_lang, source.content_hash if source else None,
                     (shown.path, shown.content_hash) if shown else None))

    def _mixed(self, rel: str, body_only: bool) -> str:
        """A stale translation block by block: unchanged blocks translated, changed ones from the source."""
        page = self.pages[rel]
        source = self.center.with_blocks(self.center.source(rel))  # type: ignore[arg-type]
        doc = self.center.with_blocks(self.center.docs[self.lang][rel])
        source_text, whole = _read(self.center.settings.root / source.path), _read(page.file)
        label = reader.from_source_label(self._from_source_label(page.plan.changed_on), self.lang)
        lines = reader.mix(source_text.split("\n"), source.blocks, whole.split("\n"), doc.blocks,
                           page.plan.blocks, label, self.source_lang)
        body = "\n".join(lines[frontmatter.split(source_text).body_line - 1 :])
        body = reader.localize(body, source.blocks, self.admonition_titles())
        if body_only:
            return body
        return whole[: len(whole) - len(frontmatter.split(whole).body)] + body

    def _from_source_label(self, changed_on: str) -> str:
        values = {"language": i18n.language_name(self.source_lang, self.lang),
                  "date": i18n.long_date(changed_on, self.lang) if changed_on else ""}
        if changed_on:
            return self.gettext("Shown in %(language)s: changed on %(date)s") % values
        return self.gettext("Shown in %(language)s: changed since this translation was made") % values

    def notice_text(self, rel: str) -> tuple[str, str]:
        """A page's notice as (title, text) in this language; ('', '') when it has none."""
        page = self.pages[rel]
        notice = page.plan.notice if self.lang != self.source_lang else ""
        source_name = i18n.language_name(self.source_lang, self.lang)
        changed = i18n.long_date(page.plan.changed_on, self.lang) if page.plan.changed_on else ""
        _ = self.gettext
        shown_in = _("Shown in %(language)s") % {"language": source_name}
        if notice == "machine":
            return _("Machine translation"), _("This article was machine translated and has not been reviewed yet.")
        if notice == "stale" and page.plan.from_source:
            return _("Partly shown in %(language)s") % {"language": source_name}, self._from_source_notice(page.plan)
        if notice == "stale":
            text = _("The original article was updated on %(date)s.") % {"date": changed} if changed \
                else _("The original article has been updated.")
            return _("This translation may be out of date"), text
        if notice == "stale-critical":
            text = (_("This article changed on %(date)s and its translation is being updated.") % {"date": changed}
                    if changed else _("This article changed and its translation is being updated."))
            return shown_in, text + " " + _("It is shown in %(language)s so that you get accurate information.") % {
                "language": source_name}
        if notice == "in-review":
            return shown_in, _("The translation of this article is being reviewed. Until then it is shown in "
                               "%(language)s.") % {"language": source_name}
        if notice == "missing":
            return shown_in, _("This article is not yet available in %(language)s. It is shown in %(source)s.") % {
                "language": i18n.language_name(self.lang), "source": source_name}
        return "", ""

    def _from_source_notice(self, plan: PagePlan) -> str:
        """How many blocks below are shown from the source, and since when."""
        values = {"num": plan.from_source, "language": i18n.language_name(self.source_lang, self.lang),
                  "date": i18n.long_date(plan.changed_on, self.lang) if plan.changed_on else ""}
        if plan.changed_on:
            return self.ngettext(
                "%(num)d paragraph below is shown in %(language)s because it changed on %(date)s.",
                "%(num)d paragraphs below are shown in %(language)s because they changed on %(date)s.",
                plan.from_source) % values
        return self.ngettext(
            "%(num)d paragraph below is shown in %(language)s because it changed after this translation was made.",
            "%(num)d paragraphs below are shown in %(language)s because they changed after this translation "
            "was made.", plan.from_source) % values

    def context(self, rel: str) -> dict[str, Any]:
        """What kb's templates show on a page (the `kb` variable of overrides/)."""
        page = self.pages.get(rel)
        notice_title, notice_text = self.notice_text(rel) if page else ("", "")
        verify_url = reader.page_url(verify.PAGE) if verify.PAGE in self.generated() else ""
        return {
            "lang": self.lang,
            "source_lang": self.source_lang,
            "source_name": i18n.language_name(self.source_lang, self.lang),
            "lang_name": i18n.language_name(self.lang),
            "languages": [(other, i18n.language_name(other)) for other in self.center.settings.languages],
            "site_root": self.center.settings.site_url.rstrip("/") + "/" if self.center.settings.site_url else "",
            "feedback_url": self.center.settings.feedback_url,
            "data": self.data,
            "notice": page.plan.notice if page and self.lang != self.source_lang else "",
            "notice_title": notice_title,
            "notice_text": notice_text,
            "from_source": page.plan.from_source if page else 0,
            "changed_on": i18n.long_date(page.plan.changed_on, self.lang) if page and page.plan.changed_on else "",
            "fallback": bool(page and page.fallback and self.lang != self.source_lang),
            "updated": i18n.long_date(page.updated, self.lang) if page and page.updated else "",
            "related": [self.link(other) for other in page.related if other in self.pages] if page else [],
            "badge": self.badge(rel),
            "promoted": [self.link(other) for other in self.data.promoted if other in self.pages],
            "categories": self.categories,
            "switcher": self.switcher(rel),
            "ticket_url": self.ticket_url(rel),
            "category": rel.split("/")[0] if "/" in rel else "",
            "article": page is not None and rel != "index.md",
            "verify_url": verify_url,  # '' when the help center lists no official channels
            "verify_callout": bool(verify_url and page and rel.startswith(verify.SAFETY_FOLDER + "/")),
        }


def compute(center: HelpCenter, lang: str, related: bool = True) -> Edition:
    """The edition of lang: which text each page shows, with what, and the files it publishes."""
    settings = center.settings
    source_lang = settings.source_language
    plans = reader.plan(center, lang)
    dates = git.last_changed(settings.root, *Layout(settings).every_folder())
    related_map: dict[str, list[str]] = {}
    if related:
        search.update(center, lang, plans)  # only what changed since the last build
        related_map = search.related_map(settings.root, lang)
    pages = {}
    for rel, plan in plans.items():
        shown_lang = source_lang if plan.show_source else lang
        doc = center.docs[shown_lang][rel]
        file = settings.root / doc.path
        updated = dates.get(doc.path, "")
        if plan.notice == "stale" and not plan.show_source and doc.translation and doc.translation.reviewed_on:
            updated = doc.translation.reviewed_on  # the translation's date: a stale page is not as new as its source
        if not updated and file.is_file():  # not committed yet
            updated = dt.date.fromtimestamp(file.stat().st_mtime).isoformat()
        pages[rel] = Page(rel, page_url(rel), plan, shown_lang, file, doc.title, updated,
                          tuple(related_map.get(rel, [])))
    assets = {rel: settings.root / path for rel, path in center.assets[source_lang].items()}
    assets.update({rel: settings.root / path for rel, path in center.assets[lang].items()})
    return Edition(center, lang, pages, assets, locale_data.load(settings.root, lang, source_lang),
                   i18n.translations(settings.root, lang), reader.left_out(center), reader.fallbacks(center),
                   indexed=related)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
