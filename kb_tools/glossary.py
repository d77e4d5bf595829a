"""The glossary in locales/glossary.yml: do-not-translate terms and required translations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from kb_tools.errors import Problem

GLOSSARY_FILE = "locales/glossary.yml"


@dataclass(frozen=True)
class Glossary:
    """Terms kept as written in every language, and terms each language must translate one way."""

    do_not_translate: tuple[str, ...] = ()
    required: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)  # term -> lang -> accepted words

    def required_for(self, lang: str) -> list[tuple[str, tuple[str, ...]]]:
        """(source term, accepted words) pairs for one language."""
        return [(term, per_lang[lang]) for term, per_lang in self.required.items() if per_lang.get(lang)]

    def terms_pattern(self, lang: str) -> re.Pattern[str] | None:
        """A regex of every glossary word that may appear in a text of lang, longest first."""
        if lang not in self._patterns:
            words = {*self.do_not_translate, *(w for _, accepted in self.required_for(lang) for w in accepted)}
            self._patterns[lang] = _alternation(words, re.IGNORECASE) if words else None
        return self._patterns[lang]

    @cached_property
    def _patterns(self) -> dict[str, re.Pattern[str] | None]:
        return {}

    @cached_property
    def _kept(self) -> re.Pattern[str] | None:
        return _alternation(set(self.do_not_translate)) if self.do_not_translate else None

    def kept_terms(self, text: str) -> set[str]:
        """The do-not-translate terms that occur in text as whole words."""
        return set(self._kept.findall(text)) if self._kept else set()


def _alternation(words: set[str], flags: int = 0) -> re.Pattern[str]:
    ordered = sorted(words, key=len, reverse=True)
    return re.compile(rf"(?<![A-Za-z0-9])(?:{'|'.join(map(re.escape, ordered))})(?![A-Za-z0-9])", flags)


def load(root: Path) -> tuple[Glossary, list[Problem]]:
    """Read the glossary; a missing file is an empty glossary, a bad one a list of problems."""
    path = root / GLOSSARY_FILE
    if not path.exists():
        return Glossary(), []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        return Glossary(), [Problem(GLOSSARY_FILE, line, f"invalid YAML: {exc.problem}", "fix the YAML syntax")]
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return Glossary(), [Problem(GLOSSARY_FILE, 1, f"cannot be read: {exc}", "save it as UTF-8 YAML")]
    problems = []
    if not isinstance(data, dict):
        return Glossary(), [Problem(GLOSSARY_FILE, 1, "not a mapping", "write do_not_translate: and required: keys")]
    keep = data.get("do_not_translate") or []
    if not isinstance(keep, list) or not all(isinstance(t, str) for t in keep):
        problems.append(Problem(GLOSSARY_FILE, 1, "do_not_translate must be a list of terms",
                                "write do_not_translate: [BTC, USDT, 2FA]"))
        keep = []
    required = data.get("required") or {}
    valid: dict[str, dict[str, tuple[str, ...]]] = {}
    if isinstance(required, dict):
        for term, per_lang in required.items():
            words = {str(k): (v,) if isinstance(v, str) else v for k, v in (per_lang or {}).items()} \
                if isinstance(per_lang, dict) else None
            if words and all(isinstance(v, list | tuple) and all(isinstance(w, str) for w in v)
                             for v in words.values()):
                valid[str(term)] = {lang: tuple(v) for lang, v in words.items()}
            else:
                problems.append(Problem(GLOSSARY_FILE, 1, f"required.{term} must map languages to terms",
                                        "write e.g. withdrawal: {zh: 提币, es: [retiro, retirar]}"))
    else:
        problems.append(Problem(GLOSSARY_FILE, 1, "required must be a mapping", "write term: {lang: translation}"))
    return Glossary(tuple(keep), valid), problems
