"""kb: a multilingual help-center toolkit (status, drafts, checks, search, sites)."""

__version__ = "0.1.0"
