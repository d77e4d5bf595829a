"""Which block of a translation stands for which block of its source: for the review site and kb diff."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from kb_tools.blocks import Block


def pairs(source: Sequence[Block], target: Sequence[Block]) -> list[tuple[Block | None, Block | None]]:
    """Source and translation blocks side by side in reading order: what lines up by kind paired, the rest alone."""
    result: list[tuple[Block | None, Block | None]] = []
    matcher = difflib.SequenceMatcher(None, [b.kind for b in source], [b.kind for b in target], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        for k in range(max(i2 - i1, j2 - j1)):  # pair what lines up; show the rest alone
            s = source[i1 + k] if i1 + k < i2 else None
            d = target[j1 + k] if j1 + k < j2 else None
            if op == "replace" and s and d and s.kind != d.kind:
                result += [(s, None), (None, d)]
            else:
                result.append((s, d))
    return result


def counterparts(source: Sequence[Block], target: Sequence[Block], made_from: Sequence[Block] = ()
                 ) -> tuple[list[Block | None], list[Block | None]]:
    """The translation block made from each block of the source (None where none is), and from each block of
    made_from, the source version the translation was made from.

    When the translation lines up with made_from block for block, a source block finds the block
    translated from its earlier version (matched by content, as history.changes matches them), so a
    paragraph added to the source pairs with nothing rather than shifting the pairs after it.
    Otherwise blocks pair by kind in order, as pairs() does.
    """
    if made_from and [b.kind for b in made_from] == [b.kind for b in target]:
        now: list[Block | None] = [None] * len(source)
        matcher = difflib.SequenceMatcher(None, [b.key for b in made_from], [b.key for b in source], autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            for k in range(min(i2 - i1, j2 - j1) if op in ("equal", "replace") else 0):
                now[j1 + k] = target[i1 + k]
        return now, list(target)
    paired = {id(s): d for s, d in pairs(source, target) if s is not None}
    return [paired.get(id(s)) for s in source], [None] * len(made_from)
