"""Is it official? The rules that tell a reader whether a link, e-mail address, phone number or
account is one of the help center's official channels (`official:` in locales/helpcenter.yml).

The same rules run in two places: here (for tests and any script) and in the reader's browser
(kb_tools/assets/kb-verify.js, on the page `<lang>/verify/`). Everything both need that is data
(official hosts, addresses, numbers and handles, platform hosts, look-alike letters) comes from
`data()` below, embedded in the page as JSON, so the two cannot drift apart in their tables;
tests/verify_cases.py holds the table of inputs both must answer alike.

The rules:
- a link is official when its host, lowercased, without `www.`, port, user info or path, is an
  official host or a subdomain of one; `nimbusx.example.evil.com`, `nimbusx-example.com` and
  `nimbusx.example@evil.com` (user info: the host is evil.com) are not;
- an e-mail address is official when it is listed, or at the domain (or a subdomain) of a listed
  address: `anyone@nimbusx.example` is official when `support@nimbusx.example` is listed, since no
  one else can hold an address there; an address at another domain never is;
- a phone number is official when its digits, country code included (`+` or `00`), are a listed
  number's; a number written without its country code is not recognized;
- a handle (`@name`, `x.com/name`, `t.me/name`, `https://twitter.com/name`) is official when the
  name, case aside, is an official account's on that platform; a bare `@name` is official on the
  platforms that list it, and nowhere else;
- anything else is not official; it "looks like ours" when, with look-alike letters mapped
  (Cyrillic а, digit 0 and 1, full-width letters), it contains an official name (`nimbusx`,
  `nimbusexchange`, or the start they share, `nimbus`), is one letter away from one or two
  letters away from a long official host or handle, or its host is punycode (`xn--`) or not
  ASCII at all, since an international host is the usual way to imitate one.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from kb_tools.errors import ConfigError
from kb_tools.i18n import N_

Kind = Literal["site", "email", "phone", "handle"]
Answer = Literal["official", "lookalike", "unknown", "empty"]

# Platform key -> (name shown, hosts whose first path segment is an account's name).
PLATFORMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "x": ("X", ("x.com", "twitter.com")),
    "telegram": ("Telegram", ("t.me", "telegram.me", "telegram.dog")),
    "instagram": ("Instagram", ("instagram.com",)),
    "facebook": ("Facebook", ("facebook.com", "fb.com")),
    "youtube": ("YouTube", ("youtube.com",)),
    "tiktok": ("TikTok", ("tiktok.com",)),
    "linkedin": ("LinkedIn", ("linkedin.com",)),
}
# Other names writers use for a platform, e.g. in "X/Twitter @NimbusExchange".
PLATFORM_ALIASES = {"twitter": "x", "x/twitter": "x", "twitter/x": "x", "tg": "telegram"}
# Letters that look like Latin ones (after NFKC, which folds full-width forms), and digits used as letters.
CONFUSABLES = {
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    "ԁ": "d", "ӏ": "i", "һ": "h", "ԛ": "q", "ԝ": "w", "к": "k", "м": "m", "т": "t", "в": "b", "н": "h",
    "α": "a", "ο": "o", "ν": "v", "ρ": "p", "τ": "t", "ι": "i", "κ": "k", "χ": "x", "υ": "u", "ε": "e",
    "0": "o", "1": "i", "l": "i", "|": "i",
}
MIN_BRAND = 5  # shorter official names ("co" of co.uk) would make everything look like ours
SAFETY_FOLDER = "safety"  # the category whose articles link the verify page
PAGE = "verify.md"
ASSET = Path(__file__).parent / "assets" / "kb-verify.js"
ASSET_REL = "assets/kb-verify.js"  # where the page's script is published, next to the theme's assets

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(//)?", re.I)
_EMAIL = re.compile(r"^[^\s@/\\]+@[^\s@/\\]+\.[^\s@/\\]+$")
_PHONE = re.compile(r"^\+?[0-9\s().\-/]+$")
_HANDLE = re.compile(r"^[A-Za-z0-9_.]+$")
_HOST = re.compile(r"^[^\s/\\?#@:]+\.[^\s/\\?#@:.]+$")


@dataclass(frozen=True)
class Official:
    """One official channel of locales/helpcenter.yml, normalized for matching."""

    kind: Kind
    value: str  # host, address, digits (country code first) or lowercased handle
    label: str  # as a reader sees it: nimbusx.example, +1 202 555 0100, X @NimbusExchange
    platform: str = ""  # for a handle: a key of PLATFORMS


@dataclass(frozen=True)
class Verdict:
    """What the check says about one input."""

    answer: Answer
    kind: str  # site, email, phone, handle, or text (none of those)
    match: str = ""  # the label of the official channel it matched
    platforms: tuple[str, ...] = ()  # for a bare @name: the platforms where it is official


def parse_official(entry: object) -> Official:
    """One `official:` entry read: a URL, an e-mail address, a +phone, or {platform: handle}.

    Raises ConfigError with what is wrong and how to fix it (the caller adds where).
    """
    if isinstance(entry, dict) and len(entry) == 1:
        key, value = next(iter(entry.items()))
        key = PLATFORM_ALIASES.get(str(key).lower(), str(key).lower())
        if key == "phone":
            return _official_phone(str(value))
        if key in PLATFORMS and isinstance(value, str | int) and _HANDLE.match(str(value).lstrip("@")):
            name = str(value).lstrip("@")
            return Official("handle", name.lower(), f"{PLATFORMS[key][0]} @{name}", key)
        if key not in PLATFORMS:
            raise ConfigError(f"{entry!r}: unknown platform {key!r}: use one of "
                              f"{', '.join(sorted(PLATFORMS))}, or phone, e.g. {{x: NimbusExchange}}")
        raise ConfigError(f"{entry!r}: not an account name: write the name alone, e.g. {{{key}: NimbusExchange}}")
    if not isinstance(entry, str) or not entry.strip():
        raise ConfigError(f"{entry!r}: not a channel: write a URL, an e-mail address, a phone number "
                          "with + and country code, or {platform: handle}")
    text = entry.strip()
    if text.startswith("+"):
        return _official_phone(text)
    words = text.split()
    if len(words) == 2 and PLATFORM_ALIASES.get(words[0].lower(), words[0].lower()) in PLATFORMS:
        found = classify(words[1])  # "Telegram t.me/nimbusx_news", "X/Twitter @NimbusExchange"
        platform = PLATFORM_ALIASES.get(words[0].lower(), words[0].lower())
        if found[0] == "handle" and found[1] in ("", platform):
            name = words[1].rstrip("/").rsplit("/", 1)[-1].lstrip("@")
            return Official("handle", name.lower(), f"{PLATFORMS[platform][0]} @{name}", platform)
    found = classify(text)
    if found[0] == "email":
        return Official("email", found[2], found[2])
    if found[0] == "handle" and found[1]:
        name = found[2]
        shown = text.rstrip("/").rsplit("/", 1)[-1].lstrip("@")
        return Official("handle", name, f"{PLATFORMS[found[1]][0]} @{shown if shown.lower() == name else name}",
                        found[1])
    if found[0] == "site" and not found[3]:
        return Official("site", found[2], found[2])
    if found[0] == "handle":
        raise ConfigError(f"{text!r}: a handle without its platform: write {{x: {found[2]}}} or "
                          f"{{telegram: {found[2]}}}")
    raise ConfigError(f"{text!r}: cannot tell what this is: write a URL with its scheme (https://nimbusx.example), "
                      "an e-mail address, a phone number with + and country code, or {platform: handle}")


def _official_phone(text: str) -> Official:
    digits = re.sub(r"[^0-9]", "", text)
    if not text.strip().startswith("+") or not _PHONE.match(text.strip()) or len(digits) < 7:
        raise ConfigError(f"{text!r}: not a phone number with its country code: write it as +1 202 555 0100")
    return Official("phone", digits, text.strip())


def classify(text: str) -> tuple[str, str, str, str]:
    """(kind, platform, value, userinfo) of a reader's input, normalized: the one reading of an input.

    kind is site (value: host), email (address), phone (digits), handle (name, lowercased; platform
    '' when not said) or text; userinfo is what a link carries before an '@' in its host part.
    """
    text = unicodedata.normalize("NFKC", text).strip()  # full-width ＠ and ＋１ are @ and +1
    low = text.lower()
    if low.startswith("mailto:"):
        text = text[7:].split("?", 1)[0]
    elif low.startswith("tel:"):
        text = text[4:]
    angle = re.search(r"<([^<>]+)>", text)  # "Nimbus Support <support@nimbusx.example>"
    if angle:
        text = angle.group(1).strip()
    if _EMAIL.match(text) and not _SCHEME.match(text):
        return "email", "", text.lower(), ""
    if text.startswith("@") and _HANDLE.match(text[1:]):
        return "handle", "", text[1:].lower(), ""
    digits = re.sub(r"[^0-9]", "", text)
    if _PHONE.match(text) and len(digits) >= 7:
        if not text.startswith("+") and digits.startswith("00"):
            digits = digits[2:]
        return "phone", "", digits, ""
    if _SCHEME.match(text) or "/" in text or "\\" in text or _HOST.match(text.split("@")[-1]):
        userinfo, host, path = _split_url(text)
        if not host:
            return "text", "", "", ""
        platform = _platform(host)
        if platform:
            segments = [s for s in re.split(r"[/\\]", path.split("?")[0].split("#")[0]) if s]
            if platform == "telegram" and segments[:1] == ["s"]:
                segments = segments[1:]  # t.me/s/name: the channel's web preview
            name = segments[0].lstrip("@") if segments else ""
            if name and _HANDLE.match(name):
                return "handle", platform, name.lower(), userinfo
        return "site", "", host, userinfo
    if _HANDLE.match(text):
        return "handle", "", text.lower(), ""
    return "text", "", "", ""


def _split_url(text: str) -> tuple[str, str, str]:
    """(userinfo, host, path) of a link as a browser reads it: the host ends at / \\ ? or #, and
    what comes before its last '@' is user info, not the host."""
    rest = _SCHEME.sub("", text.strip(), count=1)
    if rest.startswith("//"):
        rest = rest[2:]
    authority = re.split(r"[/\\?#]", rest, maxsplit=1)[0]
    path = rest[len(authority):]
    userinfo, _, host = authority.rpartition("@")
    host = host.split(":")[0].lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    return userinfo, host, path


def _platform(host: str) -> str:
    for key, (_, hosts) in PLATFORMS.items():
        if any(host == h or host.endswith("." + h) for h in hosts):
            return key
    return ""


def data(official: tuple[Official, ...]) -> dict[str, Any]:
    """What the check needs, as JSON data: the official channels and the tables of the rules."""
    brands = set()
    for item in official:
        if item.kind == "site" or item.kind == "email":
            labels = item.value.split("@")[-1].split(".")
            if len(labels) >= 2:
                brands.add(_skeleton(labels[-2]))
        elif item.kind == "handle":
            brands.add(_skeleton(item.value))
    # The name they share ("nimbus" of nimbusx and nimbusexchange): scammers use it with other words.
    brands |= {_common_start(a, b) for a in brands for b in brands if a != b}
    return {
        # the longest host first, so that a link answers with its own official host, not its parent's
        "sites": [[o.value, o.label] for o in sorted(official, key=lambda o: -len(o.value)) if o.kind == "site"],
        "emails": [[o.value, o.label] for o in official if o.kind == "email"],
        "phones": [[o.value, o.label] for o in official if o.kind == "phone"],
        "handles": [[o.platform, o.value, o.label] for o in official if o.kind == "handle"],
        "platforms": {key: {"name": name, "hosts": list(hosts)} for key, (name, hosts) in PLATFORMS.items()},
        "brands": sorted(b for b in brands if len(b) >= MIN_BRAND),
        "confusables": CONFUSABLES,
        "min_brand": MIN_BRAND,
    }


def check(text: str, tables: dict[str, Any]) -> Verdict:
    """Whether a reader's input is an official channel (tables: `data()`); kb-verify.js does the same."""
    if not text.strip():
        return Verdict("empty", "text")
    kind, platform, value, userinfo = classify(text)
    if kind == "site":
        for host, label in tables["sites"]:
            if value == host or value.endswith("." + host):
                return Verdict("official", kind, label)
        return Verdict("lookalike" if _looks_like(value, tables, userinfo) else "unknown", kind)
    if kind == "email":
        local, _, domain = value.rpartition("@")
        for address, label in tables["emails"]:
            if value == address:
                return Verdict("official", kind, label)
        for address, _label in tables["emails"]:
            at = address.split("@")[-1]
            if domain == at or domain.endswith("." + at):
                return Verdict("official", kind, "@" + at)
        return Verdict("lookalike" if _looks_like(domain, tables, local) else "unknown", kind)
    if kind == "phone":
        for digits, label in tables["phones"]:
            if value == digits:
                return Verdict("official", kind, label)
        return Verdict("unknown", kind)
    if kind == "handle":
        where = [(p, label) for p, name, label in tables["handles"]
                 if name == value and (not platform or p == platform)]
        if where:
            names = () if platform else tuple(tables["platforms"][p]["name"] for p, _ in where)
            return Verdict("official", kind, where[0][1], names)
        return Verdict("lookalike" if _looks_like(value, tables, userinfo) else "unknown", kind)
    return Verdict("unknown", kind)


