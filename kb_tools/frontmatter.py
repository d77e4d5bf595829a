"""Front matter: split it from the body, parse it, validate it against one schema."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import yaml

from kb_tools.errors import Problem

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TRANSLATION_STATUSES = ("machine", "reviewed")


@dataclass(frozen=True)
class Field:
    """One front matter key: its accepted types, whether it is required, and what it is for."""

    types: tuple[type, ...]
    help: str
    required: bool = False
    items: type | None = None  # for lists: the type of each item
    may_be_empty: bool = False  # an empty value is a warning (checked by the check named as the key), not invalid


SOURCE_FIELDS: dict[str, Field] = {
    "title": Field((str,), "the article's title", required=True),
    "description": Field((str,), "one line shown in search results and link previews", may_be_empty=True),
    "tags": Field((list,), "a list of tags, e.g. [security, 2fa]", items=str),
    "critical": Field((bool,), "true for fees, limits, KYC/AML and security articles"),
    "machine_translation": Field((bool,), "false to never machine-draft this article"),
}
TRANSLATION_FIELDS: dict[str, Field] = {
    "title": Field((str,), "the translated title", required=True),
    "description": Field((str,), "the translated description", may_be_empty=True),
    "tags": Field((list,), "a list of tags", items=str),
    "translation": Field((dict,), "the translation status block"),
}
TRANSLATION_BLOCK_FIELDS: dict[str, Field] = {
    "source_hash": Field((str,), "the hash of the source it was made from", required=True),
    "status": Field((str,), "machine or reviewed", required=True),
    "engine": Field((str,), "the engine that drafted it"),
    "reviewed_by": Field((str,), "who reviewed it"),
    "reviewed_on": Field((dt.date, str), "the review date, e.g. 2026-11-20"),
    "qa": Field((list,), "the QA problems kb draft left for the reviewer", items=str),
}
# Keys Material for MkDocs reads from front matter: accepted without a warning.
THEME_KEYS = frozenset({"hide", "icon", "status", "subtitle", "template", "search", "comments"})

_TYPE_NAMES = {str: "text", list: "a list", bool: "true or false", dict: "a mapping", dt.date: "a date"}


@dataclass(frozen=True)
class Split:
    """A file's front matter text and body, with the line each starts on (1-based)."""

    yaml_text: str | None
    yaml_line: int
    body: str
    body_line: int


class FrontMatterError(Exception):
    """Front matter that cannot be read; carries the 1-based line of the fault."""

    def __init__(self, line: int, message: str, fix: str) -> None:
        super().__init__(message)
        self.line, self.message, self.fix = line, message, fix


def split(text: str) -> Split:
    """Split `---`-fenced front matter from the body; text has LF line endings."""
    if not text.startswith("---\n") and text.rstrip("\n") != "---":
        return Split(None, 0, text, 1)
    at = 3  # the end of the first line: the closing line is the first after it that is --- or ..., then spaces
    while (closing := _CLOSING.search(text, at)) is not None:
        if not closing[1].strip():
            line = text.count("\n", 0, closing.end(1))  # the closing line's index: one line break before each
            return Split(text[4:closing.start()], 2, text[closing.end() + 1:], line + 2)
        at = closing.end()
    raise FrontMatterError(1, "front matter is not closed", "add a line with --- after the front matter")


_CLOSING = re.compile(r"\n(?:---|\.\.\.)([^\n]*)")  # a line starting with --- or ..., and the rest of it


def parse(split_: Split) -> dict[str, Any]:
    """Parse the YAML of the front matter into a mapping.

    Front matter needs no aliases, so they are refused (a few lines of them can expand to gigabytes),
    and a key written twice is an error rather than the last one silently winning.
    """
    if split_.yaml_text is None:
        return {}
    plain = simple(split_.yaml_text)
    return _parse_yaml(split_.yaml_text, split_.yaml_line) if plain is None else plain


