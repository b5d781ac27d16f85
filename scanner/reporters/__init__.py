"""Reporters: each module is one format, a pure function ``render(result, **options) -> str``."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

FORMATS = ("text", "json", "sarif", "github", "junit", "markdown")


def renderer(name: str) -> Callable[..., str]:
    """The ``render`` function of a format, imported only when that format is asked for."""
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}")
    module = import_module(f"scanner.reporters.{name}_format")
    return module.render
