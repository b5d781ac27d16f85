"""A Python module's facts: CDK code or application code, and the SQL its queries pass.

Every ``.py`` file is parsed (what a module imports decides whether it is a CDK program or
application code); the SQL literals of its execute-style calls are linted by dsql-lint, whose
diagnostics become facts like a ``.sql`` file's, so the same SQL rules judge both.
"""

from __future__ import annotations

from scanner.config import Config
from scanner.facts import FileFacts
from scanner.inputs import names
from scanner.inputs.base import Source, with_context
from scanner.inputs.guards import ParseFailure
from scanner.inputs.python import module
from scanner.model import Suppression
from scanner.results import FileAnalysis


def analyze(source: Source, config: Config) -> FileAnalysis:
    try:
        in_app = names.app_directory(source.path.parent, config.root) is not None
        facts, suppressions = module.facts_of(source.text, source.rel, config, in_app)
    except ParseFailure as failure:
        return source.failed(failure)
    return with_embedded_sql(source, facts, suppressions)


def with_embedded_sql(
    source: Source, facts: FileFacts, suppressions: tuple[Suppression, ...]
) -> FileAnalysis:
    """A module's analysis with the SQL of its query calls linted (every language that lowers
    onto this input's collectors shares it)."""
    if not facts.sql:
        return source.analysis(facts, suppressions)
    from scanner.inputs.sql import lint

    embedded = lint.lint_embedded(facts)
    linted = not embedded.notices
    return source.analysis(
        embedded.facts,
        lint.checkable(suppressions + embedded.suppressions, linted),
        raw=with_context(embedded.raw, source.text.splitlines()),
        notices=embedded.notices,
    )
