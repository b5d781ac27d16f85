"""The lowering's source map: every position in the lowered module is the TS/JS source's."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from scanner.inputs.typescript import lower, parse
from scanner.inputs.typescript.module import MappedPositions

SOURCE = """import * as rds from 'aws-cdk-lib/aws-rds';
// a comment
export class Db {
  build(scope: any) {
    return new rds.DatabaseCluster(scope, 'Db', {
      defaultDatabaseName: 'ledger',
    });
  }
}
const q = `SELECT 1
  FROM t`;
const é = 'x'; const host = process.env.DB_HOST;
"""


def _positions(text: str) -> tuple[cst.Module, MappedPositions]:
    lowered = lower.lower(parse.parse(text, "x.ts"), text.encode())
    module = cst.parse_module(lowered.code)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    return module, MappedPositions(wrapper.resolve(PositionProvider), lowered.map)


def _source(text: str, span) -> str:
    lines = text.splitlines()
    if span.start.line == span.end.line:
        return lines[span.start.line - 1][span.start.column : span.end.column]
    first = lines[span.start.line - 1][span.start.column :]
    last = lines[span.end.line - 1][: span.end.column]
    return "\n".join([first, *lines[span.start.line : span.end.line - 1], last])


def _find(module: cst.Module, kind: type, predicate) -> cst.CSTNode:
    found = []

    class Finder(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, kind) and predicate(node):
                found.append(node)
            return True

    module.visit(Finder())
    assert found, kind
    return found[0]


def test_a_construct_call_spans_the_whole_new_expression():
    module, positions = _positions(SOURCE)
    call = _find(module, cst.Call, lambda n: "DatabaseCluster" in module.code_for_node(n.func))
    span = positions[call]
    assert (span.start.line, span.end.line) == (5, 7)
    assert _source(SOURCE, span).startswith("new rds.DatabaseCluster(scope, 'Db', {")
    assert _source(SOURCE, span).endswith("})")


def test_a_keyword_value_is_the_property_value():
    module, positions = _positions(SOURCE)
    value = _find(module, cst.SimpleString, lambda n: n.value == "'ledger'")
    assert _source(SOURCE, positions[value]) == "'ledger'"


def test_a_template_literal_maps_line_by_line():
    module, positions = _positions(SOURCE)
    string = _find(module, cst.SimpleString, lambda n: "SELECT 1" in n.value)
    span = positions[string]
    assert (span.start.line, span.end.line) == (10, 11)
    assert _source(SOURCE, span).endswith("FROM t`")


def test_columns_count_characters_after_non_ascii_text():
    module, positions = _positions(SOURCE)
    read = _find(module, cst.Subscript, lambda n: "environ" in module.code_for_node(n))
    assert _source(SOURCE, positions[read]) == "process.env.DB_HOST"
