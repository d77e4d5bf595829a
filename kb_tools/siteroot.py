"""What spans languages: the site root (languages in their own names), the root 404 and the sitemap."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape

from jinja2 import Environment, PackageLoader, select_autoescape

from kb_tools import config as config_mod
from kb_tools import i18n
from kb_tools.errors import ConfigError
from kb_tools.fsutil import write_atomic
from kb_tools.model import HelpCenter
from kb_tools.reader import page_url
from kb_tools.scan import scan


def write_root(settings: config_mod.Settings, site: Path, urls: list[str] | None = None) -> None:
    """site/index.html (languages in their own names, sends a browser to its language),
    site/404.html and site/sitemap.xml with xhtml:link alternates.

    The root 404 is the source language's own 404 page (the site's look, search and language list)
    when its links are absolute paths (site_url is set), so that it works at any address.
    """
    env = Environment(loader=PackageLoader("kb_tools"), autoescape=select_autoescape())
    languages = [(lang, i18n.language_name(lang)) for lang in settings.languages]
    site_url = settings.site_url.rstrip("/")
    own_404 = site / settings.source_language / "404.html"
    for name in ("index.html", "404.html"):
        if name == "404.html" and site_url and own_404.is_file():
            write_atomic(site / name, own_404.read_text(encoding="utf-8"))
            continue
        html = env.get_template("root.html").render(
            languages=languages, source=settings.source_language, site_name=settings.site_name,
            site_url=site_url, not_found=name == "404.html",
            not_found_texts=[(lang, _not_found(settings.root, lang)) for lang in settings.languages])
        write_atomic(site / name, html)
    urls = sitemap_urls(settings) if urls is None else urls
    base = escape(f"{site_url}/", {'"': "&quot;"}) if site_url else ""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    # Percent-encoded as MkDocs' sitemaps write them (a " in a file name made the XML unreadable): nothing to escape.
    for url in map(quote, urls):
        for lang in settings.languages:
            lines.append(f"  <url><loc>{base}{lang}/{url}</loc>")
            lines += [f'    <xhtml:link rel="alternate" hreflang="{other}" href="{base}{other}/{url}"/>'
                      for other in settings.languages]
            lines.append(f'    <xhtml:link rel="alternate" hreflang="x-default" '
                         f'href="{base}{settings.source_language}/{url}"/>')
            lines.append("  </url>")
    lines.append("</urlset>\n")
    write_atomic(site / "sitemap.xml", "\n".join(lines))


def sitemap_urls(settings: config_mod.Settings, center: HelpCenter | None = None) -> list[str]:
    """The URL paths the sitemap lists, in every language: the source language's articles (center's, else read)."""
    center = center or scan(settings, blocks=False)
    return sorted(page_url(rel) for rel in center.docs[settings.source_language])


def missing_pages(settings: config_mod.Settings, site: Path, urls: list[str]) -> list[tuple[str, str]]:
    """(language, URL path) of each sitemap and hreflang entry that has no page under site."""
    return [(lang, url) for lang in settings.languages for url in urls
            if not (site / lang / url / "index.html").is_file()]


def _not_found(root: Path, lang: str) -> str:
    try:
        return i18n.translations(root, lang).gettext("Page not found")
    except ConfigError:  # the language's build reports its broken catalog
        return "Page not found"
