"""The LLM engine: an article's changed blocks, with context, glossary and style guide, to an OpenAI-compatible server.

One request carries several blocks with ids and asks for a JSON object of translations. Every answer
is checked (every id back, placeholders intact, no markup, links or numbers the source lacks, one
line per block, required glossary terms); a block whose answer fails goes back with its problems
stated, at most `attempts` times, and is then left in the source language with the problems listed
for the reviewer. The key comes only from the environment (OPENAI_API_KEY).
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from kb_tools import qa
from kb_tools.blocks import Block, short_hash
from kb_tools.engines import Engine, EngineError
from kb_tools.errors import ConfigError
from kb_tools.git import Git
from kb_tools.glossary import Glossary
from kb_tools.history import find_version
from kb_tools.memory import Memory, segment, with_meta
from kb_tools.model import Document, HelpCenter

if TYPE_CHECKING:
    from kb_tools.drafts import Job

log = logging.getLogger(__name__)

KEY_ENV = "OPENAI_API_KEY"
STYLE_FILE = "locales/{lang}/style.md"
BATCH_BLOCKS, BATCH_CHARS = 20, 3000
_PLACEHOLDER = re.compile(r"⟦\d+⟧")
_TAG = re.compile(r"</?[A-Za-z!][^>]*>|<[A-Za-z]")
_LINK = re.compile(r"\]\(|https?://|www\.|mailto:|\[[^\]]*\]\[", re.IGNORECASE)
_BLOCK_START = re.compile(r"^[ \t]*(#{1,6}[ \t]|[-*+][ \t]|\d+[.)][ \t]|>|\||!!!|\?\?\?|```|~~~)", re.MULTILINE)
_LOOPBACK = ("127.0.0.1", "localhost", "::1")

RULES = """\
You translate blocks of a help-center article from {source} to {target}.
Answer with one JSON object: {{"translations": {{"<id>": "<translation>", ...}}}}, with every id of
"translate" exactly once and no other id.
- Keep every placeholder such as ⟦0⟧ exactly as written, once each: they stand for code, links, URLs
  and product names.
- Keep every number as written. Add no HTML, Markdown links or URLs the block does not have.
- Keep each block on one line: no line breaks, no new paragraphs, list markers or headings.
- "context" is read-only: it shows what surrounds the blocks; never translate it or answer for it.
- A block with "previous_source" and "previous_translation" was reviewed before its source changed:
  change only what the source change requires and keep the rest of the previous translation word for word.
"""


@dataclass
class Item:
    """One piece of text to translate: a block, or a table cell, with placeholders for what must not change."""

    id: str
    text: str  # masked source
    line: int
    source: str = ""  # unmasked, to find the glossary terms it holds
    previous_source: str = ""
    previous_translation: str = ""
    context_hash: str = ""


@dataclass(frozen=True)
class Answer:
    """The translation of one item (masked), or the source when no usable answer came; problems left."""

    text: str
    problems: tuple[str, ...] = ()


@dataclass
class Usage:
    """What a run cost: requests and tokens as the server counted them."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class LlmSettings:
    """The LLM engine's settings, from the kb plugin's `llm:` mapping and the CLI flags."""

    url: str | None = None
    model: str = ""
    attempts: int = 3
    price_in: float = 0.0  # USD per million prompt tokens
    price_out: float = 0.0  # USD per million completion tokens
    batch_blocks: int = BATCH_BLOCKS
    batch_chars: int = BATCH_CHARS


SETTING_KEYS: dict[str, type | tuple[type, ...]] = {
    "url": str, "model": str, "attempts": int, "price_in": (int, float), "price_out": (int, float),
    "batch_blocks": int, "batch_chars": int}


def settings_from(mapping: dict[str, Any] | None, where: str = "mkdocs.yml: plugins.kb.llm") -> LlmSettings:
    """Validate the `llm:` mapping of the kb plugin; every error names its key."""
    mapping = mapping or {}
    for key, value in mapping.items():
        kinds = SETTING_KEYS.get(key)
        if kinds is None:
            raise ConfigError(f"{where}.{key}: unknown setting: use one of {', '.join(SETTING_KEYS)}")
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise ConfigError(f"{where}.{key}: {value!r} is not valid: write a {getattr(kinds, '__name__', 'number')}")
    for key in ("attempts", "batch_blocks", "batch_chars"):
        if key in mapping and mapping[key] < 1:
            raise ConfigError(f"{where}.{key}: {mapping[key]!r} is not valid: write 1 or more")
    return LlmSettings(**mapping)