def _common_start(a: str, b: str) -> str:
    size = 0
    while size < min(len(a), len(b)) and a[size] == b[size]:
        size += 1
    return a[:size]


def _skeleton(text: str) -> str:
    """Text as it looks: NFKC, lowercased, look-alike letters mapped, only letters and digits kept."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[^a-z0-9]", "", "".join(CONFUSABLES.get(c, c) for c in folded))


def _looks_like(value: str, tables: dict[str, Any], extra: str = "") -> bool:
    """True when an unofficial host or name imitates an official one."""
    if not value.isascii() or any(label.startswith("xn--") for label in value.split(".")):
        return True
    seen = _skeleton(value) + " " + _skeleton(extra)
    if any(brand in seen for brand in tables["brands"]):
        return True
    plain = [_skeleton(part) for part in value.split(".")]
    official = [h for h, _ in tables["sites"]] + [n for _, n, _ in tables["handles"]]
    return any(_distance(value, o) <= 2 for o in official if len(o) >= 2 * tables["min_brand"]) or \
        any(_distance(part, brand) <= 1 for part in plain for brand in tables["brands"])


def _distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return row[-1]


# The page's UI strings; kb-verify.js gets them translated, in the page's JSON.
TITLE = N_("Verify an official channel")
STRINGS = {
    "official": N_("Official"),
    "official_text": N_("This is one of our official channels: %(match)s."),
    "official_only": N_("Official on %(platforms)s only. An account with this name anywhere else is not ours."),
    "official_reminder": N_("Even so, we never ask for your password, 2FA codes or seed phrase."),
    "not_official": N_("Not official"),
    "lookalike": N_("It looks like ours but is not: a common trick."),
    "unknown": N_("It is not on our list of official channels."),
}
PAGE_TEXT = {
    "intro": N_("Scammers pose as our support on Telegram, X, e-mail and phone. Paste a link, e-mail address, "
                "phone number or account name to check whether it is one of our official channels."),
    "label": N_("Link, e-mail address, phone number or account"),
    "hint": N_("Write phone numbers with + and the country code. The check runs in your browser: nothing you "
               "type is sent."),
    "advice": N_("If it is not official"),
    "channels": N_("Our official channels"),
}
CALLOUT_TITLE = N_("Is it really us?")
CALLOUT_TEXT = N_("Check whether a link, e-mail address, phone number or account is one of our official channels.")


def page_markdown(official: tuple[Official, ...], gettext: Any, contact: list[tuple[str, str]],
                  articles: list[tuple[str, str, str]]) -> str:
    """The verify page's body (Markdown with raw HTML, directory URLs): contact and articles are
    (name, link) and (url under the site, title, its language when not the page's: '')."""
    _ = gettext
    e = html.escape
    payload = {**data(official), "strings": {key: _(text) for key, text in STRINGS.items()}}
    text = {key: e(_(message)) for key, message in PAGE_TEXT.items()}
    advice = [e(_("Do not reply, click its links or call it back.")),
              e(_("Never share your password, 2FA codes or seed phrase: our staff will never ask for them."))]
    if contact:
        links = "".join(f'<li><a href="{e(link)}">{e(name)}</a></li>' for name, link in contact)
        advice.append(e(_("Report it to us through an official channel:")) + f"<ul>{links}</ul>")
    if articles:
        links = "".join(f'<li><a href="../{e(url)}"{f" lang={e(lang)!r}" if lang else ""}>{e(title)}</a></li>'
                        for url, title, lang in articles)
        advice.append(e(_("Read how these scams work:")) + f"<ul>{links}</ul>")
    items = "".join(f"<li>{item}</li>" for item in advice)
    channels = "".join(f"<li><code>{e(o.label)}</code></li>" for o in official)
    return "\n\n".join([
        f"# {e(_(TITLE))}",
        '<div class="kb-verify" data-kb-verify>'
        f'<p>{text["intro"]}</p>'
        f'<label class="kb-verify__label" for="kb-verify-input">{text["label"]}</label>'
        '<input class="kb-verify__input" id="kb-verify-input" type="text" autocomplete="off" '
        'autocapitalize="off" spellcheck="false" dir="ltr">'
        f'<p class="kb-verify__hint"><small>{text["hint"]}</small></p>'
        '<div class="kb-verify__result" role="status" aria-live="polite"></div>'
        f'<h2 id="kb-verify-advice">{text["advice"]}</h2>'
        f'<ol class="kb-verify__advice">{items}</ol>'
        f'<h2 id="kb-verify-channels">{text["channels"]}</h2>'
        f'<ul class="kb-verify__channels">{channels}</ul>'
        "</div>",
        f'<script type="application/json" id="kb-verify-data">{json_for_script(payload)}</script>',
        f'<script src="../{ASSET_REL}"></script>',
    ]) + "\n"


def json_for_script(value: object) -> str:
    """JSON that is safe inside <script>: no '<', '>' or '&' (so no `</script>` or `<!--`), no U+2028/9."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text
