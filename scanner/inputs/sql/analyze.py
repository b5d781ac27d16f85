"""A ``.sql`` file's facts: dsql-lint's diagnostics, from one linter process for the whole scan.

Starting dsql-lint costs more than linting a migration, so ``prepare`` lints every ``.sql``
file of the scan at once and each file's analysis looks its report up by the digest of the
bytes it read itself: a file that changed in between is simply linted again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from scanner.config import Config
from scanner.facts import FileFacts
from scanner.inputs.base import Source
from scanner.inputs.sql import lint
from scanner.model import Kind, Location, RawFinding
from scanner.results import UNREAD, FileAnalysis

if TYPE_CHECKING:
    from scanner.pipeline.discover import Candidate


def prepare(candidates: Iterable[Candidate], config: Config) -> dict[str, lint.Report]:
    """dsql-lint reports of these ``.sql`` files by content digest, from one linter process."""
    return lint.lint_candidates(candidates, config.max_file_size)


def analyze(source: Source, config: Config) -> FileAnalysis:
    """dsql-lint's report (from the scan's batch, else linted now) as facts.

    The result also depends on which dsql-lint ran: the input names it in ``tools``.
    """
    reports: Mapping[str, lint.Report] = source.batch or {}
    report = reports.get(source.sha256)
    if report is None:
        try:
            (report,) = lint.lint([source.text])
        except lint.LinterMissing as missing:
            return not_checked(source, missing.reason)
    failure = lint.failure(report)
    if failure is not None:
        return source.failed(failure)
    return source.analysis(*lint.extract(source.text, source.rel, report))


def not_checked(source: Source, reason: str) -> FileAnalysis:
    """A ``.sql`` file dsql-lint could not judge: not read, and one SCAN004 at its first line.

    A finding rather than a notice, so that a gate set up without the linter fails instead of
    passing a migration nobody read; empty facts keep the file visible to the project model (a
    migration is a sign that the project has a relational database)."""
    location = Location(path=source.rel, snippet="sql-not-checked")
    message = f"SQL not checked for Aurora DSQL compatibility: {reason} ({lint.INSTALL_HINT})"
    return FileAnalysis(
        path=source.rel,
        input=UNREAD,  # in a review's scope: not read, and why
        note=f"{reason} ({lint.INSTALL_HINT})",
        facts=FileFacts(kind=Kind.SQL, path=source.rel),
        raw=(RawFinding("SCAN004", location, message),),
        sha256=source.sha256,
    )
