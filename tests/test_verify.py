"""Is it official? The rules of kb_tools/verify.py, the `official:` list of locales/helpcenter.yml, and
the verify page the edition generates (the browser's answers: tests/test_browser.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import REPO, copy_sample, write_kb
from verify_cases import CASES

from kb_tools import config, edition, locale_data, verify
from kb_tools.errors import ConfigError
from kb_tools.scan import scan


@pytest.fixture(scope="module")
def tables() -> dict[str, object]:
    return verify.data(locale_data.load(REPO, "en", "en").official)


@pytest.mark.parametrize(("text", "answer", "kind", "match"), CASES)
def test_an_input_is_official_only_by_the_rules(tables: dict[str, object], text: str, answer: str, kind: str,
                                                match: str) -> None:
    found = verify.check(text, tables)
    assert (found.answer, found.kind, found.match) == (answer, kind, match)


def test_a_bare_handle_is_official_only_on_the_platforms_that_list_it(tables: dict[str, object]) -> None:
    assert verify.check("@NimbusExchange", tables).platforms == ("X",)
    assert verify.check("x.com/NimbusExchange", tables).platforms == ()  # the platform was said


def test_the_sample_lists_each_kind_with_a_readable_label() -> None:
    official = locale_data.load(REPO, "zh", "en").official
    assert {o.kind for o in official} == {"site", "email", "phone", "handle"}
    assert [o.label for o in official if o.kind in ("phone", "handle")] == [
        "+1 202 555 0100", "X @NimbusExchange", "Telegram @nimbusx_news"]


def test_plain_strings_of_before_are_still_read(tmp_path: Path) -> None:
    write_kb(tmp_path, {"locales/helpcenter.yml": """
        official:
          - https://www.nimbusx.example/
          - X/Twitter @NimbusExchange
          - Telegram t.me/nimbusx_news
          - https://instagram.com/nimbusx
          - {phone: "+81 3 1234 5678"}
    """})
    official = locale_data.load(tmp_path, "en", "en").official
    assert [(o.kind, o.value, o.platform) for o in official] == [
        ("site", "nimbusx.example", ""), ("handle", "nimbusexchange", "x"), ("handle", "nimbusx_news", "telegram"),
        ("handle", "nimbusx", "instagram"), ("phone", "81312345678", "")]


def test_entries_that_cannot_be_understood_are_reported_with_their_line(tmp_path: Path) -> None:
    write_kb(tmp_path, {"locales/helpcenter.yml": """
        categories: {}
        official:
          - https://nimbusx.example
          - "@NimbusExchange"
          - 202 555 0100
          - {mastodon: nimbusx}
          - https://nimbusx.example@evil.com
    """})
    with pytest.raises(ConfigError) as error:
        locale_data.load(tmp_path, "en", "en")
    assert str(error.value).splitlines() == [
        "locales/helpcenter.yml:4: official: '@NimbusExchange': a handle without its platform: "
        "write {x: nimbusexchange} or {telegram: nimbusexchange}",
        "locales/helpcenter.yml:5: official: '202 555 0100': cannot tell what this is: write a URL with its scheme "
        "(https://nimbusx.example), an e-mail address, a phone number with + and country code, or {platform: handle}",
        "locales/helpcenter.yml:6: official: {'mastodon': 'nimbusx'}: unknown platform 'mastodon': use one of "
        "facebook, instagram, linkedin, telegram, tiktok, x, youtube, or phone, e.g. {x: NimbusExchange}",
        "locales/helpcenter.yml:7: official: 'https://nimbusx.example@evil.com': cannot tell what this is: write a "
        "URL with its scheme (https://nimbusx.example), an e-mail address, a phone number with + and country code, "
        "or {platform: handle}",
    ]


def test_data_in_the_page_cannot_close_its_script() -> None:
    value = {"label": "</script><script>alert(1)</script><!-- & \u2028"}
    text = verify.json_for_script(value)
    assert not re.search(r"[<>&\u2028]", text)
    assert json.loads(text) == value


def test_the_edition_generates_the_verify_page_and_links_it_from_safety_articles(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    zh = edition.compute(scan(config.load(root / "mkdocs.yml"), use_cache=False), "zh", related=False)
    page = zh.generated()["verify.md"]
    assert page.title == zh.gettext("Verify an official channel") != "Verify an official channel"
    assert page.assets == (("assets/kb-verify.js", verify.ASSET),)
    assert page.text().startswith(f"---\ntitle: {page.title}\n---\n\n# ")
    assert '<a href="../safety/seed-phrase/">' in page.markdown  # the safety articles
    assert "verify.md" not in zh.pages  # not an article: not searched, related or listed in a category
    assert zh.context("safety/seed-phrase.md")["verify_callout"] is True
    assert zh.context("security/enable-2fa.md")["verify_callout"] is False
    assert zh.context("index.md")["verify_url"] == "verify/"


def test_no_official_channels_no_verify_page(tmp_path: Path) -> None:
    write_kb(tmp_path, {"docs/en/index.md": "---\ntitle: Home\n---\n\nHi.\n"}, languages=("en",))
    en = edition.compute(scan(config.load(tmp_path / "mkdocs.yml"), use_cache=False), "en", related=False)
    assert en.generated() == {} and en.context("index.md")["verify_url"] == ""
