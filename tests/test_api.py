"""The search API server under abuse: stalled clients, crowds, hostile queries, oversized and malformed requests."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import article, hash_of, translation, write_kb

from kb_tools import api, config, freshness, search

JSON = "application/json; charset=utf-8"
Serve = Callable[..., int]


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_kb(tmp_path_factory.mktemp("kb"), {
        "docs/en/withdraw.md": article("Withdrawal times", "Most withdrawals arrive within 30 minutes.\n"),
        "docs/en/fees.md": article("Network fees", "Every withdrawal pays a network fee.\n"),
    }, languages=("en", "zh"))
    return write_kb(root, {"docs/zh/withdraw.md": translation("提币时间", "大多数提币在30分钟内到账。\n",
                                                              hash_of(root, "withdraw.md"))}, languages=("en", "zh"))


@pytest.fixture(scope="module")
def app(center: Path) -> Iterator[api.App]:
    application = api.App(config.load(center / "mkdocs.yml"))
    yield application
    application.close()


@pytest.fixture
def serve(app: api.App) -> Iterator[Serve]:
    """Start a real server on a free port of 127.0.0.1 in a thread; returns its port."""
    servers: list[api.Server] = []

    def start(**options: Any) -> int:
        server = api.make_server(app, "127.0.0.1", 0, **options)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return int(server.server_address[1])

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def get(port: int, query: str, method: str = "GET") -> tuple[int, str, dict[str, Any]]:
    """(status, Content-Type, JSON body) of a request to the search API."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/search?{query}", method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, kind, data = response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        status, kind, data = error.code, error.headers["Content-Type"], error.read()
    return status, kind, json.loads(data) if data else {}