def _parse_yaml(text: str, first_line: int) -> dict[str, Any]:
    """parse's reading of any front matter, by YAML; first_line: the file line text starts on."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}
        _check_nodes(loader, node)
        data = loader.construct_document(node)
    except _Refused as exc:
        raise FrontMatterError(first_line + exc.line, exc.message, exc.fix) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        raise FrontMatterError(line, f"invalid YAML: {exc.problem or exc}", "fix the YAML syntax") from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise FrontMatterError(first_line, f"invalid YAML: {exc}", "fix the YAML syntax") from None
    finally:
        loader.dispose()
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise FrontMatterError(first_line, f"front matter is {kind}, not a mapping", "write it as key: value lines")
    return data


# Most front matter is `key: value` lines: plain or simply quoted text, dates, true/false, a list of
# tags, one nested block (translation:). simple reads those lines as YAML reads them, without building
# YAML's nodes (several times faster: a cold kb status reads every file's front matter, a build every
# page's); whatever else it meets (comments, blank lines, escapes, block scalars, deeper nesting, an
# error) it leaves to YAML.
# tests/test_fast_status.py holds the two readings equal.
_LINE = re.compile(r"( *)(?:([A-Za-z_][A-Za-z0-9_-]{0,99}):|(-))(?: +(.*?))? *")  # YAML keys: at most 1,024 characters
_FLOW_ITEM = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^:,\[\]{}#]*")
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_HASH = re.compile(r"[0-9a-f]{6,64}")
# The first characters of values YAML may read as something else than text (true, 12, null, 2026-01-05...).
_RESOLVED = frozenset(yaml.resolver.Resolver.yaml_implicit_resolvers)
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_RESOLVE = cast(Callable[[type, str, tuple[bool, bool]], str], yaml.resolver.Resolver().resolve)
_BOOLS = yaml.constructor.SafeConstructor.bool_values
_NO = object()  # a value only YAML can read


def simple(text: str) -> dict[str, Any] | None:
    """The front matter as YAML reads it, or None when it is not plain `key: value` lines."""
    data: dict[str, Any] = {}
    open_key = ""  # the last top-level key written without a value: indented lines below belong to it
    inner: dict[str, Any] | list[Any] | None = None
    inner_indent = ""
    for line in text.split("\n"):
        match = _LINE.fullmatch(line)
        if match is None:
            return None
        indent, key, dash, written = match.groups()
        if key is not None and not indent:
            if key in data or _key_tag(key) != "str":
                return None
            value = _value(written) if written else None
            if value is _NO:
                return None
            data[key], open_key, inner = value, "" if written else key, None
            continue
        if not open_key or not written:  # indented under a value, or a nested key without one: YAML decides
            return None
        if inner is None:
            inner, inner_indent = ([] if dash else {}), indent
            data[open_key] = inner
        elif indent != inner_indent or isinstance(inner, list) != bool(dash):
            return None
        value = _value(written)
        if value is _NO:
            return None
        if isinstance(inner, list):
            inner.append(value)
        elif key in inner or _key_tag(key) != "str":
            return None
        else:
            inner[key] = value
    return data


def _tag(text: str) -> str:
    """What YAML reads an unquoted value as: str, bool, null, timestamp, int..."""
    return _RESOLVE(yaml.ScalarNode, text, (True, False)).removeprefix("tag:yaml.org,2002:")


_key_tag = functools.lru_cache(maxsize=256)(_tag)  # the same few keys in every file


def _value(text: str) -> Any:
    """A value written on one line as YAML reads it, or _NO when simple does not read its kind."""
    if not text.isprintable():  # tabs, line separators, controls: YAML decides
        return _NO
    if text[0] == "[" and text[-1] == "]":
        inside = text[1:-1]
        if not inside.strip():
            return []
        items = [item.strip() for item in inside.split(",")]
        if not items[-1]:
            items.pop()  # a trailing comma, as YAML allows
        values = [_plain(item) if _FLOW_ITEM.fullmatch(item) else _NO for item in items]
        return _NO if _NO in values else values
    if text[0] == '"':
        return text[1:-1] if len(text) > 1 and text[-1] == '"' and '"' not in text[1:-1] and "\\" not in text else _NO
    if text[0] == "'":
        inside = text[1:-1]
        return inside.replace("''", "'") if len(text) > 1 and text[-1] == "'" and "'" not in inside.replace("''", "") \
            else _NO
    return _plain(text)


def _plain(text: str) -> Any:
    """An unquoted value as YAML reads it: text, true or false, null, a date; _NO for anything else."""
    if text[0] in _INDICATORS or ": " in text or " #" in text or text[-1] == ":":
        return _NO
    if text[0] not in _RESOLVED and None not in _RESOLVED:
        return text  # no implicit type starts with this character: text, without asking each resolver
    if text[0] in "123456789" and text.isalnum() and text.isascii() and not text.isdigit():
        return text  # a hash like 9f3a0c: numbers need a . : - or _ or only digits, and no other type starts with 1-9
    tag = _tag(text)
    if tag == "str":
        return text
    if tag == "bool":
        return _BOOLS[text.lower()]
    if tag == "null":
        return None
    if tag == "timestamp" and _ISO_DATE.fullmatch(text):
        try:
            return dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:  # an impossible date: YAML's reading reports it at its line
            return _NO
    return _NO


class _Refused(Exception):
    def __init__(self, node: yaml.Node, message: str, fix: str) -> None:
        super().__init__(message)
        self.line, self.message, self.fix = node.start_mark.line, message, fix


def _check_nodes(loader: yaml.SafeLoader, root: yaml.Node) -> None:
    """Refuse aliases, keys written twice and impossible dates, at the line they are written."""
    seen: set[int] = set()
    stack = [root]
    while stack:  # not recursive: deep nesting must not overflow the stack
        node = stack.pop()
        if id(node) in seen:  # the composer gives an alias the very node of its anchor
            raise _Refused(node, "YAML aliases are not allowed in front matter", "write the value out")
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[object] = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value == "<<":
                        raise _Refused(key, "YAML merge keys are not allowed in front matter", "write the keys out")
                    if key.value in keys:
                        raise _Refused(key, f"key '{key.value}' is written twice", "keep one of them")
                    keys.add(key.value)
                stack += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
        elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
            try:
                loader.construct_yaml_timestamp(node)
            except ValueError as exc:
                raise _Refused(node, f"'{node.value}' is not a date ({exc})", "write a real date as YYYY-MM-DD") \
                    from None


def key_line(split_: Split, key: str, after: int = 0) -> int:
    """The file line where `key:` is written in the front matter (its first line if not found)."""
    if split_.yaml_text is None:
        return 1
    if after < split_.yaml_line and split_.yaml_text.startswith(f"{key}:"):
        return split_.yaml_line  # the first line: `title:` mostly
    pattern = _key_pattern(key)
    for i, line in enumerate(split_.yaml_text.split("\n")):
        if i + split_.yaml_line > after and pattern.match(line):
            return i + split_.yaml_line
    return max(split_.yaml_line, 1)


def _line(split_: Split, key: str, under: str = "") -> int:
    """key_line of a key written below another (under), or at the top level."""
    return key_line(split_, key, key_line(split_, under) if under else 0)


@functools.lru_cache(maxsize=256)
def _key_pattern(key: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(key)}\s*:")


def raw_value(split_: Split, key: str) -> str:
    """A key's value exactly as written (for values YAML would read as something else)."""
    match = re.search(rf"^\s*{re.escape(key)}\s*:\s*[\"']?([^\s\"'#]*)", split_.yaml_text or "", re.MULTILINE)
    return match.group(1) if match else ""


