"""An OpenAI-compatible chat-completions server on 127.0.0.1 for the tests: records requests, misbehaves on cue.

It "translates" like tests/mt_server.py (Latin words reversed, tagged with the language), applies the
glossary lines it finds in the system prompt as a model would, and counts usage as characters // 4.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mt_server import fake_translation

Answer = dict[str, str]  # id -> translation
Fault = str | tuple[int, str] | Callable[[Answer], str]  # a named fault, (status, Retry-After), or a custom body


def tokens(text: str) -> int:
    """The usage the server reports: 4 characters a token, as OpenAI's rule of thumb has it."""
    return len(text) // 4


def glossary_of(system: str) -> dict[str, str]:
    """The required translations listed in a system prompt (`- term: word`)."""
    part = system.split("Glossary:", 1)[1] if "Glossary:" in system else ""
    return dict(re.findall(r"^- (.+?): (.+?)(?: or .*)?$", part, re.MULTILINE))


def translate(text: str, glossary: dict[str, str]) -> str:
    """The server's translation of a text, with the glossary applied first (case-insensitively)."""
    for term, word in glossary.items():
        text = re.sub(re.escape(term), word, text, flags=re.IGNORECASE)
    return fake_translation(text, "zh")


def broken(answer: Answer, fault: str) -> str:
    """The JSON body of an answer spoiled one way (in the first block with a figure)."""
    first = next((k for k, v in answer.items() if re.search(r"\d", v)), next(iter(answer)))
    if fault == "broken_json":
        return json.dumps({"translations": answer})[:-5]
    if fault == "missing_id":
        return json.dumps({"translations": {k: v for k, v in answer.items() if k != first}}, ensure_ascii=False)
    spoiled = dict(answer)
    if fault == "lost_placeholder":
        spoiled[first] = re.sub(r"⟦\d+⟧", "", spoiled[first], count=1)
    elif fault == "changed_number":
        spoiled[first] = re.sub(r"(?<!⟦)\d+(?!⟧)", lambda m: str(int(m.group(0)) + 1), spoiled[first], count=1)
    elif fault == "split":
        spoiled[first] += "\n\n## Injected heading"
    elif fault == "script":
        spoiled[first] += '<script>alert("x")</script>'
    else:
        raise ValueError(fault)
    return json.dumps({"translations": spoiled}, ensure_ascii=False)


@dataclass
class Script:
    """How the server behaves: faults answered one per request before behaving, and what it was sent."""

    faults: list[Fault] = field(default_factory=list)
    always: str | None = None  # a fault for every answer
    requests: list[dict[str, Any]] = field(default_factory=list)  # each request's JSON body, in order
    times: list[float] = field(default_factory=list)  # when each request arrived (time.monotonic)
    usage: list[tuple[int, int]] = field(default_factory=list)  # (prompt, completion) tokens of each answer

    def system(self, n: int = -1) -> str:
        """The system prompt of request n."""
        return str(self.requests[n]["messages"][0]["content"])

    def user(self, n: int = -1) -> dict[str, Any]:
        """The user message of request n, as kb's JSON."""
        return json.loads(self.requests[n]["messages"][-1]["content"])  # type: ignore[no-any-return]


class LLMServer:
    """Start with `with LLMServer() as server:`; server.url is what --engine-url takes."""

    def __init__(self, script: Script | None = None) -> None:
        self.script = state = script or Script()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server calls
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                state.requests.append(body)
                state.times.append(time.monotonic())
                if self.path != "/v1/chat/completions":
                    return self.reply(404, {"error": {"message": "not found"}})
                fault = state.faults.pop(0) if state.faults else state.always
                if isinstance(fault, tuple):
                    return self.reply(fault[0], {"error": {"message": "slow down"}}, {"Retry-After": fault[1]})
                if fault == "hang":  # longer than the client waits: it gives up on this answer
                    time.sleep(1.5)
                    fault = None
                system = str(body["messages"][0]["content"])
                user = json.loads(body["messages"][-1]["content"])
                answer = {block["id"]: translate(block["text"], glossary_of(system)) for block in user["translate"]}
                if callable(fault):
                    content = fault(answer)
                elif fault:
                    content = broken(answer, fault)
                else:
                    content = json.dumps({"translations": answer}, ensure_ascii=False)
                prompt = sum(tokens(str(m["content"])) for m in body["messages"])
                state.usage.append((prompt, tokens(content)))
                self.reply(200, {
                    "id": f"chatcmpl-{len(state.requests)}", "object": "chat.completion", "created": 0,
                    "model": body.get("model", ""),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": prompt, "completion_tokens": tokens(content),
                              "total_tokens": prompt + tokens(content)}})

            def reply(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                    self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LLMServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
