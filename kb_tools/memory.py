"""The translation memory: reviewed translations of source blocks, per language, in locales/<lang>/memory.json.

A source block and its translation enter the memory only where a reviewed translation lines up
with its source block for block (same kinds in the same order); anything else is reported,
never guessed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kb_tools.blocks import Block, item_content, normalize_text, short_hash
from kb_tools.errors import ConfigError
from kb_tools.fsutil import write_atomic
from kb_tools.model import Document


def memory_path(root: Path, lang: str) -> Path:
    """Where a language's memory is kept."""
    return root / "locales" / lang / "memory.json"


def pseudo_block(kind: str, text: str) -> Block:
    """The title or description as a block, so the memory can hold their translations too."""
    return Block(kind, 0, text, short_hash(f"{kind}\0{normalize_text(text)}"))


def with_meta(doc: Document) -> tuple[Block, ...]:
    """A document's title (and description) as blocks, then its body's blocks."""
    meta = [pseudo_block("title", doc.title)]
    if doc.description is not None:
        meta.append(pseudo_block("description", doc.description))
    return (*meta, *doc.blocks)


def segment(block: Block) -> str:
    """The translatable text of a block: a heading's words, a list item without its marker..."""
    return item_content(block) if block.kind == "item" else block.text


@dataclass
class Memory:
    """source block key -> (source text, reviewed translation), for one language."""

    path: Path
    entries: dict[str, tuple[str, str]]
    changed: bool = False

    @classmethod
    def load(cls, root: Path, lang: str) -> Memory:
        """The memory of lang (empty if there is none yet)."""
        path = memory_path(root, lang)
        if not path.exists():
            return cls(path, {})
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = {key: (value["source"], value["target"]) for key, value in data.items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{path}: cannot be read ({exc}): restore it from git or delete it") from None
        return cls(path, entries)

    def get(self, block: Block) -> str | None:
        """The reviewed translation of a source block's text, if any."""
        found = self.entries.get(block.key)
        return found[1] if found else None

    def add(self, source: Block, target: Block) -> None:
        """Remember a reviewed translation of one source block."""
        pair = (segment(source), segment(target))
        if self.entries.get(source.key) != pair:
            self.entries[source.key] = pair
            self.changed = True

    def learn(self, source: tuple[Block, ...], translation: tuple[Block, ...],
              accept: Callable[[Block, Block], bool] | None = None) -> bool:
        """Add every (source block, translated block) pair that `accept` passes (all by default);
        False, adding nothing, when they do not line up."""
        if [b.kind for b in source] != [b.kind for b in translation]:
            return False
        for s, t in zip(source, translation, strict=True):
            if s.kind != "code" and (accept is None or accept(s, t)):
                self.add(s, t)
        return True

    def save(self) -> None:
        """Write the memory (sorted, one entry a line pair) if anything was added."""
        if self.changed:
            data = {key: {"source": s, "target": t} for key, (s, t) in sorted(self.entries.items())}
            write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
            self.changed = False
