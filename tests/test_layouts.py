"""The same help center kept in each layout (folder, suffix, patterns) gives the same answers from every command."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import RunKb, article, build_site, commit_all, hash_of, problems, statuses, translation, write_kb
from mt_server import API_KEY, MTServer

from kb_tools import config
from kb_tools.errors import ConfigError


def _suffix(lang: str, rel: str) -> str:
    stem, ext = rel.rsplit(".", 1)
    return f"docs/{rel}" if lang == "en" else f"docs/{stem}.{lang}.{ext}"


# name -> (the kb option, where a language's rel lives)
LAYOUTS: dict[str, tuple[str, Callable[[str, str], str]]] = {
    "folder": ("", lambda lang, rel: f"docs/{lang}/{rel}"),
    "suffix": ("layout: suffix", _suffix),
    "fastapi": ('layout: {source: "docs/en/docs/{path}", translation: "docs/{lang}/docs/{path}"}',
                lambda lang, rel: f"docs/{lang}/docs/{rel}"),
    # the source pattern also matches the translations: docs/zh/fees.md is zh's, not an English zh/fees.md
    "nested": ('layout: {source: "docs/{path}", translation: "docs/{lang}/{path}"}',
               lambda lang, rel: f"docs/{rel}" if lang == "en" else f"docs/{lang}/{rel}"),
}
THEME = "theme:\n  name: material\nmarkdown_extensions: [admonition, attr_list, toc]\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
SOURCES = {
    "index.md": article("Help center", "Welcome. Read [fees](fees.md), [limits](limits.md) and [checks](kyc.md).\n"),
    "fees.md": article("Fees", "Withdrawal fee: 1 USDT.\n\n![Logo](img/logo.png)\n"),
    "limits.md": article("Limits", "Daily limit: 10 BTC.\n\nMonthly limit: 100 BTC.\n"),
    "kyc.md": article("Identity checks", "Upload your ID card.\n"),
}
ZH = {
    "index.md": ("帮助中心", "欢迎。请阅读[费用](fees.md)、[限额](limits.md)和[验证](kyc.md)。\n"),
    "fees.md": ("费用", "提币手续费：1 USDT。\n\n![标志](img/logo.png)\n"),
    "limits.md": ("限额", "每日限额：10 BTC。\n\n每月限额：100 BTC。\n"),
}


def center(root: Path, name: str) -> Path:
    """A source, current translations (index, fees), a stale one (limits), a missing one (kyc) and an image."""
    option, where = LAYOUTS[name]
    files: dict[str, str | bytes] = {where("en", rel): text for rel, text in SOURCES.items()}
    files[where("en", "img/logo.png")] = PNG
    write_kb(root, files, languages=("en", "zh"), options=option, extra=THEME)
    commit_all(root, "sources")
    translations = {where("zh", rel): translation(title, body, hash_of(root, rel)) for rel, (title, body) in ZH.items()}
    write_kb(root, translations, languages=("en", "zh"), options=option, extra=THEME)
    commit_all(root, "translations")
    limits = root / where("en", "limits.md")
    limits.write_text(limits.read_text().replace("10 BTC", "20 BTC"))
    commit_all(root, "a higher daily limit")
    return root


def neutral(text: str, name: str) -> str:
    """text with each layout's file names written as lang:rel, so that layouts can be compared."""
    _, where = LAYOUTS[name]
    for lang in ("zh", "en"):  # zh first: in the nested layout docs/zh/x.md also ends like an en path
        for rel in [*SOURCES, "img/logo.png"]:
            text = re.sub(rf"(?<![\w/]){re.escape(where(lang, rel))}\b", f"{lang}:{rel}", text)
    return text


