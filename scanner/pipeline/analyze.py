"""Analyse one file: read it safely, parse it with its input, extract facts, run the file rules.

A pure function of (file bytes, configuration digest, tool version): that is what makes it safe
to run in worker processes and to cache. Parse failures become SCAN001 findings here, so that a
bad file never stops the scan of the others.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.config import Config
from scanner.facts import FileFacts
from scanner.gate.mask import source_excerpt
from scanner.inputs.guards import ParseFailure, read_text
from scanner.model import Hit, Location, RawFinding, Suppression
from scanner.pipeline.discover import Candidate, Unread
from scanner.results import UNREAD, FileAnalysis
from scanner.run.budget import OverBudget, TimeLimit

if TYPE_CHECKING:
    from scanner.inputs.sql.lint import Report

TEMPLATE_MARKERS = (b"AWSTemplateFormatVersion", b"AWS::")


def _could_be_template(path: Path) -> bool:
    """Whether a ``.json``/``.yaml`` file that failed the guards may be a template. A file that
    cannot be read at all could be anything: it is a finding like an unreadable ``.py``."""
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError:
        return True
    return any(marker in head for marker in TEMPLATE_MARKERS)


def _failure(candidate: Candidate, failure: ParseFailure, digest: str) -> FileAnalysis:
    location = Location(
        path=candidate.rel,
        line=failure.line,
        column=failure.column,
        snippet=failure.reason,
    )
    raw = RawFinding("SCAN001", location, f"cannot parse file: {failure.reason}")
    return FileAnalysis(path=candidate.rel, kind=candidate.kind, raw=(raw,), sha256=digest)


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
            out.setdefault(key, RawFinding(rule.id, hit.location, hit.message))
    return list(out.values())


def _with_context(
    raw: list[RawFinding], text: str, lines: list[str] | None = None
) -> tuple[RawFinding, ...]:
    """Attach each finding's source line, so reporters need not re-read files.

    Only a masked excerpt around the finding: a minified template is one long line, and each of
    its findings would otherwise carry (and print) all of it.
    """
    lines = text.splitlines() if lines is None else lines
    return tuple(replace(r, context=source_excerpt(lines, r.location)) for r in raw)


def _template(
    candidate: Candidate, text: str, config: Config
) -> tuple[FileFacts | None, tuple[Suppression, ...], str]:
    from scanner.inputs.cloudformation import template as cloudformation

    document = cloudformation.expand(cloudformation.parse(text), config.regions)
    defect = cloudformation.template_defect(document)
    if defect is not None:
        raise defect
    if not cloudformation.is_template(document):
        return None, (), "not a CloudFormation template (no Resources with Type)"
    facts, suppressions = cloudformation.extract(document, candidate.rel, text, candidate.stack)
    everything = config.lints_templates()
    if facts.clusters or everything:
        from scanner.inputs.cloudformation import validate as cfn_validate

        found = cfn_validate.diagnostics(
            document, text, candidate.rel, candidate.stack, config.regions, everything
        )
        facts = replace(facts, diagnostics=found)
    return facts, suppressions, ""


def _python(candidate: Candidate, text: str, digest: str, config: Config) -> FileAnalysis:
    """Every .py file is parsed; CDK rules fire on CDK code, application rules on the rest."""
    from scanner.inputs.python import module as python

    try:
        facts, suppressions = python.facts_of(text, candidate.rel)
    except ParseFailure as failure:
        return _failure(candidate, failure, digest)
    if not facts.sql:
        return _analysis(candidate, facts, suppressions, text, digest, config)
    from scanner.inputs.sql import lint as sql

    embedded = sql.lint_embedded(facts)  # the SQL literals of execute-style calls
    linted = not embedded.notices
    suppressions = sql.checkable(suppressions + embedded.suppressions, linted)
    analysis = _analysis(candidate, embedded.facts, suppressions, text, digest, config)
    return replace(
        analysis,
        raw=analysis.raw + _with_context(list(embedded.raw), text),
        notices=embedded.notices,
    )


def _analysis(
    candidate: Candidate,
    facts: FileFacts,
    suppressions: tuple[Suppression, ...],
    text: str,
    digest: str,
    config: Config,
) -> FileAnalysis:
    raw = run_file_rules(facts, config)
    return FileAnalysis(
        path=candidate.rel,
        kind=candidate.kind,
        facts=facts,
        raw=_with_context(raw, text),
        suppressions=suppressions,
        sha256=digest,
    )


# What analysing each kind imports: its parser, its extractors, the file rules. Imported up front
# by whatever process is about to analyse such files (a worker, or the parent of forked ones).
PARSER_MODULES = {
    "template": (
        "cfnlint.decode",
        "scanner.inputs.cloudformation.template",
        "scanner.rules",
    ),
    "python": (
        "libcst.metadata",
        "scanner.inputs.python.module",
        "scanner.inputs.python.app",
        "scanner.inputs.python.cdk",
        "scanner.inputs.python.facts",
        "scanner.inputs.python.locations",
        "scanner.inputs.python.sql",
        "scanner.inputs.python.values",
        "scanner.inputs.python.walk",
        "scanner.rules",
    ),
}


def parser_modules(kinds: Iterable[str]) -> tuple[str, ...]:
    """The modules that analysing files of these kinds imports, each once, in a fixed order."""
    found = (module for kind in sorted(set(kinds)) for module in PARSER_MODULES.get(kind, ()))
    return tuple(dict.fromkeys(found))


def sql_reports(candidates: list[Candidate], config: Config) -> dict[str, Report]:
    """dsql-lint reports for every ``.sql`` candidate, from one linter process."""
    if not any(c.kind == "sql" for c in candidates):
        return {}
    from scanner.inputs.sql.lint import lint_candidates

    return lint_candidates(candidates, config.max_file_size)


def analyze_files(
    candidates: list[Candidate],
    config: Config,
    each: Callable[[list[FileAnalysis]], list[FileAnalysis]] | None = None,
) -> list[FileAnalysis]:
    """Every candidate's analysis, in order, in this process; ``each`` sees every one as it is
    done (the runner's progress)."""
    reports = sql_reports(candidates, config)
    done = each or (lambda analyses: analyses)
    return [done([analyze(candidate, config, reports)])[0] for candidate in candidates]


def preload(kinds: Iterable[str]) -> None:
    """Import what the given kinds need, once, before worker processes are forked."""
    for module in parser_modules(kinds):
        importlib.import_module(module)


def _sql(
    candidate: Candidate,
    text: str,
    digest: str,
    config: Config,
    reports: Mapping[str, Report] | None,
) -> FileAnalysis:
    """A ``.sql`` file: dsql-lint's report (from the scan's batch, else linted now) as facts.

    The result also depends on which dsql-lint ran: a result cache must key on its version.
    """
    from scanner.inputs.sql import lint as sql

    report = (reports or {}).get(digest)
    if report is None:
        try:
            (report,) = sql.lint([text])
        except sql.LinterMissing as missing:
            return _sql_not_checked(candidate, missing.reason, digest)
    failure = sql.failure(report)
    if failure is not None:
        return _failure(candidate, failure, digest)
    facts, suppressions = sql.extract(text, candidate.rel, report)
    raw = _with_context(run_file_rules(facts, config), text, sql.context_lines(text))
    return FileAnalysis(
        path=candidate.rel,
        kind=candidate.kind,
        facts=facts,
        raw=raw,
        suppressions=suppressions,
        sha256=digest,
    )


def _sql_not_checked(candidate: Candidate, reason: str, digest: str) -> FileAnalysis:
    """A ``.sql`` file dsql-lint could not judge: not read, and one SCAN004 at its first line.

    A finding rather than a notice, so that a gate set up without the linter fails instead of
    passing a migration nobody read; empty facts keep the file visible to the project model (a
    migration is a sign that the project has a relational database)."""
    from scanner.inputs.sql import lint as sql

    location = Location(path=candidate.rel, snippet="sql-not-checked")
    message = f"SQL not checked for Aurora DSQL compatibility: {reason} ({sql.INSTALL_HINT})"
    return FileAnalysis(
        path=candidate.rel,
        kind=UNREAD,  # in a review's scope: not read, and why
        note=f"{reason} ({sql.INSTALL_HINT})",
        facts=FileFacts(kind="sql", path=candidate.rel),
        raw=(RawFinding("SCAN004", location, message),),
        sha256=digest,
    )


def _analyze_file(
    candidate: Candidate, config: Config, sql_reports: Mapping[str, Report] | None = None
) -> FileAnalysis:
    """Everything one file contributes to the scan, however long it takes.

    ``sql_reports`` are dsql-lint reports of the scan's ``.sql`` files by content digest,
    linted in one batch by the runner; a file missing from it is linted on its own.
    """
    try:
        text, digest = read_text(candidate.path, config.max_file_size)
    except ParseFailure as failure:
        digest = _file_sha256(candidate.path)
        if candidate.kind == "template" and not (
            candidate.explicit or _could_be_template(candidate.path)
        ):
            return FileAnalysis(candidate.rel, "skipped", note=failure.reason, sha256=digest)
        return _failure(candidate, failure, digest)
    if candidate.kind == "python":
        return _python(candidate, text, digest, config)
    if candidate.kind == "sql":
        return _sql(candidate, text, digest, config, sql_reports)
    if candidate.kind != "template":
        return FileAnalysis(
            candidate.rel, "skipped", note="no input for this kind yet", sha256=digest
        )
    from scanner.inputs.cloudformation import template as cloudformation

    if "Resources" not in text and not candidate.explicit:
        return FileAnalysis(candidate.rel, "skipped", note="no Resources section", sha256=digest)
    try:
        facts, suppressions, note = _template(candidate, text, config)
    except ParseFailure as failure:
        if candidate.explicit or cloudformation.looks_like_template(text):
            return _failure(candidate, failure, digest)
        return FileAnalysis(candidate.rel, "skipped", note=failure.reason, sha256=digest)
    if facts is None:
        return FileAnalysis(candidate.rel, "skipped", note=note, sha256=digest)
    return _analysis(candidate, facts, suppressions, text, digest, config)


def _over_budget(candidate: Candidate, seconds: float) -> FileAnalysis:
    """SCAN001 at line 1 for a file whose analysis ran out of time, marked ``transient``: how
    far a machine gets in N seconds is no property of the file, so it is never cached."""
    failure = ParseFailure(f"analysis exceeded {seconds:g} s (max-file-seconds)")
    analysis = _failure(candidate, failure, _file_sha256(candidate.path))
    return replace(analysis, transient=True)


def analyze(
    candidate: Candidate, config: Config, sql_reports: Mapping[str, Report] | None = None
) -> FileAnalysis:
    """Everything one file contributes to the scan, within ``max-file-seconds``.

    A file that exceeds the budget is one SCAN001 and the scan goes on with the next file.
    """
    try:
        with TimeLimit(config.max_file_seconds) as budget:
            analysis = _analyze_file(candidate, config, sql_reports)
    except OverBudget:
        return _over_budget(candidate, config.max_file_seconds)
    if budget.expired:  # raised, but swallowed by code that catches everything
        return _over_budget(candidate, config.max_file_seconds)
    return analysis
