"""libcst's positions, computed only for the statements a module's analysis asks about.

libcst computes positions by generating the code of the whole module again, token by token: on
real code that costs more than the parse itself, although an analysis locates only the few
nodes its facts point at. The position of a node depends only on where the code generation of
its statement starts (and on the indentation around it), so one statement can be generated
alone, started where CPython's syntax tree (already parsed by the gate) says it starts.

A statement is generated only up to the node asked about (most are asked about once, for a
name or a call near their start), and whole when asked about again.

:class:`StatementPositions` does that on demand, and it checks itself: the statements of both
trees are paired in order and by kind (a disagreement anywhere, and the module is located the
usual way), and a statement's generated code must be the source text where it is placed. Any
node it cannot place that way (a comment on a line of its own, a module CPython refused) is
located by libcst's own pass over the whole module, once; so the answer is always libcst's.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange

from scanner.inputs.python.walk import Together

NEWLINE = re.compile(r"\r\n?|\n")  # libcst's (and the tokenizer's) line breaks

# Each libcst statement and the CPython statement it must pair with.
SMALL: dict[type, tuple[type, ...]] = {
    cst.Expr: (ast.Expr,),
    cst.Assign: (ast.Assign,),
    cst.AnnAssign: (ast.AnnAssign,),
    cst.AugAssign: (ast.AugAssign,),
    cst.Return: (ast.Return,),
    cst.Raise: (ast.Raise,),
    cst.Assert: (ast.Assert,),
    cst.Import: (ast.Import,),
    cst.ImportFrom: (ast.ImportFrom,),
    cst.Pass: (ast.Pass,),
    cst.Break: (ast.Break,),
    cst.Continue: (ast.Continue,),
    cst.Del: (ast.Delete,),
    cst.Global: (ast.Global,),
    cst.Nonlocal: (ast.Nonlocal,),
}
COMPOUND: dict[type, tuple[type, ...]] = {
    cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef),
    cst.ClassDef: (ast.ClassDef,),
    cst.If: (ast.If,),
    cst.For: (ast.For, ast.AsyncFor),
    cst.While: (ast.While,),
    cst.Try: (ast.Try,),
    cst.With: (ast.With, ast.AsyncWith),
    cst.Match: (ast.Match,),
}
if hasattr(ast, "TryStar"):  # Python 3.11 and later
    COMPOUND[cst.TryStar] = (ast.TryStar,)
# How many times a statement is generated only up to a node asked about before it is generated
# whole (most statements are asked about once, for one node near their start).
PARTIAL_REPLAYS = 2
# The nodes a walk notes as holding what lies inside them (an ``except`` clause has a header).
UNITS = frozenset((*SMALL, *COMPOUND, cst.ExceptHandler, cst.ExceptStarHandler))


class Mismatch(Exception):
    """The two trees disagree on a module's statements."""


class _Stop(Exception):
    """Generation is over: a compound statement's header is generated (its body is not
    needed), or the node asked about is placed."""


Span = tuple[int, int, int, int]  # line, column, end line, end column, as libcst counts them


@dataclass(frozen=True, slots=True)
class Place:
    """Where CPython's tree puts a statement (or an ``except`` clause, or a ``case``), and the
    statements of its clauses: all this module needs of that tree, so that the tree itself can
    be freed before libcst parses the module (both at once would double a large module's
    memory)."""

    kind: type
    line: int = 0
    offset: int = 0  # in UTF-8 bytes, as CPython counts columns
    decorator: tuple[int, int] | None = None  # the first decorator's expression
    body: tuple[Place, ...] = ()
    orelse: tuple[Place, ...] = ()
    handlers: tuple[Place, ...] = ()
    finalbody: tuple[Place, ...] = ()
    cases: tuple[Place, ...] = ()


def places_of(tree: ast.Module) -> tuple[Place, ...]:
    """The places of a module's statements (see :class:`Place`)."""
    return tuple(_place_of(node) for node in tree.body)


def _place_of(node: Any) -> Place:
    decorators = getattr(node, "decorator_list", None)
    first = decorators[0] if decorators else None
    return Place(
        kind=type(node),
        line=getattr(node, "lineno", 0),
        offset=getattr(node, "col_offset", 0),
        decorator=(first.lineno, first.col_offset) if first is not None else None,
        body=_places(node, "body"),
        orelse=_places(node, "orelse"),
        handlers=_places(node, "handlers"),
        finalbody=_places(node, "finalbody"),
        cases=_places(node, "cases"),
    )