@pytest.mark.parametrize("name", LAYOUTS)
def test_status_and_check_are_the_same_in_every_layout(tmp_path: Path, run_kb: RunKb, name: str) -> None:
    root, folder = center(tmp_path / name, name), center(tmp_path / "reference", "folder")
    code, out, err = run_kb(root, "status", "--format", "json")
    assert code == 0, err
    report = json.loads(neutral(out, name))
    assert report == json.loads(neutral(run_kb(folder, "status", "--format", "json").out, "folder"))
    assert report["languages"]["zh"]["counts"] == {"current": 2, "machine": 0, "stale": 1, "missing": 1,
                                                   "orphan": 0, "untracked": 0, "invalid": 0}
    assert [(e["path"], e["file"], e["status"]) for e in report["languages"]["zh"]["articles"]] == [
        ("kyc.md", "en:kyc.md", "missing"), ("limits.md", "zh:limits.md", "stale")]
    assert report["languages"]["zh"]["articles"][1]["changes"][0]["text"] == "Daily limit: 20 BTC."
    code, out, err = run_kb(root, "check")
    assert code == 0
    assert (neutral(out, name), err) == (neutral(run_kb(folder, "check").out, "folder"), "0 errors, 1 warnings\n")
    assert neutral(out, name).splitlines() == [
        "zh:limits.md:10: warning: stale: 1 number differs from the current source: run kb draft zh limits.md, "
        "or review it against en:limits.md"]


@pytest.mark.parametrize("name", LAYOUTS)
def test_diff_review_and_approve_find_the_files_of_every_layout(tmp_path: Path, run_kb: RunKb, name: str) -> None:
    root = center(tmp_path, name)
    _, where = LAYOUTS[name]
    code, out, _ = run_kb(root, "diff", "zh", where("zh", "limits.md"))  # a file name as the layout spells it
    assert code == 0
    assert neutral(out, name) == ("en:limits.md:5: paragraph changed\n  - Daily limit: 10 BTC.\n"
                                  "  + Daily limit: 20 BTC.\n    Daily limit: [-10-] {+20+} BTC.\n"
                                  "  translation: zh:limits.md:10\n")  # the translation's line to edit
    code, out, _ = run_kb(root, "review", "--out", str(tmp_path / "review"))
    assert code == 0
    page = (tmp_path / "review/zh/limits.html").read_text(encoding="utf-8")
    assert "每日限额：10 BTC。" in page and "Daily limit: <del>10</del> <ins>20</ins> BTC." in page
    path = root / where("zh", "limits.md")
    path.write_text(path.read_text().replace("10 BTC", "20 BTC"))
    code, out, _ = run_kb(root, "approve", "zh", where("zh", "limits.md"), "--by", "li.wei")
    assert code == 0 and "approved zh limits.md" in out
    assert statuses(root)["zh"]["limits.md"].status == "current"
    assert "reviewed_by: li.wei" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", LAYOUTS)
