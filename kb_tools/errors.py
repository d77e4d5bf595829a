"""Problems found in a help center, and the project's exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
LEVELS = ("error", "warning", "off")  # what a check's setting (plugins.kb.checks) may say

# The checks of `kb check`, by the stable name the `checks:` setting uses, and what each finds.
CHECKS = {
    "description": "an empty description (warning)",
    "keys": "an unknown front matter key (warning)",
    "template": "a template: the theme does not have (error; the page is built with the default one)",
    "links": "a link to no article, or out of the language folder (error)",
    "anchors": "a link to a heading that does not exist, or a heading anchor that differs from the source's (error)",
    "images": "a missing image or file (error)",
    "duplicates": "two articles with one title, or paths that differ only in letter case (error)",
    "orphan": "a translation whose source is gone (warning)",
    "untracked": "a translation with no translation: block (warning)",
    "draft-notes": "a note kb draft left in translation.qa (warning)",
    "stale": "a stale translation's differences from the current source, once per file (warning)",
    "headings": "headings whose number or levels differ from the source's (error)",
    "admonitions": "admonition types that differ from the source's (error)",
    "code": "a code block that differs from the source's (error)",
    "urls": "a link target or URL of the source missing, or one it lacks (error)",
    "numbers": "a number of the source missing, or one it lacks (error)",
    "terms": "a do-not-translate term missing (error)",
    "glossary": "a required glossary translation not used (warning)",
    "markup": "HTML, attribute lists or template syntax the source does not have (error)",
    "blocks": "blocks that do not line up with the source's (warning)",
}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one file, with where it is and how to fix it."""

    path: str
    line: int
    message: str
    fix: str
    severity: Severity = "error"
    check: str = ""  # the check that found it (a key of CHECKS), '' for what no setting can change

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}: {self.fix}"


class KbError(Exception):
    """An error the user can act on; its message says what to do."""


class ConfigError(KbError):
    """mkdocs.yml or a data file under locales/ or search/ cannot be used."""
