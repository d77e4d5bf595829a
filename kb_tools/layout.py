"""Where a help center keeps each language's files: the one mapping between (language, rel) and files.

`rel` is an article's or asset's path as every language shares it (`security/enable-2fa.md`); a file
is a path relative to the help center's root (`docs/zh/security/enable-2fa.md`). Three layouts, set
with `layout:` in the kb plugin's settings:

- folder (the default): `docs/<lang>/<rel>`;
- suffix, mkdocs-static-i18n's: `docs/<rel>` (or `docs/<stem>.<source>.<ext>`) for the source,
  `docs/<stem>.<lang>.<ext>` for a translation; an asset without a language suffix is the source's,
  shown in every language that has no suffixed copy of its own;
- patterns relative to the root, e.g. FastAPI's `docs/en/docs/{path}` and `docs/{lang}/docs/{path}`;
  a file the source pattern matches is not a source when the translation pattern matches it too,
  with `{lang}` a language code other than the source's.

Everything that reads or writes an article or an asset asks this module where it is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb_tools.errors import ConfigError, Problem

if TYPE_CHECKING:
    from kb_tools.config import Settings

FOLDER, SUFFIX, PATTERNS = "folder", "suffix", "patterns"
_CODE = re.compile(r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
EXAMPLE = 'folder, suffix, or {source: "docs/en/docs/{path}", translation: "docs/{lang}/docs/{path}"}'


@dataclass(frozen=True)
class Spec:
    """What `plugins.kb.layout` says: a kind, and for patterns the two patterns."""

    kind: str = FOLDER
    source: str = ""  # patterns only: e.g. docs/en/docs/{path}
    translation: str = ""  # patterns only: e.g. docs/{lang}/docs/{path}


def parse(value: Any, where: str) -> Spec:
    """The layout setting validated; a ConfigError names the option, quotes the value and says what to write."""
    if value is None or value == FOLDER:
        return Spec()
    if value == SUFFIX:
        return Spec(SUFFIX)
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {value!r} is not a layout: use {EXAMPLE}")
    errors = [f"{where}.{key}: unknown key: use source and translation" for key in sorted(set(value) - {
        "source", "translation"}, key=str)]
    for key in ("source", "translation"):
        pattern = value.get(key)
        wanted = "{lang}/" if key == "translation" else ""
        if not isinstance(pattern, str):
            errors.append(f"{where}.{key}: {pattern!r} is not a pattern: write a path relative to the repository "
                          f"root ending in /{{path}}, e.g. \"docs/{wanted or 'en/'}docs/{{path}}\"")
            continue
        problem = _pattern_problem(pattern, key == "translation")
        if problem:
            errors.append(f"{where}.{key}: {pattern!r} {problem}")
    if not errors and value["source"].replace("{lang}", "") == value["translation"].replace("{lang}", ""):
        errors.append(f"{where}: source and translation name the same files: give each language its own place")
    if errors:
        raise ConfigError("\n".join(errors))
    return Spec(PATTERNS, value["source"], value["translation"])


def _pattern_problem(pattern: str, translation: bool) -> str:
    """Why a pattern cannot be used ('' if it can)."""
    head = pattern.removesuffix("{path}")
    if not pattern.endswith("{path}") or not (head == "" or head.endswith("/")) or "{path}" in head:
        return "must end in /{path} (the article's path), once, e.g. \"docs/{lang}/docs/{path}\""
    if translation and head.count("{lang}") != 1:
        return "must hold {lang} (the language code) once, e.g. \"docs/{lang}/docs/{path}\""
    if head.count("{lang}") > 1:
        return "may hold {lang} at most once"
    if re.search(r"\{(?!lang\}|path\})", pattern):
        return "may only hold {lang} and {path}"
    if pattern.startswith("/") or ".." in pattern.split("/") or "\\" in pattern:
        return "must be a path inside the repository, relative to its root, with / between folders"
    return ""


@cache
def is_language_code(code: str) -> bool:
    """Whether a folder name or file suffix names a language Babel knows (zh, pt-BR), not e.g. `api`."""
    if not _CODE.match(code):
        return False
    from babel import Locale, UnknownLocaleError  # here: kb search lists folders without importing Babel

    try:
        Locale.parse(code.replace("_", "-"), sep="-")
    except (ValueError, UnknownLocaleError):
        return False
    return True


def walk_folder(folder: Path) -> Iterator[tuple[os.DirEntry[str], str]]:
    """Every file and symlink under folder (folders are entered, symlinked ones not), with its posix path."""
    if not folder.is_dir():
        return
    stack = [(str(folder), "")]
    while stack:
        current, prefix = stack.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, f"{prefix}{entry.name}/"))
                else:
                    yield entry, prefix + entry.name


def display(root: Path, path: Path) -> str:
    """path relative to root, posix, or as it is when outside root."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