def validate(
    data: dict[str, Any], fields: dict[str, Field], split_: Split, path: str, under: str = "", prefix: str = ""
) -> list[Problem]:
    """Check data against a schema: wrong types and missing keys are errors, unknown keys warnings.
    under: the key data is nested under, its keys written below it."""
    problems = []
    for key, value in data.items():
        field = fields.get(str(key))
        if field is None:
            if prefix or key not in THEME_KEYS:
                known = ", ".join(fields)
                problems.append(
                    Problem(path, _line(split_, str(key), under), f"unknown front matter key '{prefix}{key}'",
                            f"remove it or use one of: {known}", "warning", "keys")
                )
            continue
        if field.may_be_empty and (value is None or (isinstance(value, str) and not value.strip())):
            # Imported articles often have `description:` with nothing after it: the page is fine without.
            problems.append(
                Problem(path, _line(split_, str(key), under), f"empty '{prefix}{key}'",
                        f"write {field.help}, or remove the key", "warning", str(key))
            )
        elif value is None or not isinstance(value, field.types) or (
            isinstance(value, bool) and bool not in field.types
        ):
            wanted = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in field.types)
            problems.append(
                Problem(path, _line(split_, str(key), under), f"'{prefix}{key}' must be {wanted}, not {value!r}",
                        f"set it to {field.help}")
            )
        elif isinstance(value, list) and field.items and not all(isinstance(i, field.items) for i in value):
            problems.append(
                Problem(path, _line(split_, str(key), under), f"every item of '{prefix}{key}' must be text",
                        "quote the items")
            )
    for key, field in fields.items():
        if field.required and key not in data:
            problems.append(
                Problem(path, max(split_.yaml_line, 1), f"missing front matter key '{prefix}{key}'",
                        f"add {key}: {field.help}")
            )
    return problems


def validate_translation_block(block: dict[str, Any], split_: Split, path: str) -> list[Problem]:
    """Check the `translation:` block: the schema, then the values that depend on each other."""
    problems = validate(block, TRANSLATION_BLOCK_FIELDS, split_, path, "translation", "translation.")
    status = block.get("status")
    if isinstance(status, str) and status not in TRANSLATION_STATUSES:
        problems.append(
            Problem(path, _line(split_, "status", "translation"), f"translation.status is '{status}'",
                    "set it to machine or reviewed")
        )
    source_hash = block.get("source_hash")
    if isinstance(source_hash, str) and not _HASH.fullmatch(source_hash):
        problems.append(
            Problem(path, _line(split_, "source_hash", "translation"),
                    f"translation.source_hash '{source_hash}' is not a hash", "run kb approve to set it")
        )
    reviewed_on = block.get("reviewed_on")
    if isinstance(reviewed_on, str):
        try:
            dt.date.fromisoformat(reviewed_on)
        except ValueError:
            problems.append(
                Problem(path, _line(split_, "reviewed_on", "translation"),
                        f"translation.reviewed_on '{reviewed_on}' is not a date", "write it as YYYY-MM-DD")
            )
    return problems
