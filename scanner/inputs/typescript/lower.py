"""TypeScript and JavaScript lowered onto the Python input's syntax, with a map back to the source.

The Python input already knows what a CDK program and an application mean: which constructs
are Aurora, which values reach which environment, which calls sign tokens or send SQL, how a
value crosses modules. Rather than a second copy of that knowledge written against another
syntax tree, a TS/JS module is lowered to the small subset of Python those collectors read,
spelled with the canonical names of ``scanner.inputs.names``:

- imports: ``import * as rds from 'aws-cdk-lib/aws-rds'`` is ``from aws_cdk import aws_rds as
  rds``; ``import { aws_iam as iam } from 'aws-cdk-lib'``, ``const cdk = require('aws-cdk-lib')``
  and ``import { Db } from '../lib/db-stack'`` (``from ..lib.db_stack import Db``) alike;
- ``new rds.DatabaseCluster(this, 'Db', { defaultDatabaseName: 'x' })`` is
  ``rds.DatabaseCluster(self, 'Db', default_database_name='x')``: a library's props are keyword
  arguments; the app's own classes take theirs as one mapping (``ApiStack(app, 'Api',
  {"db_secret": s})``), whose keys the symbol links follow across files;
- ``process.env.DB_HOST`` and ``const { A } = process.env`` read ``os.environ``;
- AWS SDK v3: ``new RDSDataClient({})`` is ``boto3.client("rds-data")``, ``client.send(new
  ExecuteStatementCommand({ sql }))`` is ``client.execute_statement(sql=sql)``, the signers'
  ``getAuthToken`` / ``getDbConnectAuthToken`` are boto3's ``generate_db_*_auth_token``;
- ``console.error(e)`` is ``logging.error(e)``; ``try/catch`` is ``try/except``;
- classes keep their bases and methods (``constructor`` is ``__init__``, field initialisers
  and parameter properties are assignments to ``self``); an interface or an object type alias
  is a class of annotated fields (what a typed configuration or a props type is in Python).

Everything else keeps its shape (calls, members, literals, functions, branches, loops). What
has no Python meaning for these facts (types beyond names, JSX, regular expressions, labels)
becomes ``None`` or is dropped. Arrow functions with statement bodies are hoisted into named
functions just before the statement that holds them.

Every lowered node carries marks: the generated position of its start and end tied to the
source position, so a Location computed on the lowered module is the TS/JS source's, exactly
(``SourceMap``). String contents are copied verbatim (one mark per line), so the SQL linter's
positions inside a query map back too.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from scanner.inputs import names

Node = Any  # a tree-sitter node
OS = "_ts_os"
BOTO3 = "_ts_boto3"
LOGGING = "_ts_logging"
JSON = "_ts_json"
TYPING = "_ts_typing"
DATACLASSES = "_ts_dataclasses"
SYNTHETIC_IMPORTS = {OS: "os", BOTO3: "boto3", LOGGING: "logging", JSON: "json", TYPING: "typing"}
SYNTHETIC_IMPORTS[DATACLASSES] = "dataclasses"
# AWS SDK v3 clients and signers, by canonical name: what a boto3 client of the service is.
SDK_CLIENTS = {
    "aws_sdk.client_rds_data.RDSDataClient": "rds-data",
    "aws_sdk.client_rds_data.RDSData": "rds-data",
    "aws_sdk.client_rds.RDSClient": "rds",
    "aws_sdk.client_rds.RDS": "rds",
    "aws_sdk.client_dsql.DSQLClient": "dsql",
    "aws_sdk.client_dsql.DSQL": "dsql",
    "aws_sdk.rds_signer.Signer": "rds",
    "aws_sdk.dsql_signer.DsqlSigner": "dsql",
    # v2 (``aws-sdk``): ``new AWS.RDSDataService()``, its per-service module, ``AWS.RDS.Signer``
    "aws_sdk.RDSDataService": "rds-data",
    "aws_sdk.clients.rdsdataservice": "rds-data",
    "aws_sdk.RDS": "rds",
    "aws_sdk.clients.rds": "rds",
    "aws_sdk.RDS.Signer": "rds",
    "aws_sdk.clients.rds.Signer": "rds",
}
SDK_SCOPE = "aws_sdk."
# Members whose canonical name is not their snake_case spelling (the boto3 equivalent).
MEMBER_ALIASES = {
    "getAuthToken": "generate_db_auth_token",
    "getDbConnectAuthToken": "generate_db_connect_auth_token",
    "getDbConnectAdminAuthToken": "generate_db_connect_admin_auth_token",
}
# Driver methods that send SQL, named as the Python drivers name theirs.
QUERY_ALIASES = {"query": "execute", "unsafe": "execute", "raw": "execute"}
SQL_TAG = re.compile(r"(?:^|\.)\w*sql\w*$", re.IGNORECASE)
CONSOLE_LEVELS = {
    "log": "info", "info": "info", "debug": "debug", "trace": "debug",
    "warn": "warning", "error": "error",
}  # fmt: skip
# Object keys that name things (environment variables, CloudFormation properties, tags) are
# kept as written; every other object key is a property name and takes its canonical spelling.
VERBATIM_KEYS = frozenset(
    {"environment", "secrets", "properties", "tags", "parameters", "context", "metadata"}
)
BINARY = {
    "&&": "and", "||": "or", "??": "or", "===": "==", "!==": "!=", "==": "==", "!=": "!=",
    "instanceof": "is", "in": "in",
}  # fmt: skip
PLAIN_BINARY = frozenset({"+", "-", "*", "/", "%", "**", "<", ">", "<=", ">=", "&", "|", "^"})
SKIPPED_STATEMENTS = frozenset(
    {"empty_statement", "debugger_statement", "comment", "ambient_declaration",
     "abstract_method_signature", "function_signature", "import_alias", "hash_bang_line"}
)  # fmt: skip
ASSIGNMENTS = frozenset({"=", "+=", "-=", "*=", "/=", "%=", "**=", "|=", "&=", "^="})
# What ``const { Pool, aws_rds: rds } = require('...')`` binds: shorthand and renamed names.
IMPORTED_NAMES = frozenset({"identifier", "shorthand_property_identifier_pattern"})
FUNCTION_VALUES = frozenset(
    {"arrow_function", "function_expression", "function", "generator_function"}
)
TYPES = {"string": "str", "number": "float", "boolean": "bool", "bigint": "int"}
# JavaScript's own objects: what their functions take is a value (``JSON.stringify({ username:
# 'app' })`` is ``json.dumps({"username": "app"})``), never a library's props.
JS_GLOBALS = frozenset(
    {"JSON", "Object", "Array", "Math", "String", "Number", "Boolean", "Promise", "Date"}
)


@dataclass(frozen=True)
class Mark:
    """A source position (0-based row, character column) at this point of the output."""

    row: int
    column: int


Tokens = list[Any]  # str pieces and Marks


@dataclass
class Line:
    indent: int
    tokens: Tokens


@dataclass
class SourceMap:
    """Generated (line, column) -> source (line, column), both 1-based line, 0-based column.

    Every mark is an anchor; a position between anchors of one generated line is the nearest
    anchor before it plus the distance (the text between marks is copied or is one token).
    """

    anchors: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    _columns: dict[int, list[int]] = field(default_factory=dict)

    def add(self, line: int, column: int, mark: Mark) -> None:
        self.anchors.setdefault(line, []).append((column, mark.row + 1, mark.column))

    def freeze(self) -> None:
        for line, anchors in self.anchors.items():
            anchors.sort()
            self._columns[line] = [a[0] for a in anchors]

    def source(self, line: int, column: int, end: bool = False) -> tuple[int, int]:
        """The source position of a generated one. Nested nodes share generated columns (``new
        rds.X(...)`` and ``rds.X`` both start where ``rds.X(`` does): a start is the outermost
        node's (the earliest source position there), an end the latest."""
        columns = self._columns.get(line)
        if not columns:
            earlier = [known for known in self._columns if known < line]
            if not earlier:
                return 1, 0
            before = max(earlier)
            _, row, _ = self.anchors[before][-1]
            return row + (line - before), 0
        right = bisect.bisect_right(columns, column)
        if right == 0:
            _, row, col = self.anchors[line][0]
            return row, col
        gen = columns[right - 1]
        if gen == column and not end:
            left = bisect.bisect_left(columns, column)
            _, row, col = self.anchors[line][left]
            return row, col
        _, row, col = self.anchors[line][right - 1]
        return row, col + (column - gen)


@dataclass
class Lowered:
    code: str
    map: SourceMap


def _children(node: Node, field_name: str | None = None) -> list[Node]:
    if field_name is None:
        return [c for c in node.named_children if c.type != "comment"]
    return [c for c in node.children_by_field_name(field_name) if c.type != "comment"]


class Lowerer:
    """One module's lowering (state: the names it declares and imports, pending hoists)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.rows = data.split(b"\n")
        self.imports: dict[str, str] = {}  # local name -> canonical qualified name
        self.user_names: set[str] = set()  # the module's own classes/functions, relative imports
        self.methods: set[str] = set()  # methods of the module's classes
        self.pending: list[Line] = []
        self.indent = 0
        self.hoisted = 0
        self.synthetic: set[str] = set()
        self._ascii_rows: dict[int, bool] = {}

    # -- text and marks -------------------------------------------------------------------------

    def text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def mark(self, point: Any) -> Mark:
        row, byte_column = point
        if row >= len(self.rows) or self._ascii(row):
            return Mark(row, byte_column)
        prefix = self.rows[row][:byte_column]
        return Mark(row, len(prefix.decode("utf-8", "replace")))

    def _ascii(self, row: int) -> bool:
        """Byte columns are character columns on an ASCII line (most lines: checked once)."""
        known = self._ascii_rows.get(row)
        if known is None:
            known = self._ascii_rows[row] = self.rows[row].isascii()
        return known

    def named(self, node: Node, keyword: str, name_node: Node | None, name: str) -> Tokens:
        """``class X`` / ``def f``: the declaration starts where the source's does, its name
        is where the source's name is."""
        spelled = self.wrap(name_node, [name]) if name_node is not None else [name]
        return [self.mark(node.start_point), f"{keyword} ", *spelled]

    def wrap(self, node: Node, tokens: Tokens) -> Tokens:
        return [self.mark(node.start_point), *tokens, self.mark(node.end_point)]

    # -- the module -----------------------------------------------------------------------------

    def module(self, root: Node) -> list[Line]:
        self._declare(root)
        lines: list[Line] = []
        for child in _children(root):
            lines.extend(self.statement(child, 0))
        for alias in sorted(self.synthetic):
            lines.append(Line(0, [f"import {SYNTHETIC_IMPORTS[alias]} as {alias}"]))
        return lines

    def _declare(self, root: Node) -> None:
        """The module's own classes and functions, and its classes' methods (user callees)."""
        for node in _walk_declarations(root):
            name = node.child_by_field_name("name")
            if name is None:
                continue
            if node.type == "method_definition":
                self.methods.add(names.snake(self.text(name)))
            else:
                self.user_names.add(names.snake(self.text(name)))

    # -- statements -----------------------------------------------------------------------------

    def statement(self, node: Node, indent: int) -> list[Line]:
        """Lines for one statement, preceded by the functions its expressions hoisted."""
        saved, saved_indent = self.pending, self.indent
        self.pending, self.indent = [], indent
        try:
            lines = self._statement(node, indent)
            return self.pending + lines
        finally:
            self.pending, self.indent = saved, saved_indent

    def body(
        self, node: Node | None, indent: int, prologue: list[Line] | None = None
    ) -> list[Line]:
        """A block (or single statement) as an indented suite, never empty."""
        lines = list(prologue or [])
        if node is not None:
            children = _children(node) if node.type == "statement_block" else [node]
            for child in children:
                lines.extend(self.statement(child, indent))
        return lines or [Line(indent, ["pass"])]

    def _statement(self, node: Node, indent: int) -> list[Line]:
        kind = node.type
        handler = STATEMENTS.get(kind)
        if handler is not None:
            return handler(self, node, indent)
        if kind in SKIPPED_STATEMENTS or kind.endswith("_signature"):
            return []
        if kind.endswith("_declaration") or kind.startswith("jsx"):
            return []
        return [Line(indent, self.expression(node))]

    def _expression_statement(self, node: Node, indent: int) -> list[Line]:
        children = _children(node)
        if not children:
            return []
        inner = children[0]
        if inner.type in ("assignment_expression", "augmented_assignment_expression"):
            return self._assignment(inner, indent)
        if inner.type == "update_expression":
            target = self.expression(_children(inner)[0])
            return [Line(indent, [*target, " += 1"])]
        if inner.type == "sequence_expression":
            return [
                line for part in _children(inner) for line in self._expression_line(part, indent)
            ]
        return self._expression_line(inner, indent)

    def _expression_line(self, node: Node, indent: int) -> list[Line]:
        if node.type in ("assignment_expression", "augmented_assignment_expression"):
            return self._assignment(node, indent)
        return [Line(indent, self.expression(node))]

    def _assignment(self, node: Node, indent: int) -> list[Line]:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return []
        if left.type in ("object_pattern", "array_pattern"):
            return self._destructure(left, right, indent)
        operator = node.child_by_field_name("operator")
        op = self.text(operator) if operator is not None else "="
        if op not in ASSIGNMENTS:
            op = "="
        return [Line(indent, [*self.target(left), f" {op} ", *self.expression(right)])]

    def target(self, node: Node) -> Tokens:
        """An assignment target: a name, member or subscript keeps its meaning; anything Python
        cannot assign to (a pattern left to the destructuring above) is assigned to ``_``."""
        if node.type in ("identifier", "shorthand_property_identifier_pattern"):
            return self.wrap(node, [names.snake(self.text(node))])
        if node.type in ("non_null_expression", "parenthesized_expression"):
            inner = _children(node)
            return self.target(inner[0]) if len(inner) == 1 else ["_"]
        if node.type in ("member_expression", "subscript_expression"):
            return self.expression(node)
        if node.type == "array_pattern":  # for (const [key, value] of ...)
            items = [self.target(c) for c in _children(node) if c.type == "identifier"]
            if items and len(items) == len(_children(node)):
                return _enclosed("(", items, ")")
        return ["_"]

    def _declaration(self, node: Node, indent: int) -> list[Line]:
        lines: list[Line] = []
        for declarator in _children(node):
            if declarator.type != "variable_declarator":
                continue
            name = declarator.child_by_field_name("name")
            value = declarator.child_by_field_name("value")
            if name is None:
                continue
            required = self._required(value)
            if required is not None:
                lines.extend(self._require(name, required, indent))
            elif name.type in ("object_pattern", "array_pattern"):
                if value is not None:
                    lines.extend(self._destructure(name, value, indent))
            elif value is not None and value.type in FUNCTION_VALUES and name.type == "identifier":
                # ``const healthCheck = async () => {...}`` is the function ``health_check``
                lines.extend(
                    self._function(value, indent, names.snake(self.text(name)), False, name)
                )
            else:
                right = self.expression(value) if value is not None else ["None"]
                lines.append(Line(indent, [*self.target(name), " = ", *right]))
        return lines

    def _destructure(self, pattern: Node, value: Node, indent: int) -> list[Line]:
        """``const { a, b: c = 1 } = v`` -> ``a = v.a`` ...; from ``process.env`` the names are
        environment variables (``a = os.environ["a"]``)."""
        environ = self._is_environ(value)
        lines: list[Line] = []
        if environ:
            source: Tokens = [f"{OS}.environ"]
            self.synthetic.add(OS)
        elif value.type in ("identifier", "this", "member_expression"):
            source = self.expression(value)
        else:
            self.hoisted += 1
            temporary = f"_ts_value_{self.hoisted}"
            lines.append(Line(indent, [temporary, " = ", *self.expression(value)]))
            source = [temporary]
        if pattern.type == "array_pattern":
            for index, element in enumerate(_children(pattern)):
                inner = element.child_by_field_name("left") or element
                if inner.type == "identifier":
                    item = [*source, f"[{index}]"]
                    lines.append(Line(indent, [*self.target(inner), " = ", *item]))
            return lines
        for element in _children(pattern):
            key_node, target_node, default = self._pattern_parts(element)
            if key_node is None or target_node is None:
                continue
            key = self.text(key_node).strip("'\"")
            if environ:  # the variable's name is a string here, located at the source's key
                start, end = self.mark(key_node.start_point), self.mark(key_node.end_point)
                name = [start, f'"{key}"', end]
                if default is not None:
                    item = [start, *source, ".get(", *name, ", ", *self.expression(default), ")"]
                else:
                    item = [start, *source, "[", *name, "]"]
                item.append(end)
            else:
                item = self.wrap(key_node, [*source, f".{names.snake(key)}"])
                if default is not None:
                    item = ["(", *item, " or ", *self.expression(default), ")"]
            if target_node.type in ("object_pattern", "array_pattern"):
                self.hoisted += 1
                temporary = f"_ts_value_{self.hoisted}"
                lines.append(Line(indent, [temporary, " = ", *item]))
                lines.extend(self._destructure_from_name(target_node, temporary, indent))
                continue
            lines.append(Line(indent, [*self.target(target_node), " = ", *item]))
        return lines

    def _pattern_parts(self, element: Node) -> tuple[Node | None, Node | None, Node | None]:
        """(key, target, default) of one element of an object pattern."""
        if element.type == "shorthand_property_identifier_pattern":
            return element, element, None
        if element.type == "object_assignment_pattern":
            left = element.child_by_field_name("left")
            return left, left, element.child_by_field_name("right")
        if element.type == "pair_pattern":
            key, value = element.child_by_field_name("key"), element.child_by_field_name("value")
            default = None
            if value is not None and value.type == "assignment_pattern":
                default = value.child_by_field_name("right")
                value = value.child_by_field_name("left")
            return key, value, default
        return None, None, None

    def _is_environ(self, node: Node | None) -> bool:
        """``process.env`` (the global; a local named ``process`` is not it)."""
        if node is None or node.type != "member_expression":
            return False
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
        return (
            obj is not None
            and prop is not None
            and obj.type == "identifier"
            and self.text(obj) == "process"
            and self.text(prop) == "env"
            and "process" not in self.imports
        )

    # -- imports ------------------------------------------------------------------------------

    def _required(self, value: Node | None) -> str | None:
        """The module a ``require('x')`` value names (also through ``await import('x')``)."""
        while value is not None and value.type in ("await_expression", "parenthesized_expression"):
            value = _children(value)[0] if _children(value) else None
        if value is None or value.type != "call_expression":
            return None
        function = value.child_by_field_name("function")
        arguments = value.child_by_field_name("arguments")
        if (
            function is None
            or arguments is None
            or self.text(function) not in ("require", "import")
        ):
            return None
        args = _children(arguments)
        if len(args) != 1 or args[0].type != "string":
            return None
        return self._string_value(args[0])

    def _require(self, name: Node, specifier: str, indent: int) -> list[Line]:
        if name.type == "identifier":
            return self._import_namespace(name, specifier, indent)
        if name.type == "object_pattern":
            pairs = []
            for element in _children(name):
                key, target, _ = self._pattern_parts(element)
                if key is not None and target is not None and target.type in IMPORTED_NAMES:
                    pairs.append((self.text(key), target))
            return self._import_names(pairs, specifier, indent)
        return []

    def _import_statement(self, node: Node, indent: int) -> list[Line]:
        source = node.child_by_field_name("source")
        clause = next((c for c in _children(node) if c.type == "import_clause"), None)
        require = next((c for c in _children(node) if c.type == "import_require_clause"), None)
        if require is not None:
            local = next((c for c in _children(require) if c.type == "identifier"), None)
            spec = require.child_by_field_name("source")
            if local is not None and spec is not None:
                return self._import_namespace(local, self._string_value(spec), indent)
            return []
        if source is None or clause is None:
            return []
        specifier = self._string_value(source)
        lines: list[Line] = []
        for part in _children(clause):
            if part.type == "identifier":  # default import: the module itself
                lines.extend(self._import_namespace(part, specifier, indent, default=True))
            elif part.type == "namespace_import":
                local = next((c for c in _children(part) if c.type == "identifier"), None)
                if local is not None:
                    lines.extend(self._import_namespace(local, specifier, indent))
            elif part.type == "named_imports":
                pairs = []
                for spec in _children(part):
                    if spec.type != "import_specifier":
                        continue
                    imported = spec.child_by_field_name("name")
                    alias = spec.child_by_field_name("alias") or imported
                    if imported is not None and alias is not None:
                        pairs.append((self.text(imported).strip("'\""), alias))
                lines.extend(self._import_names(pairs, specifier, indent))
        return lines

    def _import_namespace(
        self, local: Node, specifier: str, indent: int, default: bool = False
    ) -> list[Line]:
        canonical = names.module(specifier)
        alias = names.snake(self.text(local))
        if not canonical or canonical.strip(".") == "":
            return []
        if canonical.startswith("."):
            self.user_names.add(alias)
            package, _, leaf = canonical.rpartition(".")
            package = package if package.strip(".") else package or "."
            leaf = "default" if default else leaf
            return [
                Line(indent, self.wrap(local, [f"from {package or '.'} import {leaf} as {alias}"]))
            ]
        self.imports[alias] = canonical
        package, dot, leaf = canonical.rpartition(".")
        if dot:
            statement = f"from {package} import {leaf} as {alias}"
        else:
            statement = f"import {canonical} as {alias}"
        return [Line(indent, self.wrap(local, [statement]))]

    def _import_names(
        self, pairs: list[tuple[str, Node]], specifier: str, indent: int
    ) -> list[Line]:
        canonical = names.module(specifier)
        if not canonical or not pairs:
            return []
        relative = canonical.startswith(".")
        lines = []
        for imported, local in pairs:
            alias = names.snake(self.text(local))
            member = "default" if imported == "default" else _member(imported)
            if relative:
                self.user_names.add(alias)
            else:
                self.imports[alias] = f"{canonical}.{member}"
            statement = f"from {canonical} import {member} as {alias}"
            lines.append(Line(indent, self.wrap(local, [statement])))
        return lines

    def _export_statement(self, node: Node, indent: int) -> list[Line]:
        declaration = node.child_by_field_name("declaration")
        if declaration is not None:
            return self._statement(declaration, indent)
        value = node.child_by_field_name("value")
        if value is not None:  # export default <expression>
            return [Line(indent, ["default = ", *self.expression(value)])]
        source = node.child_by_field_name("source")
        clause = next((c for c in _children(node) if c.type == "export_clause"), None)
        if source is not None and clause is not None:  # export { a as b } from './x'
            pairs = []
            for spec in _children(clause):
                name = spec.child_by_field_name("name")
                alias = spec.child_by_field_name("alias") or name
                if name is not None and alias is not None:
                    pairs.append((self.text(name), alias))
            return self._import_names(pairs, self._string_value(source), indent)
        if source is not None and not any(c.type == "namespace_export" for c in node.children):
            canonical = names.module(self._string_value(source))  # export * from './db'
            return [Line(indent, [f"from {canonical} import *"])] if canonical[:1] == "." else []
        if clause is not None:  # export { a as b }: b is another name for a
            lines = []
            for spec in _children(clause):
                name = spec.child_by_field_name("name")
                alias = spec.child_by_field_name("alias")
                if name is not None and alias is not None:
                    target = names.identifier(self.text(alias))
                    lines.append(Line(indent, [target, " = ", *self.expression(name)]))
            return lines
        children = _children(node)
        return self._statement(children[0], indent) if children else []

    # -- functions and classes ------------------------------------------------------------------

    def _function(
        self, node: Node, indent: int, name: str, method: bool = False, name_node: Node = None
    ) -> list[Line]:
        parameters = node.child_by_field_name("parameters")
        params, prologue = self.parameters(parameters, indent + 1, method)
        if node.child_by_field_name("parameter") is not None:  # x => ...
            single = node.child_by_field_name("parameter")
            params = [names.snake(self.text(single))]
        prefix = "async def" if any(c.type == "async" for c in node.children) else "def"
        named = self.named(node, prefix, name_node or node.child_by_field_name("name"), name)
        header = Line(indent, [*named, f"({', '.join(params)}):"])
        body_node = node.child_by_field_name("body")
        if body_node is not None and body_node.type != "statement_block":
            suite = [Line(indent + 1, ["return ", *self.expression(body_node)])]
            return [header, *prologue, *suite]
        return [header, *self.body(body_node, indent + 1, prologue)]

    def parameters(
        self, node: Node | None, indent: int, method: bool
    ) -> tuple[list[str], list[Line]]:
        """Python parameters for formal parameters; destructured ones and TS parameter
        properties (``private readonly db: Db``) become statements at the top of the body."""
        params = ["self"] if method else []
        prologue: list[Line] = []
        defaulted = False
        for index, param in enumerate(_children(node) if node is not None else []):
            pattern = param.child_by_field_name("pattern") or param
            default = param.child_by_field_name("value")
            if pattern.type == "assignment_pattern":
                default = pattern.child_by_field_name("right")
                pattern = pattern.child_by_field_name("left")
            if pattern is None:
                continue
            if pattern.type == "rest_pattern":
                inner = _children(pattern)
                params.append("*" + (names.snake(self.text(inner[0])) if inner else "rest"))
                break
            if pattern.type == "this":
                continue
            if pattern.type in ("object_pattern", "array_pattern"):
                name = f"_ts_param_{index}"
                prologue.extend(self._destructure_from_name(pattern, name, indent))
            else:
                name = names.snake(self.text(pattern))
            annotation = self.annotation(param.child_by_field_name("type"))
            text = name + (f": {annotation}" if annotation else "")
            if default is not None or defaulted or param.type == "optional_parameter":
                defaulted = True
                text += " = None"
            params.append(text)
            if any(c.type in ("accessibility_modifier", "readonly") for c in param.children):
                prologue.append(Line(indent, [f"self.{name} = {name}"]))
        return params, prologue

    def _destructure_from_name(self, pattern: Node, name: str, indent: int) -> list[Line]:
        if pattern.type == "array_pattern":
            return []
        lines = []
        for element in _children(pattern):
            key, target, _ = self._pattern_parts(element)
            if (
                key is None
                or target is None
                or (
                    target.type != "identifier"
                    and target.type != ("shorthand_property_identifier_pattern")
                )
            ):
                continue
            item = self.wrap(key, [name, f".{names.snake(self.text(key))}"])
            lines.append(Line(indent, [*self.target(target), " = ", *item]))
        return lines

    def annotation(self, node: Node | None) -> str:
        """A parameter or field type as a Python annotation (names only, else "")."""
        if node is None:
            return ""
        if node.type == "type_annotation":
            inner = _children(node)
            return self.annotation(inner[0]) if inner else ""
        if node.type == "type_identifier":
            return names.identifier(self.text(node))
        if node.type == "nested_type_identifier":
            return ".".join(names.identifier(p) for p in self.text(node).split("."))
        if node.type == "predefined_type":
            return TYPES.get(self.text(node), "object")
        if node.type == "generic_type":
            name = node.child_by_field_name("name")
            return self.annotation(name) if name is not None else ""
        if node.type == "union_type":
            parts = [self.annotation(c) for c in _children(node)]
            return " | ".join(p for p in parts if p) if all(parts) else ""
        return ""

    def _function_declaration(self, node: Node, indent: int) -> list[Line]:
        name = node.child_by_field_name("name")
        if name is None or node.child_by_field_name("body") is None:
            return []
        return self._function(node, indent, names.snake(self.text(name)))

    def _class(self, node: Node, indent: int, name: str | None = None) -> list[Line]:
        name_node = node.child_by_field_name("name")
        name = name or (names.identifier(self.text(name_node)) if name_node is not None else "_")
        bases: list[Tokens] = []
        for heritage in (c for c in _children(node) if c.type == "class_heritage"):
            for clause in _children(heritage):
                if clause.type == "extends_clause":
                    value = clause.child_by_field_name("value")
                    if value is not None:
                        bases.append(self.expression(value))
                elif heritage.type == "class_heritage" and clause.type not in (
                    "implements_clause",
                ):
                    bases.append(self.expression(clause))
        header = self.named(node, "class", name_node, name)
        if bases:
            header += _enclosed("(", bases, ")")
        header.append(":")
        body_node = node.child_by_field_name("body")
        members = _children(body_node) if body_node is not None else []
        fields = [m for m in members if m.type == "public_field_definition"]
        record = is_record(node)
        suite: list[Line] = []
        initialisers: list[Line] = []
        for member in fields:
            suite.extend(self._field(member, indent + 1, initialisers, record))
        constructor = False
        for member in members:
            if member.type != "method_definition":
                continue
            member_name = member.child_by_field_name("name")
            if member_name is None:
                continue
            raw = self.text(member_name)
            static = any(c.type == "static" for c in member.children)
            if raw == "constructor":
                constructor = True
                suite.extend(self._constructor(member, indent + 1, initialisers))
                continue
            method = names.snake(raw.strip("'\"#"))
            if static:
                suite.append(Line(indent + 1, ["@staticmethod"]))
            suite.extend(self._function(member, indent + 1, method, method=not static))
        if initialisers and not constructor:
            suite.append(Line(indent + 1, ["def __init__(self, *args, **kwargs):"]))
            suite.extend(initialisers)
        decorators = []
        if record:
            self.synthetic.add(DATACLASSES)
            decorators.append(Line(indent, [f"@{DATACLASSES}.dataclass"]))
        return [
            *decorators,
            Line(indent, header),
            *(suite or [Line(indent + 1, ["pass"])]),
        ]

    def _constructor(self, node: Node, indent: int, initialisers: list[Line]) -> list[Line]:
        lines = self._function(node, indent, "__init__", method=True)
        header, rest = lines[0], lines[1:]
        if rest and rest[-1].tokens == ["pass"] and len(rest) == 1 and initialisers:
            rest = []
        return [header, *initialisers, *rest]

    def _field(
        self, node: Node, indent: int, initialisers: list[Line], record: bool = False
    ) -> list[Line]:
        name_node = node.child_by_field_name("name")
        if name_node is None:
            return []
        name = names.snake(self.text(name_node).strip("'\"#"))
        value = node.child_by_field_name("value")
        annotation = self.annotation(node.child_by_field_name("type"))
        static = any(c.type == "static" for c in node.children)
        if value is None:
            return [Line(indent, self.wrap(name_node, [f"{name}: {annotation or 'object'}"]))]
        level = indent if static or record else indent + 1  # class attribute, or in __init__
        saved, saved_indent = self.pending, self.indent
        self.pending, self.indent = [], level
        try:
            assigned = self.expression(value)
            hoisted = self.pending
        finally:
            self.pending, self.indent = saved, saved_indent
        target = [name] if static else [f"self.{name}"]
        assignment = Line(level, [*self.wrap(name_node, target), " = ", *assigned])
        if static:
            return [*hoisted, assignment]
        if record:  # a default: ``endpoint: str = os.environ["DSQL_ENDPOINT"]``
            declared = f"{name}: {annotation or 'object'}"
            return [*hoisted, Line(indent, [*self.wrap(name_node, [declared]), " = ", *assigned])]
        initialisers.extend([*hoisted, assignment])
        return []

    def _interface(self, node: Node, indent: int) -> list[Line]:
        """``interface Props extends StackProps { cluster: X }`` -> a class of annotated fields
        (what a typed configuration or a props type is to the Python input)."""
        name_node = node.child_by_field_name("name")
        if name_node is None:
            return []
        bases = []
        for clause in (c for c in _children(node) if c.type == "extends_type_clause"):
            bases += [self.annotation(t) for t in _children(clause)]
        body = node.child_by_field_name("body") or node.child_by_field_name("value")
        return self._record(name_node, [b for b in bases if b], body, indent)

    def _type_alias(self, node: Node, indent: int) -> list[Line]:
        name_node, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        if name_node is None or value is None or value.type != "object_type":
            return []
        return self._record(name_node, [], value, indent)

    def _record(
        self, name_node: Node, bases: list[str], body: Node | None, indent: int
    ) -> list[Line]:
        name = names.identifier(self.text(name_node))
        self.user_names.add(name)
        self.synthetic.add(TYPING)  # an object type is what a TypedDict is in Python
        header = [
            *self.named(name_node.parent, "class", name_node, name),
            f"({', '.join([*bases, f'{TYPING}.TypedDict'])}):",
        ]
        suite = []
        for member in _children(body) if body is not None else []:
            if member.type != "property_signature":
                continue
            field_name = member.child_by_field_name("name")
            if field_name is None:
                continue
            annotation = self.annotation(member.child_by_field_name("type")) or "object"
            key = names.snake(self.text(field_name).strip("'\""))
            suite.append(Line(indent + 1, self.wrap(field_name, [f"{key}: {annotation}"])))
        return [
            Line(indent, header),
            *(suite or [Line(indent + 1, ["pass"])]),
        ]

    def _enum(self, node: Node, indent: int) -> list[Line]:
        name_node, body = node.child_by_field_name("name"), node.child_by_field_name("body")
        if name_node is None:
            return []
        suite = []
        for member in _children(body) if body is not None else []:
            key = member.child_by_field_name("name") if member.type == "enum_assignment" else member
            value = (
                member.child_by_field_name("value") if member.type == "enum_assignment" else None
            )
            if key is None:
                continue
            right = self.expression(value) if value is not None else ["None"]
            suite.append(
                Line(indent + 1, [names.identifier(self.text(key).strip("'\"")), " = ", *right])
            )
        return [
            Line(indent, [f"class {names.identifier(self.text(name_node))}:"]),
            *(suite or [Line(indent + 1, ["pass"])]),
        ]

    # -- control flow ---------------------------------------------------------------------------

    def _if(self, node: Node, indent: int, keyword: str = "if") -> list[Line]:
        condition = node.child_by_field_name("condition")
        lines = [Line(indent, [f"{keyword} ", *self.expression(condition), ":"])]
        lines.extend(self.body(node.child_by_field_name("consequence"), indent + 1))
        alternative = node.child_by_field_name("alternative")
        if alternative is not None:
            inner = _children(alternative)
            if len(inner) == 1 and inner[0].type == "if_statement":
                lines.extend(self._if(inner[0], indent, "elif"))
            else:
                lines.append(Line(indent, ["else:"]))
                lines.extend(self.body(inner[0] if inner else None, indent + 1))
        return lines

    def _try(self, node: Node, indent: int) -> list[Line]:
        lines = [Line(indent, ["try:"]), *self.body(node.child_by_field_name("body"), indent + 1)]
        handler = node.child_by_field_name("handler")
        finalizer = node.child_by_field_name("finalizer")
        if handler is not None:
            parameter = handler.child_by_field_name("parameter")
            name = (
                f" as {names.snake(self.text(parameter))}"
                if parameter is not None and parameter.type == "identifier"
                else ""
            )
            lines.append(Line(indent, self.wrap(handler, [f"except Exception{name}:"])[:-1]))
            lines.extend(self.body(handler.child_by_field_name("body"), indent + 1))
        if finalizer is not None:
            lines.append(Line(indent, ["finally:"]))
            lines.extend(self.body(finalizer.child_by_field_name("body"), indent + 1))
        if handler is None and finalizer is None:
            lines.append(Line(indent, ["finally:"]))
            lines.append(Line(indent + 1, ["pass"]))
        return lines

    def _loop(self, node: Node, indent: int) -> list[Line]:
        body = node.child_by_field_name("body")
        if node.type == "for_in_statement":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            target = self.target(left) if left is not None else ["_"]
            iterable = self.expression(right) if right is not None else ["()"]
            return [
                Line(indent, ["for ", *target, " in ", *iterable, ":"]),
                *self.body(body, indent + 1),
            ]
        lines: list[Line] = []
        initializer = node.child_by_field_name("initializer")
        if initializer is not None and initializer.type != ";":
            lines.extend(self.statement(initializer, indent))
        condition = node.child_by_field_name("condition")
        test = (
            self.expression(condition)
            if condition is not None and condition.type != ";"
            else ["True"]
        )
        if condition is not None and condition.type == "parenthesized_expression":
            test = self.expression(condition)
        lines.append(Line(indent, ["while ", *test, ":"]))
        lines.extend(self.body(body, indent + 1))
        return lines

    def _switch(self, node: Node, indent: int) -> list[Line]:
        value = node.child_by_field_name("value")
        subject = self.expression(value) if value is not None else ["None"]
        body = node.child_by_field_name("body")
        lines: list[Line] = []
        keyword = "if"
        for case in _children(body) if body is not None else []:
            statements = [c for c in _children(case) if c != case.child_by_field_name("value")]
            if case.type == "switch_default":
                lines.append(Line(indent, ["if True:" if keyword == "if" else "else:"]))
            else:
                test = case.child_by_field_name("value")
                condition = self.expression(test) if test is not None else ["None"]
                lines.append(Line(indent, [f"{keyword} ", *subject, " == ", *condition, ":"]))
                keyword = "elif"
            suite = [line for s in statements for line in self.statement(s, indent + 1)]
            lines.extend(suite or [Line(indent + 1, ["pass"])])
            if case.type == "switch_default":
                keyword = "if"
        return lines

    # -- expressions ----------------------------------------------------------------------------

    def expression(self, node: Node | None) -> Tokens:
        if node is None:
            return ["None"]
        handler = EXPRESSIONS.get(node.type)
        tokens = handler(self, node) if handler is not None else ["None"]
        return self.wrap(node, tokens)

    def _identifier(self, node: Node) -> Tokens:
        text = self.text(node)
        if text == "undefined" or text == "NaN":
            return ["None"]
        return [names.snake(text)]

    def _member(self, node: Node) -> Tokens:
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
        if obj is None or prop is None:
            return ["None"]
        name = self.text(prop)
        if self._is_environ(node):
            self.synthetic.add(OS)
            return [f"{OS}.environ"]
        if self._is_environ(obj):
            self.synthetic.add(OS)
            return [f"{OS}.environ[", *self.wrap(prop, [repr(name)]), "]"]
        if (
            obj.type == "identifier"
            and self.text(obj) == "console"
            and "console" not in self.imports
        ):
            self.synthetic.add(LOGGING)
            return [f"{LOGGING}.{CONSOLE_LEVELS.get(name, names.snake(name))}"]
        if obj.type == "identifier" and self.text(obj) == "JSON" and name in ("stringify", "parse"):
            self.synthetic.add(JSON)
            return [f"{JSON}.{'dumps' if name == 'stringify' else 'loads'}"]
        member = lowered_member(name)
        if obj.type == "super":
            return ["super().", *self.wrap(prop, [member])]
        return [*self.expression(obj), ".", *self.wrap(prop, [member])]

    def _subscript(self, node: Node) -> Tokens:
        obj, index = node.child_by_field_name("object"), node.child_by_field_name("index")
        if obj is None or index is None:
            return ["None"]
        if self._is_environ(obj):
            self.synthetic.add(OS)
            return [f"{OS}.environ[", *self.expression(index), "]"]
        return [*self.expression(obj), "[", *self.expression(index), "]"]

    def _call(self, node: Node) -> Tokens:
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if function is None:
            return ["None"]
        if function.type == "import":
            return ["None"]
        if function.type == "super":
            return ["super().__init__", *self.arguments(arguments, True)]
        if arguments is not None and arguments.type == "template_string":
            # a tagged template hands its text to the tag: an SQL tag (postgres.js's ``sql``,
            # slonik's and drizzle's ``sql``, ``tx.sql``) sends it as a query; other tags (code
            # generators, GraphQL, styles) are calls of their own
            method = ".execute(" if SQL_TAG.search(self.text(function)) else "("
            return [*self.expression(function), method, *self.expression(arguments), ")"]
        specifier = self._required(node)
        if specifier is not None:
            return self._inline_require(specifier)
        sent = self._sent_command(function, arguments)
        if sent is not None:
            return sent
        return [*self.expression(function), *self.arguments(arguments, self._keywords(function))]

    def _new(self, node: Node) -> Tokens:
        constructor = node.child_by_field_name("constructor")
        arguments = node.child_by_field_name("arguments")
        if constructor is None:
            return ["None"]
        service = SDK_CLIENTS.get(self.qualified(constructor))
        if service is not None:
            self.synthetic.add(BOTO3)
            return [f'{BOTO3}.client("{service}")']
        return [
            *self.expression(constructor),
            *self.arguments(arguments, self._keywords(constructor)),
        ]

    def _sent_command(self, function: Node, arguments: Node | None) -> Tokens | None:
        """``client.send(new ExecuteStatementCommand(input))`` -> ``client.execute_statement(...)``
        (the SDK v3 spelling of a boto3 client call; input members keep their API names)."""
        if function.type != "member_expression" or arguments is None:
            return None
        prop = function.child_by_field_name("property")
        args = _children(arguments)
        if (
            prop is None
            or self.text(prop) != "send"
            or len(args) < 1
            or args[0].type != "new_expression"
        ):
            return None
        command = args[0].child_by_field_name("constructor")
        qualified = self.qualified(command) if command is not None else ""
        operation = qualified.rpartition(".")[2]
        if not qualified.startswith(SDK_SCOPE) or not operation.endswith("Command"):
            return None
        method = names.snake(
            operation[: -len("Command")][:1].lower() + operation[1 : -len("Command")]
        )
        receiver = self.expression(function.child_by_field_name("object"))
        inner = args[0].child_by_field_name("arguments")
        return [
            *receiver,
            ".",
            *self.wrap(prop, [method]),
            *self.arguments(inner, True, verbatim=True),
        ]

    def _inline_require(self, specifier: str) -> Tokens:
        canonical = names.module(specifier)
        if not canonical or canonical.startswith("."):
            return ["None"]
        self.hoisted += 1
        alias = f"_ts_module_{self.hoisted}"
        self.pending.append(Line(self.indent, [f"import {canonical} as {alias}"]))
        return [alias]

    def qualified(self, node: Node) -> str:
        """The canonical name an identifier or member chain resolves to through the imports."""
        parts: list[str] = []
        while node is not None and node.type == "member_expression":
            prop = node.child_by_field_name("property")
            parts.append(self.text(prop) if prop is not None else "")
            node = node.child_by_field_name("object")
        if node is None or node.type != "identifier":
            return ""
        root = self.imports.get(names.snake(self.text(node)))
        return ".".join([root, *reversed(parts)]) if root else ""

    def _keywords(self, function: Node) -> bool:
        """Does a trailing object literal become keyword arguments (a library's props), or stay
        one value (the app's own classes and functions take their props as one object)?"""
        root = function
        while root.type == "member_expression":
            obj = root.child_by_field_name("object")
            if obj is None:
                break
            if obj.type == "this":
                prop = root.child_by_field_name("property")
                return prop is None or names.snake(self.text(prop)) not in self.methods
            root = obj
        if root.type == "identifier":
            name = self.text(root)
            if name in JS_GLOBALS and names.snake(name) not in self.imports:
                return False
            return names.snake(name) not in self.user_names
        return True

    def arguments(self, node: Node | None, keywords: bool, verbatim: bool = False) -> Tokens:
        if node is None:
            return ["()"]
        args = _children(node)
        pieces: list[Tokens] = []
        for index, arg in enumerate(args):
            last = index == len(args) - 1
            if last and keywords and arg.type == "object":
                pieces.extend(self._keyword_arguments(arg, verbatim))
            elif arg.type == "spread_element":
                pieces.append(self._spread(arg, "*"))
            else:
                pieces.append(self.expression(arg))
        return self.wrap(node, _enclosed("(", pieces, ")"))[1:]

    def _keyword_arguments(self, node: Node, verbatim: bool) -> list[Tokens]:
        pieces = []
        for member in _children(node):
            if member.type == "spread_element":
                pieces.append(self._spread(member, "**"))
                continue
            key, value = self._pair(member)
            if key is None:
                continue
            name = key if verbatim and key.isidentifier() else names.snake(key)
            if not name.isidentifier():
                continue
            key_node = member.child_by_field_name("key") or member
            pieces.append([*self.wrap(key_node, [name]), "=", *self._value(key, value)])
        return pieces

    def _pair(self, member: Node) -> tuple[str | None, Node | None]:
        if member.type == "pair":
            key = member.child_by_field_name("key")
            if key is None or key.type == "computed_property_name":
                return None, None
            text = self._string_value(key) if key.type == "string" else self.text(key)
            return text, member.child_by_field_name("value")
        if member.type == "shorthand_property_identifier":
            return self.text(member), member
        if member.type == "method_definition":
            name = member.child_by_field_name("name")
            return (self.text(name) if name is not None else None), None
        return None, None

    def _value(self, key: str, value: Node | None) -> Tokens:
        """A property's value; object literals under naming keys keep their keys as written."""
        if value is None:
            return ["None"]
        if value.type == "shorthand_property_identifier":
            return self.wrap(value, [names.snake(self.text(value))])
        if value.type == "object":
            return self.wrap(value, self._object(value, verbatim=key in VERBATIM_KEYS))
        return self.expression(value)

    def _object(self, node: Node, verbatim: bool = False) -> Tokens:
        pieces: list[Tokens] = []
        for member in _children(node):
            if member.type == "spread_element":
                piece = self._spread(member, "**")
            elif (
                member.type == "pair"
                and member.child_by_field_name("key") is not None
                and (member.child_by_field_name("key").type == "computed_property_name")
            ):
                computed = _children(member.child_by_field_name("key"))
                piece = [
                    *self.expression(computed[0] if computed else None), ": ",
                    *self.expression(member.child_by_field_name("value")),
                ]  # fmt: skip
            else:
                key, value = self._pair(member)
                if key is None:
                    continue
                spelled = key if verbatim else names.snake(key) if key.isidentifier() else key
                key_node = member.child_by_field_name("key") or member
                piece = [*self.wrap(key_node, [repr(spelled)]), ": ", *self._value(key, value)]
            pieces.append(piece)
        return _enclosed("{", pieces, "}")

    def _array(self, node: Node) -> Tokens:
        pieces = [
            self._spread(element, "*")
            if element.type == "spread_element"
            else self.expression(element)
            for element in _children(node)
        ]
        return _enclosed("[", pieces, "]")

    def _spread(self, node: Node, stars: str) -> Tokens:
        """``...x`` as Python unpacks it: ``*x`` in a list or call, ``**x`` in a mapping."""
        inner = _children(node)
        return [stars, *self.expression(inner[0] if inner else None)]

    def _string_value(self, node: Node) -> str:
        return "".join(
            self.text(c) if c.type == "string_fragment" else _unescape(self.text(c))
            for c in node.named_children
        )

    def _string(self, node: Node) -> Tokens:
        """A string literal, its content copied (escapes included) so positions inside map."""
        raw = python_escapes(self.text(node)[1:-1])
        quote = '"' if "'" in raw and '"' not in raw else "'"
        if quote in raw:
            raw = _escape_unescaped(raw, quote)
        content = self.mark((node.start_point[0], node.start_point[1] + 1))
        return [quote, content, raw, quote]

    def _template(self, node: Node) -> Tokens:
        """A template literal as a triple-quoted string (an f-string when it substitutes), one
        mark per line of its content so that SQL inside maps back line by line."""
        substitutions = [c for c in node.named_children if c.type == "template_substitution"]
        tokens: Tokens = ['f"""' if substitutions else '"""']
        start_row, start_col = node.start_point
        cursor = node.start_byte + 1
        pieces = substitutions
        row, column = start_row, start_col + 1
        for piece in [*pieces, None]:
            end = piece.start_byte if piece is not None else node.end_byte - 1
            raw = self.data[cursor:end].decode("utf-8", "replace")
            tokens += self._template_text(raw, row, column, bool(substitutions))
            if piece is None:
                break
            if piece.type == "template_substitution":
                inner = _children(piece)
                tokens += ["{ ", *self.expression(inner[0] if inner else None), "}"]
            cursor = piece.end_byte
            row, column = piece.end_point
        return [*tokens, '"""']

    def _template_text(self, raw: str, row: int, column: int, braces: bool) -> Tokens:
        tokens: Tokens = []
        for index, line in enumerate(raw.split("\n")):
            tokens.append(Mark(row + index, column if index == 0 else 0))
            text = python_escapes(line.replace("\\`", "`").replace("\\$", "$"))
            text = text.replace('"""', '\\"\\"\\"')
            if braces:
                text = text.replace("{", "{{").replace("}", "}}")
            tokens.append(text if index == 0 else "\n" + text)
        last = tokens[-1]
        if last.endswith('"') and (len(last) - len(last[:-1].rstrip("\\")) - 1) % 2 == 0:
            tokens[-1] = last[:-1] + '\\"'  # an unescaped quote would close the string early
        return tokens

    def _binary(self, node: Node) -> Tokens:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        operator = node.child_by_field_name("operator")
        op = self.text(operator) if operator is not None else "+"
        spelled = BINARY.get(op, op if op in PLAIN_BINARY else "+")
        return ["(", *self.expression(left), f" {spelled} ", *self.expression(right), ")"]

    def _unary(self, node: Node) -> Tokens:
        operator = node.child_by_field_name("operator")
        argument = node.child_by_field_name("argument")
        op = self.text(operator) if operator is not None else ""
        if op == "!":
            return ["(not ", *self.expression(argument), ")"]
        if op in ("-", "+", "~"):
            return [f"({op}", *self.expression(argument), ")"]
        if op == "typeof":
            return ["type(", *self.expression(argument), ")"]
        return ["None"]

    def _ternary(self, node: Node) -> Tokens:
        condition = node.child_by_field_name("condition")
        consequence = node.child_by_field_name("consequence")
        alternative = node.child_by_field_name("alternative")
        return [
            "(", *self.expression(consequence), " if ", *self.expression(condition),
            " else ", *self.expression(alternative), ")",
        ]  # fmt: skip

    def _inner(self, node: Node) -> Tokens:
        """Parentheses, ``x as T``, ``x!``, ``<T>x``, ``x satisfies T``: the expression itself."""
        inner = wrapped(node)
        return ["(", *self.expression(inner), ")"] if inner is not None else ["None"]

    def _await(self, node: Node) -> Tokens:
        inner = _children(node)
        return ["(await ", *self.expression(inner[0] if inner else None), ")"]

    def _arrow(self, node: Node) -> Tokens:
        """An arrow function or function expression: a lambda for an expression body, else a
        function hoisted just before the statement that holds it."""
        body = node.child_by_field_name("body")
        if body is not None and body.type != "statement_block" and node.type == "arrow_function":
            single = node.child_by_field_name("parameter")
            if single is not None:
                params = [names.snake(self.text(single))]
            else:
                params, prologue = self.parameters(node.child_by_field_name("parameters"), 0, False)
                if prologue:
                    return self._hoist(node)
            plain = [p.split(":")[0].split("=")[0].strip() for p in params]
            return ["(lambda ", ", ".join(plain), ": ", *self.expression(body), ")"]
        return self._hoist(node)

    def _hoist(self, node: Node) -> Tokens:
        self.hoisted += 1
        name = f"_ts_function_{node.start_point[0] + 1}_{self.hoisted}"
        self.pending.extend(self._function(node, self.indent, name))
        return [name]

    def _class_expression(self, node: Node) -> Tokens:
        self.hoisted += 1
        name = f"_ts_class_{self.hoisted}"
        self.pending.extend(self._class(node, self.indent, name))
        return [name]

    def _sequence(self, node: Node) -> Tokens:
        return _enclosed("(", [self.expression(part) for part in _children(node)], ")")

    def _assignment_expression(self, node: Node) -> Tokens:
        right = node.child_by_field_name("right")
        return self.expression(right) if right is not None else ["None"]

    def _number(self, node: Node) -> Tokens:
        text = self.text(node).rstrip("n").replace("_", "")
        try:
            value = float(int(text, 0)) if text[:2].lower() in ("0x", "0o", "0b") else float(text)
        except ValueError:
            return ["0"]
        return [str(int(value)) if value.is_integer() and abs(value) < 1e18 else repr(value)]


def _enclosed(opening: str, pieces: list[Tokens], closing: str) -> Tokens:
    """``(a, b)``, ``[a, b]``, ``{a, b}``: pieces joined by commas between brackets."""
    tokens: Tokens = [opening]
    for index, piece in enumerate(pieces):
        tokens += [", ", *piece] if index else piece
    return [*tokens, closing]


def _member(imported: str) -> str:
    """An imported member's canonical spelling: as a member access of the module spells it."""
    return names.snake(imported)


def _unescape(text: str) -> str:
    """The value of one escape sequence of a JS string (enough for module specifiers)."""
    simple = {"\\n": "\n", "\\t": "\t", "\\'": "'", '\\"': '"', "\\\\": "\\"}
    return simple.get(text, text[1:] if text.startswith("\\") else text)


JS_ESCAPE = re.compile(
    r"\\(?:u\{([0-9a-fA-F]{1,8})\}|u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"
    r"|u([0-9a-fA-F]{4})|(x[0-9a-fA-F]{2})|([NUux])|(.))",
    re.DOTALL,
)


def python_escapes(raw: str) -> str:
    """A JS string's escapes spelled so that Python reads the same characters: ``\\u{1F600}``
    and surrogate pairs become ``\\U0001f600``, a lone surrogate U+FFFD, and the letters
    Python would take for an escape of its own (``\\N``, ``\\U``, a bare ``\\u`` or ``\\x``,
    which JS reads as the letter) lose their backslash. Only strings with such escapes change
    length, so positions inside everyday strings and SQL stay exact."""
    if "\\" not in raw:
        return raw
    return JS_ESCAPE.sub(_python_escape, raw)


def _python_escape(match: re.Match[str]) -> str:
    braced, high, low, four, hexa, letter, other = match.groups()
    if braced is not None:
        point = int(braced, 16)
        return (
            f"\\U{point:08x}" if point <= 0x10FFFF and not 0xD800 <= point <= 0xDFFF else "\\ufffd"
        )
    if high is not None:
        point = 0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00)
        return f"\\U{point:08x}"
    if four is not None:
        return "\\ufffd" if 0xD800 <= int(four, 16) <= 0xDFFF else match.group(0)
    if letter is not None:
        return letter
    return match.group(0) if hexa is not None or other is not None else ""