class LlmEngine(Engine):
    """An OpenAI-compatible chat-completions server as a kb engine; translate_items() is its batch entry."""

    def __init__(self, source: str, target: str, settings: LlmSettings, root: Path, cache: Path | None = None,
                 timeout: float = 60.0, retries: int = 4, backoff: float = 1.0) -> None:
        super().__init__("llm", source, target, settings.url, cache, timeout, retries, backoff)
        self.settings = settings
        self.usage = Usage()
        self.dry_run = False  # build every prompt, send none: usage then holds estimates (4 characters a token)
        self.on_usage: Callable[[int, int], None] | None = None  # (prompt, completion) tokens of each answer
        path = root / STYLE_FILE.format(lang=target)
        self.style = path.read_text(encoding="utf-8-sig").strip() if path.exists() else ""

    def _key(self) -> str:
        return f"llm\0{self.url or ''}\0{self.settings.model}\0{self.source}\0{self.target}"

    def cached(self, text: str) -> str | None:
        """A checked answer given before for this masked text, in any context (what resuming skips)."""
        return self._db.get_prefix(self._key(), text + "\0") if self._db else None

    def translate(self, text: str) -> str:
        """One text with no context: a batch of one."""
        answer = self.translate_items([Item("b0", text, 0)], "", [], Glossary())["b0"]
        if answer.problems:
            raise EngineError(f"llm: no usable translation of {text[:40]!r}: {answer.problems[0]}")
        return answer.text

    def translate_items(self, items: list[Item], title: str, context: list[dict[str, str]], glossary: Glossary,
                        ) -> dict[str, Answer]:
        """Each item's answer: from the cache, or asked for and checked, retried with its problems."""
        answers: dict[str, Answer] = {}
        todo = []
        for item in items:
            known = self._db.get(self._key(), f"{item.text}\0{item.context_hash}") if self._db else None
            if known is not None:
                answers[item.id] = Answer(known)
            else:
                todo.append(item)
        if not todo:
            return answers
        system = self.system_prompt(todo, glossary)
        if self.dry_run:  # the first attempt's exact prompt; the answer as long as the blocks, in JSON
            self.usage.requests += 1
            self.usage.prompt_tokens += (len(system) + len(user_prompt(title, context, todo, {}, {}))) // 4
            self.usage.completion_tokens += sum(len(item.text) + len(item.id) + 8 for item in todo) // 4
            return answers | {item.id: Answer(item.text) for item in todo}
        by_id = {item.id: item for item in todo}
        last: dict[str, str] = {}  # each failed block's last answer, shown with its problems
        feedback: dict[str, list[str]] = {}
        for attempt in range(self.settings.attempts):
            user = user_prompt(title, context, list(by_id.values()), feedback, last)
            content = self._complete(system, user)
            got, general = parse(content, list(by_id))
            feedback = {}
            for item_id, item in by_id.items():
                if item_id not in got:
                    feedback[item_id] = general or ["your answer had no translation for this id"]
                    continue
                found = problems(item.text, got[item_id], self.required_terms(item.text, glossary))
                if not found:
                    answers[item_id] = Answer(got[item_id])
                    self.sent += 1
                    self.sent_chars += len(item.text)
                    if self._db:
                        self._db.put(self._key(), f"{item.text}\0{item.context_hash}", got[item_id])
                else:
                    feedback[item_id] = found
                    last[item_id] = got[item_id]
            by_id = {item_id: by_id[item_id] for item_id in feedback}
            if not by_id:
                break
            log.info("llm: attempt %d: %d blocks with problems, asking again", attempt + 1, len(by_id))
        for item_id, item in by_id.items():  # never publish an answer that failed its checks: keep the source
            reasons = feedback[item_id]
            answers[item_id] = Answer(item.text, (f"no usable LLM translation after {self.settings.attempts} "
                                                  f"attempts ({'; '.join(reasons)})",))
        return answers

    def required_terms(self, text: str, glossary: Glossary) -> list[tuple[str, tuple[str, ...]]]:
        """The glossary's required translations whose source term occurs in text."""
        folded = text.casefold()
        return [(term, words) for term, words in glossary.required_for(self.target)
                if re.search(rf"(?<![a-z]){re.escape(term.casefold())}(?![a-z])", folded)]

    def system_prompt(self, items: list[Item], glossary: Glossary) -> str:
        """Rules, the language's style guide and the glossary terms that occur in these blocks."""
        text = " ".join(item.source or item.text for item in items)
        parts = [RULES.format(source=self.source, target=self.target)]
        if self.style:
            parts.append(f"Style guide for {self.target}:\n{self.style}\n")
        required = self.required_terms(text, glossary)
        if required:
            parts.append("Glossary: translate these terms this way:\n"
                         + "".join(f"- {term}: {' or '.join(words)}\n" for term, words in required))
        kept = sorted(t for t in glossary.do_not_translate
                      if re.search(rf"(?<![A-Za-z0-9]){re.escape(t)}(?![A-Za-z0-9])", text))
        if kept:
            parts.append(f"Keep as written, never translate: {', '.join(kept)}\n")
        return "\n".join(parts)

    def _openai(self) -> Any:
        """The openai client, made once."""
        if self._client is None:
            import openai

            if not self.settings.model:  # checked here, not earlier: --dry-run needs no model
                raise EngineError("llm: no model: pass --model NAME, or set llm: {model: NAME} in the kb plugin")

            host = urlparse(self.url).hostname if self.url else None
            key = os.environ.get(KEY_ENV, "")
            if not key and host not in _LOOPBACK:
                raise EngineError(f"llm: no API key: set the environment variable {KEY_ENV}")
            # max_retries=0: kb retries itself, honouring Retry-After and counting the tries it reports
            self._client = openai.OpenAI(base_url=self.url, api_key=key or "not-needed-for-local", max_retries=0)
        return self._client

    def _complete(self, system: str, user: str) -> str:
        """The answer's text; retries rate limits and server errors, honouring Retry-After."""
        import openai

        client = self._openai()
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                response = client.chat.completions.create(
                    model=self.settings.model, response_format={"type": "json_object"}, timeout=self.timeout,
                    messages=[{"role": "system", "content": system}, {"role": "user", "content": user}])
                break
            except openai.APIStatusError as exc:
                if exc.status_code in (401, 403):
                    raise EngineError(f"llm: the API key was refused ({exc.status_code}): check {KEY_ENV}") from None
                if (exc.status_code != 429 and exc.status_code < 500) or attempt == self.retries:
                    raise EngineError(f"llm at {self.url or 'the default URL'}: HTTP {exc.status_code} "
                                      f"after {attempt + 1} tries: check --engine-url and --model") from None
                wait = _retry_after(exc.response.headers.get("retry-after"), delay)
                log.info("llm: HTTP %d, retrying in %.1f s", exc.status_code, wait)
                time.sleep(wait)
                delay *= 2
            except openai.APITimeoutError:
                if attempt == self.retries:
                    raise EngineError(f"llm: no answer within {self.timeout:.0f} s after {attempt + 1} tries: "
                                      "try again later, or raise --timeout") from None
                time.sleep(delay)
                delay *= 2
            except openai.APIConnectionError:  # refused or unresolvable: retrying cannot help
                raise EngineError(f"llm: cannot connect to {self.url or 'the default URL'} (connection error): "
                                  "check --engine-url, or that the server runs") from None
        self.usage.requests += 1
        if response.usage is not None:
            self.usage.prompt_tokens += response.usage.prompt_tokens
            self.usage.completion_tokens += response.usage.completion_tokens
            if self.on_usage:
                self.on_usage(response.usage.prompt_tokens, response.usage.completion_tokens)
        choice = response.choices[0] if response.choices else None
        return (choice.message.content or "") if choice else ""

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """USD for these tokens at the configured prices."""
        return (prompt_tokens * self.settings.price_in + completion_tokens * self.settings.price_out) / 1_000_000


