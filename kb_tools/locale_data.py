"""locales/helpcenter.yml: categories, promoted articles, contact channels and official channels, per language."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kb_tools.errors import ConfigError

HELPCENTER_FILE = "locales/helpcenter.yml"
_DAY = r"(mon|tue|wed|thu|fri|sat|sun)"
OPEN = re.compile(rf"24/7|{_DAY}(-{_DAY})? \d\d:\d\d-\d\d:\d\d")  # read again by kb.js for "open now"


@dataclass(frozen=True)
class Channel:
    """One way to reach support, in one language."""

    name: str
    link: str
    hours: str
    response: str
    open: str = ""  # when it answers, for "open now": 24/7, or days and UTC hours like "mon-fri 09:00-21:00"


@dataclass(frozen=True)
class HelpCenterData:
    """What the home page and the navigation show besides articles, in one language."""

    categories: dict[str, str] = field(default_factory=dict)  # folder -> name, in display order
    descriptions: dict[str, str] = field(default_factory=dict)  # folder -> what the category covers
    promoted: tuple[str, ...] = ()  # articles the home page puts first, e.g. account/log-in.md
    contact: tuple[Channel, ...] = ()
    official: tuple[str, ...] = ()
    ticket_form: str = ""  # the ticket form's URL; {url} and {title} are filled in with the article's


def load(root: Path, lang: str, source_language: str) -> HelpCenterData:
    """The data in lang, each missing text taken from the source language."""
    path = root / HELPCENTER_FILE
    if not path.exists():
        return HelpCenterData()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{HELPCENTER_FILE}: cannot be read: {exc}: fix the YAML") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{HELPCENTER_FILE}:1: not a mapping: write categories:, contact: and official: keys")

    def text(value: Any, where: str) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get(lang, value.get(source_language)), str):
            return str(value.get(lang, value.get(source_language)))
        raise ConfigError(f"{HELPCENTER_FILE}: {where}: {value!r} has no {source_language} text: "
                          f"write {{{source_language}: ..., {lang}: ...}}")

    categories, descriptions = {}, {}
    for key, value in (data.get("categories") or {}).items():
        folder = str(key)
        if isinstance(value, dict) and "name" in value:  # {name: ..., description: ...}
            categories[folder] = text(value["name"], f"categories.{folder}.name")
            descriptions[folder] = text(value.get("description", ""), f"categories.{folder}.description")
        else:
            categories[folder] = text(value, f"categories.{folder}")
    contact = []
    for i, c in enumerate(data.get("contact") or []):
        where = f"contact[{i}]"
        hours = str(c.get("open", ""))
        if hours and not OPEN.fullmatch(hours.strip().lower()):
            raise ConfigError(f"{HELPCENTER_FILE}: {where}.open: {hours!r} is not a schedule: write 24/7, "
                              f"or days and UTC hours like mon-fri 09:00-21:00")
        contact.append(Channel(text(c.get("name"), f"{where}.name"), str(c.get("link", "")),
                               text(c.get("hours", ""), f"{where}.hours"),
                               text(c.get("response", ""), f"{where}.response"), hours.strip().lower()))
    return HelpCenterData(categories, descriptions, tuple(str(rel) for rel in data.get("promoted") or []),
                          tuple(contact), tuple(str(o) for o in data.get("official") or []),
                          str(data.get("ticket_form") or ""))
