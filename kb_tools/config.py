"""The `kb` settings, read from the `kb` plugin entry of mkdocs.yml (without importing MkDocs)."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from kb_tools import layout as layout_mod
from kb_tools.errors import CHECKS, LEVELS, ConfigError

STALE_BLOCKS = ("source", "off")  # source: changed blocks from the current source; off: the whole translation
POLICY_RULES = ("invalid", "orphan", "untracked", "stale", "machine", "missing", "stale-critical", "missing-critical")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
PARSED = ".kb-cache/config.json"  # mkdocs.yml's text and its data, as load last parsed them

log = logging.getLogger(__name__)


def parse(text: str) -> Any:
    """mkdocs.yml's text as data, with the tags only MkDocs resolves (!ENV, !!python/name) read as None."""
    import yaml  # here: kb search reads mkdocs.yml's data from PARSED, and starts without PyYAML

    return yaml.load(text, Loader=_loader())


@cache
def _loader() -> Any:
    import yaml

    class MkDocsLoader(yaml.SafeLoader):
        """Reads mkdocs.yml, ignoring the tags (!ENV, !!python/name) only MkDocs resolves."""

    MkDocsLoader.add_multi_constructor("", lambda loader, suffix, node: None)
    MkDocsLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    return MkDocsLoader


@dataclass(frozen=True)
class Policy:
    """What a language promises its readers; `kb status --check` fails when it is broken."""

    publish_machine: bool = True  # show machine drafts to readers (else the source)
    fail_on: tuple[str, ...] = ("invalid", "stale-critical")
    stale_blocks: str = "source"  # a stale translation's changed blocks: shown from the source, or off (whole page)


@dataclass(frozen=True)
class Option:
    """One option of the kb plugin in mkdocs.yml: declared once, read by the CLI and the plugin alike."""

    name: str
    types: tuple[type, ...]
    default: Any
    help: str


OPTIONS = (
    Option("source_language", (str,), "en", "the language articles are written in, e.g. en"),
    Option("languages", (list,), None, "every language of the help center, e.g. [en, zh, ja]"),
    Option("policies", (dict,), None, "per language (or default): publish_machine, fail_on and stale_blocks"),
    Option("language", (str, type(None)), None, "the language one build publishes (kb build sets it)"),
    Option("feedback_url", (str, type(None)), None, 'where "Was this helpful?" answers are posted'),
    Option("search", (bool,), True, "false: no search index in the site"),
    Option("related", (bool,), True, "false: no related articles under each article"),
    Option("llm", (dict, type(None)), None, "the LLM engine's settings: {url, model, attempts, price_in, price_out}"),
    Option("layout", (str, dict), "folder", f"where each language's files are: {layout_mod.EXAMPLE}"),
    Option("checks", (dict, type(None)), None, "kb check's severity per check, e.g. {numbers: warning, keys: off}"),
)


@dataclass(frozen=True)
class Settings:
    """Where the help center is, which languages it has, and the kb plugin's options."""

    root: Path
    docs_dir: Path
    source_language: str = "en"
    languages: tuple[str, ...] = ("en",)
    policies: dict[str, Policy] = field(default_factory=dict)
    site_name: str = ""
    site_url: str = ""  # the site root; each language is published under <site_url><lang>/
    site_dir: Path | None = None  # where kb build writes site/<lang>/
    language: str | None = None  # the language one build publishes (None: the source language)
    feedback_url: str | None = None
    search: bool = True
    related: bool = True
    llm: dict[str, Any] = field(default_factory=dict)  # the LLM engine's settings (kb_tools/llm.py checks them)
    config_file: Path | None = None  # the mkdocs.yml these settings were read from
    layout: layout_mod.Spec = field(default_factory=layout_mod.Spec)  # where each language keeps its files
    checks: dict[str, str] = field(default_factory=dict)  # check name -> error, warning or off (kb check)
    theme: Any = None  # mkdocs.yml's theme: as written (a name or a mapping)
    templates: tuple[Path, ...] | None = None  # the theme's template folders when the builder gave them

    def template_folders(self) -> tuple[Path, ...]:
        """The theme's template folders, in MkDocs' order: the builder's, or found from mkdocs.yml (() if unknown)."""
        return self.templates if self.templates is not None else theme_folders(self.root, self.theme)

    @property
    def targets(self) -> tuple[str, ...]:
        """The translation languages: every language but the source."""
        return tuple(lang for lang in self.languages if lang != self.source_language)

    def policy(self, lang: str) -> Policy:
        """The policy of a language, or the default one."""
        return self.policies.get(lang) or self.policies.get("default") or Policy()


