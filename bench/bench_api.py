"""The search API under load: throughput and latency of kb's server against the old single-threaded one.

    python bench/bench_api.py --articles 1000 --requests 2000 --clients 16

On a synthetic help center (bench_search.py's generator: N English articles, words Zipf-like), each
server runs in its own process on 127.0.0.1 while this one sends the requests: C client threads,
one connection per request, 1 to 3 word queries drawn like bench_search.py's (some with a typo),
every request with a 10 s time-out. Against kb's server, one more client connects, sends half a
request and stalls for the whole run. The old server (wsgiref's make_server, one thread, the same
App) runs the same load without the staller, since it cannot serve anyone while one is connected;
then a probe shows that: one staller, one request, a 2 s time-out. Prints a table and writes
bench/results/bench_api.json. Bounded: N requests per server, loopback only, servers stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from wsgiref.simple_server import make_server as wsgiref_server

from bench_search import generate, percentile, text, vocabulary

from kb_tools import api, config

TIMEOUT = 10.0  # seconds a client waits for an answer before counting an error


def serve(kind: str, root: Path, workers: int) -> None:
    """In the server process: serve root's API on a free port, print the port, stop when stdin closes."""
    app = api.App(config.load(root / "mkdocs.yml"), concurrency=workers)
    if kind == "old":
        server: Any = wsgiref_server("127.0.0.1", 0, app, handler_class=api.QuietHandler)
    else:
        server = api.make_server(app, "127.0.0.1", 0, workers=workers)
    print(server.server_address[1], flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    server.serve_forever()
    server.server_close()


def start(kind: str, root: Path, workers: int) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen([sys.executable, __file__, "--serve", kind, str(root), "--workers", str(workers)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def stop(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.close()  # the server shuts down when its stdin closes
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def request(port: int, path: str, timeout: float = TIMEOUT) -> int:
    """The status of one GET on a new connection (the old server answers one request per connection)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        json.loads(response.read())
        return response.status
    finally:
        connection.close()


def load(port: int, paths: list[str], clients: int, stall: bool) -> dict[str, Any]:
    """Send every path from `clients` threads (plus one staller when stall); latencies and errors."""
    todo = iter(range(len(paths)))
    lock = threading.Lock()
    times: list[float] = []
    errors: dict[str, int] = {}
    staller_saw: list[str] = []
    done = threading.Event()

    def client() -> None:
        while True:
            with lock:
                number = next(todo, None)
            if number is None:
                return
            began = time.perf_counter()
            try:
                status = request(port, paths[number])
                outcome = "" if status == 200 else str(status)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                outcome = type(exc).__name__
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                if outcome:
                    errors[outcome] = errors.get(outcome, 0) + 1
                else:
                    times.append(elapsed)

    def staller() -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT * 10) as sock:
            sock.sendall(b"GET /api/search?q=withdrawal HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never the blank line
            sock.settimeout(0.2)
            while not done.is_set():
                try:
                    answer = sock.recv(4096)
                except TimeoutError:
                    continue
                staller_saw.append(answer.split(b"\r\n")[0].decode() if answer else "closed")
                return

    threads = [threading.Thread(target=client) for _ in range(clients)]
    stalling = threading.Thread(target=staller)
    if stall:
        stalling.start()
        time.sleep(0.2)  # connected and half-sent before the load begins
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    done.set()
    if stall:
        stalling.join()
    return {"requests": len(paths), "answered": len(times), "errors": sum(errors.values()), "error kinds": errors,
            "seconds": seconds, "requests/s": len(times) / seconds,
            "p50 ms": statistics.median(times) if times else float("nan"),
            "p95 ms": percentile(times, 95) if times else float("nan"),
            "p99 ms": percentile(times, 99) if times else float("nan"),
            "staller": (staller_saw[0] if staller_saw else "still connected") if stall else "-"}


def probe(port: int) -> str:
    """One request while a client stalls: answered, or timed out after 2 s."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /api/search?q=withdrawal HTTP/1.1\r\n")
        try:
            return f"answered {request(port, '/api/search?q=fee', timeout=2.0)}"
        except TimeoutError:
            return "timed out after 2 s"


def queries(count: int) -> list[str]:
    rng = random.Random(11)
    vocab = vocabulary("en")
    paths = []
    for _ in range(count):
        words = text(rng, vocab, rng.choice((1, 2, 3)), " ")
        if rng.random() < 0.2 and len(words) > 5:  # a typo: the fuzzy fallback runs
            at = rng.randrange(1, len(words) - 1)
            words = words[:at] + words[at + 1:]
        paths.append("/api/search?" + "&".join([f"q={words.replace(' ', '+')}", "limit=10"]))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=api.WORKERS, help="kb server threads")
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve[0], Path(args.serve[1]), args.workers)
    paths = queries(args.requests)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, args.articles, "en")
        for kind, stall in (("new", True), ("old", False)):
            process, port = start(kind, root, args.workers)
            try:
                request(port, "/api/search?q=warm+up")
                row = {"server": kind, "clients": args.clients, **load(port, paths, args.clients, stall)}
                row["with a staller"] = probe(port)
            finally:
                stop(process)
            rows.append(row)
    new, old = rows
    ratio = {"requests/s new/old": new["requests/s"] / old["requests/s"], "p99 old/new": old["p99 ms"] / new["p99 ms"]}
    columns = ["server", "clients", "requests", "errors", "requests/s", "p50 ms", "p95 ms", "p99 ms", "staller",
               "with a staller"]
    print("  ".join(f"{c:>16}" for c in columns))
    for row in rows:
        print("  ".join(f"{row[c]:>16.1f}" if isinstance(row[c], float) else f"{row[c]!s:>16}" for c in columns))
    print(f"{args.articles} articles, {args.workers} kb server threads: "
          + ", ".join(f"{k} {v:.2f}" for k, v in ratio.items()))
    out = Path(__file__).parent / "results" / "bench_api.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"articles": args.articles, "workers": args.workers, "rows": rows, **ratio}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
