"""The search API for chat widgets and agent tools: GET /api/search?q=&lang=&limit= returns JSON.

App is a plain WSGI app. serve() (kb serve --api) runs it on a small pool of threads with the standard
library: a read time-out per connection, so a client that sends half a request and stalls holds one
thread for a few seconds, not the whole server; a bounded queue, beyond which a connection gets 503
with Retry-After at once; size limits on the request line and headers; and a JSON body for every
error, the server's own (malformed requests, time-outs, crashes) included.
"""

from __future__ import annotations

import json
import logging
import queue
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import parse_qs
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from kb_tools import freshness, search
from kb_tools.config import Settings
from kb_tools.errors import KbError

log = logging.getLogger(__name__)

MAX_QUERY = 200  # characters: longer is not a search a person or widget would send
MAX_LIMIT = 50
MAX_REQUEST_LINE = 8192  # bytes: a search URL is a few hundred; headers keep the standard library's limits
TIMEOUT = 5.0  # seconds a client may take to send its request (or to take the answer) before it is dropped
WORKERS = 8  # threads answering: searching is CPU-bound, so more threads would not answer faster
BACKLOG = 64  # connections that may wait for a thread; more are told to come back (503)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
JSON = "application/json; charset=utf-8"


class _Searchers:
    """Open searchers of one language, lent to one request at a time: a Whoosh searcher is not thread-safe."""

    def __init__(self, root: Path, lang: str, size: int) -> None:
        self.root, self.lang, self.size = root, lang, size
        self.free: queue.LifoQueue[search.Searcher] = queue.LifoQueue()  # LIFO: the warmest first
        self.free.put(search.Searcher(root, lang))  # fails now, not at the first request, if there is no index
        self.opened = 1
        self.lock = threading.Lock()

    @contextmanager
    def lend(self) -> Iterator[search.Searcher]:
        """A searcher for this thread alone; opens another while fewer than size are open and all are busy."""
        try:
            searcher = self.free.get_nowait()
        except queue.Empty:
            with self.lock:
                more = self.opened < self.size
                self.opened += 1 if more else 0
            searcher = self._open() if more else self.free.get()
        try:
            yield searcher
        finally:
            self.free.put(searcher)

    def _open(self) -> search.Searcher:
        try:
            return search.Searcher(self.root, self.lang)
        except BaseException:
            with self.lock:
                self.opened -= 1
            raise

    def close(self) -> None:
        """Close the searchers not lent out."""
        while not self.free.empty():
            self.free.get_nowait().close()


