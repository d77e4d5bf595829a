"""The glossary in locales/glossary.yml: do-not-translate terms and required translations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kb_tools.errors import Problem

GLOSSARY_FILE = "locales/glossary.yml"


@dataclass(frozen=True)
class Glossary:
    """Terms kept as written in every language, and terms each language must translate one way."""

    do_not_translate: tuple[str, ...] = ()
    required: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)  # term -> lang -> accepted words

    def terms_for(self, lang: str) -> list[str]:
        """Every glossary word that may appear in a text of lang (kept terms and required translations)."""
        return [*self.do_not_translate, *(w for per_lang in self.required.values() for w in per_lang.get(lang, ()))]

    def kept_terms(self, text: str) -> set[str]:
        """The do-not-translate terms that occur in text."""
        return {term for term in self.do_not_translate if term_in(term, text)}


def term_in(term: str, text: str, ignore_case: bool = False) -> bool:
    """Whether term occurs in text as a whole word (CJK text has no word boundaries to ask for)."""
    flags = re.IGNORECASE if ignore_case else 0
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(term)}(?![A-Za-z0-9])", text, flags) is not None


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
