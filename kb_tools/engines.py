"""Machine translation engines through deep-translator, with retries, time-outs and a result cache.

API keys come only from the environment variables deep-translator documents (DEEPL_API_KEY,
LIBRE_API_KEY, MICROSOFT_API_KEY); they are never read from files.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb_tools.errors import KbError

log = logging.getLogger(__name__)


class EngineError(KbError):
    """The engine cannot translate now; the message says why and what to do (never with a secret in it)."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


# Where a key shows in a URL or an error text: key=, api_key=, auth_key=, token=, access_token=...
_SECRET_PARAM = re.compile(r"(?i)\b(\w*(?:key|token))=[^&\s'\"<>)]+")
_KEY_ENVS = ("DEEPL_API_KEY", "LIBRE_API_KEY", "MICROSOFT_API_KEY", "OPENAI_API_KEY")


def redact(text: str) -> str:
    """text without API keys: the values of the key variables set now, and key/token values in URLs."""
    for name in _KEY_ENVS:
        secret = os.environ.get(name, "")
        if len(secret) >= 4:  # shorter would blank out ordinary words: such a value is no secret to keep
            text = text.replace(secret, "***")
    return _SECRET_PARAM.sub(r"\1=***", text)


@dataclass(frozen=True)
class EngineInfo:
    """What kb knows of an engine: its price and the language codes it wants."""

    price_per_million: float  # USD per million characters, 0 for free or self-hosted
    codes: dict[str, str]  # our language code -> the engine's, where they differ
    key_env: str = ""  # the environment variable that holds its API key


ENGINES = {
    "google": EngineInfo(20.0, {"zh": "zh-CN"}),
    "deepl": EngineInfo(25.0, {"en": "en", "zh": "zh"}, "DEEPL_API_KEY"),
    "microsoft": EngineInfo(10.0, {"zh": "zh-Hans"}, "MICROSOFT_API_KEY"),
    "libre": EngineInfo(0.0, {}, "LIBRE_API_KEY"),
    "mymemory": EngineInfo(0.0, {"zh": "zh-CN", "en": "en-GB", "es": "es-ES", "ja": "ja-JP", "ko": "ko-KR"}),
    "memory": EngineInfo(0.0, {}),
    "llm": EngineInfo(0.0, {}, "OPENAI_API_KEY"),  # kb_tools/llm.py: priced per token, not per character
}
# Faults worth another try: rate limits, server errors, refused or dropped connections, time-outs.
_RETRYABLE = ("TooManyRequests", "RequestError", "ConnectionError", "Timeout", "ReadTimeout", "ChunkedEncodingError",
              "JSONDecodeError", "_EngineTimeout")
_RETRYABLE_SERVER = ("ERR_TOO_MANY_REQUESTS", "ERR_INTERNAL_SERVER_ERROR", "ERR_SERVICE_NOT_AVAIBLE",
                     "API server error")


class _EngineTimeout(Exception):
    pass


