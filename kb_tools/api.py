"""The search API for chat widgets and agent tools: GET /api/search?q=&lang=&limit= returns JSON.

A plain WSGI app (kb serve --api serves it with the standard library, on 127.0.0.1 by default).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler

from kb_tools import search
from kb_tools.config import Settings
from kb_tools.errors import KbError
from kb_tools.scan import scan

MAX_QUERY = 200  # characters: longer is not a search a person or widget would send
MAX_LIMIT = 50

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
_STATUS = {200: "200 OK", 400: "400 Bad Request", 404: "404 Not Found", 405: "405 Method Not Allowed",
           500: "500 Internal Server Error"}


class App:
    """The WSGI application; keeps one open searcher per language."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        center = scan(settings)
        for lang in settings.languages:
            search.update(center, lang)
        self.searchers = {lang: search.Searcher(settings.root, lang) for lang in settings.languages}
        self.lock = threading.Lock()  # a Whoosh searcher is not meant to be shared between threads

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            status, body = self.handle(environ)
        except KbError as exc:
            status, body = 500, {"error": str(exc)}
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        start_response(_STATUS[status], [("Content-Type", "application/json; charset=utf-8"),
                                         ("Content-Length", str(len(data))),
                                         ("Cache-Control", "no-store")])
        return [data]

    def handle(self, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """(status, JSON body) for one request."""
        if environ.get("PATH_INFO") != "/api/search":
            return 404, {"error": "not found: the API is GET /api/search?q=...&lang=...&limit=..."}
        if environ.get("REQUEST_METHOD") != "GET":
            return 405, {"error": "only GET is allowed"}
        params = parse_qs(environ.get("QUERY_STRING", ""))
        query = (params.get("q") or [""])[0].strip()
        lang = (params.get("lang") or [self.settings.source_language])[0]
        if not query:
            return 400, {"error": "q is missing: pass the words to search for"}
        if len(query) > MAX_QUERY:
            return 400, {"error": f"q is {len(query)} characters long: at most {MAX_QUERY}"}
        if lang not in self.searchers:
            return 400, {"error": f"unknown lang {lang!r}: use one of {', '.join(self.settings.languages)}"}
        try:
            limit = int((params.get("limit") or ["10"])[0])
        except ValueError:
            return 400, {"error": "limit must be a whole number"}
        if not 1 <= limit <= MAX_LIMIT:
            return 400, {"error": f"limit must be between 1 and {MAX_LIMIT}"}
        with self.lock:
            hits = self.searchers[lang].search(query, limit)
        return 200, {"query": query, "lang": lang, "results": [hit.to_json() for hit in hits]}


class QuietHandler(WSGIRequestHandler):
    """No access log on stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        pass
