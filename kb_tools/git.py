"""Every git call kb makes: file versions, dates, uncommitted files, the reviewer's name, the HEAD commit.

Git prints file names NUL-separated here (-z), so names with spaces, quotes or non-ASCII letters come
through as written. Nothing here raises: outside a repository, or without git, each function gives an
empty result and says why at debug level.
"""

from __future__ import annotations

import logging
import os
import posixpath
import subprocess
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SHALLOW = "the history is shallow (git clone --depth): fetch more with git fetch --unshallow"


def _run(root: Path, *args: str) -> bytes | None:
    """git's output for args run in root, or None (logged at debug) when git is missing or fails."""
    # --literal-pathspecs: a file named `*.md` means that file; quotepath off: names as they are.
    command = ["git", "--literal-pathspecs", "-c", "core.quotepath=off", *args]
    try:
        result = subprocess.run(command, cwd=root, capture_output=True, check=False)
    except OSError as exc:
        log.debug("git %s in %s: %s", args[0], root, exc)
        return None
    if result.returncode != 0:
        log.debug("git %s in %s: %s", args[0], root, result.stderr.decode(errors="replace").strip())
        return None
    return result.stdout


def _fields(data: bytes) -> list[str]:
    """NUL-separated output as names the way the file system spells them (undecodable bytes kept)."""
    return [os.fsdecode(part) for part in data.split(b"\0")]


@dataclass(frozen=True)
class Commit:
    """One commit as kb reports it."""

    commit: str
    date: str  # ISO date the commit was made
    author: str


