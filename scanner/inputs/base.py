"""What an input is: one language dsql-scan reads, declared once, asked by every stage.

An input turns files of one language into facts (``scanner.facts``). Everything the rest of the
scanner needs to know about a language lives in its :class:`Input`: which files it reads, which
kinds of facts it produces (and so which rules apply to its files), which parser modules it
imports (preloaded before workers fork, and part of the result cache's key), the external tools
whose identity decides its results, the file name of its rule examples, and the function that
analyses one file (a :class:`Source` in, a ``FileAnalysis`` out). Discovery, analysis, the head
start, the cache, the runner, the review, the project model and the rule docs ask the registry
(``scanner.inputs``); no other module names a language.

Declarations are cheap to import: ``analyzer`` and ``batch`` are dotted names, imported when a
file of the input is first analysed, so that a one-file pre-commit run pays only for the parsers
it uses.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.facts import FileFacts
from scanner.inputs.guards import ParseFailure
from scanner.model import Kind, Location, Notice, RawFinding, Suppression
from scanner.results import SKIPPED, FileAnalysis


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
    is read by this input (a template named ``stack.txt``), and naming a file changes how it is
    judged (one that fails to parse is a finding, not a file of some other format), so the
    result cache keys on it. ``preview``: a new language; its files are read only with
    ``--preview`` (else listed as not read) and never count toward a review's verdict.

    The analyzer returns the file's facts, its suppressions and what the input itself found
    (SCAN001 for a parse failure, findings of linters it runs), never rule findings: the
    pipeline runs the file rules on the facts, so an input never imports the rules. Optional
    hooks, named like ``analyzer``: ``tools`` name ``identity() -> str`` functions of the
    external programs that judge its files (a result cache keys on them: another dsql-lint may
    judge the same bytes differently); ``context_lines`` names ``lines(text) -> list[str]``,
    the source lines as the input's positions count them (default ``str.splitlines``);
    ``owns_unreadable`` names ``owns(path, explicit) -> bool``, whether a file that fails the
    read guards is a finding (SCAN001) rather than skipped (default: always a finding);
    ``parser_free`` names ``parser_free(path) -> bool``, whether a file can be judged without
    importing the input's parser (a Python module with no word any rule looks for), so that the
    head start does not import one for it; ``companions`` names
    ``companions(directory, root, max_size) -> (files, directories)``: the files whose bytes
    decide the analysis of the input's files in ``directory``, as (name, SHA-256) pairs (a
    Terraform module's files: Terraform has no imports, every file of a directory sees what
    the others declare), and the directories whose companions decide it too (the local
    modules it calls), so that the result cache keys on all of them; it is asked once per
    directory and run. ``file_modules`` names
    ``file_modules(path) -> tuple[str, ...]``, the part of ``modules`` analysing that file
    imports (a Terraform ``.tf`` file never needs the JSON decoder its ``.tf.json`` siblings
    are read with), so that the head start and a pool's preload import only that.
    ``preloaded`` False: a pool of workers does not import the input's parser before it forks;
    each worker imports it with the first of the input's files it gets, and those files are
    handed out last. For a parser whose import holds much memory (cfn-lint's: 57 MB, networkx
    and sympy for its condition solver), so that a worker parsing a large Python module does
    not hold it as well: the largest worker's peak is the run's.
    ``placement`` names ``placement(directory, root) -> str``: what about where the input's files
    in ``directory`` lie decides their analysis besides their bytes (a Python module in a CDK
    app, a ``cdk.json`` above it, is analysed for the names it hands to the app's stacks), so
    that the result cache keys on it; asked once per directory and run.
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
    tools: tuple[str, ...] = ()
    context_lines: str = ""
    owns_unreadable: str = ""
    parser_free: str = ""
    companions: str = ""
    placement: str = ""
    file_modules: str = ""
    fallback: bool = False
    preloaded: bool = True
    preview: bool = False
    since: str = ""

    @property
    def kinds(self) -> tuple[Kind, ...]:
        return tuple(self.produces)

    def claims(self, name: str) -> str:
        """The longest suffix of ``name`` this input reads ("" when it reads no such file).

        Like ``os.path.splitext``, a name that is only dots and the suffix (``.py``) has none.
        """
        lowered = name.lower()
        if not lowered.endswith(self.suffixes):  # most names: one test instead of one a suffix
            return ""
        found = (s for s in self.suffixes if lowered.endswith(s) and lowered[: -len(s)].strip("."))
        return max(found, key=len, default="")

    def language(self, suffix: str) -> str:
        return self.languages.get(suffix, self.label)

    def analyze_function(self) -> Callable[..., Any]:
        return _resolve(self.analyzer)

    def batch_function(self) -> Callable[..., Any] | None:
        return _resolve(self.batch) if self.batch else None

    def identity(self) -> str:
        """Which external tools judge this input's files ("" when none do)."""
        return "|".join(_resolve(tool)() for tool in self.tools)

    def lines(self, text: str) -> list[str]:
        """The source lines findings are located in, for their context excerpts."""
        return _resolve(self.context_lines)(text) if self.context_lines else text.splitlines()

    @property
    def expensive(self) -> bool:
        """Whether analysing a file imports a third-party parser (costlier than starting up)."""
        return any(not m.startswith("scanner.") for m in self.modules)

    def needs_parser(self, path: Path) -> bool:
        """Whether analysing this file will import the input's parser."""
        return self.expensive and not (self.parser_free and _resolve(self.parser_free)(path))

    def modules_for(self, path: Path) -> tuple[str, ...]:
        """What analysing this file imports: ``modules``, or the part its kind of file needs."""
        return tuple(_resolve(self.file_modules)(path)) if self.file_modules else self.modules

    def companion_files(
        self, directory: Path, root: Path, max_size: int
    ) -> tuple[tuple[tuple[str, str], ...], tuple[Path, ...]]:
        """The (name, SHA-256) of the files whose bytes decide the analysis of a file in
        ``directory``, and the directories whose companions decide it too (none for most
        inputs)."""
        if not self.companions:
            return (), ()
        return _resolve(self.companions)(directory, root, max_size)

    def placement_of(self, directory: Path, root: Path) -> str:
        """What decides the analysis of the files in ``directory`` besides their bytes ("")."""
        return _resolve(self.placement)(directory, root) if self.placement else ""

    def owns(self, path: Path, explicit: bool) -> bool:
        """Whether a file of this input that cannot be read is a finding (else it is skipped)."""
        return _resolve(self.owns_unreadable)(path, explicit) if self.owns_unreadable else True