def load(config_file: Path) -> Settings:
    """Read mkdocs.yml and return the validated `kb` settings."""
    name = config_file.name
    try:
        text = config_file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{config_file}: not found: run kb in the help center's folder or pass --config") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{name}: cannot be read: {exc}") from None
    data = _read(config_file, text)
    if not isinstance(data, dict):
        raise ConfigError(f"{name}:1: not a mapping of settings: write it as key: value lines")
    options: dict[str, Any] = {}
    for plugin in data.get("plugins") or []:
        if plugin == "kb":
            options = {}
        elif isinstance(plugin, dict) and "kb" in plugin:
            options = plugin["kb"] or {}
    settings = from_mapping(config_file.parent, data.get("docs_dir") or "docs", options, name)
    return replace(settings, site_name=str(data.get("site_name") or ""), site_url=str(data.get("site_url") or ""),
                   site_dir=config_file.parent / str(data.get("site_dir") or "site"), config_file=config_file,
                   theme=data.get("theme"))


def _read(config_file: Path, text: str) -> Any:
    """The data of mkdocs.yml's text: from PARSED when it holds this very text, else parsed, and kept there
    when .kb-cache/ exists and the data is plain JSON (YAML's dates, say, are not)."""
    kept = config_file.parent / PARSED
    try:
        read = json.loads(kept.read_text(encoding="utf-8"))
        if isinstance(read, dict) and read.get("text") == text:
            return read["data"]
    except (OSError, ValueError, KeyError):
        pass
    import yaml

    try:
        data = parse(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{config_file.name}: cannot be read: {exc}") from None
    try:
        plain = json.dumps({"text": text, "data": data}, ensure_ascii=False)
    except (TypeError, ValueError):
        return data
    if kept.parent.is_dir() and json.loads(plain)["data"] == data:
        from kb_tools.fsutil import write_atomic

        try:
            write_atomic(kept, plain)
        except OSError as exc:  # a read-only help center: read it again next time
            log.debug("%s not kept: %s", kept, exc)
    return data


def theme_folders(root: Path, theme: Any) -> tuple[Path, ...]:
    """The template folders of mkdocs.yml's theme, as MkDocs searches them: custom_dir, then the theme's.

    The theme's folder is found from its `mkdocs.themes` entry point without importing it (the core
    never imports the builder); () when it cannot be found, and then no template is judged missing.
    Reading the entry points takes a noticeable part of a second: only kb check asks.
    """
    from importlib.metadata import entry_points
    from importlib.util import find_spec

    theme = {"name": theme} if isinstance(theme, str) else theme if isinstance(theme, dict) else {}
    name = str(theme.get("name") or "mkdocs")
    folders = [root / str(theme["custom_dir"])] if theme.get("custom_dir") else []
    for point in entry_points(group="mkdocs.themes", name=name):
        top, *rest = point.value.split(".")
        spec = find_spec(top)
        if spec is None or not spec.submodule_search_locations:
            return ()
        folders.append(Path(next(iter(spec.submodule_search_locations)), *rest))
        return tuple(folders)
    return ()


def from_mapping(root: Path, docs_dir: str, options: dict[str, Any], name: str = "mkdocs.yml") -> Settings:
    """Validate the kb plugin's options; every error names its option and quotes the value, all at once."""
    where = f"{name}: plugins.kb"
    if not isinstance(options, dict):
        raise ConfigError(f"{where}: must be a mapping of options, not {options!r}")
    errors = []
    known = {option.name: option for option in OPTIONS}
    for key in sorted(set(options) - set(known), key=str):
        errors.append(f"{where}.{key}: unknown option: use one of {', '.join(known)}")
    values: dict[str, Any] = {}
    for option in OPTIONS:
        value = options.get(option.name, option.default)
        if value is None and option.default is None:
            values[option.name] = None
        elif isinstance(value, option.types) and not (isinstance(value, bool) and bool not in option.types):
            values[option.name] = value
        else:
            errors.append(f"{where}.{option.name}: {value!r} is not valid: set it to {option.help}")
    source = values.get("source_language", "en")
    if isinstance(source, str) and not _LANG.match(source):
        errors.append(f"{where}.source_language: {source!r} is not a language code: write e.g. en")
    languages = values.get("languages") or [source]
    if "languages" in values and not all(isinstance(lang, str) and _LANG.match(lang) for lang in languages):
        errors.append(f"{where}.languages: {languages!r} is not a list of language codes: write e.g. [en, zh, ja]")
        languages = [source]
    if source not in languages:
        languages = [source, *languages]
    policies = {}
    for lang, raw in (values.get("policies") or {}).items():
        if lang != "default" and lang not in languages:
            errors.append(f"{where}.policies.{lang}: not one of the languages {languages}: add it or remove the policy")
            continue
        try:
            policies[lang] = _policy(raw, f"{where}.policies.{lang}")
        except ConfigError as exc:
            errors.append(str(exc))
    spec = layout_mod.Spec()
    if "layout" in values:
        try:
            spec = layout_mod.parse(values["layout"], f"{where}.layout")
        except ConfigError as exc:
            errors.append(str(exc))
    checks = _checks(values.get("checks") or {}, f"{where}.checks", errors)
    language = values.get("language")
    if language is not None and language not in languages:
        errors.append(f"{where}.language: {language!r} is not one of {languages}")
    if errors:
        raise ConfigError("\n".join(errors))
    return Settings(root, root / docs_dir, source, tuple(dict.fromkeys(languages)), policies,
                    language=language, feedback_url=values.get("feedback_url"),
                    search=values.get("search", True), related=values.get("related", True),
                    llm=values.get("llm") or {}, layout=spec, checks=checks)


def _checks(raw: dict[Any, Any], where: str, errors: list[str]) -> dict[str, str]:
    """Each check's level; YAML reads a bare off as false."""
    levels = {}
    for name, level in raw.items():
        level = "off" if level is False else level
        if name not in CHECKS:
            errors.append(f"{where}.{name}: not a check: use one of {', '.join(CHECKS)}")
        elif level not in LEVELS:
            errors.append(f"{where}.{name}: {level!r} is not a level: use {', '.join(LEVELS)}")
        else:
            levels[str(name)] = str(level)
    return levels


def _policy(raw: Any, where: str) -> Policy:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a mapping, not {raw!r}")
    publish = raw.get("publish_machine", True)
    if not isinstance(publish, bool):
        raise ConfigError(f"{where}.publish_machine: {publish!r} is not true or false")
    fail_on = raw.get("fail_on", list(Policy.fail_on))
    bad = [rule for rule in fail_on if rule not in POLICY_RULES] if isinstance(fail_on, list) else [fail_on]
    if bad:
        raise ConfigError(f"{where}.fail_on: {bad[0]!r} is not a rule: use any of {', '.join(POLICY_RULES)}")
    stale_blocks = raw.get("stale_blocks", Policy.stale_blocks)
    stale_blocks = "off" if stale_blocks is False else stale_blocks  # YAML reads a bare off as false
    if stale_blocks not in STALE_BLOCKS:
        raise ConfigError(f"{where}.stale_blocks: {stale_blocks!r} is not valid: use {' or '.join(STALE_BLOCKS)}")
    return Policy(publish, tuple(fail_on), stale_blocks)