def _retry_after(header: str | None, default: float) -> float:
    """Seconds a Retry-After header asks for (capped at a minute), else the back-off."""
    try:
        return min(max(float(header), 0.0), 60.0) if header else default
    except ValueError:  # an HTTP date: rare from these servers; the back-off will do
        return default


def user_prompt(title: str, context: list[dict[str, str]], items: list[Item], feedback: dict[str, list[str]],
                last: dict[str, str]) -> str:
    """The request's JSON: the article's title, read-only context, and the blocks with ids."""
    blocks = []
    for item in items:
        entry = {"id": item.id, "text": item.text}
        if item.previous_source:
            entry |= {"previous_source": item.previous_source, "previous_translation": item.previous_translation}
        if item.id in feedback:
            entry["your_last_answer"] = last.get(item.id, "")
            entry["problems_to_fix"] = "; ".join(feedback[item.id])
        blocks.append(entry)
    return json.dumps({"title": title, "context": context, "translate": blocks}, ensure_ascii=False)


def parse(content: str, ids: list[str]) -> tuple[dict[str, str], list[str]]:
    """The translations in an answer, and what is wrong with the answer as a whole."""
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        return {}, [f"the answer was not valid JSON ({exc.msg} at character {exc.pos}): answer with one JSON object"]
    table = data.get("translations", data) if isinstance(data, dict) else None
    if not isinstance(table, dict):
        return {}, ['the answer was not a JSON object {"translations": {"<id>": "<translation>"}}']
    got = {str(k): v for k, v in table.items() if isinstance(v, str) and str(k) in ids}
    return got, []


