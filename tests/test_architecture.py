"""The core never imports MkDocs or Material: only kb_tools/mkdocs/ may (README: "Where things are")."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import REPO

BUILDER_PACKAGES = ("mkdocs", "material")
FACE = "kb_tools/mkdocs/"


def forbidden_imports(package: Path) -> list[str]:
    """`path:line: imports X` for every import of MkDocs or Material outside the builder face."""
    found = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).as_posix()
        if rel.startswith(FACE):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), rel)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            found += [f"{rel}:{node.lineno}: imports {name}: only {FACE} may import the builder"
                      for name in names if name.split(".")[0] in BUILDER_PACKAGES]
    return found


def test_no_core_module_imports_mkdocs_or_material() -> None:
    assert forbidden_imports(REPO / "kb_tools") == []


def test_importing_every_core_module_loads_no_mkdocs() -> None:
    core = sorted(p.relative_to(REPO).with_suffix("").as_posix().replace("/", ".")
                  for p in (REPO / "kb_tools").rglob("*.py") if not p.as_posix().endswith("/__init__.py")
                  and "/kb_tools/mkdocs/" not in p.as_posix())
    code = ("import importlib, sys\n"
            f"for name in {core!r}: importlib.import_module(name)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {BUILDER_PACKAGES!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == "[]"


def test_the_contract_fails_when_a_core_module_imports_mkdocs(tmp_path: Path) -> None:
    package = tmp_path / "kb_tools"
    (package / "mkdocs").mkdir(parents=True)
    (package / "mkdocs" / "plugin.py").write_text("from mkdocs.plugins import BasePlugin\n")
    (package / "status.py").write_text('"""Status."""\n\ndef f() -> None:\n    from material import plugins\n')
    (package / "edition.py").write_text("import mkdocs.config\nimport markdown\n")
    assert forbidden_imports(package) == [
        "kb_tools/edition.py:1: imports mkdocs.config: only kb_tools/mkdocs/ may import the builder",
        "kb_tools/status.py:4: imports material: only kb_tools/mkdocs/ may import the builder",
    ]
