"""Writing files safely: through a temp file and a rename, so a crash never leaves half a file.

The files get the permissions any program's files get (0666 less the umask: 0644 for most users), not the
0600 of tempfile.mkstemp: kb writes sites, review pages and drafts that a web server or a colleague reads.
A file that exists keeps its mode.
"""

from __future__ import annotations

import os
import secrets
import stat
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
