"""UI strings: Babel catalogs in locales/<lang>/LC_MESSAGES/messages.po for the strings of overrides/."""

from __future__ import annotations

import datetime as dt
import functools
import io
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import NullTranslations, Translations

from kb_tools.errors import ConfigError
from kb_tools.fsutil import write_atomic_bytes

DOMAIN = "messages"
POT_FILE = "locales/messages.pot"
# Where the strings are: our templates, and the plugin's own (default admonition titles).
SOURCES = (("overrides", [("**.html", "jinja2")]),)
PLUGIN_SOURCES = [("edition.py", "python"), ("webindex.py", "python"), ("verify.py", "python")]


def N_(message: str) -> str:  # the gettext marker Babel extracts
    """Mark a string for the catalogs; it is translated where it is shown."""
    return message


def po_path(root: Path, lang: str) -> Path:
    """The catalog of one language."""
    return root / "locales" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract(root: Path) -> Catalog:
    """Write locales/messages.pot: every translatable string of overrides/ and of the kb plugin."""
    catalog = template(root)
    _write(root / POT_FILE, catalog)
    return catalog


def template(root: Path) -> Catalog:
    """Every translatable string of overrides/ and of the kb plugin, in memory."""
    catalog = Catalog(project="kb help center", charset="utf-8", fuzzy=False)
    places = [(root / folder, mapping) for folder, mapping in SOURCES]
    places.append((Path(__file__).parent, PLUGIN_SOURCES))
    for folder, mapping in places:
        if not folder.is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            str(folder), mapping, options_map={"**.html": {"extensions": "jinja2.ext.i18n"}}
        ):
            where = Path(folder, filename).relative_to(root).as_posix() if folder.is_relative_to(root) \
                else f"kb_tools/{filename}"
            catalog.add(message, locations=[(where, lineno)], auto_comments=comments, context=context)
    return catalog


def update(root: Path, languages: tuple[str, ...], check: bool = False) -> dict[str, list[str]]:
    """Merge the template into each language's catalog; returns the untranslated strings per language.

    With check=True nothing is written.
    """
    pot = template(root) if check else extract(root)
    untranslated = {}
    for lang in languages:
        path = po_path(root, lang)
        catalog = _read(path, lang) if path.exists() else Catalog(locale=lang, project="kb help center",
                                                                  charset="utf-8", fuzzy=False)
        catalog.update(pot)
        if not check:
            _write(path, catalog)
        untranslated[lang] = [_first(m.id) for m in catalog if m.id and (not all(_forms(m.string)) or m.fuzzy)]
    return untranslated


def compile_catalogs(root: Path, languages: tuple[str, ...]) -> list[Path]:
    """Write messages.mo next to each messages.po."""
    written = []
    for lang in languages:
        path = po_path(root, lang)
        if path.exists():
            buffer = io.BytesIO()
            write_mo(buffer, _read(path, lang))
            write_atomic_bytes(path.with_suffix(".mo"), buffer.getvalue())
            written.append(path.with_suffix(".mo"))
    return written


def translations(root: Path, lang: str) -> NullTranslations:
    """The UI translations of lang, straight from its .po (no compile step needed to build)."""
    path = po_path(root, lang)
    if not path.exists():
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, _read(path, lang))
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@functools.lru_cache(maxsize=4096)  # every page names every language
def language_name(lang: str, in_lang: str | None = None) -> str:
    """A language's name: in its own, capitalized for a list ("Español"), or in_lang's, for a sentence
    ("inglés" in "Leer el original en inglés")."""
    try:
        name = Locale.parse(lang.replace("-", "_")).get_display_name((in_lang or lang).replace("-", "_")) or lang
    except (UnknownLocaleError, ValueError):
        return lang
    return name if in_lang else name[:1].upper() + name[1:]


@functools.lru_cache(maxsize=4096)
def long_date(iso: str, lang: str) -> str:
    """An ISO date as the reader's locale writes it ("2026年11月23日", "23 de noviembre de 2026")."""
    try:
        return format_date(dt.date.fromisoformat(iso), format="long", locale=lang.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return iso


def _forms(string: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """A message's translations: one, or one per plural form."""
    return (string or "",) if string is None or isinstance(string, str) else tuple(string)


def _first(message_id: str | tuple[str, ...] | list[str]) -> str:
    """A message's id, or its singular for a plural message."""
    return message_id if isinstance(message_id, str) else message_id[0]


def _read(path: Path, lang: str | None) -> Catalog:
    try:
        with path.open("rb") as handle:
            return read_po(handle, locale=lang, domain=DOMAIN, abort_invalid=True)
    except Exception as exc:  # Babel raises several kinds for a broken catalog
        raise ConfigError(f"{path}: cannot be read: {exc}: fix the catalog or run kb i18n update") from None


def _write(path: Path, catalog: Catalog) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=False, omit_header=False)
    write_atomic_bytes(path, buffer.getvalue())
