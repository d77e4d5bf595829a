"""kb build --site-dir and kb merge: languages built on separate machines, put together into one site."""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml
from conftest import REPO, RunKb, article, write_kb

from kb_tools import config
from kb_tools.fsutil import clean_scratch, scratch_dir

os.environ["NO_MKDOCS_2_WARNING"] = "1"


def files_of(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_parts_built_apart_and_merged_are_the_site_kb_build_makes_byte_for_byte(
        built_sample: Path, tmp_path: Path, run_kb: RunKb) -> None:
    # Two runners' shares, as a CI matrix would build them; the reference is the shared one-machine build.
    code, out, err = run_kb(built_sample, "build", "--lang", "en", "--lang", "zh", "--site-dir", str(tmp_path / "a"))
    assert code == 0, out + err
    code, out, err = run_kb(built_sample, "build", "--lang", "ja", "--lang", "es", "--lang", "ko",
                            "--site-dir", str(tmp_path / "b"))
    assert code == 0, out + err
    assert json.loads((tmp_path / "a/kb-part.json").read_text())["languages"] == ["en", "zh"]
    assert not (tmp_path / "a/index.html").exists() and not (tmp_path / "a/sitemap.xml").exists()
    code, out, err = run_kb(built_sample, "merge", str(tmp_path / "a"), str(tmp_path / "b"),
                            "--out", str(tmp_path / "site"))
    assert code == 0, out + err
    assert f"ja: from {tmp_path / 'b'}" in out.splitlines()
    merged, single = files_of(tmp_path / "site"), files_of(built_sample / "site")
    assert merged.keys() == single.keys()
    assert [name for name in merged if merged[name] != single[name]] == []


def fake_part(folder: Path, languages: list[str], pages: dict[str, list[str]] | None = None) -> Path:
    """A part as kb build --site-dir leaves it, without building: index.html of each page URL."""
    for lang in languages:
        for url in (pages or {}).get(lang, ["", "fees/"]):
            (folder / lang / url).mkdir(parents=True, exist_ok=True)
            (folder / lang / url / "index.html").write_text(f"{lang} {url}")
    (folder / "kb-part.json").write_text(json.dumps({"languages": languages, "commit": "", "builder": "mkdocs"}))
    return folder


def small_kb(root: Path) -> Path:
    return write_kb(root, {"docs/en/index.md": article("Help", "Welcome.\n"),
                           "docs/en/fees.md": article("Fees", "Fee: 1 USDT.\n")})


def test_merge_refuses_overlaps_unknown_and_missing_languages_all_at_once(tmp_path: Path, run_kb: RunKb) -> None:
    root = small_kb(tmp_path / "kb")
    a = fake_part(tmp_path / "a", ["en", "zh"])
    b = fake_part(tmp_path / "b", ["zh", "fr"])
    code, _, err = run_kb(root, "merge", str(a), str(b), str(tmp_path / "nothing"), "--out", str(tmp_path / "site"))
    assert code == 2
    assert err.splitlines() == [f"kb: {tmp_path / 'nothing'}: no kb-part.json: give kb merge the folders of "
                                "kb build --lang LANG --site-dir FOLDER"]
    code, _, err = run_kb(root, "merge", str(a), str(b), "--out", str(tmp_path / "site"))
    assert code == 2
    assert err.splitlines() == [
        "kb: cannot merge:",
        f"zh: in two parts, {a} and {b}: build each language in one job only",
        f"{b}: has 'fr', which mkdocs.yml does not list (languages: en, zh, ja)",
        "ja: in none of the parts: build it with kb build --lang ja --site-dir FOLDER",
    ]
    assert not (tmp_path / "site").exists()


def test_a_page_missing_in_one_language_is_named_and_the_old_site_stays(tmp_path: Path, run_kb: RunKb) -> None:
    root = small_kb(tmp_path / "kb")
    a = fake_part(tmp_path / "a", ["en", "zh"])
    b = fake_part(tmp_path / "b", ["ja"], pages={"ja": [""]})  # ja built from sources without fees.md
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the old site")
    code, _, err = run_kb(root, "merge", str(a), str(b), "--out", str(site))
    assert code == 2
    assert err.splitlines() == [
        "kb: cannot merge: the sitemap and hreflang links would point at pages that do not exist:",
        f"ja: /ja/fees/ has no page ({b / 'ja/fees/index.html'})",
        "build those languages again from this commit",
    ]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []  # no scratch left behind
    assert (site / "index.html").read_text() == "the old site"
    (b / "ja/fees").mkdir()
    (b / "ja/fees/index.html").write_text("ja fees/")
    code, out, err = run_kb(root, "merge", str(a), str(b), "--out", str(site))
    assert code == 0, out + err
    assert "English" in (site / "index.html").read_text()
    assert (site / "ja/fees/index.html").read_text() == "ja fees/"
    assert "<loc>ja/fees/</loc>" in (site / "sitemap.xml").read_text()


def test_a_swap_killed_between_its_renames_leaves_the_old_folder(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("old")
    new = scratch_dir(site)
    (new / "index.html").write_text("new")
    trash = tmp_path / ".site.kb-old-x1"  # what swap_dir's first rename did before the kill
    trash.mkdir()
    os.rename(site, trash / "site")
    clean_scratch(site)
    assert (site / "index.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_the_example_workflow_builds_every_sample_language_once_then_merges() -> None:
    workflow = yaml.safe_load((REPO / "examples/github-actions/kb-build.yml").read_text())
    shards = [shard["languages"].split() for shard in workflow["jobs"]["build"]["strategy"]["matrix"]["shard"]]
    assert sorted(lang for shard in shards for lang in shard) == sorted(config.load(REPO / "mkdocs.yml").languages)
    build_steps = " ".join(step.get("run", "") for step in workflow["jobs"]["build"]["steps"])
    merge_steps = " ".join(step.get("run", "") for step in workflow["jobs"]["merge"]["steps"])
    assert "--site-dir part" in build_steps and "kb merge " in merge_steps
    assert workflow["jobs"]["merge"]["needs"] == "build" and workflow["jobs"]["deploy"]["needs"] == "merge"


def test_a_part_does_not_make_the_site_look_built_and_keeps_its_own_stamps(tmp_path: Path, run_kb: RunKb) -> None:
    root = write_kb(tmp_path / "kb", {"docs/en/index.md": article("Help", "Welcome.\n")}, languages=("en",),
                    extra="theme:\n  name: material\n", options="search: false")
    part = tmp_path / "part"
    assert run_kb(root, "build").code == 0
    (root / "docs/en/index.md").write_text(article("Help", "Welcome back.\n"))
    code, out, err = run_kb(root, "build", "--site-dir", str(part))
    assert code == 0 and "en: built in" in out, out + err
    assert json.loads((part / "kb-part.json").read_text())["languages"] == ["en"]
    code, out, err = run_kb(root, "build")  # site/en/ is older than the part: the part's stamp is not its
    assert code == 0 and "en: built in" in out, out + err
    assert "Welcome back." in (root / "site/en/index.html").read_text()
    code, out, err = run_kb(root, "build", "--site-dir", str(part))
    assert code == 0 and "en: skipped" in out, out + err
    assert json.loads((part / "kb-part.json").read_text())["languages"] == ["en"]
