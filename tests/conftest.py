"""Helpers that write throwaway help centers into tmp_path and run kb on them."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import textwrap
import threading
from collections.abc import Iterator, Mapping
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import pytest

from kb_tools import build, checks, config, model, status
from kb_tools import scan as scan_mod
from kb_tools.browser import CHROMIUM_ARGS
from kb_tools.cli import main

if TYPE_CHECKING:  # Playwright is imported where a browser starts: the ProperDocs run of CI has none
    from playwright.sync_api import Browser, Page

REPO = Path(__file__).resolve().parent.parent
SAMPLE_PARTS = ("docs", "locales", "overrides", "search", "mkdocs.yml")  # the bundled sample help center


def write_kb(root: Path, files: Mapping[str, str | bytes], source: str = "en",
             languages: tuple[str, ...] = ("en", "zh", "ja"), extra: str = "", options: str = "") -> Path:
    """Write mkdocs.yml (extra: more top-level YAML; options: more kb plugin options, one per line)
    and files ({path: text}) under root; text is dedented."""
    root.mkdir(parents=True, exist_ok=True)
    more = "".join(f"      {line}\n" for line in options.splitlines())
    (root / "mkdocs.yml").write_text(
        f"site_name: Test\nplugins:\n  - kb:\n      source_language: {source}\n"
        f"      languages: [{', '.join(languages)}]\n{more}{extra}", encoding="utf-8")
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(textwrap.dedent(data).lstrip("\n"), encoding="utf-8")
    return root


def article(title: str, body: str, **meta: Any) -> str:
    """A Markdown file with front matter."""
    lines = [f"title: {title}"] + [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in meta.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + textwrap.dedent(body).lstrip("\n")


def translation(title: str, body: str, source_hash: str, status_: str = "reviewed") -> str:
    """A translation file with a translation block."""
    block = f"translation:\n  source_hash: {source_hash}\n  status: {status_}\n"
    block += "  reviewed_by: tester\n  reviewed_on: 2026-11-20\n" if status_ == "reviewed" else "  engine: google\n"
    return f"---\ntitle: {title}\n{block}---\n\n" + textwrap.dedent(body).lstrip("\n")


def git(root: Path, *args: str) -> str:
    """Run git in root with a fixed identity."""
    result = subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
                            cwd=root, capture_output=True, text=True, check=True)
    return result.stdout


def commit_all(root: Path, message: str) -> None:
    """Create the repository if needed and commit everything."""
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def scan(root: Path) -> model.HelpCenter:
    """Scan the help center at root without touching its cache."""
    return scan_mod.scan(config.load(root / "mkdocs.yml"), use_cache=False)


def build_site(config_file: Path, *languages: str, force: bool = False) -> list[build.LanguageBuild]:
    """kb build through MkDocs, as the CLI runs it."""
    from kb_tools.mkdocs.runner import build_language

    return build.build(config_file, build_language, languages, force)


def hash_of(root: Path, rel: str, lang: str = "en") -> str:
    """The current source hash of an article."""
    return scan(root).docs[lang][rel].source_hash


def statuses(root: Path) -> dict[str, dict[str, status.Entry]]:
    """lang -> rel -> entry, with stale entries explained from git."""
    center = scan(root)
    report = status.explain_stale(center, status.compute(center))
    return {lang: {e.rel: e for e in entries} for lang, entries in report.items()}


def problems(root: Path) -> list[str]:
    """kb check's problems as printed lines (warnings tagged)."""
    return [f"{p.severity}: {p}" for p in checks.check(scan(root))]


def copy_sample(target: Path) -> Path:
    """Copy the repository's sample help center (sources only, no git history) into target."""
    for name in SAMPLE_PARTS:
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy
        copy(REPO / name, target / name)
    return target


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sample help center copied and built in every language, once for the whole run.

    Shared: tests only read it. A test that changes sources or the site works on copy_sample() of its own.
    """
    root = copy_sample(tmp_path_factory.mktemp("sample"))
    results = build_site(root / "mkdocs.yml")
    assert [r.outcome for r in results] == ["built"] * 5, results
    yield root
    # A test that changed it would make the others depend on the order they run in: kb build would redo it.
    settings = config.load(root / "mkdocs.yml")
    changed = [lang for lang in settings.languages
               if build.inputs_hash(settings, lang) != (root / build.STAMP_DIR / f"{lang}.stamp").read_text()]
    assert changed == [], f"a test changed the shared built sample ({changed}): give it copy_sample() of its own"


class Result(NamedTuple):
    """What one kb command did: its exit code and what it printed."""

    code: int
    out: str
    err: str


class RunKb(Protocol):
    """The run_kb fixture: run_kb(root, "status", "zh") runs kb on root/mkdocs.yml."""

    def __call__(self, root: Path, *args: str) -> Result: ...


@pytest.fixture
def run_kb(capsys: pytest.CaptureFixture[str]) -> RunKb:
    """Run the kb CLI in-process: returns (exit code, stdout, stderr)."""

    def run(root: Path, *args: str) -> Result:
        code = main(["--config", str(root / "mkdocs.yml"), *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


# What a reader sees: the built sample served on 127.0.0.1 and opened in headless Chromium.
class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(built_sample: Path) -> Iterator[str]:
    """The built sample, served over HTTP on 127.0.0.1; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(built_sample / "site"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()
