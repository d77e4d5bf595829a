"""The model: typed, frozen documents of a help center, read once and passed downstream."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple, get_args

from kb_tools.blocks import Block, normalize_text, short_hash, unpack
from kb_tools.config import Settings
from kb_tools.errors import Problem

Status = Literal["current", "machine", "stale", "missing", "orphan", "untracked", "invalid"]
STATUSES: tuple[Status, ...] = get_args(Status)
TranslationStatus = Literal["machine", "reviewed"]
TRANSLATION_STATUSES: tuple[TranslationStatus, ...] = get_args(TranslationStatus)


class TranslationInfo(NamedTuple):
    """The `translation:` block of a translation's front matter."""

    source_hash: str
    status: TranslationStatus
    engine: str = ""
    reviewed_by: str = ""
    reviewed_on: str = ""  # ISO date
    qa: tuple[str, ...] = ()  # problems kb draft left for the reviewer


class Document(NamedTuple):
    """One Markdown file of one language, read and validated (a tuple: a cold `kb status` makes and unpickles one
    per file, and a frozen dataclass took three times as long to make, twice as long to unpickle)."""

    path: str  # relative to the help center root, e.g. docs/en/security/enable-2fa.md
    lang: str
    rel: str  # relative to the language folder, e.g. security/enable-2fa.md
    readable: bool  # false when front matter or text cannot be read: status `invalid`
    title: str = ""
    description: str | None = None  # None when the file has no description
    tags: tuple[str, ...] = ()
    critical: bool = False  # fees, limits, KYC/AML and security: stricter policies
    machine_translation: bool = True  # false: never machine-draft this article
    translation: TranslationInfo | None = None
    template: str = ""  # the theme template front matter asks for, if any
    problems: tuple[Problem, ...] = ()
    source_hash: str = ""  # hash of this file as a source (title, description, body)
    title_line: int = 1
    template_line: int = 0  # the front matter line of `template:` (0 without one)
    parsed: tuple[Block, ...] | None = None  # the body's blocks; None when a scan left them out (status needs none)
    content_hash: str = ""  # hash of the file's bytes as read: what derived results (QA) are cached by

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that make the file invalid."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def blocks(self) -> tuple[Block, ...]:
        """The body's blocks, in order (none for an unreadable file)."""
        if self.parsed is None:
            if not self.readable:
                return ()
            raise RuntimeError(f"{self.path}: blocks not loaded: scan with blocks, or use HelpCenter.with_blocks")
        return self.parsed

    def without_blocks(self) -> Document:
        """The document as kb status needs it."""
        return self._replace(parsed=None)


@dataclass(frozen=True)
class EditorialEdit:
    """A source edit a writer declared needs no re-translation (kb editorial, in locales/editorial.yml)."""

    rel: str  # the source article, relative to the language folder
    before: str  # source hash before the edit
    after: str  # source hash after it
    by: str
    on: str  # ISO date
    note: str = ""

    def describe(self) -> str:
        """One line for kb status: what was declared, by whom, when."""
        note = f": {self.note}" if self.note else ""
        return f"current through an editorial source edit {self.before} -> {self.after} ({self.on}, {self.by}){note}"


@dataclass
class HelpCenter:
    """Every document of every language, and the files that are not articles."""

    settings: Settings
    docs: dict[str, dict[str, Document]]  # lang -> rel -> document
    assets: dict[str, dict[str, str]]  # lang -> rel -> file (relative to the root) of images and other files
    problems: list[Problem]  # problems outside any one document
    editorial: dict[str, dict[str, EditorialEdit]] = field(default_factory=dict)  # rel -> hash before -> edit
    packed: dict[str, bytes] = field(default_factory=dict)  # path -> blocks.pack() of blocks a scan read, then left out

    def editorial_chain(self, rel: str, digest: str) -> tuple[EditorialEdit, ...]:
        """The editorial edits that follow one another from the source version with hash digest."""
        edits, chain, seen = self.editorial.get(rel, {}), [], {digest}
        while digest in edits and edits[digest].after not in seen:
            chain.append(edits[digest])
            digest = edits[digest].after
            seen.add(digest)
        return tuple(chain)

    def source(self, rel: str) -> Document | None:
        """The source-language document at rel, if any."""
        return self.docs[self.settings.source_language].get(rel)

    def with_blocks(self, doc: Document) -> Document:
        """doc with its blocks: unpacked if the scan read them, else read again from disk."""
        if doc.parsed is not None or not doc.readable:
            return doc
        if doc.path in self.packed:
            return doc._replace(parsed=unpack(self.packed[doc.path]))
        from kb_tools.scan import read_document  # the scanner reads; the model only describes

        data = (self.settings.root / doc.path).read_bytes()
        return read_document(doc.path, doc.lang, doc.rel, data, doc.lang == self.settings.source_language)


def source_hash(title: str, description: str, blocks: tuple[Block, ...] | list[Block]) -> str:
    """Hash of what a translation is made from: normalized title, description and body."""
    return hash_of_keys(title, description, [b.key for b in blocks])


def hash_of_keys(title: str, description: str, keys: list[str]) -> str:
    """source_hash, given the keys of the body's blocks alone (blocks.read_keys)."""
    return short_hash("\n".join([normalize_text(title), normalize_text(description), *keys]))
