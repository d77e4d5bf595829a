"""Front matter: split it from the body, parse it, validate it against one schema."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

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
    lines = text.split("\n")
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return Split("\n".join(lines[1:i]), 2, "\n".join(lines[i + 1 :]), i + 2)
    raise FrontMatterError(1, "front matter is not closed", "add a line with --- after the front matter")


def parse(split_: Split) -> dict[str, Any]:
    """Parse the YAML of the front matter into a mapping.

    Front matter needs no aliases, so they are refused (a few lines of them can expand to gigabytes),
    and a key written twice is an error rather than the last one silently winning.
    """
    if split_.yaml_text is None:
        return {}
    loader = _Loader(split_.yaml_text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}
        _check_nodes(loader, node)
        data = loader.construct_document(node)
    except _Refused as exc:
        raise FrontMatterError(split_.yaml_line + exc.line, exc.message, exc.fix) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = split_.yaml_line + (mark.line if mark else 0)
        raise FrontMatterError(line, f"invalid YAML: {exc.problem or exc}", "fix the YAML syntax") from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise FrontMatterError(split_.yaml_line, f"invalid YAML: {exc}", "fix the YAML syntax") from None
    finally:
        loader.dispose()
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise FrontMatterError(
            split_.yaml_line, f"front matter is {kind}, not a mapping", "write it as key: value lines"
        )
    return data


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
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*:")
    for i, line in enumerate(split_.yaml_text.split("\n")):
        if i + split_.yaml_line > after and pattern.match(line):
            return i + split_.yaml_line
    return max(split_.yaml_line, 1)


def raw_value(split_: Split, key: str) -> str:
    """A key's value exactly as written (for values YAML would read as something else)."""
    match = re.search(rf"^\s*{re.escape(key)}\s*:\s*[\"']?([^\s\"'#]*)", split_.yaml_text or "", re.MULTILINE)
    return match.group(1) if match else ""


def validate(
    data: dict[str, Any], fields: dict[str, Field], split_: Split, path: str, after: int = 0, prefix: str = ""
) -> list[Problem]:
    """Check data against a schema: wrong types and missing keys are errors, unknown keys warnings."""
    problems = []
    for key, value in data.items():
        line = key_line(split_, str(key), after)
        field = fields.get(str(key))
        if field is None:
            if prefix or key not in THEME_KEYS:
                known = ", ".join(fields)
                problems.append(
                    Problem(path, line, f"unknown front matter key '{prefix}{key}'",
                            f"remove it or use one of: {known}", "warning", "keys")
                )
            continue
        wanted = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in field.types)
        if field.may_be_empty and (value is None or (isinstance(value, str) and not value.strip())):
            # Imported articles often have `description:` with nothing after it: the page is fine without.
            problems.append(
                Problem(path, line, f"empty '{prefix}{key}'", f"write {field.help}, or remove the key", "warning",
                        str(key))
            )
        elif value is None or not isinstance(value, field.types) or (
            isinstance(value, bool) and bool not in field.types
        ):
            problems.append(
                Problem(path, line, f"'{prefix}{key}' must be {wanted}, not {value!r}",
                        f"set it to {field.help}")
            )
        elif isinstance(value, list) and field.items and not all(isinstance(i, field.items) for i in value):
            problems.append(
                Problem(path, line, f"every item of '{prefix}{key}' must be text", "quote the items")
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
    start = key_line(split_, "translation")
    problems = validate(block, TRANSLATION_BLOCK_FIELDS, split_, path, start, "translation.")
    status = block.get("status")
    if isinstance(status, str) and status not in TRANSLATION_STATUSES:
        problems.append(
            Problem(path, key_line(split_, "status", start), f"translation.status is '{status}'",
                    "set it to machine or reviewed")
        )
    source_hash = block.get("source_hash")
    if isinstance(source_hash, str) and not re.fullmatch(r"[0-9a-f]{6,64}", source_hash):
        problems.append(
            Problem(path, key_line(split_, "source_hash", start),
                    f"translation.source_hash '{source_hash}' is not a hash", "run kb approve to set it")
        )
    reviewed_on = block.get("reviewed_on")
    if isinstance(reviewed_on, str):
        try:
            dt.date.fromisoformat(reviewed_on)
        except ValueError:
            problems.append(
                Problem(path, key_line(split_, "reviewed_on", start),
                        f"translation.reviewed_on '{reviewed_on}' is not a date", "write it as YYYY-MM-DD")
            )
    return problems
