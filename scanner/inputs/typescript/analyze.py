"""A TS/JS file's facts and the SQL its queries pass (linted by dsql-lint, as for Python)."""

from __future__ import annotations

from scanner.config import Config
from scanner.inputs import names
from scanner.inputs.base import Source
from scanner.inputs.guards import ParseFailure
from scanner.inputs.python.analyze import with_embedded_sql
from scanner.inputs.typescript import module
from scanner.results import FileAnalysis


def analyze(source: Source, config: Config) -> FileAnalysis:
    try:
        in_app = names.app_directory(source.path.parent, config.root) is not None
        facts, suppressions = module.facts_of(source.text, source.rel, config, in_app)
    except ParseFailure as failure:
        return source.failed(failure)
    return with_embedded_sql(source, facts, suppressions)
