"""locales/helpcenter.yml: categories, promoted articles, contact channels and official channels, per language."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kb_tools.errors import ConfigError
from kb_tools.verify import Official, parse_official

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
    official: tuple[Official, ...] = ()  # checkable: kb_tools/verify.py reads each entry
    ticket_form: str = ""  # the ticket form's URL; {url} and {title} are filled in with the article's


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, where PyYAML has it: ten times faster


def load(root: Path, lang: str, source_language: str) -> HelpCenterData:
    """The data in lang, each missing text taken from the source language."""
    path = root / HELPCENTER_FILE
    if not path.exists():
        return HelpCenterData()
    try:
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_LOADER) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{HELPCENTER_FILE}: cannot be read: {exc}: fix the YAML") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{HELPCENTER_FILE}:1: not a mapping: write categories:, contact: and official: keys")

    def text(value: Any, *keys: str | int) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get(lang, value.get(source_language)), str):
            return str(value.get(lang, value.get(source_language)))
        raise ConfigError(f"{_where(path, *keys)}: {value!r} has no {source_language} text: "
                          f"write {{{source_language}: ..., {lang}: ...}}")

    categories, descriptions = {}, {}
    for key, value in (data.get("categories") or {}).items():
        folder = str(key)
        if isinstance(value, dict) and "name" in value:  # {name: ..., description: ...}
            categories[folder] = text(value["name"], "categories", key, "name")
            descriptions[folder] = text(value.get("description", ""), "categories", key, "description")
        else:
            categories[folder] = text(value, "categories", key)
    contact = []
    for i, c in enumerate(data.get("contact") or []):
        if not isinstance(c, dict):
            raise ConfigError(f"{_where(path, 'contact', i)}: not a channel: write name:, link:, hours: and open:")
        hours = str(c.get("open", ""))
        if hours and not OPEN.fullmatch(hours.strip().lower()):
            raise ConfigError(f"{_where(path, 'contact', i, 'open')}: {hours!r} is not a schedule: write 24/7, "
                              f"or days and UTC hours like mon-fri 09:00-21:00")
        contact.append(Channel(text(c.get("name"), "contact", i, "name"), str(c.get("link", "")),
                               text(c.get("hours", ""), "contact", i, "hours"),
                               text(c.get("response", ""), "contact", i, "response"), hours.strip().lower()))
    return HelpCenterData(categories, descriptions, tuple(str(rel) for rel in data.get("promoted") or []),
                          tuple(contact), _official(path, data.get("official")), str(data.get("ticket_form") or ""))


def _official(path: Path, entries: Any) -> tuple[Official, ...]:
    """The official channels, every entry that cannot be understood reported at once, with its line."""
    if not entries:
        return ()
    if not isinstance(entries, list):
        raise ConfigError(f"{HELPCENTER_FILE}:{_lines(path)[0] if _lines(path) else 1}: official: is not a list: "
                          "write one channel per line, e.g. - https://nimbusx.example")
    found, errors = [], []
    for i, entry in enumerate(entries):
        try:
            found.append(parse_official(entry))
        except ConfigError as exc:
            errors.append((i, exc))
    if errors:
        lines = _lines(path)  # read again for the lines only when they are needed: composing YAML is slow
        raise ConfigError("\n".join(f"{HELPCENTER_FILE}:{lines[i] if i < len(lines) else 1}: official: {exc}"
                                     for i, exc in errors))
    return tuple(found)


def _lines(path: Path) -> list[int]:
    """The line of each item of official: (the list itself first when it is not a list)."""
    node = yaml.compose(path.read_text(encoding="utf-8-sig"))
    for key, value in node.value if isinstance(node, yaml.MappingNode) else []:
        if key.value == "official":
            items = value.value if isinstance(value, yaml.SequenceNode) else [value]
            return [item.start_mark.line + 1 for item in items]
    return []


def _where(path: Path, *keys: str | int) -> str:
    """helpcenter.yml:LINE: key.path[i] of the value at keys."""
    name = "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in keys).lstrip(".")
    return f"{HELPCENTER_FILE}:{line(path, *keys)}: {name}"


def line(path: Path, *keys: str | int) -> int:
    """The line of the value at keys in the YAML file path (of the nearest enclosing one found)."""
    node = yaml.compose(path.read_text(encoding="utf-8-sig"))
    found = 1
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            node = None
        if node is None:
            break
        found = node.start_mark.line + 1
    return found
