"""The `kb` settings, read from the `kb` plugin entry of mkdocs.yml (without importing MkDocs)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from kb_tools.errors import ConfigError

POLICY_RULES = ("invalid", "orphan", "untracked", "stale", "machine", "missing", "stale-critical", "missing-critical")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class _MkDocsLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, ignoring the tags (!ENV, !!python/name) only MkDocs resolves."""


_MkDocsLoader.add_multi_constructor("", lambda loader, suffix, node: None)
_MkDocsLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


@dataclass(frozen=True)
class Policy:
    """What a language promises its readers; `kb status --check` fails when it is broken."""

    publish_machine: bool = True  # show machine drafts to readers (else the source)
    fail_on: tuple[str, ...] = ("invalid", "stale-critical")


@dataclass(frozen=True)
class Settings:
    """Where the help center is and which languages it has."""

    root: Path
    docs_dir: Path
    source_language: str = "en"
    languages: tuple[str, ...] = ("en",)
    policies: dict[str, Policy] = field(default_factory=dict)
    site_name: str = ""
    site_url: str = ""  # the site root; each language is published under <site_url><lang>/
    site_dir: Path | None = None  # where kb build writes site/<lang>/

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
        data = yaml.load(config_file.read_text(encoding="utf-8-sig"), Loader=_MkDocsLoader)
    except FileNotFoundError:
        raise ConfigError(f"{config_file}: not found: run kb in the help center's folder or pass --config") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{name}: cannot be read: {exc}") from None
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
                   site_dir=config_file.parent / str(data.get("site_dir") or "site"))


def from_mapping(root: Path, docs_dir: str, options: dict[str, Any], name: str = "mkdocs.yml") -> Settings:
    """Validate the `kb` plugin options; every error names the option and quotes the value."""
    where = f"{name}: plugins.kb"
    if not isinstance(options, dict):
        raise ConfigError(f"{where}: must be a mapping of options, not {options!r}")
    known = {"source_language", "languages", "policies", "language", "feedback_url", "search", "related"}
    unknown = set(options) - known
    if unknown:
        raise ConfigError(f"{where}: unknown option {sorted(unknown)[0]!r}: use source_language, languages or policies")
    source = options.get("source_language", "en")
    languages = options.get("languages", [source])
    if not isinstance(languages, list) or not all(isinstance(lang, str) and _LANG.match(lang) for lang in languages):
        raise ConfigError(f"{where}.languages: {languages!r} is not a list of language codes: write e.g. [en, zh, ja]")
    if not isinstance(source, str) or not _LANG.match(source):
        raise ConfigError(f"{where}.source_language: {source!r} is not a language code: write e.g. en")
    if source not in languages:
        languages = [source, *languages]
    policies = {}
    for lang, raw in (options.get("policies") or {}).items():
        if lang != "default" and lang not in languages:
            raise ConfigError(f"{where}.policies.{lang}: not one of the languages {languages}: "
                              "add it or remove the policy")
        policies[lang] = _policy(raw, f"{where}.policies.{lang}")
    return Settings(root, root / docs_dir, source, tuple(dict.fromkeys(languages)), policies)


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
    return Policy(publish, tuple(fail_on))