class Git:
    """Reads file versions from the git repository that holds the help center."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.prefix: str | None = None  # root's path inside the repository ("" at its top); None: no repository
        self.shallow = False  # cloned with --depth: older versions may be missing
        self._versions: dict[str, list[tuple[str, str]]] = {}  # by prefetch()
        self._ids: dict[tuple[str, str], str] = {}  # by prefetch(): (commit, path) -> its blob's id, "" if deleted
        self._blobs: dict[str, bytes | None] = {}  # by read_many(), for read() to answer from: spec -> bytes
        self._batch: subprocess.Popen[bytes] | None = None  # git cat-file --batch, started by read()
        output = _run(root, "rev-parse", "--show-prefix", "--is-shallow-repository")
        if output is None:
            log.debug("%s is not in a git repository", root)
            return
        prefix, _, shallow = os.fsdecode(output).rstrip("\n").rpartition("\n")
        self.prefix, self.shallow = prefix, shallow == "true"

    def prefetch(self, paths: Iterable[str]) -> None:
        """Read the versions of many paths (relative to root) in one git log, for versions() to answer from."""
        wanted = set(paths) - set(self._versions)
        if self.prefix is None or not wanted:
            return
        folders = sorted({posixpath.dirname(path) or "." for path in wanted})
        # Each commit prints as NUL, hash and date, NUL, then per file changed `:<modes> <old id> <new id> <status>`
        # (the first after a newline) and its name, each ended by NUL: the new id is the version's blob, read by
        # id (git finds a blob by commit:path through every tree above it, unpacking each: 4 times slower).
        # Merges are left out, as `git log -- path` leaves out those that take one side whole.
        output = _run(self.root, "log", "-z", "--format=%x00%H %cs", "--raw", "--no-abbrev", "--no-renames",
                      "--relative", "--", *folders)
        if output is None:
            return
        found: dict[str, list[tuple[str, str]]] = {path: [] for path in wanted}
        fields, index, commit = _fields(output), 0, ("", "")
        while index < len(fields):
            field = fields[index]
            if field == "" and index + 1 < len(fields):
                sha, _, date = fields[index + 1].partition(" ")
                commit, index = (sha, date), index + 2
                continue
            meta, name = field.removeprefix("\n").split(" "), fields[index + 1] if index + 1 < len(fields) else ""
            if name in found and len(meta) == 5:
                found[name].append(commit)
                self._ids[commit[0], name] = "" if meta[4] == "D" else meta[3]
            index += 2
        self._versions.update(found)

    def versions(self, path: str) -> list[tuple[str, str]]:
        """(commit, date) of every commit that changed path (relative to root), newest first."""
        if self.prefix is None:
            return []
        if path in self._versions:
            return self._versions[path]
        output = _run(self.root, "log", "-z", "--format=%H %cs", "--", path)
        if output is None:
            return []
        found = []
        for record in _fields(output):
            commit, _, date = record.partition(" ")
            if commit:
                found.append((commit, date))
        return found

    def last_commit(self, path: str, start: str = "HEAD") -> Commit | None:
        """The newest commit at or before start that changed path (relative to root), if any."""
        if self.prefix is None:
            return None
        output = _run(self.root, "log", "-1", "-z", "--format=%H%x00%cs%x00%an", start, "--", path)
        fields = _fields(output or b"")
        if len(fields) < 3 or not fields[0]:
            return None
        return Commit(fields[0], fields[1], fields[2])

    def read(self, commit: str, path: str) -> bytes | None:
        """The file's bytes at a commit, or None if it did not exist there."""
        if self.prefix is None:
            return None
        spec = self._spec(commit, path)
        if not spec:
            return None  # deleted by that commit
        return self._blobs.pop(spec) if spec in self._blobs else self.read_object(spec)

    def _spec(self, commit: str, path: str) -> str:
        """What git cat-file reads the version by: its blob's id when prefetch() saw it ("" if deleted)."""
        return self._ids.get((commit, path), f"{commit}:{self.prefix}{path}")

    def read_many(self, versions: Iterable[tuple[str, str]]) -> None:
        """Read (commit, path) versions with one git process and no round trip each, for read() to answer from."""
        specs = [spec for spec in dict.fromkeys(self._spec(commit, path) for commit, path in versions)
                 if spec and "\n" not in spec and spec not in self._blobs]
        if self.prefix is None or not specs:
            return
        try:
            output = subprocess.run(["git", "--literal-pathspecs", "cat-file", "--batch"], cwd=self.root,
                                    input="".join(f"{spec}\n" for spec in specs).encode(errors="surrogateescape"),
                                    capture_output=True, check=False).stdout
        except OSError as exc:
            log.debug("git cat-file --batch in %s: %s", self.root, exc)
            return
        at = 0
        for spec in specs:  # each answer: "<id> <type> <size>" and the bytes, or "<spec> missing"
            end = output.find(b"\n", at)
            if end < 0:
                return  # git stopped early: read() asks for the rest one by one
            header = output[at:end].split()
            if len(header) != 3 or not header[2].isdigit():
                self._blobs[spec], at = None, end + 1
                continue
            size = int(header[2])
            self._blobs[spec] = output[end + 1:end + 1 + size] if header[1] == b"blob" else None
            at = end + 1 + size + 1

    def read_object(self, spec: str) -> bytes | None:
        """The bytes of the blob a revision spec names (`commit:path`, or a blob's id), or None if none."""
        if "\n" in spec:  # one line a request in --batch
            return _run(self.root, "cat-file", "blob", spec)
        try:
            batch = self._batch or self._start_batch()
            assert batch.stdin is not None and batch.stdout is not None
            batch.stdin.write(os.fsencode(spec) + b"\n")
            batch.stdin.flush()
            header = batch.stdout.readline().split()
            if len(header) != 3:
                return None  # "<spec> missing"
            data = batch.stdout.read(int(header[2]) + 1)  # read whole, so the next answer starts clean
            return data[:-1] if header[1] == b"blob" else None
        except (OSError, ValueError) as exc:
            log.debug("git cat-file --batch in %s: %s", self.root, exc)
            self.close()
            return _run(self.root, "cat-file", "blob", spec)

    def _start_batch(self) -> subprocess.Popen[bytes]:
        """One git process that answers every read of this run, instead of one process a read."""
        self._batch = subprocess.Popen(["git", "--literal-pathspecs", "cat-file", "--batch"], cwd=self.root,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return self._batch

    def forked(self) -> None:
        """In a process forked from the one that made this Git: reads start their own cat-file, the one
        started before answers the parent."""
        self._batch = None

    def close(self) -> None:
        """End the git process read() started, if any."""
        if self._batch is not None:
            batch, self._batch = self._batch, None
            with suppress(OSError):
                if batch.stdin is not None:
                    batch.stdin.close()
                batch.wait(timeout=10)
            if batch.stdout is not None:
                batch.stdout.close()

    def __enter__(self) -> Git:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def last_changed(root: Path, *folders: Path) -> dict[str, str]:
    """path (relative to root) -> ISO date of the newest commit that changed it, for every file in the folders."""
    # Each commit prints as NUL, date, NUL, then its file names, the first after a newline, each ended by NUL.
    output = _run(root, "log", "-z", "--format=%x00%cs", "--name-only", "--relative", "--", *map(str, folders))
    fields = _fields(output or b"")
    dates: dict[str, str] = {}
    date, first, index = "", False, 0
    while index < len(fields):
        field = fields[index]
        if field == "" and index + 1 < len(fields):
            date, first = fields[index + 1], True
            index += 2
            continue
        if field:
            dates.setdefault(field.removeprefix("\n") if first else field, date)
            first = False
        index += 1
    return dates


def dirty_files(root: Path, *folders: Path) -> set[str]:
    """Files under the folders with uncommitted changes (or untracked), as paths relative to root."""
    prefix = Git(root).prefix
    output = _run(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--",
                  *map(str, folders))
    if prefix is None or output is None:
        return set()
    found, fields, index = set(), _fields(output), 0
    while index < len(fields):
        entry = fields[index]
        index += 1
        if len(entry) < 4:
            continue
        found.add(entry[3:].removeprefix(prefix))  # porcelain paths start at the repository's top
        if "R" in entry[:2] or "C" in entry[:2]:
            index += 1  # a rename or copy: the next field is the old name
    return found


def user_name(root: Path) -> str:
    """git's user.name for root ('' if unset)."""
    output = _run(root, "config", "user.name")
    return output.decode(errors="replace").strip() if output else ""


def head(root: Path) -> str:
    """The commit checked out in root ('' outside a repository or before the first commit)."""
    output = _run(root, "rev-parse", "--verify", "-q", "HEAD")
    return output.decode().strip() if output else ""


def changed_between(root: Path, old: str, new: str) -> set[str] | None:
    """Files (relative to root) that any commit after old up to new changed; None unless old is an ancestor of new.

    Merges count against every parent (-m), so a file a merge brings in is named too.
    """
    if not old or not new or _run(root, "merge-base", "--is-ancestor", old, new) is None:
        return None
    output = _run(root, "log", "-m", "-z", "--no-renames", "--format=", "--name-only", "--relative",
                  f"{old}..{new}", "--")
    if output is None:
        return None
    return {name.lstrip("\n") for name in _fields(output) if name.strip("\n")}


def changed_since(root: Path, ref: str) -> set[str] | None:
    """Files (relative to root) that differ between ref and the working tree, new untracked ones included.

    None when ref is no commit of the repository (or root is in none).
    """
    if _run(root, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}") is None:
        return None
    diff = _run(root, "diff", "-z", "--name-only", "--no-renames", "--relative", ref, "--")
    untracked = _run(root, "ls-files", "-z", "--others", "--exclude-standard")
    if diff is None or untracked is None:
        return None
    return {name for name in _fields(diff) + _fields(untracked) if name}


def first_parents(root: Path, start: str = "HEAD") -> list[tuple[str, str]]:
    """(commit, ISO date it was committed) of start and its first parents, newest first: the branch's own history."""
    output = _run(root, "log", "--first-parent", "-z", "--format=%H %cs", start, "--")
    return [(sha, date) for sha, _, date in (record.partition(" ") for record in _fields(output or b"")) if sha]


def tree_files(root: Path, commit: str, *paths: str) -> list[tuple[str, str, str]]:
    """(mode, blob id, path relative to root) of every file under paths (relative to root) at commit."""
    # Each entry prints as `<mode> <type> <id>\t<path>`, ended by NUL; paths relative to root, as given.
    output = _run(root, "ls-tree", "-r", "-z", commit, "--", *paths)
    found = []
    for record in _fields(output or b""):
        meta, tab, path = record.partition("\t")
        fields = meta.split(" ")
        if tab and len(fields) == 3 and fields[1] == "blob":  # not a submodule (commit)
            found.append((fields[0], fields[2], path))
    return found
