"""The MkDocs face of kb: `plugins: [kb]` in mkdocs.yml builds one language of the help center."""

from __future__ import annotations

from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from kb_tools.config import from_mapping
from kb_tools.errors import ConfigError


class KbPluginConfig(base.Config):
    """The `kb` options of mkdocs.yml; kb_tools.config validates the same options for the CLI."""

    source_language = c.Type(str, default="en")
    """The language articles are written in."""
    languages = c.Type(list, default=[])
    """Every language of the help center, the source included."""
    policies = c.Type(dict, default={})
    """Per language (or `default`): publish_machine and fail_on rules."""
    language = c.Optional(c.Type(str))
    """The language this build publishes; the source language when unset."""


class KbPlugin(BasePlugin[KbPluginConfig]):
    """Points MkDocs at docs/<language>/ so `mkdocs serve` previews one language."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        """Validate the kb options with the core's rules and narrow docs_dir to one language."""
        docs_dir = Path(config.docs_dir)
        options = {key: value for key, value in self.config.items() if value is not None and key != "language"}
        try:
            settings = from_mapping(Path(config.config_file_path or ".").parent, docs_dir.name, options)
        except ConfigError as exc:
            raise PluginError(str(exc)) from None
        lang = self.config.language or settings.source_language
        if lang not in settings.languages:
            raise PluginError(f"plugins.kb.language: {lang!r} is not one of {list(settings.languages)}")
        if (docs_dir / lang).is_dir():
            config.docs_dir = str(docs_dir / lang)
        return config
