"""The MkDocs face of kb: the only part of kb_tools that imports MkDocs or Material.

`plugin` maps MkDocs events onto the core's per-language edition; `runner` runs one MkDocs build
per language for kb build, and the live preview for kb serve.
"""