@dataclass(frozen=True)
class Source:
    """What an analyzer gets: one file, read and guarded, and what the scan knows about it.

    ``rel`` is the reporting path, ``text`` the decoded bytes whose SHA-256 is ``sha256``;
    ``path`` is for inputs that must look at the file itself. ``explicit``: named on the
    command line; ``stack``: the CDK stack a synthesized template belongs to; ``batch``: the
    input's ``prepare`` result for the whole scan (None when it has none, or in a one-file run).
    """

    input: str
    rel: str
    text: str
    sha256: str
    path: Path
    explicit: bool = False
    stack: str = ""
    batch: Any = None

    def analysis(
        self,
        facts: FileFacts,
        suppressions: tuple[Suppression, ...] = (),
        raw: tuple[RawFinding, ...] = (),
        notices: tuple[Notice, ...] = (),
    ) -> FileAnalysis:
        """The file, analysed: its facts, and what the input found itself."""
        return FileAnalysis(
            path=self.rel,
            input=self.input,
            facts=facts,
            raw=raw,
            suppressions=suppressions,
            sha256=self.sha256,
            notices=notices,
        )

    def failed(self, failure: ParseFailure) -> FileAnalysis:
        return failed(self.input, self.rel, failure, self.sha256)

    def skipped(self, note: str) -> FileAnalysis:
        """Read, and not this input's after all (a YAML file that is no template)."""
        return FileAnalysis(self.rel, SKIPPED, note=note, sha256=self.sha256)


def with_context(raw: Iterable[RawFinding], lines: list[str]) -> tuple[RawFinding, ...]:
    """Attach each finding's source excerpt, so reporters need not re-read files.

    Only a masked excerpt around the finding: a minified template is one long line, and each of
    its findings would otherwise carry (and print) all of it.
    """
    from scanner.gate.mask import source_excerpt

    return tuple(replace(r, context=source_excerpt(lines, r.location)) for r in raw)


def failed(name: str, rel: str, failure: ParseFailure, sha256: str) -> FileAnalysis:
    """A file of input ``name`` that cannot be parsed: one SCAN001 where the parser stopped."""
    location = Location(path=rel, line=failure.line, column=failure.column, snippet=failure.reason)
    raw = RawFinding("SCAN001", location, f"cannot parse file: {failure.reason}")
    return FileAnalysis(path=rel, input=name, raw=(raw,), sha256=sha256)


def _resolve(dotted: str) -> Callable[..., Any]:
    """``package.module:function`` -> the function, importing the module on first use."""
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)
