"""What an input is: one language dsql-scan reads, declared once, asked by every stage.

An input turns files of one language into facts (``scanner.facts``). Everything the rest of the
scanner needs to know about a language lives in its :class:`Input`: which files it reads, which
kinds of facts it produces (and so which rules apply to its files), which parser modules it
imports (preloaded before workers fork, and part of the result cache's key), the file name of
its rule examples, and the function that analyses one file. Discovery, analysis, the head start,
the cache, the runner, the review, the project model and the rule docs ask the registry
(``scanner.inputs``); no other module names a language.

Declarations are cheap to import: ``analyzer`` and ``batch`` are dotted names, imported when a
file of the input is first analysed, so that a one-file pre-commit run pays only for the parsers
it uses.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.model import Kind


@dataclass(frozen=True)
class Input:
    """One language dsql-scan reads.

    ``name`` is the registry's name of the input (``Candidate.input``). ``produces`` maps each
    kind of facts the input can produce to the ``FileFacts`` fields it fills for that kind: a
    rule applies to a kind when it reads one of them. ``suffixes`` are matched against the end
    of a file's lower-cased name (``.tf.json`` before ``.json``); ``languages`` name the
    language of each suffix in the scope's counts. ``modules`` are what analysing a file imports
    (its parser, its extractors). ``analyzer`` names ``analyze(source, config) -> FileAnalysis``;
    ``batch`` optionally names ``prepare(candidates, config) -> object``, run once per scan over
    every file of the input (one linter process for all SQL files) and handed to each
    ``analyze`` as ``source.batch``. ``examples`` is the file name a rule example of each kind
    is written to. ``fallback``: a file named on the command line whose suffix no input claims
    is read by this input (a template named ``stack.txt``). ``preview``: findings appear only
    with ``--preview`` and stay out of signed review verdicts.
    """

    name: str
    label: str
    suffixes: tuple[str, ...]
    produces: Mapping[Kind, frozenset[str]]
    modules: tuple[str, ...]
    analyzer: str
    examples: Mapping[Kind, str]
    languages: Mapping[str, str] = field(default_factory=dict)
    batch: str = ""
    fallback: bool = False
    preview: bool = False
    since: str = ""

    @property
    def kinds(self) -> tuple[Kind, ...]:
        return tuple(self.produces)

    def claims(self, name: str) -> str:
        """The suffix of ``name`` this input reads ("" when it reads no such file)."""
        lowered = name.lower()
        return next((s for s in self.suffixes if lowered.endswith(s)), "")

    def language(self, suffix: str) -> str:
        return self.languages.get(suffix, self.label)

    def analyze_function(self) -> Callable[..., Any]:
        return _resolve(self.analyzer)

    def batch_function(self) -> Callable[..., Any] | None:
        return _resolve(self.batch) if self.batch else None


def _resolve(dotted: str) -> Callable[..., Any]:
    """``package.module:function`` -> the function, importing the module on first use."""
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)
