"""Analyse one file: read it safely, hand it to its input for facts, run the file rules.

A pure function of (file bytes, configuration digest, tool version): that is what makes it safe
to run in worker processes and to cache. Nothing here knows a language: the input a file was
discovered for (``Candidate.input``, see ``scanner.inputs``) parses it and extracts its facts;
this module guards the read, runs the file rules on the facts, attaches context and keeps the
time budget. Parse failures become SCAN001 findings, so that a bad file never stops the scan of
the others.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from scanner.config import Config
from scanner.facts import FileFacts
from scanner.inputs import file_parser_modules, inputs, named
from scanner.inputs.base import Source, failed, with_context
from scanner.inputs.guards import ParseFailure, read_text
from scanner.model import Hit, Location, RawFinding
from scanner.pipeline.discover import Candidate, Unread
from scanner.results import NOT_ANALYSED, SKIPPED, UNREAD, FileAnalysis
from scanner.run.budget import OverBudget, TimeLimit

# Each batching input's ``prepare`` result for the scan, by input name (see ``batches``).
Batches = Mapping[str, Any]


def _file_sha256(path: Path) -> str:
    """The SHA-256 of a regular file's bytes, else "": opened without blocking and checked once
    open, so a file swapped for a FIFO after discovery listed it never hangs the scan."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return ""
    try:
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return ""
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return ""


def unread_analysis(unread: Unread) -> FileAnalysis:
    """A file of a language dsql-scan does not read: in the scope with its digest (so a review
    notices when it changes), never parsed, never a finding."""
    return FileAnalysis(unread.rel, UNREAD, note=unread.note, sha256=_file_sha256(unread.path))


def run_file_rules(facts: FileFacts, config: Config) -> list[RawFinding]:
    """Every file rule that applies to the facts' kind and finds a fact it reads there;
    deduplicated per (rule, node)."""
    from scanner.rules import ALL_RULES

    out: dict[tuple[str, Location], RawFinding] = {}
    for rule in ALL_RULES:
        if rule.check is None or not rule.applies_to(facts.kind):
            continue
        if rule.reads and not any(getattr(facts, name) for name in rule.reads):
            continue  # every fact it reads is empty: it has nothing to judge here
        hits: list[Hit] = list(rule.check(facts, config))
        for hit in hits:
            key = (rule.id, hit.location)
            out.setdefault(
                key, RawFinding(rule.id, hit.location, hit.message, undecided=hit.undecided)
            )
    return list(out.values())


def batches(candidates: list[Candidate], config: Config) -> dict[str, Any]:
    """What each input that batches prepares once for all its files of the scan (dsql-lint's
    reports of every ``.sql`` file, from one process), by input name."""
    out: dict[str, Any] = {}
    for each in inputs():
        prepare = each.batch_function()
        mine = [c for c in candidates if c.input == each.name]
        if prepare is not None and mine:
            out[each.name] = prepare(mine, config)
    return out


def analyze_files(
    candidates: list[Candidate],
    config: Config,
    each: Callable[[list[FileAnalysis]], list[FileAnalysis]] | None = None,
) -> list[FileAnalysis]:
    """Every candidate's analysis, in order, in this process; ``each`` sees every one as it is
    done (the runner's progress)."""
    prepared = batches(candidates, config)
    done = each or (lambda analyses: analyses)
    return [done([analyze(candidate, config, prepared)])[0] for candidate in candidates]


def preload(candidates: Iterable[Candidate]) -> None:
    """Import what analysing these files needs, once, before worker processes are forked
    (but the parsers of inputs that are not ``preloaded``)."""
    files = ((c.input, c.path) for c in candidates if named(c.input).preloaded)
    for module in file_parser_modules(files):
        importlib.import_module(module)


def _analyze_file(candidate: Candidate, config: Config, prepared: Batches | None) -> FileAnalysis:
    """Everything one file contributes to the scan, however long it takes: the input's
    analysis, and the findings of the file rules on its facts (before the input's own)."""
    reader = named(candidate.input)
    try:
        text, digest = read_text(candidate.path, config.max_file_size)
    except ParseFailure as failure:
        digest = _file_sha256(candidate.path)
        if not reader.owns(candidate.path, candidate.explicit):
            return FileAnalysis(candidate.rel, SKIPPED, note=failure.reason, sha256=digest)
        return failed(reader.name, candidate.rel, failure, digest)
    source = Source(
        input=reader.name,
        rel=candidate.rel,
        text=text,
        sha256=digest,
        path=candidate.path,
        explicit=candidate.explicit,
        stack=candidate.stack,
        batch=(prepared or {}).get(reader.name),
    )
    analysis: FileAnalysis = reader.analyze_function()(source, config)
    if analysis.facts is None or analysis.input in NOT_ANALYSED:
        return analysis
    found = with_context(run_file_rules(analysis.facts, config), reader.lines(text))
    return replace(analysis, raw=found + analysis.raw)


def _over_budget(candidate: Candidate, seconds: float) -> FileAnalysis:
    """SCAN001 at line 1 for a file whose analysis ran out of time, marked ``transient``: how
    far a machine gets in N seconds is no property of the file, so it is never cached."""
    failure = ParseFailure(f"analysis exceeded {seconds:g} s (max-file-seconds)")
    analysis = failed(candidate.input, candidate.rel, failure, _file_sha256(candidate.path))
    return replace(analysis, transient=True)


def analyze(candidate: Candidate, config: Config, prepared: Batches | None = None) -> FileAnalysis:
    """Everything one file contributes to the scan, within ``max-file-seconds``.

    ``prepared`` is what batching inputs prepared for the whole scan (``batches``); without
    it, such a file is prepared on its own. A file that exceeds the budget is one SCAN001 and
    the scan goes on with the next file.
    """
    try:
        with TimeLimit(config.max_file_seconds) as budget:
            analysis = _analyze_file(candidate, config, prepared)
    except OverBudget:
        return _over_budget(candidate, config.max_file_seconds)
    if budget.expired:  # raised, but swallowed by code that catches everything
        return _over_budget(candidate, config.max_file_seconds)
    return analysis
