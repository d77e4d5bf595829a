"""locales/helpcenter.yml as the home page reads it: categories with descriptions, promoted articles, schedules."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_tools import locale_data
from kb_tools.errors import ConfigError

HELPCENTER = """\
categories:
  account:
    name: {en: Account, zh: 账户}
    description: {en: Sign up and log in., zh: 注册与登录。}
  api: {en: API keys, zh: API 密钥}
promoted: [account/log-in.md]
ticket_form: https://example.com/ticket?article={url}
contact:
  - name: {en: Phone, zh: 电话}
    link: https://example.com/call
    hours: {en: "9-21 UTC, Monday-Friday", zh: 周一至周五 9-21 UTC}
    open: Mon-Fri 09:00-21:00
    response: {en: 2 hours, zh: 2 小时}
"""


def write(root: Path, text: str) -> None:
    (root / "locales").mkdir()
    (root / "locales/helpcenter.yml").write_text(text, encoding="utf-8")


def test_categories_promoted_articles_and_schedules_in_the_readers_language(tmp_path: Path) -> None:
    write(tmp_path, HELPCENTER)
    data = locale_data.load(tmp_path, "zh", "en")
    assert data.categories == {"account": "账户", "api": "API 密钥"}
    assert data.descriptions == {"account": "注册与登录。"}
    assert data.promoted == ("account/log-in.md",) and data.ticket_form.endswith("{url}")
    assert data.contact[0].open == "mon-fri 09:00-21:00" and data.contact[0].hours == "周一至周五 9-21 UTC"


def test_a_schedule_open_now_cannot_read_is_an_error_that_says_how_to_write_it(tmp_path: Path) -> None:
    write(tmp_path, HELPCENTER.replace("Mon-Fri 09:00-21:00", "weekdays 9 to 5"))
    with pytest.raises(ConfigError) as error:
        locale_data.load(tmp_path, "en", "en")
    assert str(error.value) == ("locales/helpcenter.yml:12: contact[0].open: 'weekdays 9 to 5' is not a schedule: "
                                "write 24/7, or days and UTC hours like mon-fri 09:00-21:00")


def test_a_text_without_the_source_language_names_its_line(tmp_path: Path) -> None:
    write(tmp_path, HELPCENTER.replace("{en: 2 hours, zh: 2 小时}", "{zh: 2 小时}"))
    with pytest.raises(ConfigError) as error:
        locale_data.load(tmp_path, "ja", "en")
    assert str(error.value).startswith(
        "locales/helpcenter.yml:13: contact[0].response: {'zh': '2 小时'} has no en text")