class App:
    """The WSGI application; keeps open searchers per language, up to one per concurrent request."""

    def __init__(self, settings: Settings, concurrency: int = WORKERS) -> None:
        self.settings = settings
        stale = [lang for lang in settings.languages if not freshness.is_fresh(settings, lang)]
        if stale:  # scanned only when an index is missing or older than the files it was made from
            from kb_tools.scan import scan

            center = scan(settings)
            for lang in stale:
                search.update(center, lang)
        self.searchers: dict[str, _Searchers] = {}
        for lang in settings.languages:
            try:
                self.searchers[lang] = _Searchers(settings.root, lang, concurrency)
            except search.Unreadable as exc:  # made from these files, yet it does not open (a file emptied or lost)
                log.warning("%s: making it anew", exc.what)
                search.make_anew(settings, lang)
                self.searchers[lang] = _Searchers(settings.root, lang, concurrency)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            status, body = self.handle(environ)
        except KbError as exc:
            status, body = 500, {"error": str(exc)}
        except Exception:  # a bug: the client still gets JSON, the log gets the traceback
            log.exception("search API request %r failed", environ.get("QUERY_STRING", ""))
            status, body = 500, {"error": "internal error: the server log has the details"}
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = [("Content-Type", JSON), ("Content-Length", str(len(data))), ("Cache-Control", "no-store")]
        if status == 405:
            headers.append(("Allow", "GET"))
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [data]

    def handle(self, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """(status, JSON body) for one request."""
        if environ.get("PATH_INFO") != "/api/search":
            return 404, {"error": "not found: the API is GET /api/search?q=...&lang=...&limit=..."}
        if environ.get("REQUEST_METHOD") != "GET":
            return 405, {"error": "only GET is allowed"}
        params = parse_qs(environ.get("QUERY_STRING", ""))
        query = search.clean((params.get("q") or [""])[0])
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
        with self.searchers[lang].lend() as searcher:
            hits = searcher.search(query, limit)
        return 200, {"query": query, "lang": lang, "results": [hit.to_json() for hit in hits]}

    def close(self) -> None:
        """Release the index files."""
        for pool in self.searchers.values():
            pool.close()


class QuietHandler(WSGIRequestHandler):
    """No access log on stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _AppHandler(ServerHandler):
    """wsgiref's per-request runner, with its own failures (a client gone mid-answer) logged, not printed."""

    error_headers = [("Content-Type", JSON)]  # noqa: RUF012 (wsgiref declares it so)
    request_handler: WSGIRequestHandler
    error_body = b'{"error": "internal error: the server log has the details"}'

    def log_exception(self, exc_info: Any) -> None:
        log.warning("search API: %s", exc_info[1])


class Handler(QuietHandler):
    """One connection: a read time-out, a limit on the request line, and errors as JSON."""

    server: Server

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.read_timeout)  # every read and write, not only the first

    def handle(self) -> None:
        """Read one request, within the limits, and answer it through the app."""
        try:
            self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
            if not self.raw_requestline:
                return  # connected and left without a word
            if len(self.raw_requestline) > MAX_REQUEST_LINE:
                self.requestline, self.request_version, self.command = "", "HTTP/1.0", ""
                self.send_error(414, f"the request line is over {MAX_REQUEST_LINE} bytes: shorten the query")
                return
            if not self.parse_request():  # it sent the error (bad syntax, headers too long or too many)
                return
        except TimeoutError:
            self.send_error(408, f"no complete request within {self.server.read_timeout:g} s")
            return
        app = self.server.get_app()
        assert app is not None
        runner = _AppHandler(self.rfile, cast("IO[bytes]", self.wfile), self.get_stderr(), self.get_environ(),
                             multithread=True)
        runner.request_handler = self  # it logs through the handler
        runner.run(app)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's errors (HTML there) as JSON, like the app's."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.0"  # answer with a status line and headers, whatever came in
        data = json.dumps({"error": message or HTTPStatus(code).phrase}, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(code)
            self.send_header("Content-Type", JSON)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            self._linger()
        except OSError:
            pass  # the client is gone

    def _linger(self) -> None:
        """Read, briefly, what the client still sends: closing on unread data resets the connection, answer and all."""
        self.connection.shutdown(socket.SHUT_WR)
        self.connection.settimeout(0.5)
        for _ in range(16):
            if not self.connection.recv(65536):
                break


_BUSY = json.dumps({"error": "the search API is busy: try again in a second"}).encode()
_BUSY_RESPONSE = (b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: " + JSON.encode() + b"\r\nContent-Length: "
                  + str(len(_BUSY)).encode() + b"\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + _BUSY)


class Server(WSGIServer):
    """A WSGI server answering from a pool of threads, with a bounded number of connections waiting."""

    def __init__(self, address: tuple[str, int], app: Callable[..., Iterable[bytes]], workers: int = WORKERS,
                 backlog: int = BACKLOG, read_timeout: float = TIMEOUT) -> None:
        self.request_queue_size = backlog  # the listen() backlog, set before super() binds
        super().__init__(address, Handler)
        self.set_app(app)
        self.read_timeout = read_timeout
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="kb-api")
        self.slots = threading.BoundedSemaphore(workers + backlog)  # answering plus waiting

    def process_request(self, request: Any, client_address: Any) -> None:
        """Hand the connection to a thread, or answer 503 at once when too many are waiting."""
        if not self.slots.acquire(blocking=False):
            _refuse(request)
            self.shutdown_request(request)
            return
        self.pool.submit(self._answer, request, client_address)

    def _answer(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log what went wrong with a connection (the standard library prints a traceback)."""
        log.warning("search API: connection from %s failed", client_address[0], exc_info=True)

    def server_close(self) -> None:
        """Stop listening, then let the threads finish what they hold."""
        super().server_close()
        self.pool.shutdown(wait=True, cancel_futures=True)


def _refuse(request: socket.socket) -> None:
    try:
        request.setblocking(False)
        with suppress(BlockingIOError):
            request.recv(65536)  # what the client sent already: closing on unread data would reset the 503 away
        request.settimeout(1.0)
        request.sendall(_BUSY_RESPONSE)
    except OSError:
        pass


def make_server(app: Callable[..., Iterable[bytes]], host: str = "127.0.0.1", port: int = 0, workers: int = WORKERS,
                backlog: int = BACKLOG, read_timeout: float = TIMEOUT) -> Server:
    """A Server for app on host:port (0: any free port), not yet serving: call serve_forever()."""
    return Server((host, port), app, workers, backlog, read_timeout)


def serve(settings: Settings, host: str, port: int, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve the search API of settings' help center until interrupted; on_ready gets its URL."""
    app = App(settings)
    try:
        server = make_server(app, host, port)
    except OSError as exc:
        app.close()
        raise KbError(f"cannot listen on {host}:{port}: {exc.strerror}: choose another --dev-addr") from None
    try:
        if on_ready:
            on_ready(f"http://{host}:{server.server_address[1]}/api/search?q=...&lang=...")
        server.serve_forever()
    finally:
        server.server_close()
        app.close()
