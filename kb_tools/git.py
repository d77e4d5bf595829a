"""Every git call kb makes: file versions, dates, uncommitted files, the reviewer's name."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)


class Git:
    """Reads file versions from the git repository that holds the help center."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.prefix: str | None = None
        try:
            result = subprocess.run(["git", "rev-parse", "--show-prefix"], cwd=root, capture_output=True,
                                    text=True, check=True)
            self.prefix = result.stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            log.debug("%s is not in a git repository", root)

    def versions(self, path: str) -> list[tuple[str, str]]:
        """(commit, date) of every commit that changed path, newest first."""
        if self.prefix is None:
            return []
        result = subprocess.run(["git", "log", "--format=%H %cs", "--", path], cwd=self.root,
                                capture_output=True, text=True, check=False)
        return [tuple(line.split(" ", 1)) for line in result.stdout.splitlines() if line]  # type: ignore[misc]

    def read(self, commit: str, path: str) -> bytes | None:
        """The file's bytes at a commit."""
        result = subprocess.run(["git", "show", f"{commit}:{self.prefix}{path}"], cwd=self.root,
                                capture_output=True, check=False)
        return result.stdout if result.returncode == 0 else None


def last_changed(root: Path, folder: Path) -> dict[str, str]:
    """path (relative to root) -> ISO date of the newest commit that changed it, for every file in folder."""
    result = subprocess.run(["git", "log", "--format=%x00%cs", "--name-only", "--relative", "--", str(folder)],
                            cwd=root, capture_output=True, text=True, check=False)
    dates: dict[str, str] = {}
    date = ""
    for line in result.stdout.splitlines():
        if line.startswith("\0"):
            date = line[1:]
        elif line:
            dates.setdefault(line, date)
    return dates


