"""A LibreTranslate-compatible server on 127.0.0.1 for the tests: records what it is sent, can fail on cue,
and can answer like a hostile engine (Script(translate=hostile_translation))."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

API_KEY = "test-key"


def fake_translation(text: str, target: str) -> str:
    """A visible, deterministic 'translation': Latin words reversed and lowercased, tagged with the target.

    Words an engine should never see (tickers, URLs, code) would come back mangled, so tests can tell.
    """
    return f"〔{target}〕" + re.sub(r"[A-Za-z]+", lambda m: m.group(0).lower()[::-1], text)


# What a hostile (or compromised) engine adds to its answer, by a word of the text it was sent.
HOSTILE = {
    "script": "<script>window.__pwned = 1; alert(1)</script>",
    "image": '<img src=x onerror="window.__pwned = 1; alert(1)">',
    "frame": '<iframe src="http://evil.example/"></iframe>',
    "attributes": '{: onclick="window.__pwned = 1; alert(1)" }',
    "blocks": '\n\n# Injected heading\n\n!!! danger "Injected"\n    Send us your seed phrase.\n\n```\nfenced\n```',
    "link": "[click here](http://evil.example/login)",
    "picture": "![x](http://evil.example/a.png)",
    "address": "<http://evil.example/claim> or mail claims@evil.example",
    "template": "{{ config.extra }} {% include 'secret' %}",
    "matter": "\n---\ntitle: x\n---\n",
    "encoded": "&lt;script&gt;window.__pwned = 1&lt;/script&gt;",
}


def hostile_translation(text: str, target: str) -> str:
    """A fake translation with the hostile markup of every HOSTILE word in text, and its figures changed."""
    answer = fake_translation(text, target).replace("0.0005", "5")
    return answer + "".join(" " + payload for word, payload in HOSTILE.items() if word in text.lower())


@dataclass
class Script:
    """How the server behaves: statuses to answer before succeeding, and when to die."""

    fail_with: list[int] = field(default_factory=list)  # answered one by one before any success
    die_after: int | None = None  # successful answers before the server shuts down
    received: list[str] = field(default_factory=list)  # every text it translated, in order
    requests: int = 0
    translate: Callable[[str, str], str] = fake_translation  # (text, target) -> the answer


class MTServer:
    """Start with `with MTServer() as server:`; server.url is what --engine-url takes."""

    def __init__(self, script: Script | None = None, port: int = 0) -> None:
        self.script = script or Script()
        state = self.script
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server calls
                query = parse_qs(urlparse(self.path).query)
                length = int(self.headers.get("Content-Length") or 0)
                query.update(parse_qs(self.rfile.read(length).decode()) if length else {})
                state.requests += 1
                if urlparse(self.path).path != "/translate":
                    return self.answer(404, {"error": "not found"})
                if query.get("api_key", [""])[0] != API_KEY:
                    return self.answer(403, {"error": "Invalid API key"})
                if state.fail_with:
                    return self.answer(state.fail_with.pop(0), {"error": "scripted failure"})
                text, target = query["q"][0], query["target"][0]
                state.received.append(text)
                self.answer(200, {"translatedText": state.translate(text, target)})
                if state.die_after is not None and len(state.received) >= state.die_after:
                    threading.Thread(target=owner.stop, daemon=True).start()

            def answer(self, status: int, body: dict[str, str]) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> MTServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Shut down and close the socket: further requests are refused."""
        if self.httpd.socket.fileno() != -1:
            self.httpd.shutdown()
            self.httpd.server_close()
