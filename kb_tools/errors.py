"""Problems found in a help center, and the project's exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one file, with where it is and how to fix it."""

    path: str
    line: int
    message: str
    fix: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}: {self.fix}"


class KbError(Exception):
    """An error the user can act on; its message says what to do."""


class ConfigError(KbError):
    """mkdocs.yml or a data file under locales/ or search/ cannot be used."""
