"""kb check reads locales/helpcenter.yml as the build does: what would stop a build or drop a promoted article."""

from __future__ import annotations

from pathlib import Path

from conftest import article, problems, write_kb

HELPCENTER = """\
promoted:
  - account/log-in.md
  - account/no-such-article.md
official:
  - https://nimbusx.example
contact:
  - name: Chat
    link: https://nimbusx.example/chat
    open: {open}
"""


def center(tmp_path: Path, open_: str = "24/7", links: str = "") -> Path:
    return write_kb(tmp_path, {
        "docs/en/index.md": article("Help", "Welcome.\n"),
        "docs/en/account/log-in.md": article("Log in", f"Log in with your password.{links}\n"),
        "locales/helpcenter.yml": HELPCENTER.format(open=open_),
    }, languages=("en",))


def test_a_promoted_article_that_does_not_exist_is_an_error_at_its_line(tmp_path: Path) -> None:
    found = problems(center(tmp_path))
    assert any(p.startswith("error: locales/helpcenter.yml:3: promoted: 'account/no-such-article.md' is not an "
                            "article") for p in found), found
    assert not any("account/log-in.md' is not" in p for p in found)


def test_a_schedule_the_build_would_refuse_is_reported_with_its_line(tmp_path: Path) -> None:
    found = problems(center(tmp_path, open_="weekdays"))
    assert ("error: locales/helpcenter.yml:9: contact[0].open: 'weekdays' is not a schedule: "
            "write 24/7, or days and UTC hours like mon-fri 09:00-21:00") in found, found


def test_a_link_to_the_verify_page_is_not_broken_when_the_site_has_one(tmp_path: Path) -> None:
    root = center(tmp_path, links=" [Is it us?](/en/verify/) [Check](../verify.md)")
    assert problems(root) == [p for p in problems(root) if "promoted:" in p]  # the verify page exists
    (root / "locales/helpcenter.yml").write_text(HELPCENTER.format(open="24/7").split("official:")[0])
    assert sum("broken link" in p and "verify" in p for p in problems(root)) == 2  # no official channels: no page