def test_draft_writes_a_missing_translation_where_the_layout_keeps_it(tmp_path: Path, run_kb: RunKb, name: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRE_API_KEY", API_KEY)
    root = center(tmp_path, name)
    _, where = LAYOUTS[name]
    with MTServer() as server:
        code, out, err = run_kb(root, "draft", "zh", "--engine", "libre", "--engine-url", server.url,
                                "--backoff", "0.05")
    assert code == 0, err
    assert "zh: 2 drafted" in out
    assert "〔zh〕" in (root / where("zh", "kyc.md")).read_text(encoding="utf-8")
    assert {rel: entry.status for rel, entry in statuses(root)["zh"].items()} == {
        "index.md": "current", "fees.md": "current", "limits.md": "machine", "kyc.md": "machine"}


@pytest.mark.parametrize("name", LAYOUTS)
def test_build_publishes_each_page_from_its_own_file(tmp_path: Path, name: str) -> None:
    root = center(tmp_path, name)
    assert [r.outcome for r in build_site(root / "mkdocs.yml")] == ["built", "built"]
    site = root / "site"

    def page(lang: str, rel: str) -> str:
        return (site / lang / rel.removesuffix(".md").removesuffix("index") / "index.html").read_text(encoding="utf-8")

    assert "提币手续费：1 USDT。" in page("zh", "fees.md") and 'src="../img/logo.png"' in page("zh", "fees.md")
    assert "欢迎。" in page("zh", "index.md") and "Welcome." in page("en", "index.md")
    assert "每月限额：100 BTC。" in page("zh", "limits.md") and "Daily limit: 20 BTC." in page("zh", "limits.md")
    assert "Upload your ID card." in page("zh", "kyc.md")  # the fallback: the source inside the zh site
    assert "Withdrawal fee: 1 USDT." in page("en", "fees.md") and "提币" not in page("en", "fees.md")
    assert (site / "zh/img/logo.png").read_bytes() == PNG and (site / "en/img/logo.png").read_bytes() == PNG
    for lang in ("en", "zh"):  # nothing else published: no suffixed or other language's files
        pages = sorted(p.relative_to(site / lang).as_posix() for p in (site / lang).rglob("*.html"))
        assert pages == ["404.html", "fees/index.html", "index.html", "kyc/index.html", "limits/index.html"]
        assert sorted(p.name for p in (site / lang / "img").iterdir()) == ["logo.png"]


@pytest.mark.parametrize(("value", "message"), [
    ("folders", "mkdocs.yml: plugins.kb.layout: 'folders' is not a layout: use folder, suffix, or "
                '{source: "docs/en/docs/{path}", translation: "docs/{lang}/docs/{path}"}'),
    ({"source": "docs/en/{path}"}, "mkdocs.yml: plugins.kb.layout.translation: None is not a pattern: write a path "
                                   'relative to the repository root ending in /{path}, e.g. "docs/{lang}/docs/{path}"'),
    ({"source": "docs/en/{path}.md", "translation": "docs/{path}/{lang}"},
     "mkdocs.yml: plugins.kb.layout.source: 'docs/en/{path}.md' must end in /{path} (the article's path), once, "
     'e.g. "docs/{lang}/docs/{path}"\n'
     "mkdocs.yml: plugins.kb.layout.translation: 'docs/{path}/{lang}' must end in /{path} (the article's path), "
     'once, e.g. "docs/{lang}/docs/{path}"'),
    ({"source": "docs/{path}", "translation": "docs/zh/{path}"},
     "mkdocs.yml: plugins.kb.layout.translation: 'docs/zh/{path}' must hold {lang} (the language code) once, "
     'e.g. "docs/{lang}/docs/{path}"'),
    (3, "mkdocs.yml: plugins.kb.layout: 3 is not valid: set it to where each language's files are: folder, suffix, "
        'or {source: "docs/en/docs/{path}", translation: "docs/{lang}/docs/{path}"}'),
])
def test_a_bad_layout_is_named_with_what_to_write(tmp_path: Path, value: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.from_mapping(tmp_path, "docs", {"languages": ["en", "zh"], "layout": value})
    assert str(caught.value) == message


def test_files_of_languages_not_configured_are_named_not_read_as_sources(tmp_path: Path) -> None:
    suffix = center(tmp_path / "suffix", "suffix")
    write_kb(suffix, {"docs/fees.de.md": article("Gebühren", "Gebühr: 1 USDT.\n"),
                      "docs/fees.en.md": article("Fees", "A second English fees page.\n")},
             languages=("en", "zh"), options="layout: suffix", extra=THEME)
    nested = center(tmp_path / "nested", "nested")
    write_kb(nested, {"docs/de/fees.md": article("Gebühren", "Gebühr: 1 USDT.\n")},
             languages=("en", "zh"), options=LAYOUTS["nested"][0], extra=THEME)
    for root in (suffix, nested):
        assert sorted(statuses(root)["zh"]) == ["fees.md", "index.md", "kyc.md", "limits.md"]
    assert problems(suffix) == [
        "error: docs/fees.de.md:1: suffix '.de' is not a configured language: "
        "add it to plugins.kb.languages in mkdocs.yml, or rename the file",
        "error: docs/fees.en.md:1: a second source of fees.md, besides docs/fees.md: keep one of the two files",
        "warning: docs/limits.zh.md:10: stale: 1 number differs from the current source: "
        "run kb draft zh limits.md, or review it against docs/limits.md",
    ]
    assert problems(nested)[0] == ("error: docs/de:1: language 'de' is not a configured language: "
                                   "add it to plugins.kb.languages in mkdocs.yml to read its translations")
