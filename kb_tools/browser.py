"""The built sites as a reader's browser runs them: headless Chromium, for checks that need the page's own code.

The site folder is served on 127.0.0.1 by a thread of this process; Chromium comes from the system
(Debian's `chromium`, or the path in KB_CHROMIUM), driven by Playwright, which is an optional
dependency: `pip install 'kb-tools[browser]'`.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from kb_tools.errors import KbError

# No sandbox (CI runs as root); no GPU, QUIC, first-run pages, background or component traffic:
# the machine may have no network, and a check must not wait for one.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 20000


def chromium_path() -> str:
    """Where Chromium is: KB_CHROMIUM, else the first Chromium or Chrome on the PATH."""
    configured = os.environ.get("KB_CHROMIUM")
    found = configured or next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                                if shutil.which(name)), None)
    if not found or not Path(found).is_file():
        raise KbError("no Chromium for the in-browser check: install it (Debian: apt-get install chromium), "
                      "set KB_CHROMIUM to its path, or pass --no-browser")
    return found


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class Site:
    """A site folder served on 127.0.0.1 and open in headless Chromium: `with Site(path) as site: site.search(...)`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.page: Any = None

    def __enter__(self) -> Site:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise KbError("the in-browser check needs Playwright: pip install 'kb-tools[browser]', "
                          "or pass --no-browser") from None
        executable = chromium_path()
        handler = functools.partial(_Quiet, directory=str(self.folder))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.playwright = sync_playwright().start()
        try:
            self.chromium = self.playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Exception as exc:
            self.__exit__(None, None, None)
            raise KbError(f"Chromium at {executable} did not start: {str(exc).splitlines()[0]}") from None
        self.page = self.chromium.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if getattr(self, "chromium", None) is not None:
            self.chromium.close()
        if getattr(self, "playwright", None) is not None:
            self.playwright.stop()
        self.server.shutdown()
        self.server.server_close()

    def open(self, path: str) -> None:
        """Load a page of the site, e.g. zh/."""
        self.page.goto(f"{self.url}/{path}")

    def search(self, query: str, limit: int = 5) -> list[dict[str, Any]]:
        """What the open page's search (kb-search.js) answers: path, url, title, lang, notice, score, snippet."""
        return list(self.page.evaluate("([q, n]) => window.kbSearch.search(q, n)", [query, limit]))