def _places(node: Any, field: str) -> tuple[Place, ...]:
    children = getattr(node, field, None)
    return tuple(_place_of(child) for child in children) if isinstance(children, list) else ()


# libcst statement -> (CPython's place of it, the semicolon libcst's line adds after it, the
# place of the statement whose indentation its own lines continue with)
Pairs = dict[cst.CSTNode, tuple[Place, bool, Place]]


def _statements(suite: cst.BaseSuite) -> list[Any]:
    return [suite] if isinstance(suite, cst.SimpleStatementSuite) else list(suite.body)


def _pair(ours: list[Any], theirs: tuple[Place, ...], pairs: Pairs, elifs: set, level: Any) -> None:
    """Pair a block's statements in order; ``level``: the compound statement a one-line suite
    belongs to (its statements continue that statement's indentation)."""
    remaining = iter(theirs)
    for statement in ours:
        if isinstance(statement, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            last = len(statement.body) - 1
            first = None
            for index, small in enumerate(statement.body):
                node = next(remaining, None)
                if node is None or node.kind not in SMALL.get(type(small), ()):
                    raise Mismatch
                first = first or node
                pairs[small] = (node, index != last, level or first)
            continue
        node = next(remaining, None)
        if node is None or node.kind not in COMPOUND.get(type(statement), ()):
            raise Mismatch
        pairs[statement] = (node, False, level or node)
        _pair_compound(statement, node, pairs, elifs)
    if next(remaining, None) is not None:
        raise Mismatch


def _pair_clause(
    suite: Any, theirs: tuple[Place, ...], pairs: Pairs, elifs: set, owner: Any
) -> None:
    """An optional clause (``else``, ``finally``) on both sides, or on neither."""
    if suite is None:
        if theirs:
            raise Mismatch
        return
    _pair_block(suite.body, theirs, pairs, elifs, owner)


def _pair_block(
    suite: cst.BaseSuite, theirs: tuple[Place, ...], pairs: Pairs, elifs: set, owner: Any
) -> None:
    one_line = isinstance(suite, cst.SimpleStatementSuite)
    _pair(_statements(suite), theirs, pairs, elifs, owner if one_line else None)


def _pair_compound(statement: Any, node: Place, pairs: Pairs, elifs: set) -> None:
    if isinstance(statement, cst.Match):
        if len(statement.cases) != len(node.cases):
            raise Mismatch
        for case, theirs in zip(statement.cases, node.cases, strict=True):
            _pair_block(case.body, theirs.body, pairs, elifs, node)
        return
    _pair_block(statement.body, node.body, pairs, elifs, node)
    if isinstance(statement, cst.If):
        orelse = statement.orelse
        if isinstance(orelse, cst.If):  # ``elif``: CPython's only statement of the else block
            if len(node.orelse) != 1 or node.orelse[0].kind is not ast.If:
                raise Mismatch
            pairs[orelse] = (node.orelse[0], False, node.orelse[0])
            elifs.add(orelse)
            _pair_compound(orelse, node.orelse[0], pairs, elifs)
        else:
            _pair_clause(orelse, node.orelse, pairs, elifs, node)
    elif isinstance(statement, cst.For | cst.While):
        _pair_clause(statement.orelse, node.orelse, pairs, elifs, node)
    elif isinstance(statement, cst.Try | getattr(cst, "TryStar", cst.Try)):
        if len(statement.handlers) != len(node.handlers):
            raise Mismatch
        for handler, theirs in zip(statement.handlers, node.handlers, strict=True):
            pairs[handler] = (theirs, False, node)
            _pair_block(handler.body, theirs.body, pairs, elifs, node)
        _pair_clause(statement.orelse, node.orelse, pairs, elifs, node)
        _pair_clause(statement.finalbody, node.finalbody, pairs, elifs, node)


def _last_statement(node: Place) -> Place:
    """The last simple statement of a compound one: where libcst's range of it ends."""
    while True:
        if node.cases:
            block = node.cases[-1].body
        else:
            handled = node.handlers[-1].body if node.handlers else ()
            block = node.finalbody or node.orelse or handled or node.body
        if not block:
            return node
        node = block[-1]


class _Record:
    """libcst's ``record_syntactic_position``, counting only once the replay is armed."""

    __slots__ = ("begin", "end_node", "node", "start_node", "state")

    def __init__(self, state: _Replay, node: cst.CSTNode, start_node: Any, end_node: Any) -> None:
        self.state, self.node = state, node
        self.start_node, self.end_node = start_node, end_node

    def __enter__(self) -> None:
        state = self.state
        if self.node is state.target:
            state.armed = True
        self.begin = (state.line, state.column)
        if self.node is state.unit:
            state.unit_start = self.begin

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> bool:
        state = self.state
        if kind is None and state.armed:
            spans = state.spans
            start = spans[self.start_node][:2] if self.start_node is not None else self.begin
            end = (
                spans[self.end_node][2:]
                if self.end_node is not None
                else (state.line, state.column)
            )
            spans[self.node] = start + end
        return False


class _Replay(CodegenState):
    """libcst's position-providing code generation of one statement, from a given place.

    Tokens count from the moment ``target`` records its position (a compound statement's own
    start, after its leading lines); the generation stops before ``stop`` (its body), or once
    ``until`` (the node asked about) is placed (``stopped``)."""

    def __init__(
        self,
        module: cst.Module,
        start: tuple[int, int],
        indent: str,
        target: Any,
        stop: Any,
        unit: Any,
        until: Any,
    ) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.line, self.column = start
        self.indent_tokens = [indent]
        self.target, self.stop = target, stop
        self.unit, self.until = unit, until
        self.stopped = False
        self.armed = stop is None
        self.unit_start: tuple[int, int] | None = None
        self.spans: dict[cst.CSTNode, Span] = {}
        self.stack: list[tuple[int, int, bool]] = []

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        if not self.armed:
            return
        self.tokens.append(value)
        segments = NEWLINE.split(value)
        if len(segments) == 1:
            self.column += len(value)
        else:
            self.line += len(segments) - 1
            self.column = len(segments[-1])

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node is self.stop:
            raise _Stop
        self.stack.append((self.line, self.column, self.armed))

    def after_codegen(self, node: cst.CSTNode) -> None:
        line, column, armed = self.stack.pop()
        if armed and node not in self.spans:  # whitespace-inclusive, as libcst's
            self.spans[node] = (line, column, self.line, self.column)
        if node is self.until:
            self.stopped = True
            raise _Stop

    def pop_trailing_newline(self) -> None:
        return None

    def record_syntactic_position(  # type: ignore[override]
        self, node: cst.CSTNode, *, start_node: Any = None, end_node: Any = None
    ) -> _Record:
        return _Record(self, node, start_node, end_node)


class StatementPositions(Mapping[cst.CSTNode, CodeRange]):
    """libcst's ``PositionProvider`` answer, node by node (see the module docstring).

    ``owners`` maps every node to the statement (or ``except`` clause) that holds it, as a walk
    notes them (:class:`Noting`); ``whole`` is libcst's pass over the whole module, the answer
    for whatever cannot be placed here.
    """

    def __init__(
        self,
        module: cst.Module,
        places: tuple[Place, ...],
        text: str,
        owners: Mapping[cst.CSTNode, Any],
        whole: Callable[[], Mapping[cst.CSTNode, CodeRange]],
    ) -> None:
        self.module, self.text, self.owners, self.whole = module, text, owners, whole
        self.spans: dict[cst.CSTNode, Span] = {}  # placed, as generated
        self.ranges: dict[cst.CSTNode, CodeRange] = {}  # placed and asked about
        self.tried: set[Any] = set()  # statements generated whole, or found not to fit
        self.partial: dict[Any, int] = {}  # statements generated up to a node asked about
        self.everything: Mapping[cst.CSTNode, CodeRange] | None = None
        self.pairs: Pairs = {}
        self.elifs: set[Any] = set()
        try:
            _pair(list(module.body), places, self.pairs, self.elifs, None)
        except Mismatch:  # then every node is located by libcst's pass
            self.pairs.clear()
        self.theirs = {id(node): ours for ours, (node, _, _) in self.pairs.items()}
        self.line_starts = [0, *(match.end() for match in NEWLINE.finditer(text))]

    # -- the Mapping -----------------------------------------------------------------------------

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        found = self.ranges.get(node)
        if found is not None:
            return found
        if node in self.spans:
            return self._range(node)
        if self.everything is None:
            unit = node if node in self.pairs else self.owners.get(node)
            if unit in self.pairs and unit not in self.tried:
                until = None
                if unit is not node and self.partial.get(unit, 0) < PARTIAL_REPLAYS:
                    self.partial[unit] = self.partial.get(unit, 0) + 1
                    until = node
                if self._place(unit, until) and node in self.spans:
                    return self._range(node)
        return self._everything()[node]

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._everything())

    def __len__(self) -> int:
        return len(self._everything())

    def _range(self, node: cst.CSTNode) -> CodeRange:
        """A placed node's range, made once it is asked about (most placed nodes never are)."""
        line, column, end_line, end_column = self.spans[node]
        found = CodeRange(CodePosition(line, column), CodePosition(end_line, end_column))
        self.ranges[node] = found
        return found

    def _everything(self) -> Mapping[cst.CSTNode, CodeRange]:
        if self.everything is None:
            self.everything = self.whole()
        return self.everything

    # -- placing one statement -------------------------------------------------------------------

    def _column(self, line: int, offset: int) -> int:
        """CPython's column (UTF-8 bytes) as libcst's (characters)."""
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.text)
        text = self.text[start:end]
        if text.isascii():
            return offset
        return len(text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "replace"))

    def _place(self, unit: Any, until: Any = None) -> bool:
        """Generate ``unit`` alone (a compound statement: its header), where CPython places it,
        up to ``until`` if given; True when its code is the source text there."""
        complete = self._generate(unit, until)
        if complete is None:
            self.tried.add(unit)
            return False
        if complete:
            self.tried.add(unit)
        return True

    def _generate(self, unit: Any, until: Any) -> bool | None:
        """None when ``unit`` cannot be placed; else whether it was generated whole."""
        node, semicolon, level = self.pairs[unit]
        target, (line, offset), back = unit, (node.line, node.offset), 0
        decorators = getattr(unit, "decorators", ())
        if decorators and node.decorator is not None:  # the header starts at the first ``@``
            target, (line, offset) = decorators[0], node.decorator
            back = 1 + len(decorators[0].whitespace_after_at.value)
        lines = len(self.line_starts)
        if not (0 < line <= lines and 0 < level.line <= lines):
            return None
        start = (line, self._column(line, offset) - back)
        at_level = self.line_starts[level.line - 1]
        indent = self.text[at_level : at_level + self._column(level.line, level.offset)]
        if indent.strip() or start[1] < 0:
            return None
        small = isinstance(unit, cst.BaseSmallStatement)
        stop = None if small else unit.cases[0] if isinstance(unit, cst.Match) else unit.body
        state = _Replay(self.module, start, indent, target, stop, unit, until)
        try:
            if small:
                unit._codegen(state, default_semicolon=semicolon)
            else:
                unit._codegen(state, **({"is_elif": True} if unit in self.elifs else {}))
        except _Stop:
            pass
        code = "".join(state.tokens)
        at = self.line_starts[line - 1] + start[1]
        if not state.armed or self.text[at : at + len(code)] != code:
            return None
        self.spans.update(state.spans)
        if state.stopped:
            return False
        return small or self._place_end(unit, node, state.unit_start) or None

    def _place_end(self, unit: Any, node: Any, start: tuple[int, int] | None) -> bool:
        """A compound statement's range: from its own start to its last simple statement's end."""
        last = self.theirs.get(id(_last_statement(node)))
        if start is None or last is None:
            return False
        if last not in self.spans and (last in self.tried or not self._place(last)):
            return False
        self.spans[unit] = start + self.spans[last][2:]
        return True


class Noting(Together):
    """:class:`~scanner.inputs.python.walk.Together`, also noting the statement that holds each
    node (``owners``): what :class:`StatementPositions` generates again to place a node."""

    def __init__(self, *collectors: cst.CSTVisitor) -> None:
        super().__init__(*collectors)
        self.owners: dict[cst.CSTNode, Any] = {}
        self.units: list[Any] = [None]

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.owners[node] = self.units[-1]
        if type(node) in UNITS:
            self.units.append(node)
        return Together.on_visit(self, node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if type(original_node) in UNITS:
            self.units.pop()
        Together.on_leave(self, original_node)
