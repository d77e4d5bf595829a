"""The bundled sample help center: every status occurs, and kb check passes."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO, RunKb, copy_sample, scan

from kb_tools import checks, status


def test_sample_status_json_shows_every_status(tmp_path: Path, run_kb: RunKb) -> None:
    copy_sample(tmp_path)
    (tmp_path / "docs/zh/broken.md").write_text("---\ntitle: [unclosed\n---\n")
    code, out, _ = run_kb(tmp_path, "status", "--format", "json")
    assert code == 0
    data = json.loads(out)
    zh = data["languages"]["zh"]["counts"]
    assert all(zh[name] > 0 for name in status.STATUSES), zh
    assert zh["current"] > zh["machine"] + zh["stale"] + zh["missing"]  # most zh articles are current
    for lang in ("ja", "es", "ko"):
        counts = data["languages"][lang]["counts"]
        assert counts["current"] > 0 and counts["machine"] > 0 and counts["missing"] > 0
    stale = [a for a in data["languages"]["zh"]["articles"] if a["status"] == "stale"]
    assert any(a["critical"] for a in stale)
    assert data["policy"]["ok"] is False  # a critical article is stale


def test_sample_passes_kb_check_and_stale_translations_are_explained() -> None:
    center = scan(REPO)
    found = checks.check(center)
    assert [str(p) for p in found if p.severity == "error"] == []
    report = status.explain_stale(center, status.compute(center))
    stale = [e for entries in report.values() for e in entries if e.status == "stale"]
    assert stale
    # The snapshots in locales/snapshots/ name the changed paragraphs, from a shallow clone too.
    for entry in stale:
        assert entry.changes and entry.reasons == (), entry