def problems(source: str, answer: str, required: list[tuple[str, tuple[str, ...]]] | None = None) -> list[str]:
    """What is wrong with an answer for a masked source text: placeholders, markup, links, numbers, lines, terms."""
    found = []
    if not answer.strip():
        found.append("the translation is empty")
    for marker in sorted(set(_PLACEHOLDER.findall(source)) | set(_PLACEHOLDER.findall(answer))):
        want, got = source.count(marker), answer.count(marker)
        if got < want:
            found.append(f"placeholder {marker} is missing: keep it exactly as written")
        elif got > want:
            found.append(f"placeholder {marker} appears {got} times, the source has it {want} times")
    names = dict.fromkeys(re.sub(r"\W", "", tag.split()[0]).lower() or "<" for tag in _TAG.findall(answer)
                          if tag not in source)
    found += [f"adds HTML ({name}) the source does not have: remove it" for name in names]
    if _LINK.search(answer) and not _LINK.search(source):
        found.append("adds a link or URL the source does not have: remove it")
    if ("\n" in answer.strip() and "\n" not in source.strip()) or re.search(r"\n[ \t]*\n", answer.strip()):
        found.append("splits the block over several lines: keep it on one line")
    starts = set(_BLOCK_START.findall(answer)) - set(_BLOCK_START.findall(source))
    if starts:
        found.append(f"starts a line with {sorted(starts)[0].strip()!r}, which would make a new Markdown block: "
                     "remove it")
    was, now = qa.numbers(_PLACEHOLDER.sub(" ", source)), qa.numbers(_PLACEHOLDER.sub(" ", answer))
    found += [f"{what}: {fix}" for what, fix in qa.number_problems(was, now)]  # a changed figure: one problem
    for term, words in required or []:
        if not any(word.casefold() in answer.casefold() for word in words):
            found.append(f"glossary: translate '{term}' as '{' or '.join(words)}'")
    return found


