"""TypeScript and JavaScript: CDK apps and application code, parsed with tree-sitter.

The same facts as Python's, from the same collectors: each module is lowered onto the Python
input's syntax (``lower``) with a map back to its own positions (``module``).
"""

from scanner.inputs.base import Input
from scanner.inputs.python import APP_FACTS, CDK_FACTS, LINTER
from scanner.model import Kind

SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx")

INPUT = Input(
    name="typescript",
    label="TypeScript/JavaScript",
    suffixes=SUFFIXES,
    languages={
        **dict.fromkeys((".ts", ".tsx", ".mts", ".cts"), "TypeScript"),
        **dict.fromkeys((".js", ".mjs", ".cjs", ".jsx"), "JavaScript"),
    },
    produces={Kind.CDK: CDK_FACTS, Kind.APP: APP_FACTS},
    modules=(
        "tree_sitter",
        "tree_sitter_typescript",
        "tree_sitter_javascript",
        "libcst.metadata",
        "scanner.inputs.names",
        "scanner.inputs.typescript.parse",
        "scanner.inputs.typescript.lower",
        "scanner.inputs.typescript.module",
        "scanner.inputs.python.module",
        "scanner.rules",
    ),
    analyzer="scanner.inputs.typescript.analyze:analyze",
    parser_free="scanner.inputs.typescript.module:parser_free",
    placement="scanner.inputs.names:app_placement",
    tools=(LINTER,),
    examples={Kind.CDK: "app.ts", Kind.APP: "service.ts"},
    since="0.1.0",
)
