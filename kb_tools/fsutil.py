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
import subprocess
import sys
import tempfile
from contextlib import suppress
from pathlib import Path

SPARE = ".kb-spare"  # in a scratch folder: an old site's folders, emptied of files, for the builder to write in

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


def swap_dir(new: Path, target: Path, trash: Path | None = None, spare: Path | None = None) -> None:
    """Put the folder new in target's place with two renames; the old target is deleted only after.

    With trash (a folder on the same filesystem, out of what is published), the old target is moved
    there and deleted by a process of its own that the caller does not wait for: deleting a site's
    thousands of files takes seconds on a slow disk, and a build would wait for them. With spare too,
    that process keeps the old target's folders, emptied of files, at spare for take_spare.
    """
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.kb-old-", dir=target.parent))
        os.rename(target, old / target.name)
    os.rename(new, target)
    if old is not None and not (trash is not None and _delete_later(old, target.name, trash, spare)):
        shutil.rmtree(old, ignore_errors=True)


def _delete_later(folder: Path, name: str, trash: Path, spare: Path | None) -> bool:
    """Whether folder is now in trash, being deleted by a process of its own (False: it could not be moved)."""
    try:
        trash.mkdir(parents=True, exist_ok=True)
        moved = Path(tempfile.mkdtemp(dir=trash))
        os.rename(folder, moved / folder.name)
    except OSError:  # another filesystem: delete it now
        return False
    subprocess.Popen([sys.executable, "-m", "kb_tools.fsutil", str(moved), str(moved / folder.name / name),
                      str(spare or "")], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
    return True


def _empty_or_delete(moved: Path, tree: Path, spare: Path | None) -> None:
    """Delete moved; but first, when spare is free, keep tree's folders there with every file deleted.

    A new site's thousand page folders cost more than its pages, which are mostly linked: a folder
    takes the disk far longer to make than a link. Only a tree whose every file is gone is kept, so a
    file written in a spare folder is always a new file, never one that the published site links.
    """
    if spare is not None and not spare.exists():
        try:
            for folder, folders, files in os.walk(tree):
                for name in files + [f for f in folders if os.path.islink(os.path.join(folder, f))]:
                    os.unlink(os.path.join(folder, name))
            spare.parent.mkdir(parents=True, exist_ok=True)
            os.rename(tree, spare)
        except OSError:
            pass
    shutil.rmtree(moved, ignore_errors=True)


def take_spare(spare: Path, scratch: Path) -> None:
    """Put the folders kept at spare (see swap_dir) in scratch/SPARE, for the builder to unpack_spare there."""
    with suppress(OSError):  # none kept, or not yet: the builder makes its folders
        os.rename(spare, scratch / SPARE)


def unpack_spare(folder: Path) -> None:
    """Move the folders in folder/SPARE up into folder, where a builder writes next; call it once folder is empty."""
    kept = folder / SPARE
    if not kept.is_dir():
        return
    for entry in os.scandir(kept):
        with suppress(OSError):
            os.rename(entry.path, folder / entry.name)
    shutil.rmtree(kept, ignore_errors=True)


def prune_empty(folder: Path) -> None:
    """Delete folder/SPARE and the folders left without files under folder: what spare folders a build did not fill."""
    shutil.rmtree(folder / SPARE, ignore_errors=True)
    for path, _folders, files in os.walk(folder, topdown=False):
        if not files and path != str(folder):
            with suppress(OSError):  # not empty: it has a folder with files
                os.rmdir(path)


def hard_link(source: str | Path, target: str | Path) -> bool:
    """Whether target is now a hard link of source (False when source is gone or the filesystem has none).

    For a file of the last build that the new one would write again byte for byte: no data is written.
    """
    try:
        try:
            os.link(source, target)
        except FileNotFoundError:  # no folder for target yet (or no source: linking again says so)
            os.makedirs(os.path.dirname(target), exist_ok=True)
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


if __name__ == "__main__":  # swap_dir's process: python -m kb_tools.fsutil MOVED TREE SPARE
    if hasattr(os, "nice"):  # not on Windows
        os.nice(19)  # no one waits for it: the other languages' builds, still running, go first
    _empty_or_delete(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]) if sys.argv[3] else None)
