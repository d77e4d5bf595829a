"""Writing files safely: through a temp file and a rename, so a crash never leaves half a file.

The files get the permissions any program's files get (0666 less the umask: 0644 for most users), not the
0600 of tempfile.mkstemp: kb writes sites, review pages and drafts that a web server or a colleague reads.
A file that exists keeps its mode.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import stat
import tempfile
from contextlib import suppress
from pathlib import Path

# O_EXCL: never open a file someone else made; O_NOFOLLOW: nor one a planted symlink points to.
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def write_atomic_bytes(path: Path, data: bytes) -> None:
    """Write data to path via a temp file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)  # 0777 less the umask, like mkdir(1)
    tmp, fd = _temp_file(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        with suppress(FileNotFoundError):  # a new file keeps the mode it was created with
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _temp_file(path: Path) -> tuple[Path, int]:
    """A new file next to path, opened for writing, created with mode 0666: the kernel takes the umask off.

    Asking the kernel, not reading the umask: os.umask can only be read by setting it, which races with
    other threads creating files meanwhile.
    """
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            return tmp, os.open(tmp, _FLAGS, 0o666)
        except FileExistsError:  # 48 random bits taken: draw again
            continue


def write_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text with LF line endings atomically."""
    write_atomic_bytes(path, text.encode("utf-8"))


def scratch_dir(target: Path) -> Path:
    """A new empty folder next to target (so on its filesystem), to fill and then swap_dir into target's place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:  # not tempfile.mkdtemp: its 0700 would become the published folder's mode
        folder = target.parent / f".{target.name}.kb-tmp-{secrets.token_hex(6)}"
        try:
            folder.mkdir(0o777)  # less the umask, like any folder
            return folder
        except FileExistsError:
            continue


def swap_dir(new: Path, target: Path) -> None:
    """Put the folder new in target's place with two renames; the old target is deleted only after."""
    trash = None
    if target.exists():
        trash = Path(tempfile.mkdtemp(prefix=f".{target.name}.kb-old-", dir=target.parent))
        os.rename(target, trash / target.name)
    os.rename(new, target)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)


def hard_link(source: Path, target: Path) -> bool:
    """Whether target is now a hard link of source (False when source is gone or the filesystem has none).

    For a file of the last build that the new one would write again byte for byte: no data is written.
    """
    try:
        try:
            os.link(source, target)
        except FileNotFoundError:  # no folder for target yet (or no source: linking again says so)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(source, target)
        return True
    except OSError:
        return False


def clean_scratch(target: Path) -> None:
    """Delete what a killed run left next to target: unfinished scratch folders and old copies not yet deleted.

    A run killed between swap_dir's two renames left no target, and the old one in its trash folder:
    that one is put back first, so a killed swap leaves the old folder or the new one, never none.
    """
    if not target.exists() and target.parent.is_dir():
        for trash in target.parent.glob(f".{glob.escape(target.name)}.kb-old-*"):
            if (trash / target.name).is_dir():
                os.rename(trash / target.name, target)
                break
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
