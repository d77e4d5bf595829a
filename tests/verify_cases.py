"""The table of inputs kb_tools/verify.py and the browser's kb-verify.js must answer alike (the sample's
official channels: locales/helpcenter.yml): (input, answer, kind, the official channel it matched)."""

from __future__ import annotations

CASES: list[tuple[str, str, str, str]] = [
    # links: case, www., schemes, ports, paths and subdomains of an official host
    ("https://nimbusx.example", "official", "site", "nimbusx.example"),
    ("HTTPS://WWW.NimbusX.example/login?next=/", "official", "site", "nimbusx.example"),
    ("nimbusx.example/support/", "official", "site", "nimbusx.example"),
    ("http://nimbusx.example:8443/", "official", "site", "nimbusx.example"),
    ("https://status.nimbusx.example/", "official", "site", "status.nimbusx.example"),
    ("https://app.nimbusx.example.", "official", "site", "nimbusx.example"),
    # links that imitate one
    ("https://nimbusx.example.evil.com/login", "lookalike", "site", ""),
    ("nimbusx-example.com", "lookalike", "site", ""),
    ("https://nimbux.example", "lookalike", "site", ""),
    ("https://n1mbusx.example", "lookalike", "site", ""),
    ("https://xn--nimbusx-4ve.example", "lookalike", "site", ""),
    ("https://nіmbusx.example", "lookalike", "site", ""),  # a Cyrillic і
    ("https://nimbusx.example@evil.com/", "lookalike", "site", ""),
    ("https://evil.com\\@nimbusx.example", "unknown", "site", ""),  # a browser goes to evil.com
    ("https://evil.com/nimbusx.example", "unknown", "site", ""),
    ("https://example.com/", "unknown", "site", ""),
    # e-mail: listed addresses, and any address at their domain
    ("support@nimbusx.example", "official", "email", "support@nimbusx.example"),
    ("mailto:Security@NimbusX.example", "official", "email", "security@nimbusx.example"),
    ("Nimbus Support <support@nimbusx.example>", "official", "email", "support@nimbusx.example"),
    ("no-reply@nimbusx.example", "official", "email", "@nimbusx.example"),
    ("nimbusx.example@evil.com", "lookalike", "email", ""),
    ("support@nimbusx-help.com", "lookalike", "email", ""),
    ("nimbusx.support@gmail.com", "lookalike", "email", ""),
    ("help@gmail.com", "unknown", "email", ""),
    # phones: digits only, country code required
    ("+1 202 555 0100", "official", "phone", "+1 202 555 0100"),
    ("+1 (202) 555-0100", "official", "phone", "+1 202 555 0100"),
    ("001 202 555 0100", "official", "phone", "+1 202 555 0100"),
    ("tel:+12025550100", "official", "phone", "+1 202 555 0100"),
    ("＋１ ２０２ ５５５ ０１００", "official", "phone", "+1 202 555 0100"),  # full-width, as a CJK keyboard types
    ("+1 202 555 0199", "unknown", "phone", ""),
    ("+44 20 7946 0100", "unknown", "phone", ""),
    # handles: the right platform, any case
    ("@NimbusExchange", "official", "handle", "X @NimbusExchange"),
    ("@nimbusexchange", "official", "handle", "X @NimbusExchange"),
    ("x.com/NimbusExchange", "official", "handle", "X @NimbusExchange"),
    ("https://twitter.com/nimbusexchange/status/1", "official", "handle", "X @NimbusExchange"),
    ("https://mobile.twitter.com/NimbusExchange", "official", "handle", "X @NimbusExchange"),
    ("t.me/nimbusx_news", "official", "handle", "Telegram @nimbusx_news"),
    ("https://t.me/s/NIMBUSX_NEWS", "official", "handle", "Telegram @nimbusx_news"),
    ("＠NimbusExchange", "official", "handle", "X @NimbusExchange"),
    ("@NimbusExchange_Support", "lookalike", "handle", ""),
    ("https://t.me/NimbusExchange", "lookalike", "handle", ""),  # the X name, on Telegram
    ("x.com/nimbusx_news", "lookalike", "handle", ""),  # the Telegram name, on X
    ("@NimbusExchangee", "lookalike", "handle", ""),
    ("t.me/nimbus_support_help", "lookalike", "handle", ""),
    ("@CryptoHelpDesk", "unknown", "handle", ""),
    ("hello", "unknown", "handle", ""),
    ("x.com", "unknown", "site", ""),
    # nothing to check
    ("  ", "empty", "text", ""),
    ("what is this?", "unknown", "text", ""),
]
