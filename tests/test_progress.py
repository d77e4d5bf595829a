"""The progress chart: each week's status counts from git history, and the SVG kb status --chart writes."""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import RunKb, article, commit_all, hash_of, translation, write_kb
from test_layouts import LAYOUTS, center

from kb_tools import config, progress

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & Co'


def commit_on(root: Path, day: str, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commit everything with author and committer date day (noon UTC)."""
    monkeypatch.setenv("GIT_AUTHOR_DATE", f"{day}T12:00:00+00:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", f"{day}T12:00:00+00:00")
    commit_all(root, message)


def zh_fees(root: Path, digest: str) -> None:
    write_kb(root, {"docs/zh/fees.md": translation("费用", "提币手续费：1 USDT。\n", digest)})


def history_center(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Six weeks of a help center: zh's fees.md goes current -> stale -> current -> current through an
    editorial edit; limits.md is never translated; the third week has no commit."""
    write_kb(root, {"docs/en/fees.md": article("Fees", "Withdrawal fee: 1 USDT.\n"),
                    "docs/en/limits.md": article("Limits", "Daily limit: 10 BTC.\n")})
    zh_fees(root, hash_of(root, "fees.md"))
    commit_on(root, "2026-01-06", "fees and limits, fees in zh", monkeypatch)  # week of Monday 01-05
    write_kb(root, {"docs/en/fees.md": article("Fees", "Withdrawal fee: 2 USDT.\n")})
    commit_on(root, "2026-01-12", "a higher fee", monkeypatch)  # Monday: zh fees.md stale from here
    zh_fees(root, hash_of(root, "fees.md"))
    commit_on(root, "2026-01-30", "zh fees updated", monkeypatch)
    before = hash_of(root, "fees.md")
    write_kb(root, {"docs/en/fees.md": article("Fees", "Withdrawal fee: 2  USDT (a typo fixed).\n")})
    after = hash_of(root, "fees.md")
    write_kb(root, {"locales/editorial.yml": f"- {{path: fees.md, before: {before}, after: {after}, by: writer, "
                                             f"'on': 2026-02-02}}\n"})
    commit_on(root, "2026-02-08", "an editorial edit", monkeypatch)  # Sunday: still the week of 02-02
    write_kb(root, {"docs/en/fees.md": article("Fees", "Withdrawal fee: 3 USDT.\n")})
    commit_on(root, "2026-02-09", "a higher fee again", monkeypatch)
    return root


def counts(chart: progress.History, lang: str, *statuses: str) -> list[tuple[str, tuple[int, ...]]]:
    return [(str(week.monday), tuple(week.counts[lang][s] for s in statuses)) for week in chart.weeks]


def test_a_translation_goes_current_stale_current_in_the_weeks_it_did(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = history_center(tmp_path, monkeypatch)
    chart = progress.history(config.load(root / "mkdocs.yml"))
    assert chart.languages == ("zh", "ja")
    assert counts(chart, "zh", "current", "stale", "missing") == [
        ("2026-01-05", (1, 0, 1)),
        ("2026-01-12", (0, 1, 1)),
        ("2026-01-19", (0, 1, 1)),  # no commit that week: as the week before left it
        ("2026-01-26", (1, 0, 1)),
        ("2026-02-02", (1, 0, 1)),  # the source changed, declared editorial in the same commit
        ("2026-02-09", (0, 1, 1)),
    ]
    assert counts(chart, "ja", "current", "missing") == [(week, (0, 2)) for week, _ in counts(chart, "zh")]
    assert [week.committed_on for week in chart.weeks] == [
        "2026-01-06", "2026-01-12", "2026-01-12", "2026-01-30", "2026-02-08", "2026-02-09"]
    assert chart.notes == ()


def test_weeks_bounds_the_history_and_the_languages_can_be_chosen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = history_center(tmp_path, monkeypatch)
    chart = progress.history(config.load(root / "mkdocs.yml"), ("ja",), weeks=2)
    assert [str(week.monday) for week in chart.weeks] == ["2026-02-02", "2026-02-09"]
    assert chart.languages == ("ja",) and set(chart.weeks[0].counts) == {"ja"}


def test_the_week_of_head_is_what_kb_status_counts(tmp_path: Path, run_kb: RunKb,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = history_center(tmp_path, monkeypatch)
    write_kb(root, {"docs/zh/limits.md": "---\ntitle: [unclosed\n---\n",  # invalid
                    "docs/zh/old.md": translation("旧", "旧文章。\n", "abcdef123456"),  # orphan
                    "docs/ja/fees.md": "# 手数料\n\n出金手数料：3 USDT。\n",  # untracked, titled by its heading
                    "docs/ja/limits.md": translation("上限", "上限。\n", hash_of(root, "limits.md"), "machine")})
    commit_on(root, "2026-02-10", "more kinds of status", monkeypatch)
    code, out, err = run_kb(root, "status", "--format", "json")
    assert code == 0, err
    today = {lang: data["counts"] for lang, data in json.loads(out)["languages"].items()}
    head = progress.history(config.load(root / "mkdocs.yml")).weeks[-1]
    assert head.counts == {"zh": today["zh"], "ja": today["ja"]}
    both = {status: head.counts["zh"][status] + head.counts["ja"][status] for status in head.counts["zh"]}
    assert both == {"current": 0, "machine": 1, "stale": 1, "missing": 0, "orphan": 1, "untracked": 1, "invalid": 1}


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_layout_is_read_from_history_as_kb_status_reads_it(tmp_path: Path, run_kb: RunKb, name: str) -> None:
    root = center(tmp_path, name)
    today = json.loads(run_kb(root, "status", "zh", "--format", "json").out)["languages"]["zh"]["counts"]
    assert progress.history(config.load(root / "mkdocs.yml")).weeks[-1].counts["zh"] == today
    assert today["current"] == 2 and today["stale"] == 1 and today["missing"] == 1


def test_the_svg_is_well_formed_names_the_languages_and_escapes_what_files_say(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = history_center(tmp_path, monkeypatch)
    write_kb(root, {'docs/en/<img src=x onerror="alert(1)">&.md': article(HOSTILE, "A hostile name and title.\n")})
    (root / "mkdocs.yml").write_text((root / "mkdocs.yml").read_text().replace(
        "site_name: Test", f"site_name: '{HOSTILE}'"), encoding="utf-8")
    commit_on(root, "2026-02-11", "a hostile article", monkeypatch)
    chart = progress.history(config.load(root / "mkdocs.yml"))
    assert chart.weeks[-1].counts["zh"]["missing"] == 2  # the hostile article counts like any other
    text = progress.svg(chart)
    svg = ET.fromstring(text)
    assert svg.tag == f"{SVG}svg" and svg.get("width") == "960"
    shown = [element.text or "" for element in svg.iter()]
    assert f"Translation progress: {HOSTILE}" in shown  # the site name, as text
    assert "zh · Chinese" in shown and "ja · Japanese" in shown
    assert [tag for tag in (e.tag.removeprefix(SVG) for e in svg.iter()) if tag not in
            ("svg", "title", "rect", "text", "line")] == []
    assert "<script" not in text and "onerror" not in text
    assert "0 of 3 current (0%)" in shown  # zh at HEAD: fees.md stale, limits.md and the hostile one missing
    legend = [e.text for e in svg.iter(f"{SVG}text")][2:7]
    assert legend == ["current", "machine, not reviewed", "stale", "untracked or invalid", "missing"]


def test_kb_status_chart_writes_the_file(tmp_path: Path, run_kb: RunKb, monkeypatch: pytest.MonkeyPatch) -> None:
    root = history_center(tmp_path / "kb", monkeypatch)
    target = tmp_path / "out" / "progress.svg"
    code, out, err = run_kb(root, "status", "zh", "--chart", str(target), "--weeks", "3")
    assert (code, err) == (0, "")
    assert out == f"wrote {target}: zh over 3 weeks, 2026-01-26 to 2026-02-09\n"
    svg = ET.parse(target).getroot()
    assert "zh · Chinese" in [e.text for e in svg.iter(f"{SVG}text")]
    assert "ja · Japanese" not in [e.text for e in svg.iter(f"{SVG}text")]
    assert [p.name for p in target.parent.iterdir()] == ["progress.svg"]  # no temp file left
    code, _, err = run_kb(root, "status", "en", "--chart", str(target))
    assert (code, err) == (2, "kb: en is the source language: name a translation language to chart\n")


def test_a_shallow_clone_says_history_is_missing_and_charts_what_there_is(
        tmp_path: Path, run_kb: RunKb, monkeypatch: pytest.MonkeyPatch) -> None:
    root = history_center(tmp_path / "full", monkeypatch)
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", root.as_uri(), str(clone)], check=True)
    chart = progress.history(config.load(clone / "mkdocs.yml"))
    assert [str(week.monday) for week in chart.weeks] == ["2026-02-02", "2026-02-09"]
    assert chart.notes == ("history before 2026-02-08 is missing: the history is shallow (git clone --depth): "
                           "fetch more with git fetch --unshallow",)
    code, _, err = run_kb(clone, "status", "--chart", str(tmp_path / "chart.svg"))
    assert code == 0 and err.startswith("note: history before 2026-02-08 is missing")
    assert "history before 2026-02-08 is missing" in (tmp_path / "chart.svg").read_text()


def test_uncommitted_changes_are_named_as_not_charted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = history_center(tmp_path, monkeypatch)
    zh_fees(root, hash_of(root, "fees.md"))
    chart = progress.history(config.load(root / "mkdocs.yml"))
    assert chart.weeks[-1].counts["zh"]["stale"] == 1  # the commit, not the working tree
    assert chart.notes == ("uncommitted changes are not charted: the last week shows the last commit",)


def test_a_history_younger_than_the_weeks_asked_starts_at_its_first_week(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = history_center(tmp_path, monkeypatch)
    mondays = [week.monday for week in progress.history(config.load(root / "mkdocs.yml"), weeks=52).weeks]
    assert mondays == [dt.date(2026, 1, 5) + dt.timedelta(weeks=n) for n in range(6)]


def test_a_second_run_reads_only_the_blobs_of_new_commits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          caplog: pytest.LogCaptureFixture) -> None:
    root = history_center(tmp_path, monkeypatch)
    settings = config.load(root / "mkdocs.yml")
    caplog.set_level(logging.DEBUG, logger="kb_tools.progress")
    first = progress.history(settings)
    write_kb(root, {"docs/ja/fees.md": translation("手数料", "出金手数料：3 USDT。\n", hash_of(root, "fees.md"))})
    commit_on(root, "2026-02-10", "fees in ja", monkeypatch)
    second = progress.history(settings)
    # 4 versions of fees.md, 1 of limits.md, zh's fees.md made from 2 of them; then ja's new fees.md
    assert [r.message for r in caplog.records] == ["progress: 6 weeks, 5 trees, 7 blobs read",
                                                   "progress: 6 weeks, 5 trees, 1 blobs read"]
    assert second.weeks[:-1] == first.weeks[:-1]
    assert second.weeks[-1].counts["ja"]["current"] == 1
