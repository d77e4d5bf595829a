"""What a process puts off: Python's cycle collector where nothing cyclic is made (paused_gc), and Whoosh's
modules that a search never uses (whoosh()): they load at their first use.

Whoosh imports, whatever it is asked, urllib.request (for a download helper nothing calls), asyncio
(cached_property's, which asks asyncio whether a property is a coroutine at each use) and the hundreds
of patterns of whoosh.lang.morph_en (for Variations queries, which kb never makes): about half of
what importing Whoosh cost, and Whoosh's start-up is most of a kb search process (`python -X importtime
-m kb_tools.cli search ...` shows what is left). kb_tools/search.py imports Whoosh in `with whoosh():`.
"""

from __future__ import annotations

import gc
import importlib
import inspect
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cycle collector off while tens of thousands of documents and entries are made.

    They hold no cycles, and each collection would walk all made so far: with it on, a warm
    `kb status` spent a third of its time there. What was made is collected once it is back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# module -> the functions Whoosh imports from it by name (`from module import name`)
_DEFERRED: dict[str, tuple[str, ...]] = {"urllib.request": ("urlretrieve",), "whoosh.lang.morph_en": ("variations",),
                                         "asyncio": ()}


class _Later(types.ModuleType):
    """Stands for a module while Whoosh is imported; any use of it imports the real one."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system asks for __path__ and the like: this is no package
            raise AttributeError(name)
        return getattr(_real(self), name)


def _real(stand_in: types.ModuleType) -> types.ModuleType:
    if sys.modules.get(stand_in.__name__) is stand_in:  # used while its block still runs
        del sys.modules[stand_in.__name__]
    return importlib.import_module(stand_in.__name__)


def _function(stand_in: types.ModuleType, name: str) -> Callable[..., Any]:
    """A function imported by name, which imports its module when it is called."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(_real(stand_in), name)(*args, **kwargs)

    return call


def _iscoroutinefunction(func: Any) -> bool:
    """asyncio's answer without importing asyncio: only code that imported it can have marked func as its coroutine."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None and not isinstance(asyncio, _Later):
        return bool(asyncio.iscoroutinefunction(func))
    return inspect.iscoroutinefunction(func)


@contextmanager
def whoosh() -> Iterator[None]:
    """Imports in the block find stand-ins for the modules Whoosh never needs to search (those not imported
    yet). They leave sys.modules at the end of the block: later imports find the real modules. (Another
    thread that imports one meanwhile gets its stand-in: it works as the module, but is no package.)"""
    placed = {}
    for name, functions in _DEFERRED.items():
        if name in sys.modules:
            continue
        stand_in = _Later(name)
        for function in functions:
            setattr(stand_in, function, _function(stand_in, function))
        placed[name] = sys.modules[name] = stand_in
    if "asyncio" in placed:
        placed["asyncio"].iscoroutinefunction = _iscoroutinefunction  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for name, stand_in in placed.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