def _escape_unescaped(raw: str, quote: str) -> str:
    out = []
    escaped = False
    for char in raw:
        if char == quote and not escaped:
            out.append("\\")
        out.append(char)
        escaped = char == "\\" and not escaped
    return "".join(out)


def _static(member: Node) -> bool:
    return any(c.type == "static" for c in member.children)


def wrapped(node: Node) -> Node | None:
    """The expression parentheses, ``x as T``, ``x!``, ``<T>x`` or ``x satisfies T`` wrap."""
    children = [c for c in _children(node) if not c.type.endswith("type") and c.type not in (
        "type_identifier", "type_arguments", "predefined_type", "generic_type",
    )]  # fmt: skip
    return children[0] if children else None


def lowered_member(name: str) -> str:
    """The Python name a member access is lowered to: an SDK alias (``getAuthToken``), a
    driver's query method as the Python drivers name theirs (``query`` is ``execute``), else
    its snake_case spelling (``#execute`` is ``execute``)."""
    return MEMBER_ALIASES.get(name) or QUERY_ALIASES.get(name) or names.snake(name.lstrip("#"))


def is_record(node: Node) -> bool:
    """A class of fields alone (no base, no constructor, no instance method) is a record: what
    a dataclass is in Python (a typed configuration, its initialised fields defaults that may
    read the environment)."""
    for heritage in (c for c in _children(node) if c.type == "class_heritage"):
        for clause in _children(heritage):
            if clause.type == "extends_clause":
                if clause.child_by_field_name("value") is not None:
                    return False
            elif clause.type != "implements_clause":
                return False
    body = node.child_by_field_name("body")
    members = _children(body) if body is not None else []
    return any(m.type == "public_field_definition" and not _static(m) for m in members) and not any(
        m.type == "method_definition" and not _static(m) for m in members
    )


