"""A TS/JS file's facts and the SQL its queries pass (linted by dsql-lint, as for Python)."""

from __future__ import annotations

from scanner.config import Config
from scanner.inputs.base import Source, with_context
from scanner.inputs.guards import ParseFailure
from scanner.inputs.typescript import module
from scanner.results import FileAnalysis


def analyze(source: Source, config: Config) -> FileAnalysis:
    try:
        facts, suppressions = module.facts_of(source.text, source.rel)
    except ParseFailure as failure:
        return source.failed(failure)
    if not facts.sql:
        return source.analysis(facts, suppressions)
    from scanner.inputs.sql import lint

    embedded = lint.lint_embedded(facts)
    return source.analysis(
        embedded.facts,
        lint.checkable(suppressions + embedded.suppressions, not embedded.notices),
        raw=with_context(embedded.raw, source.text.splitlines()),
        notices=embedded.notices,
    )
