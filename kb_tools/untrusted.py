"""What a translation engine returns is untrusted data: it may bring words, never markup.

kb draft masks the source's own markup (code, link targets, URLs, HTML, attribute lists, template
syntax) as ⟦n⟧ before a block goes to the engine, so anything markup-like in the answer came from
the engine: a tag, an attribute list, a link, a URL, a line break that starts a new block,
template syntax. neutralize() turns it into inert text (or removes it) before the placeholders are
put back, and says what it did, so that the reviewer sees it and a reader never gets it as markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

TAG = re.compile(r"<!--|<[!?][A-Za-z\[]|</?[A-Za-z][\w-]*(?=[\s/>]|$)")
BRACE = re.compile(r"\{(?:[{%#]|\s*[:.#])[^}\n]*\}*")  # attribute lists, Jinja and other templates
_ENTITY = re.compile(r"&(?=#\d+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)?")
_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)?")
_AUTOLINK = re.compile(r"<(?:[a-z][a-z0-9+.-]*:[^>\s]*|[\w.+-]+@[\w.-]+)>", re.IGNORECASE | re.ASCII)
_URL = re.compile(r"\b(?:(?:https?|ftp)://|www\.)[^\s<>\"'⟦]+|\b(?:javascript|data|mailto|vbscript):[^\s<>\"'⟦]+"
                  r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE | re.ASCII)
_BLANK_LINE = re.compile(r"\n\s*\n")
# What starts a block at the start of a line: a heading, quote, admonition or details, fence,
# rule, list item, table row, reference definition, definition, or include (pymdownx.snippets).
_MARKER = re.compile(r"#|&gt;|>|!!!|\?\?\?|`{3,}|~{3,}|([-*_=])(?:\s*\1){2,}|[-*+:](?=\s)|\d+[.)](?=\s)|\|"
                     r"|\[[^\]\n]*\]:|-+8<")
# How the first character of a block marker is written so that it shows as itself. Backslash
# escapes where Markdown has them; named entities elsewhere (a numeric one would count as a number).
_LITERAL = {"?": "&quest;", "~": "&tilde;", "=": "&equals;", ":": "&colon;"}
_PLAIN = ("title", "description")


def neutralize(answer: str, source: str, kind: str) -> tuple[str, list[str]]:
    """The engine's answer for one masked source text made inert; returns it and what was done.

    kind is the block's kind: `title` and `description` are plain text (markup is removed), a
    `cell` is one table cell (a `|` would add a column), anything else is Markdown (markup is
    escaped so that it shows as the characters the engine sent).
    """
    notes: list[str] = []
    text = html.unescape(answer)  # engines send &#39; for quotes; an encoded <script> is still one
    if "\n" in text:
        lines = text.split("\n")
        if _BLANK_LINE.search(text) or any(_MARKER.match(line.lstrip()) for line in lines[1:]):
            notes.append("the engine added line breaks that start new blocks: joined into one line")
        text = " ".join(line.strip() for line in lines if line.strip())
    text = _strip(_IMAGE, text, notes, "an image", lambda m: "")
    text = _strip(_LINK, text, notes, "a link", lambda m: m.group(1))
    text = _strip(_AUTOLINK, text, notes, "a link", lambda m: "")
    text = _strip(_URL, text, notes, "the URL", lambda m: "")
    if notes:  # what was removed leaves runs of spaces
        text = re.sub(r"[ \t]{2,}", " ", text)
    done = "removed" if kind in _PLAIN else "shown as text"
    tag = TAG.search(text)
    if tag:
        end = text.find(">", tag.start())
        notes.append(f"the engine added HTML {_shown(text[tag.start(): end + 1 if end > 0 else tag.end()])}: {done}")
    brace = BRACE.search(text)
    if brace:
        what = "template syntax" if brace.group(0)[:2] in ("{{", "{%", "{#") else "an attribute list"
        notes.append(f"the engine added {what} {_shown(brace.group(0))}: {done}")
    if kind in _PLAIN:
        text = BRACE.sub("", re.sub(r"<[^<>]*>?", "", text))
        return " ".join(text.split()), notes
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;").replace("{", "\\{")
    if kind == "cell" and "|" in text:
        notes.append("the engine added a table column (|): shown as text")
        text = text.replace("|", "\\|")
    text = text.strip()
    marker = _MARKER.match(text)
    if marker and not _MARKER.match(source.lstrip()):
        notes.append(f"the engine began the block with {_shown(marker.group(0))}, which starts a new block: "
                     "shown as text")
        if text[0].isdigit():
            cut = marker.end() - 1
            text = f"{text[:cut]}\\{text[cut:]}"
        elif text[0] in _LITERAL:
            text = _LITERAL[text[0]] + text[1:]
        elif text[0] != "&":  # &gt; is text already
            text = "\\" + text
    return text, notes


def _strip(pattern: re.Pattern[str], text: str, notes: list[str], what: str,
           keep: Callable[[re.Match[str]], str]) -> str:
    found = pattern.search(text)
    if not found:
        return text
    notes.append(f"the engine added {what} {_shown(found.group(0))}, not in the source: removed")
    return pattern.sub(keep, text)


def _shown(markup: str) -> str:
    """Markup quoted for a note, short and on one line."""
    markup = " ".join(markup.split())
    return repr(markup if len(markup) <= 60 else markup[:57] + "...")
