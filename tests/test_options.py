"""Mistakes in the kb plugin's options of mkdocs.yml: every one reported at once, the same by kb and by MkDocs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import RunKb, article, write_kb

from kb_tools import config

# Five mistakes in one file: kb must name each option and quote what was written, not stop at the first.
BAD_OPTIONS = """\
search: "yes"
colour: blue
policies:
  fr:
    publish_machine: false
  default:
    fail_on: [nonsense]
"""
EXPECTED = [
    f"mkdocs.yml: plugins.kb.colour: unknown option: use one of {', '.join(o.name for o in config.OPTIONS)}",
    "mkdocs.yml: plugins.kb.languages: 'zh' is not valid: set it to every language of the help center, "
    "e.g. [en, zh, ja]",
    "mkdocs.yml: plugins.kb.search: 'yes' is not valid: set it to false: no search index in the site",
    "mkdocs.yml: plugins.kb.policies.fr: not one of the languages ['en']: add it or remove the policy",
    "mkdocs.yml: plugins.kb.policies.default.fail_on: 'nonsense' is not a rule: use any of "
    + ", ".join(config.POLICY_RULES),
]


def bad_center(root: Path) -> Path:
    """A help center whose kb options hold the five mistakes, with `languages: zh` written as a bare word."""
    write_kb(root, {"docs/en/index.md": article("Help", "Welcome.\n")}, extra="theme:\n  name: material\n",
             options=BAD_OPTIONS)
    path = root / "mkdocs.yml"
    path.write_text(path.read_text().replace("languages: [en, zh, ja]", "languages: zh"))
    return root


def test_kb_reports_every_option_error_at_once_and_exits_2(tmp_path: Path, run_kb: RunKb) -> None:
    root = bad_center(tmp_path)
    code, out, err = run_kb(root, "status")
    assert (code, out) == (2, "")
    assert err.removeprefix("kb: ").splitlines() == EXPECTED
    assert "Traceback" not in err


def test_mkdocs_build_fails_with_the_same_lines(tmp_path: Path) -> None:
    root = bad_center(tmp_path)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(root / "mkdocs.yml"),
                             "-d", str(tmp_path / "site")], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    lines = [line.removeprefix("ERROR").lstrip(" -") for line in result.stderr.splitlines()]
    assert all(line in lines for line in EXPECTED), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site/index.html").exists()


def test_a_correct_option_set_is_accepted_by_both(tmp_path: Path, run_kb: RunKb) -> None:
    root = write_kb(tmp_path, {"docs/en/index.md": article("Help", "Welcome.\n")}, extra="theme:\n  name: material\n",
                    options="search: false\npolicies:\n  zh:\n    fail_on: [missing]\n")
    code, _, err = run_kb(root, "status", "--check")  # the zh policy is read: a missing article breaks it
    assert code == 1 and "docs/en/index.md: zh index.md is missing: policy zh.fail_on has missing" in err
    code, _, err = run_kb(root, "status", "ja", "--check")  # ja keeps the default policy
    assert code == 0, err
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(root / "mkdocs.yml"),
                             "-d", str(tmp_path / "site")], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site/index.html").exists()
    assert not (tmp_path / "site/kb-search").exists()  # search: false is honoured


def test_mkdocs_yml_is_read_anew_whenever_its_text_changes(tmp_path: Path, run_kb: RunKb) -> None:
    root = write_kb(tmp_path, {"docs/en/a.md": article("A", "Text.\n")}, languages=("en", "zh"),
                    extra="extra:\n  released: 2026-11-20\n")  # a date: data JSON cannot hold, never kept
    (root / ".kb-cache").mkdir()
    path = root / "mkdocs.yml"
    assert config.load(path).languages == ("en", "zh") and not (root / config.PARSED).exists()
    path.write_text(path.read_text().replace("2026-11-20", "Nov 2026"))
    assert config.load(path).languages == ("en", "zh") and (root / config.PARSED).exists()  # kept: kb search reads it
    text = path.read_text()
    path.write_text(text.replace("[en, zh]", "[en, ja]"))  # the same size, within the same clock tick
    assert config.load(path).languages == ("en", "ja")
    path.write_text(text.replace("[en, zh]", "[en, zh"))
    code, _, err = run_kb(root, "status")
    assert code == 2 and err.startswith("kb: mkdocs.yml: cannot be read: while parsing a flow sequence\n")
    assert "Traceback" not in err
