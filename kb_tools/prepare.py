"""kb prepare: one language's edition written as a plain docs folder that any builder can consume.

OUT/docs/ holds every page the language's site shows (translations, and source articles where the
site falls back to them) with the notices, related articles and last-updated date written into the
Markdown; OUT/edition.json holds the same facts as data; OUT/mkdocs.yml builds it with plain MkDocs
(no kb plugin): the help center's theme and Markdown extensions, and the navigation with category
names in the reader's language.
"""

from __future__ import annotations

import html
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from kb_tools import checks, frontmatter, i18n, verify
from kb_tools import config as config_mod
from kb_tools.edition import Edition
from kb_tools.errors import KbError
from kb_tools.fsutil import write_atomic
from kb_tools.reader import page_url

MANIFEST = "edition.json"


def prepare(edition: Edition, out: Path) -> Path:
    """Write the edition under out (replacing a folder kb prepare wrote before, never another one)."""
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise KbError(f"{out}: exists and was not written by kb prepare: choose an empty or new folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        _write(edition, work)
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            work.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return out


def _write(edition: Edition, out: Path) -> None:
    docs = out / "docs"
    pages = []
    config = _mkdocs_config(edition)
    templates = config_mod.theme_folders(edition.center.settings.root, config["theme"])
    for rel, page in sorted(edition.pages.items()):
        title, text = edition.notice_text(rel)
        markdown = _page_markdown(edition, rel, title, text, templates)
        write_atomic(docs / rel, markdown)
        pages.append({
            "path": rel, "url": page.url, "title": page.title, "shown_lang": page.shown_lang,
            "notice": page.plan.notice if edition.lang != edition.source_lang else "",
            "notice_title": title, "notice_text": text, "changed_on": page.plan.changed_on,
            "updated": page.updated, "related": [{"url": url, "title": t, "badge": badge}
                                                       for url, t, badge in map(edition.link, page.related)],
        })
    for rel, path in sorted(edition.assets.items()):
        target = docs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    for rel, generated in sorted(edition.generated().items()):  # pages kb writes itself: the verify page
        write_atomic(docs / rel, generated.text())
        for asset, path in generated.assets:
            (docs / asset).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, docs / asset)
    manifest = {
        "lang": edition.lang, "source_lang": edition.source_lang, "site_name": edition.site_name,
        "languages": list(edition.center.settings.languages), "categories": edition.data.categories,
        "pages": pages,
        "generated": [{"path": rel, "url": page_url(rel), "title": generated.title}
                      for rel, generated in sorted(edition.generated().items())],
    }
    write_atomic(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    write_atomic(out / "mkdocs.yml", yaml.safe_dump(config, allow_unicode=True, sort_keys=False))


def _page_markdown(edition: Edition, rel: str, notice_title: str, notice_text: str,
                   templates: tuple[Path, ...]) -> str:
    """A page's Markdown for a builder that knows nothing of kb: notice, text, related, date.

    A `template:` the prepared theme lacks (one of kb's overrides, or a misspelt one) is left out:
    plain MkDocs would stop the whole build on it.
    """
    page = edition.pages[rel]
    split = frontmatter.split(edition.markdown(rel))
    yaml_text = split.yaml_text
    template = frontmatter.raw_value(split, "template")
    if yaml_text is not None and template and templates and not checks.has_template(template, templates):
        yaml_text = "\n".join(line for line in yaml_text.split("\n") if not line.startswith("template:"))
    front = f"---\n{yaml_text}\n---\n\n" if yaml_text is not None else ""
    text = split.body
    parts = []
    if notice_text:
        read_original = edition.gettext("Read the original in %(language)s") % {
            "language": i18n.language_name(edition.source_lang, edition.lang)}
        original = "../" * page.url.count("/") + f"../{edition.source_lang}/{page.url}"
        parts.append(f'<div class="admonition kb-notice kb-notice--{page.plan.notice}" role="note" '
                     'aria-labelledby="kb-notice-title">\n'
                     f'<p class="admonition-title" id="kb-notice-title">{html.escape(notice_title)}</p>\n'
                     f'<p>{html.escape(notice_text)} <a href="{html.escape(original)}" '
                     f'hreflang="{edition.source_lang}">{html.escape(read_original)}</a></p>\n</div>\n')
    parts.append(text.strip("\n") + "\n")
    context = edition.context(rel)
    if context["verify_callout"]:
        up = "../" * page.url.count("/")
        parts.append(f'<div class="admonition tip kb-verify-callout">\n'
                     f'<p class="admonition-title">{html.escape(edition.gettext(verify.CALLOUT_TITLE))}</p>\n'
                     f'<p>{html.escape(edition.gettext(verify.CALLOUT_TEXT))} '
                     f'<a href="{html.escape(up + context["verify_url"])}">'
                     f'{html.escape(edition.gettext(verify.TITLE))}</a></p>\n</div>\n')
    if page.related:
        up = "../" * page.url.count("/")
        items = "".join(f'<li><a href="{html.escape(up + url)}">{html.escape(title)}</a>{_badge(edition, badge)}</li>'
                        for url, title, badge in map(edition.link, page.related))
        parts.append(f'<nav class="kb-related"><h2>{html.escape(edition.gettext("Related articles"))}</h2>'
                     f"<ul>{items}</ul></nav>\n")
    if page.updated:
        updated = edition.gettext("Last updated: %(date)s") % {"date": i18n.long_date(page.updated, edition.lang)}
        parts.append(f'<p class="kb-updated"><small>{html.escape(updated)}</small></p>\n')
    return front + "\n".join(parts)


def _badge(edition: Edition, lang: str) -> str:
    """The language badge after a title shown in another language."""
    name = html.escape(i18n.language_name(lang, edition.lang)) if lang else ""
    return f' <span class="kb-badge kb-badge--lang" lang="{lang}">{name}</span>' if lang else ""


def _mkdocs_config(edition: Edition) -> dict[str, Any]:
    """A plain MkDocs config for the prepared folder: the help center's theme and extensions, no kb plugin."""
    settings = edition.center.settings
    raw: dict[str, Any] = {}
    if settings.config_file and settings.config_file.is_file():
        loaded = config_mod.parse(settings.config_file.read_text(encoding="utf-8-sig"))
        raw = loaded if isinstance(loaded, dict) else {}
    theme = dict(raw.get("theme") or {"name": "mkdocs"}) if isinstance(raw.get("theme"), dict) else {"name": "mkdocs"}
    theme.pop("custom_dir", None)  # kb's overrides expect the kb plugin's page context
    theme["language"] = edition.lang
    nav: list[Any] = []
    sections: dict[str, list[Any]] = {}
    titles = {rel: page.title for rel, page in edition.pages.items()}
    titles.update({rel: generated.title for rel, generated in edition.generated().items()})
    for rel in sorted(titles, key=lambda rel: (rel.count("/") > 0, not rel.endswith("index.md"), rel)):
        folder = rel.split("/")[0] if "/" in rel else ""
        (sections.setdefault(folder, []) if folder else nav).append({titles[rel] or rel: rel})
    order = list(edition.data.categories)
    for folder in sorted(sections, key=lambda f: (order.index(f) if f in order else len(order), f)):
        nav.append({edition.data.categories.get(folder, folder): sections[folder]})
    result: dict[str, Any] = {"site_name": edition.site_name or "Help center", "docs_dir": "docs", "theme": theme,
                              "nav": nav}
    if raw.get("markdown_extensions"):
        result["markdown_extensions"] = raw["markdown_extensions"]
    return result
