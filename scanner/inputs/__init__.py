"""The input registry: every language dsql-scan reads, one package each.

Each subpackage of ``scanner.inputs`` that exports ``INPUT`` (a ``scanner.inputs.base.Input``) is
an input; they are collected by walking this package, in name order, so adding a language is
adding a package. Everything that depends on the set of languages asks here: which input reads a
file, which kinds of facts exist, which rules apply to which kind (``kinds_reading``).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from scanner.inputs.base import Input
from scanner.model import Kind

_EXTRA: list[Input] = []  # inputs registered at run time (tests)


@cache
def _walked() -> tuple[Input, ...]:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.ispkg:
            module = importlib.import_module(f"{__name__}.{info.name}")
            declared = getattr(module, "INPUT", None)
            if isinstance(declared, Input):
                found.append(declared)
    return tuple(found)


def inputs() -> tuple[Input, ...]:
    """Every input, in a fixed order (registered ones after the walked ones)."""
    return (*_walked(), *_EXTRA)


def register(extra: Input) -> None:
    """Add an input for this process (a plug-in, or a test's throwaway language)."""
    _EXTRA.append(extra)
    _clear()


def unregister(extra: Input) -> None:
    _EXTRA.remove(extra)
    _clear()


def _clear() -> None:
    for cached in (named, for_name, kinds_reading, suffix_languages):
        cached.cache_clear()


@cache
def named(name: str) -> Input:
    """The input called ``name`` (KeyError for none)."""
    for each in inputs():
        if each.name == name:
            return each
    raise KeyError(name)


@cache
def for_name(file_name: str) -> Input | None:
    """The input that reads a file of this name: the longest matching suffix wins."""
    best: tuple[int, Input] | None = None
    for each in inputs():
        suffix = each.claims(file_name)
        if suffix and (best is None or len(suffix) > best[0]):
            best = (len(suffix), each)
    return best[1] if best else None


def fallback() -> Input | None:
    """The input that reads a file named on the command line whose suffix no input claims."""
    return next((each for each in inputs() if each.fallback), None)


@cache
def kinds_reading(fields: Iterable[str]) -> tuple[Kind, ...]:
    """The kinds of facts some input produces with one of ``fields`` filled: where a rule that
    reads them can find anything. In Kind order."""
    wanted = set(fields)
    found = {k for each in inputs() for k, made in each.produces.items() if wanted & made}
    return tuple(k for k in Kind if k in found)


def producers(kind: Kind) -> tuple[Input, ...]:
    """The inputs that produce facts of ``kind``."""
    return tuple(each for each in inputs() if kind in each.produces)


def example_file(kind: Kind) -> str:
    """The file name a rule example of ``kind`` is written to (the first producer's)."""
    for each in producers(kind):
        if kind in each.examples:
            return each.examples[kind]
    raise KeyError(kind)


@cache
def suffix_languages() -> dict[str, str]:
    """Suffix -> language name, for the scope's counts of files read."""
    return {s: each.language(s) for each in inputs() for s in each.suffixes}


def parser_modules(names: Iterable[str]) -> tuple[str, ...]:
    """What analysing files of these inputs imports, each module once, in a fixed order."""
    found = (m for name in sorted(set(names)) for m in named(name).modules)
    return tuple(dict.fromkeys(found))


def file_parser_modules(files: Iterable[tuple[str, Path]]) -> tuple[str, ...]:
    """What analysing these files (input name, path) imports, each module once, in the order
    of ``parser_modules``: a file may need less than its input's whole list."""
    files = list(files)
    wanted = {m for name, path in files for m in named(name).modules_for(path)}
    return tuple(m for m in parser_modules(name for name, _ in files) if m in wanted)


__all__ = [
    "Input",
    "example_file",
    "fallback",
    "file_parser_modules",
    "for_name",
    "inputs",
    "kinds_reading",
    "named",
    "parser_modules",
    "producers",
    "register",
    "suffix_languages",
    "unregister",
]