class Layout:
    """The layout of one help center: files of a language, and where a language's rel lives."""

    def __init__(self, settings: Settings) -> None:
        self.root = settings.root
        self.docs_dir = settings.docs_dir
        self.spec = settings.layout
        self.source = settings.source_language
        self.languages = settings.languages
        self._suffixed: dict[str, list[tuple[os.DirEntry[str], str, str]]] | None = None
        self._problems: list[Problem] = []

    @property
    def top(self) -> Path:
        """The folder no published file may lie (or link) outside of."""
        return self.root if self.spec.kind == PATTERNS else self.docs_dir

    def home(self, lang: str) -> Path:
        """The folder under which lang's files keep their rel (a builder's docs folder for lang)."""
        if self.spec.kind == FOLDER:
            return self.docs_dir / lang
        if self.spec.kind == SUFFIX:
            return self.docs_dir
        pattern = self.spec.source if lang == self.source else self.spec.translation
        return self.root / pattern.replace("{lang}", lang).removesuffix("{path}")

    def place(self, lang: str) -> str:
        """Where lang's files are, as messages name it: docs/en/, docs/ (suffix), docs/en/docs/."""
        return display(self.root, self.home(lang)).rstrip("/") + "/"

    def folders(self, lang: str) -> list[Path]:
        """The folders holding lang's files (for git dates, uncommitted changes, live reload)."""
        return [self.home(lang)]

    def every_folder(self) -> list[Path]:
        """The folders holding any language's files, each once."""
        return list(dict.fromkeys(folder for lang in self.languages for folder in self.folders(lang)))

    def file(self, lang: str, rel: str) -> Path:
        """Where lang's file for rel is (or goes, for a new one): a suffixed name for a suffix translation."""
        if self.spec.kind == SUFFIX and lang != self.source:
            folder, _, name = rel.rpartition("/")
            stem, dot, ext = name.rpartition(".")
            name = f"{stem}.{lang}.{ext}" if dot and stem else f"{name}.{lang}"
            return self.docs_dir / (f"{folder}/{name}" if folder else name)
        return self.home(lang) / rel

    def path(self, lang: str, rel: str) -> str:
        """file(lang, rel) relative to the root, as kb names files in its messages."""
        return display(self.root, self.file(lang, rel))

    def rel_of(self, given: str, *langs: str) -> str:
        """The rel a user means by a path they typed: a file of one of langs, or already a rel."""
        given = given.replace("\\", "/").removeprefix("./")
        if self.spec.kind == SUFFIX:
            found = self._split_suffix(given.removeprefix(display(self.root, self.docs_dir).rstrip("/") + "/"))
            return found[1] if found is not None and found[0] in (*langs, self.source) else given
        for lang in langs:
            base = display(self.root, self.home(lang)).rstrip("/") + "/"
            if base != "./" and given.startswith(base):
                return given.removeprefix(base)
        return given

    def walk(self, lang: str) -> Iterator[tuple[os.DirEntry[str], str, str]]:
        """Every file of lang: (entry, rel, file relative to the root)."""
        if self.spec.kind == SUFFIX:
            yield from self._suffix_index().get(lang, [])
            return
        home = self.home(lang)
        base = display(self.root, home)
        translation = None
        if self.spec.kind == PATTERNS and lang == self.source:
            translation = _regex(self.spec.translation)
        for entry, rel in walk_folder(home):
            path = f"{base}/{rel}"
            if translation is not None:
                match = translation.match(path)
                if match and match["lang"] != self.source and (
                        match["lang"] in self.languages or is_language_code(match["lang"])):
                    continue  # a translation the source pattern also matches
            yield entry, rel, path

    def locate(self, path: str) -> tuple[str, str] | None:
        """The (lang, rel) walk() gives the file at path (relative to the root); None if it gives it none.

        For files that are not on disk, e.g. in a past commit's tree (kb_tools/progress.py).
        """
        if self.spec.kind == SUFFIX:
            base = display(self.root, self.docs_dir)
            name = path if base == "." else path.removeprefix(base + "/")
            if (name == path and base != ".") or _hidden(name):
                return None
            return self._split_suffix(name)
        targets = [lang for lang in self.languages if lang != self.source]
        for lang in (*targets, self.source):
            base = display(self.root, self.home(lang)).rstrip("/")
            rel = path if base == "." else path.removeprefix(base + "/")
            if (rel == path and base != ".") or _hidden(rel):
                continue
            if lang == self.source and self.spec.kind == PATTERNS:
                match = _regex(self.spec.translation).match(path)
                if match and match["lang"] != self.source and (
                        match["lang"] in self.languages or is_language_code(match["lang"])):
                    return None  # a translation the source pattern also matches, as walk() skips it
            return lang, rel
        return None

    def problems(self) -> list[Problem]:
        """Files and folders of languages the settings do not list, and sources given twice."""
        if self.spec.kind == FOLDER:
            found = []
            for folder in self.docs_dir.iterdir() if self.docs_dir.is_dir() else []:
                if folder.is_dir() and folder.name not in self.languages:
                    found.append(Problem(display(self.root, folder), 1,
                                         f"folder '{folder.name}' is not a configured language",
                                         "add it to plugins.kb.languages in mkdocs.yml, or move it out of docs/"))
            return found
        if self.spec.kind == SUFFIX:
            self._suffix_index()
            return list(self._problems)
        return self._stray_pattern_folders()

    def _stray_pattern_folders(self) -> list[Problem]:
        """Folders the translation pattern gives a language code the settings do not list."""
        head, _, tail = self.spec.translation.partition("{lang}")
        if (head and not head.endswith("/")) or not tail.startswith("/"):
            return []  # {lang} is part of a name: nothing to list
        parent = self.root / head
        found = []
        for folder in sorted(parent.iterdir()) if parent.is_dir() else []:
            name = folder.name
            if name in self.languages or not folder.is_dir() or not is_language_code(name):
                continue
            home = self.root / self.spec.translation.replace("{lang}", name).removesuffix("{path}")
            if home.is_dir():
                found.append(Problem(display(self.root, home), 1, f"language '{name}' is not a configured language",
                                     "add it to plugins.kb.languages in mkdocs.yml to read its translations"))
        return found

    def _split_suffix(self, name: str) -> tuple[str, str] | None:
        """(lang, rel) of a file under docs/ in the suffix layout; None for an unconfigured language's."""
        folder, _, base = name.rpartition("/")
        parts = base.split(".")
        if len(parts) >= 3 and parts[-2]:
            code = parts[-2]
            if code in self.languages or is_language_code(code):
                if code not in self.languages:
                    return None
                rel = ".".join([*parts[:-2], parts[-1]])
                return code, f"{folder}/{rel}" if folder else rel
        return self.source, name

    def _suffix_index(self) -> dict[str, list[tuple[os.DirEntry[str], str, str]]]:
        """docs/ walked once, each file given its language (from its suffix) and rel."""
        if self._suffixed is not None:
            return self._suffixed
        index: dict[str, dict[str, tuple[os.DirEntry[str], str, str]]] = {lang: {} for lang in self.languages}
        base = display(self.root, self.docs_dir)
        strays: dict[str, str] = {}
        for entry, name in sorted(walk_folder(self.docs_dir), key=lambda item: item[1]):
            path = f"{base}/{name}"
            found = self._split_suffix(name)
            if found is None:
                strays.setdefault(name.rsplit(".", 2)[-2], path)
                continue
            lang, rel = found
            other = index[lang].get(rel)
            if other is not None:  # x.md and x.en.md: both the source of x.md
                plain, suffixed = sorted((other[2], path), key=len)
                self._problems.append(Problem(suffixed, 1, f"a second source of {rel}, besides {plain}",
                                              "keep one of the two files"))
                if len(path) > len(other[2]):
                    continue
            index[lang][rel] = (entry, rel, path)
        for code, path in sorted(strays.items()):
            self._problems.append(Problem(path, 1, f"suffix '.{code}' is not a configured language",
                                          "add it to plugins.kb.languages in mkdocs.yml, or rename the file"))
        self._suffixed = {lang: list(files.values()) for lang, files in index.items()}
        return self._suffixed


def _hidden(rel: str) -> bool:
    """Whether a path passes through a file or folder walk_folder leaves out (named with a leading dot)."""
    return any(part.startswith(".") for part in rel.split("/"))


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """A pattern as a regular expression over paths relative to the root, with groups lang and path."""
    parts = re.split(r"(\{lang\}|\{path\})", pattern)
    regex = "".join({"{lang}": r"(?P<lang>[^/]+)", "{path}": r"(?P<path>.+)"}.get(part, re.escape(part))
                    for part in parts)
    return re.compile(f"^{regex}$")
