"""SQL files (migrations, schemas), judged by dsql-lint: one linter process for the whole scan."""

from scanner.inputs.base import Input
from scanner.model import Kind

INPUT = Input(
    name="sql",
    label="SQL",
    suffixes=(".sql",),
    languages={".sql": "SQL"},
    produces={Kind.SQL: frozenset({"sql_diagnostics"})},
    modules=("scanner.inputs.sql.lint", "scanner.rules"),
    analyzer="scanner.inputs.sql.analyze:analyze",
    batch="scanner.inputs.sql.analyze:prepare",
    tools=("scanner.inputs.sql.lint:linter_identity",),
    context_lines="scanner.inputs.sql.lint:context_lines",
    examples={Kind.SQL: "migration.sql"},
    since="0.1.0",
)
