"""Full-page screenshots of what a reader and a translator see, for a person to look at.

    python bench/screenshots.py [--site site] [--out screenshots] [--review-only] [LANG ...]

For each language: the home page, a category page, one article per notice a reader can get
(none, machine, stale, stale-critical, in-review, missing), search results for a question, the
verify page and the 404 page, on a desktop and on a phone; and the root page and root 404.
Build first (`kb build`); the site is served on 127.0.0.1 and opened in headless Chromium.

Then the review site (`kb review`, written afresh into a temporary folder): the dashboard, the
progress chart `kb status --chart` writes (the help center must be in git), and a
page of each kind a translator reaches from its grid (a stale article side by side, a missing
article, an orphan), on a desktop and on a phone. --review-only skips the reader's site.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from markupsafe import Markup

from kb_tools import config, progress, reader, review, status
from kb_tools.browser import Site
from kb_tools.reader import page_url
from kb_tools.scan import scan

QUESTIONS = {"en": "my withdrawal has not arrived", "zh": "提币一直没到账怎么办", "ja": "2段階認証のスマホをなくした",
             "es": "mi retiro no ha llegado", "ko": "출금이 도착하지 않았어요"}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def key_pages(root: Path, lang: str) -> dict[str, str]:
    """name -> path under the site of the pages worth looking at in lang."""
    settings = config.load(root / "mkdocs.yml")
    center = scan(settings, blocks=False)
    pages = {"home": f"{lang}/"}
    categories = sorted({rel.split("/")[0] for rel in center.docs[settings.source_language] if "/" in rel})
    if categories:
        pages["category"] = f"{lang}/{categories[0]}/"
    by_notice: dict[str, str] = {}
    for rel, plan in sorted(reader.plan(center, lang).items()):
        if rel != "index.md":
            by_notice.setdefault(plan.notice or "current", rel)
    pages.update({f"article-{notice}": f"{lang}/{page_url(rel)}" for notice, rel in by_notice.items()})
    pages["verify"] = f"{lang}/verify/"
    pages["404"] = f"{lang}/404.html"
    return pages


def review_pages(root: Path, out: Path) -> dict[str, str]:
    """Write the review site of the help center at root into out; name -> path of the pages worth looking at."""
    settings = config.load(root / "mkdocs.yml")
    center = scan(settings)
    chart = progress.history(settings)  # kb status --chart's picture, as kb review puts it on the dashboard
    review.build(center, out, chart=Markup(progress.svg(chart)))
    progress.write(out / "progress.svg", chart)  # shot in a page: Chromium will not screenshot a bare SVG
    (out / "progress.html").write_text('<!doctype html><body style="margin:0"><img src="progress.svg"></body>')
    report = status.compute(center, settings.targets)
    pages = {"review-dashboard": "", "progress-chart": "progress.html"}
    wanted = {"review-stale": ("stale-critical", "stale"), "review-missing": ("missing-critical", "missing"),
              "review-orphan": ("orphan",)}
    for name, kinds in wanted.items():
        found = [(kinds.index(review.kind(e)), lang, e.rel) for lang, entries in report.items() for e in entries
                 if review.kind(e) in kinds]
        if found:
            _, lang, rel = min(found)
            pages[name] = f"{lang}/{review.page_href(rel)}"
    return pages


def shoot(site: Site, out: Path, name: str, path: str, viewport: str, question: str = "") -> Path:
    """One full-page screenshot; with a question, typed into the page's search box first."""
    context = site.chromium.new_context(viewport=VIEWPORTS[viewport], is_mobile=viewport == "phone",
                                        device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{site.url}/{path}")
    if question:
        box = page.locator("[data-kb-search] input").first
        if not box.is_visible():
            page.locator("[data-kb-search-open]").first.click()
            box = page.locator("dialog [data-kb-search] input")
        box.fill(question)
        page.locator(".kb-result").first.wait_for(timeout=10000)
    target = out / f"{name}-{viewport}.png"
    page.screenshot(path=str(target), full_page=True)
    context.close()
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("languages", nargs="*", metavar="LANG")
    parser.add_argument("--root", type=Path, default=Path("."), help="the help center (where mkdocs.yml is)")
    parser.add_argument("--site", type=Path, default=Path("site"))
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--review-only", action="store_true", help="only the review site")
    args = parser.parse_args()
    settings = config.load(args.root / "mkdocs.yml")
    languages = args.languages or list(settings.languages)
    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "review"
        pages = review_pages(args.root, folder)
        with Site(folder) as site:
            for name, path in pages.items():
                for viewport in VIEWPORTS:
                    written.append(shoot(site, args.out, name, path, viewport))
    if args.review_only:
        print(f"{len(written)} screenshots in {args.out}/")
        return
    with Site(args.site) as site:
        written += [shoot(site, args.out, "root", "", "desktop"),
                    shoot(site, args.out, "root-404", "404.html", "desktop")]
        for lang in languages:
            for name, path in key_pages(args.root, lang).items():
                for viewport in VIEWPORTS:
                    written.append(shoot(site, args.out, f"{lang}-{name}", path, viewport))
            for viewport in VIEWPORTS:
                written.append(shoot(site, args.out, f"{lang}-search", f"{lang}/", viewport,
                                     QUESTIONS.get(lang, QUESTIONS["en"])))
    print(f"{len(written)} screenshots in {args.out}/")


if __name__ == "__main__":
    main()