def prefill(engine: LlmEngine, center: HelpCenter, lang: str, rel: str, source: Document, memory: Memory,
            glossary: Glossary, protect: Callable[[str], tuple[str, list[str]]],
            pieces: Callable[[Block], list[str]], words: Callable[[str], bool]) -> tuple[dict[str, str], list[str]]:
    """Translate an article's blocks that the memory lacks, in batches with context: masked text -> translation.

    Returns the translations and the problems for the reviewer (path:line: what).
    """
    blocks = [b for b in with_meta(source) if b.kind != "code" and segment(b).strip()]
    previous = _previous(center, lang, rel, source)
    title = source.title
    items: list[Item] = []
    seen: set[str] = set()
    context_of: dict[str, list[int]] = {}
    for index, block in enumerate(blocks):
        if memory.get(block) is not None:
            continue
        texts = pieces(block)
        for cell, text in enumerate(texts):
            masked, saved = protect(text)
            if not words(masked) or masked in seen:
                continue
            seen.add(masked)
            item = Item(f"b{index}" + (f".{cell}" if len(texts) > 1 else ""), masked, block.line or source.title_line,
                        text)
            if block.key in previous and len(texts) == 1:
                old_source, old_translation = previous[block.key]
                item.previous_source, item.previous_translation = (_mask_like(old_source, saved),
                                                                   _mask_like(old_translation, saved))
            neighbours = [n for n in (index - 1, index + 1) if 0 <= n < len(blocks)]
            context_of[item.id] = neighbours
            item.context_hash = short_hash(json.dumps(
                [title, engine.style, item.previous_source, item.previous_translation,
                 *(blocks[n].text for n in neighbours)], ensure_ascii=False))
            items.append(item)
    result: dict[str, str] = {}
    notes: list[str] = []
    for batch in _batches(items, engine.settings.batch_blocks, engine.settings.batch_chars):
        inside = {item.id.split(".")[0] for item in batch}
        wanted = sorted({n for item in batch for n in context_of[item.id] if f"b{n}" not in inside})
        context = []
        for n in wanted:
            entry = {"id": f"b{n}", "source": segment(blocks[n])}
            known = memory.get(blocks[n])
            if known is not None:
                entry["translation"] = known
            context.append(entry)
        answers = engine.translate_items(batch, title, context, glossary)
        for item in batch:
            answer = answers[item.id]
            result[item.text] = answer.text
            notes += [f"{source.path}:{item.line}: {problem}: translate it" for problem in answer.problems]
    return result, notes


def _batches(items: list[Item], most: int, chars: int) -> list[list[Item]]:
    """Items in order, in groups of at most `most` items or about `chars` characters."""
    groups: list[list[Item]] = []
    size = 0
    for item in items:
        if not groups or len(groups[-1]) >= most or size + len(item.text) > chars:
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += len(item.text)
    return groups


def _mask_like(text: str, saved: list[str]) -> str:
    """text with the pieces the new source protects replaced by the same placeholders."""
    for index, original in sorted(enumerate(saved), key=lambda pair: -len(pair[1])):
        text = text.replace(original, f"⟦{index}⟧")
    return text


def _previous(center: HelpCenter, lang: str, rel: str, source: Document) -> dict[str, tuple[str, str]]:
    """For each changed block: (its old source text, its reviewed translation), where the old versions line up."""
    doc = center.docs[lang].get(rel)
    if not (doc and doc.readable and doc.translation and doc.translation.status == "reviewed"):
        return {}
    version = find_version(Git(center.settings.root), source, doc.translation.source_hash)
    if version is None:
        return {}
    old, done, new = with_meta(version.document), with_meta(center.with_blocks(doc)), with_meta(source)
    if [b.kind for b in old] != [b.kind for b in done]:
        return {}  # never guess which translated block belongs to which source block
    pairs: dict[str, tuple[str, str]] = {}
    matcher = difflib.SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "replace":
            for k in range(min(i2 - i1, j2 - j1)):
                was, now = old[i1 + k], new[j1 + k]
                if was.kind == now.kind and was.kind != "code":
                    pairs[now.key] = (segment(was), segment(done[i1 + k]))
    return pairs


def estimate(engine: LlmEngine, center: HelpCenter, lang: str, jobs: list[Job], memory: Memory,
             glossary: Glossary) -> Usage:
    """Requests and tokens a run would use: every prompt built as it would be sent, at 4 characters a token.

    Retries are not counted: they happen only for answers that fail their checks.
    """
    from kb_tools.drafts import _pieces, _protect, _words  # drafts imports this module only when drafting

    engine.dry_run, engine.usage = True, Usage()
    try:
        for job in jobs:
            prefill(engine, center, lang, job.rel, job.source, memory, glossary,
                    lambda text: _protect(text, glossary.do_not_translate), _pieces, _words)
        return engine.usage
    finally:
        engine.dry_run = False
