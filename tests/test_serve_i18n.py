"""kb serve previews one language; kb i18n keeps the UI catalogs complete."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import RunKb, copy_sample

from kb_tools import i18n


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_kb_serve_previews_one_language(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    server = subprocess.Popen([sys.executable, "-m", "kb_tools.cli", "--config", str(root / "mkdocs.yml"), "serve",
                               "--lang", "ja", "--dev-addr", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/security/enable-2fa/", timeout=5) as response:
                    page = response.read().decode()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "kb serve did not start"
                time.sleep(0.5)
        assert '<html lang="ja"' in page and "二段階認証" in page
        assert "livereload" in page  # the preview reloads when a file changes
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_every_ui_string_is_translated_and_catalogs_are_current(tmp_path: Path, run_kb: RunKb) -> None:
    root = copy_sample(tmp_path)
    code, out, _ = run_kb(root, "i18n", "update", "--check")
    assert code == 0, out
    for lang in ("zh", "ja", "es", "ko"):
        assert f"{lang}: 0 untranslated" in out
    # A new string in a template is found, and reported untranslated until a translator fills it in.
    page = root / "overrides/404.html"
    page.write_text(page.read_text().replace("{% endblock %}", "<p>{{ _('Try again later') }}</p>\n{% endblock %}"))
    code, out, _ = run_kb(root, "i18n", "update", "--check")
    assert code == 1 and "zh: 1 untranslated\n    Try again later" in out
    assert run_kb(root, "i18n", "update")[0] == 0
    assert 'msgid "Try again later"' in (root / "locales/zh/LC_MESSAGES/messages.po").read_text()
    code, out, _ = run_kb(root, "i18n", "compile")
    assert code == 0 and (root / "locales/ja/LC_MESSAGES/messages.mo").exists()
    assert i18n.translations(root, "ja").gettext("Page not found") != "Page not found"