def _walk_declarations(root: Node) -> Iterator[Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in (
            "class_declaration", "abstract_class_declaration", "function_declaration",
            "generator_function_declaration", "method_definition", "interface_declaration",
            "type_alias_declaration", "enum_declaration",
        ):  # fmt: skip
            yield node
        elif node.type == "variable_declarator" and (
            node.child_by_field_name("value") is not None
            and node.child_by_field_name("value").type in FUNCTION_VALUES
        ):
            yield node  # ``const helper = () => {...}``: a function of the module's own
        stack.extend(node.named_children)


STATEMENTS: dict[str, Callable[[Lowerer, Node, int], list[Line]]] = {
    "expression_statement": Lowerer._expression_statement,
    "lexical_declaration": Lowerer._declaration,
    "variable_declaration": Lowerer._declaration,
    "import_statement": Lowerer._import_statement,
    "export_statement": Lowerer._export_statement,
    "function_declaration": Lowerer._function_declaration,
    "generator_function_declaration": Lowerer._function_declaration,
    "class_declaration": Lowerer._class,
    "abstract_class_declaration": Lowerer._class,
    "interface_declaration": Lowerer._interface,
    "type_alias_declaration": Lowerer._type_alias,
    "enum_declaration": Lowerer._enum,
    "if_statement": Lowerer._if,
    "try_statement": Lowerer._try,
    "for_statement": Lowerer._loop,
    "for_in_statement": Lowerer._loop,
    "while_statement": Lowerer._loop,
    "do_statement": Lowerer._loop,
    "switch_statement": Lowerer._switch,
    "statement_block": lambda self, node, indent: [
        line for c in _children(node) for line in self.statement(c, indent)
    ],
    "labeled_statement": lambda self, node, indent: self.body(
        node.child_by_field_name("body"), indent
    ),
    "return_statement": lambda self, node, indent: [
        Line(
            indent,
            ["return ", *self.expression(_children(node)[0])] if _children(node) else ["return"],
        )
    ],
    "throw_statement": lambda self, node, indent: [
        Line(
            indent,
            [
                "raise Exception(",
                *self.expression(_children(node)[0] if _children(node) else None),
                ")",
            ],
        )
    ],
    "break_statement": lambda self, node, indent: [Line(indent, ["break"])],
    "continue_statement": lambda self, node, indent: [Line(indent, ["continue"])],
    "module": lambda self, node, indent: (
        self.body(node.child_by_field_name("body"), indent)
        if node.child_by_field_name("body") is not None
        else []
    ),
    "internal_module": lambda self, node, indent: self.body(
        node.child_by_field_name("body"), indent
    ),
}

EXPRESSIONS: dict[str, Callable[[Lowerer, Node], Tokens]] = {
    "identifier": Lowerer._identifier,
    "shorthand_property_identifier": Lowerer._identifier,
    "property_identifier": Lowerer._identifier,
    "this": lambda self, node: ["self"],
    "super": lambda self, node: ["super()"],
    "true": lambda self, node: ["True"],
    "false": lambda self, node: ["False"],
    "null": lambda self, node: ["None"],
    "undefined": lambda self, node: ["None"],
    "number": Lowerer._number,
    "string": Lowerer._string,
    "template_string": Lowerer._template,
    "member_expression": Lowerer._member,
    "subscript_expression": Lowerer._subscript,
    "call_expression": Lowerer._call,
    "new_expression": Lowerer._new,
    "object": Lowerer._object,
    "array": Lowerer._array,
    "binary_expression": Lowerer._binary,
    "unary_expression": Lowerer._unary,
    "ternary_expression": Lowerer._ternary,
    "parenthesized_expression": Lowerer._inner,
    "as_expression": Lowerer._inner,
    "satisfies_expression": Lowerer._inner,
    "non_null_expression": Lowerer._inner,
    "type_assertion": Lowerer._inner,
    "await_expression": Lowerer._await,
    "arrow_function": Lowerer._arrow,
    "function_expression": Lowerer._arrow,
    "function": Lowerer._arrow,
    "generator_function": Lowerer._arrow,
    "class": Lowerer._class_expression,
    "sequence_expression": Lowerer._sequence,
    "assignment_expression": Lowerer._assignment_expression,
    "augmented_assignment_expression": Lowerer._assignment_expression,
    "update_expression": lambda self, node: (
        self.expression(_children(node)[0]) if _children(node) else ["None"]
    ),
    "spread_element": lambda self, node: (
        self.expression(_children(node)[0]) if _children(node) else ["None"]
    ),
}


def render(lines: list[Line]) -> Lowered:
    """The lowered module's text and the map of its positions back to the source."""
    source_map = SourceMap()
    out: list[str] = []
    line, column = 1, 0
    for item in lines:
        prefix = "    " * item.indent
        out.append(prefix)
        column = len(prefix)
        for token in item.tokens:
            if isinstance(token, Mark):
                source_map.add(line, column, token)
                continue
            out.append(token)
            newlines = token.count("\n")
            if newlines:
                line += newlines
                column = len(token) - token.rfind("\n") - 1
            else:
                column += len(token)
        out.append("\n")
        line += 1
    source_map.freeze()
    return Lowered("".join(out), source_map)


def lower(tree: Any, data: bytes) -> Lowered:
    """The Python lowering of one parsed TS/JS module (see the module docstring)."""
    return render(Lowerer(data).module(tree.root_node))