class Engine:
    """One engine for one language pair: translate() retries with back-off and caches every result."""

    def __init__(self, name: str, source: str, target: str, url: str | None = None, cache: Path | None = None,
                 timeout: float = 30.0, retries: int = 4, backoff: float = 1.0) -> None:
        if name not in ENGINES:
            raise EngineError(f"unknown engine {name!r}: use one of {', '.join(ENGINES)}")
        self.name, self.source, self.target = name, source, target
        self.info = ENGINES[name]
        self.url, self.timeout, self.retries, self.backoff = url, timeout, retries, backoff
        self.sent_chars = 0
        self.sent = 0  # texts sent (cached results are not)
        self._client: Any = None
        self._db = _Cache(cache) if cache else None

    def cached(self, text: str) -> str | None:
        """A result this engine gave before for text, if any."""
        return self._db.get(self._key(), text) if self._db else None

    def translate(self, text: str) -> str:
        """text in the target language; raises EngineError when the engine cannot answer."""
        found = self.cached(text)
        if found is not None:
            return found
        if self.name == "memory":
            raise EngineError("memory: not in the translation memory")
        log.debug("%s: not in the cache: sending %d characters", self.name, len(text))
        client = self._client or self._make_client()
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                result = _with_timeout(lambda: client.translate(text), self.timeout)
                break
            except Exception as exc:  # deep-translator raises many kinds: sort them out
                if not self._retryable(exc) or attempt == self.retries:
                    raise EngineError(self._explain(exc)) from None
                log.info("%s: %s: retry %d of %d in %.1f s", self.name, self._cause(exc), attempt + 1,
                         self.retries, delay)
                time.sleep(delay)
                delay *= 2
        if not isinstance(result, str):
            raise EngineError(f"{self.name}: no translation came back for {text[:40]!r}")
        self.sent_chars += len(text)
        self.sent += 1
        if self._db:
            self._db.put(self._key(), text, result)
        return result

    def _key(self) -> str:
        return f"{self.name}\0{self.url or ''}\0{self.source}\0{self.target}"

    def _make_client(self) -> Any:
        import deep_translator

        codes = self.info.codes
        source, target = codes.get(self.source, self.source), codes.get(self.target, self.target)
        key = os.environ.get(self.info.key_env, "") if self.info.key_env else ""
        if self.info.key_env and not key:
            extra = " (any value, if your server needs none)" if self.name == "libre" else ""
            raise EngineError(f"{self.name}: no API key: set the environment variable {self.info.key_env}{extra}")
        try:
            if self.name == "google":
                client = deep_translator.GoogleTranslator(source=source, target=target)
            elif self.name == "mymemory":
                client = deep_translator.MyMemoryTranslator(source=source, target=target)
            elif self.name == "deepl":
                client = deep_translator.DeeplTranslator(api_key=key, source=source, target=target,
                                                         use_free_api=key.endswith(":fx"))
            elif self.name == "microsoft":
                client = deep_translator.MicrosoftTranslator(api_key=key, source=source, target=target,
                                                             region=os.environ.get("MICROSOFT_REGION"))
            else:
                if not self.url:
                    raise EngineError("libre: needs the URL of your LibreTranslate server: pass --engine-url")
                url = self.url if self.url.endswith("/") else self.url + "/"  # deep-translator appends "translate"
                client = deep_translator.LibreTranslator(source=source, target=target, api_key=key, custom_url=url)
        except EngineError:
            raise
        except Exception as exc:  # unsupported language pairs, or a client that checks online first
            raise EngineError(self._explain(exc)) from None
        self._client = client
        return client

    def _retryable(self, exc: Exception) -> bool:
        if "NameResolution" in str(exc) or "Failed to resolve" in str(exc):
            return False  # no network at all: retrying cannot help
        if type(exc).__name__ == "ServerException":
            return str(exc) in _RETRYABLE_SERVER
        return type(exc).__name__ in _RETRYABLE

    def _cause(self, exc: Exception) -> str:
        """The fault in one short line for the log: no query strings, no API key."""
        text = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
        text = re.sub(r"\?[^\s'\"]*=[^\s'\"]*", "?…", text)  # a query string may carry the key (?api_key=, ?auth_key=)
        key = os.environ.get(self.info.key_env, "") if self.info.key_env else ""
        if key:
            text = text.replace(key, "***")
        return f"{type(exc).__name__} ({text})" if text else type(exc).__name__

    def _explain(self, exc: Exception) -> str:
        kind = type(exc).__name__
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else kind
        if "NameResolution" in text or "Failed to resolve" in text or (kind == "ConnectionError" and not self.url):
            return (f"{self.name}: cannot reach the service (no network?): use --engine memory, or a self-hosted "
                    "LibreTranslate with --engine libre --engine-url URL")
        if kind in ("AuthorizationException", "ApiKeyException") or text in ("ERR_KEY_INVALID", "ERR_KEY_BLOCKED"):
            return f"{self.name}: the API key was refused: check {self.info.key_env or 'its key'}"
        if kind == "_EngineTimeout":
            return (f"{self.name}: no answer within {self.timeout:g} s after {self.retries + 1} tries: "
                    "try again later, or raise --timeout")
        where = f" at {self.url}" if self.url else ""
        if kind == "ConnectionError":  # requests' message repeats the request: the text, and the API key in it
            return (f"{self.name}{where}: cannot connect after {self.retries + 1} tries: "
                    "start the server, or correct --engine-url")
        return f"{self.name}{where}: {text} ({kind}) after {self.retries + 1} tries: try again later"


def _with_timeout(call: Callable[[], Any], timeout: float) -> Any:
    """call() with a time limit: deep-translator sets none on its requests, and a hung server would hang kb."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = call()
        except Exception as exc:  # handed to the caller's thread
            result["error"] = exc

    worker = threading.Thread(target=run, daemon=True)  # a daemon: a hung request cannot block exit
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise _EngineTimeout()
    if "error" in result:
        raise result["error"]
    return result.get("value")


class _Cache:
    """Results by (engine, languages, text) in SQLite: a re-run or a resumed run sends nothing twice."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        # WAL with NORMAL sync survives a killed process (what resuming needs) without an fsync per result.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS mt "
                        "(engine TEXT, text TEXT, result TEXT, PRIMARY KEY (engine, text))")

    def get(self, engine: str, text: str) -> str | None:
        row = self.db.execute("SELECT result FROM mt WHERE engine = ? AND text = ?", (engine, text)).fetchone()
        return row[0] if row else None

    def get_prefix(self, engine: str, prefix: str) -> str | None:
        """A result for any text that starts with prefix (the LLM engine keys its answers text + context)."""
        row = self.db.execute("SELECT result FROM mt WHERE engine = ? AND text >= ? AND text < ? LIMIT 1",
                              (engine, prefix, prefix + "\uffff")).fetchone()
        return row[0] if row else None

    def put(self, engine: str, text: str, result: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO mt VALUES (?, ?, ?)", (engine, text, result))
        self.db.commit()  # at once: an interrupted run keeps everything it paid for
