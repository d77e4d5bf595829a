"""locales/helpcenter.yml: category names, contact channels and official channels, per language."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kb_tools.errors import ConfigError

HELPCENTER_FILE = "locales/helpcenter.yml"


@dataclass(frozen=True)
class Channel:
    """One way to reach support, in one language."""

    name: str
    link: str
    hours: str
    response: str


@dataclass(frozen=True)
class HelpCenterData:
    """What the home page and the navigation show besides articles, in one language."""

    categories: dict[str, str] = field(default_factory=dict)  # folder -> name, in display order
    contact: tuple[Channel, ...] = ()
    official: tuple[str, ...] = ()


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

    categories = {str(k): text(v, f"categories.{k}") for k, v in (data.get("categories") or {}).items()}
    contact = tuple(
        Channel(text(c.get("name"), f"contact[{i}].name"), str(c.get("link", "")),
                text(c.get("hours", ""), f"contact[{i}].hours"), text(c.get("response", ""), f"contact[{i}].response"))
        for i, c in enumerate(data.get("contact") or [])
    )
    return HelpCenterData(categories, contact, tuple(str(o) for o in data.get("official") or []))
