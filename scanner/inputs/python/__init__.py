"""Python: CDK apps and application code, parsed with libcst (inert modules: CPython's parser)."""

from scanner.inputs.base import Input
from scanner.model import Kind

# What a module is decides what it holds: a CDK program declares infrastructure; application code
# reads its environment, connects, queries (SQL literals, linted), calls AWS APIs.
CDK_FACTS = frozenset(
    {
        "resources", "engines", "credentials", "statements", "grants", "ingress", "sinks",
        "clusters", "compute", "roles", "construct_ids", "symbol_links", "tables",
    }
)  # fmt: skip
APP_FACTS = frozenset(
    {
        "engines", "env_reads", "api_calls", "hosts", "connections", "token_calls", "functions",
        "config_types", "sql", "sql_diagnostics", "symbol_links",
    }
)  # fmt: skip

LINTER = "scanner.inputs.sql.lint:linter_identity"

INPUT = Input(
    name="python",
    label="Python",
    suffixes=(".py",),
    languages={".py": "Python"},
    produces={Kind.CDK: CDK_FACTS, Kind.APP: APP_FACTS},
    modules=(
        "libcst.metadata",
        "libcst.native",  # the parser proper, loaded by the first parse
        "scanner.inputs.python.analyze",
        "scanner.inputs.python.module",
        "scanner.inputs.python.app",
        "scanner.inputs.python.cdk",
        "scanner.inputs.python.facts",
        "scanner.inputs.python.locations",
        "scanner.inputs.python.positions",
        "scanner.inputs.python.sql",
        "scanner.inputs.python.values",
        "scanner.inputs.python.walk",
        "scanner.inputs.sql.lint",
        "scanner.rules",
    ),
    analyzer="scanner.inputs.python.analyze:analyze",
    parser_free="scanner.inputs.python.module:parser_free",
    placement="scanner.inputs.names:app_placement",
    tools=(LINTER,),  # the SQL literals of execute-style calls are linted by dsql-lint
    examples={Kind.CDK: "app.py", Kind.APP: "service.py"},
    since="0.1.0",
)