def raw(port: int, data: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Send bytes as they are and read the answer to the end: (status, headers, JSON body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)


def test_a_client_that_sends_half_a_request_does_not_hold_up_the_others(serve: Serve) -> None:
    port = serve()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as staller:
        staller.sendall(b"GET /api/search?q=fee HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
        status, kind, body = get(port, "q=withdrawal")
        staller.setblocking(False)
        with pytest.raises(BlockingIOError):
            staller.recv(1)  # still connected, still waiting: the answer came while it stalled
    assert (status, kind, body["results"][0]["path"]) == (200, JSON, "withdraw.md")


def test_a_stalled_client_is_dropped_with_a_json_time_out(serve: Serve) -> None:
    port = serve(read_timeout=0.5)
    status, headers, body = raw(port, b"GET /api/search?q=fee HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    assert (status, headers["Content-Type"]) == (408, JSON)
    assert body == {"error": "no complete request within 0.5 s"}


def test_twenty_clients_at_once_all_get_their_answers(serve: Serve) -> None:
    port = serve()
    queries = ["q=withdrawal", "q=network+fee", "q=%E6%8F%90%E5%B8%81&lang=zh", "q=witdrawal"]  # 提币, a typo
    answers: list[tuple[int, str, dict[str, Any]]] = []
    start = threading.Barrier(20)

    def client(number: int) -> None:
        start.wait()
        answers.append(get(port, queries[number % len(queries)]))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 20
    assert all(status == 200 and kind == JSON and body["results"] for status, kind, body in answers)


def test_beyond_the_queue_a_client_is_told_to_come_back(serve: Serve) -> None:
    port = serve(workers=1, backlog=0)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as staller:
        staller.sendall(b"GET /api/sea")  # holds the only thread
        status, headers, body = raw(port, b"GET /api/search?q=fee HTTP/1.0\r\n\r\n")
    assert (status, headers["Content-Type"], headers["Retry-After"]) == (503, JSON, "1")
    assert body == {"error": "the search API is busy: try again in a second"}


@pytest.mark.parametrize("words", [
    "NOT NOT withdrawal", "NOT AND withdrawal", '"unclosed withdrawal', "withdrawal AND", "withdrawal OR", "*",
    "?*?", "(withdrawal", "withdrawal)", "nosuchfield:withdrawal", "path:withdraw.md", "title:", "withdrawal^",
    "[a TO", "{", "x" * 200, "with\x00drawal\x07", "\\", "+-", "withdrawal~9",
])
def test_hostile_queries_get_results_or_a_json_error_never_a_crash(serve: Serve, words: str) -> None:
    port = serve()
    status, kind, body = get(port, urllib.parse.urlencode({"q": words}))
    assert kind == JSON and (status, set(body)) in ((200, {"query", "lang", "results"}), (400, {"error"}))


def test_broken_utf8_and_lone_surrogates_in_the_url_are_read_as_text(serve: Serve) -> None:
    port = serve()
    for query in ("q=%ED%A0%80withdrawal", "q=%FF%FEwithdrawal", "q=withdrawal%F0%9F"):
        status, kind, body = get(port, query)
        assert (status, kind, body["results"][0]["path"]) == (200, JSON, "withdraw.md")
    status, headers, body = raw(port, b"GET /api/search?q=\xff\xfe%20withdrawal HTTP/1.0\r\n\r\n")
    assert (status, headers["Content-Type"], body["results"][0]["path"]) == (200, JSON, "withdraw.md")


def test_not_not_finds_what_the_words_find(center: Path) -> None:
    with search.Searcher(center, "en") as searcher:
        assert searcher.search("NOT NOT withdrawal")[0].path == "withdraw.md"
        assert searcher.search("\x00\ud800") == []


def test_kb_search_reads_an_operator_soup_as_words(center: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_kb(center, "search", "NOT NOT withdrawal", "--json")
    assert (code, err) == (0, "") and json.loads(out)["results"][0]["path"] == "withdraw.md"


@pytest.mark.parametrize(("request_bytes", "status", "error"), [
    (b"GET /api/search?q=" + b"x" * 9000 + b" HTTP/1.0\r\n\r\n", 414,
     "the request line is over 8192 bytes: shorten the query"),
    (b"GET /api/search?q=fee HTTP/1.0\r\nX-Big: " + b"x" * 70000 + b"\r\n\r\n", 431, "Line too long"),
    (b"GET /api/search?q=fee HTTP/1.0\r\n" + b"X-Many: 1\r\n" * 101 + b"\r\n", 431, "Too many headers"),
    (b"hello\r\n\r\n", 400, "Bad request syntax ('hello')"),
    (b"GET /api/search?q=fee HTTP/9.9\r\n\r\n", 505, "Invalid HTTP version (9.9)"),
])
def test_oversized_and_malformed_requests_get_a_json_error(serve: Serve, request_bytes: bytes, status: int,
                                                           error: str) -> None:
    port = serve()
    answer, headers, body = raw(port, request_bytes)
    assert (answer, headers["Content-Type"], body) == (status, JSON, {"error": error})


def test_only_get_is_allowed_and_the_refusal_is_json(serve: Serve) -> None:
    port = serve()
    status, kind, body = get(port, "q=fee", method="POST")
    assert (status, kind, body) == (405, JSON, {"error": "only GET is allowed"})
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/search?q=fee", method="HEAD")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert (refused.value.code, refused.value.headers["Content-Type"], refused.value.headers["Allow"]) == (
        405, JSON, "GET")


def test_an_index_that_cannot_be_read_at_start_is_made_anew(center: Path, tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    root = tmp_path / "kb"
    shutil.copytree(center, root, ignore=shutil.ignore_patterns(".kb-cache"))
    settings = config.load(root / "mkdocs.yml")
    api.App(settings).close()  # makes the indexes
    for segment in freshness.index_dir(root, "en").glob("*.seg"):  # a disk error, a clean-up gone wrong
        segment.write_bytes(b"")
    assert freshness.is_fresh(settings, "en")
    application = api.App(settings)
    try:
        with application.searchers["en"].lend() as searcher:
            assert [hit.path for hit in searcher.search("withdrawal")][:1] == ["withdraw.md"]
    finally:
        application.close()
    assert "the search index of en cannot be read" in caplog.text


def test_a_broken_index_gives_a_json_500_not_a_text_page(center: Path, tmp_path: Path, serve: Serve) -> None:
    root = tmp_path / "kb"
    shutil.copytree(center, root, ignore=shutil.ignore_patterns(".kb-cache"))
    broken = api.App(config.load(root / "mkdocs.yml"))
    try:
        shutil.rmtree(freshness.index_dir(root, "en"))
        server = api.make_server(broken, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            status, kind, body = get(int(server.server_address[1]), "q=withdrawal")
        finally:
            server.shutdown()
            server.server_close()
    finally:
        broken.close()
    assert (status, kind) == (500, JSON) and body["error"]
