"""Translation QA says what happened, one problem per cause: a changed figure or link is one message, not two."""

from __future__ import annotations

from pathlib import Path

from conftest import RunKb, article, commit_all, hash_of, problems, scan, statuses, translation, write_kb

from kb_tools import glossary, qa

GLOSSARY = "do_not_translate: [USDT, TRC20]\n"


def pair(root: Path, source_body: str, zh_body: str) -> Path:
    """A source and a reviewed zh translation made from it (the translation's body starts at line 10)."""
    write_kb(root, {"locales/glossary.yml": GLOSSARY, "docs/en/a.md": article("Fees", source_body)})
    write_kb(root, {"docs/zh/a.md": translation("费用", zh_body, hash_of(root, "a.md"))})
    return root


def numbers_and_urls(root: Path) -> list[str]:
    """kb check's problems about figures, links and terms, as printed."""
    return [line for line in problems(root) if "docs/zh/a.md" in line and "draft" not in line]


def test_a_changed_figure_is_one_problem_that_says_what_each_side_says(tmp_path: Path, run_kb: RunKb) -> None:
    root = pair(tmp_path, "Keep your last 5 passwords.\n", "保留最近 3 个密码。\n")
    assert numbers_and_urls(root) == [
        "error: docs/zh/a.md:10: the source says 5 where the translation says 3: check the figure against the source"]
    code, out, _ = run_kb(root, "check")  # file:line: what is wrong: how to fix
    assert code == 1
    assert out == ("docs/zh/a.md:10: the source says 5 where the translation says 3: "
                   "check the figure against the source\n")


def test_a_figure_left_out_asks_for_digits_only_when_the_translation_has_none(tmp_path: Path) -> None:
    root = pair(tmp_path, "Withdrawals take 30 minutes.\n\nDeposits need 2 confirmations and 10 minutes.\n",
                "提币需要三十分钟。\n\n充值需要 2 次确认。\n")
    assert numbers_and_urls(root) == [
        "error: docs/zh/a.md:10: number 30 of the source is missing: write the source's numbers as digits",
        "error: docs/zh/a.md:12: number 10 of the source is missing: add it as the source writes it",
    ]


def test_a_changed_link_or_url_is_one_problem(tmp_path: Path) -> None:
    root = pair(tmp_path, "See [fees](https://nimbusx.example/fees) or write to help@nimbusx.example.\n",
                "见[费用](https://nimbus.example/fees)或写信给 help@nimbusx.example。\n")
    assert numbers_and_urls(root) == [
        "error: docs/zh/a.md:10: the source has link target 'https://nimbusx.example/fees' where the translation has "
        "'https://nimbus.example/fees': use the source's link targets and URLs unchanged"]


def test_a_rewritten_term_with_digits_is_the_term_s_problem_not_a_number_s(tmp_path: Path) -> None:
    root = pair(tmp_path, "Send USDT on TRC20 only.\n", "仅通过 TRC-20 发送 USDT。\n")
    assert numbers_and_urls(root) == [
        "error: docs/zh/a.md:10: do-not-translate term 'TRC20' is missing: keep 'TRC20' as written in the source"]


def test_figures_still_missing_or_extra_alone_keep_their_messages(tmp_path: Path) -> None:
    root = pair(tmp_path, "Limits: 1,000 USDT a day.\n\nNo fee.\n",
                "限额：每天 1,000 USDT，手续费 2 USDT。\n\n免费。\n")
    assert numbers_and_urls(root) == [
        "error: docs/zh/a.md:10: number 2 is not in the source: check the figure against the source"]


def test_with_the_version_translated_known_a_source_edit_reads_as_the_source_s_change(tmp_path: Path) -> None:
    root = pair(tmp_path, "Keep your last 3 passwords, see [rules](https://nimbusx.example/a).\n\nIt takes a day.\n",
                "保留最近 3 个密码，见[规则](https://nimbusx.example/a)。\n\n需要一天。\n")
    commit_all(root, "translated")
    source = root / "docs/en/a.md"
    source.write_text(source.read_text().replace("last 3", "last 5").replace("example/a", "example/b")
                      .replace("It takes a day.", "It takes 24 hours."))
    commit_all(root, "the source changes its figures and link")
    entry = statuses(root)["zh"]["a.md"]
    assert entry.status == "stale" and entry.made_from
    center = scan(root)
    terms, _ = glossary.load(root)
    args = (center.with_blocks(center.docs["en"]["a.md"]), center.with_blocks(center.docs["zh"]["a.md"]), terms)
    with_history = [f"{p.line}: {p.message}: {p.fix}" for p in qa.check(*args, made_from=entry.made_from)]
    assert with_history == [
        "10: the source changed link target 'https://nimbusx.example/a' to 'https://nimbusx.example/b'; the "
        "translation still has 'https://nimbusx.example/a': write 'https://nimbusx.example/b'",
        "10: the source changed 3 to 5; the translation still says 3: write 5",
        "12: the source added the number 24 since the translation was made: add it to the translation",
    ]
    # Without the version translated, the same pair reads as what each side says now, still once per cause.
    assert [f"{p.line}: {p.message}" for p in qa.check(*args)] == [
        "10: the source has link target 'https://nimbusx.example/b' where the translation has "
        "'https://nimbusx.example/a'",
        "10: the source says 5 where the translation says 3",
        "12: number 24 of the source is missing",
    ]


def test_pair_up_names_each_cause_once() -> None:
    assert qa.pair_up(["5"], ["3"]) == [("changed", "5", "3")]
    assert qa.pair_up(["5"], ["3"], old={"3"}) == [("updated", "5", "3")]
    assert qa.pair_up(["5", "7"], ["3"], old={"3", "7"}) == [("updated", "5", "3"), ("missing", "7", "")]
    assert qa.pair_up([], ["3"], old={"3"}) == [("removed", "", "3")]
    assert qa.pair_up([], ["3"]) == [("extra", "", "3")]
    removed = qa.number_problems({}, {"3": "3"}, old={"3"})
    assert removed == [("the source no longer says 3; the translation still does", "remove it, as the source did")]
