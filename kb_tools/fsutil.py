"""Writing files safely: through a temp file and a rename, so a crash never leaves half a file."""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from pathlib import Path


def write_atomic_bytes(path: Path, data: bytes) -> None:
    """Write data to path via a temp file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text with LF line endings atomically."""
    write_atomic_bytes(path, text.encode("utf-8"))


def scratch_dir(target: Path) -> Path:
    """A new empty folder next to target (so on its filesystem), to fill and then swap_dir into target's place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.kb-tmp-", dir=target.parent))


def swap_dir(new: Path, target: Path) -> None:
    """Put the folder new in target's place with two renames; the old target is deleted only after."""
    trash = None
    if target.exists():
        trash = Path(tempfile.mkdtemp(prefix=f".{target.name}.kb-old-", dir=target.parent))
        os.rename(target, trash / target.name)
    os.rename(new, target)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)


def clean_scratch(target: Path) -> None:
    """Delete what a killed run left next to target: unfinished scratch folders and old copies not yet deleted."""
    if target.parent.is_dir():
        for leftover in target.parent.glob(f".{glob.escape(target.name)}.kb-*"):
            shutil.rmtree(leftover, ignore_errors=True)


def read_only(path: Path) -> Path | None:
    """The file or folder that keeps path from being written, if someone made it read-only.

    Judged by the permission bits, not by trying: root may write anything, but a translator who
    took the write bits off a file wants it left alone.
    """
    for candidate in (path, *path.parents):
        try:
            mode = candidate.stat().st_mode
        except FileNotFoundError:
            continue
        if not mode & 0o222:
            return candidate
        if candidate != path:  # the nearest existing folder decides: the file is created in it
            return None
    return None
