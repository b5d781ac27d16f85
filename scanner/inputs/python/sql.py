"""SQL embedded in Python: string literals passed to execute-style calls, as dsql-lint input.

The text is what the program sends (escapes decoded, concatenated literals joined, f-string
replacement fields replaced by an identifier stand-in); the segments say where each run of it
sits in the file, so that what dsql-lint reports on line 3 of a triple-quoted query lands on the
right line of the Python file. A run breaks wherever the text stops copying the source character
for character: at each literal of a concatenation, at each f-string part, after each escape.
"""

from __future__ import annotations

import ast
import re

import libcst as cst

from scanner.facts import SqlSegment, SqlSnippet
from scanner.inputs.catalog import TEXT_CONSTRUCTS
from scanner.inputs.python.gate import ESCAPE, LOOKS_LIKE_SQL
from scanner.inputs.python.locations import Locator
from scanner.inputs.python.values import Evaluator

SQL_METHODS = frozenset({"execute", "executemany", "fetch", "fetchrow", "fetchval"})
STAND_IN = "__expr__"


class Piece:
    """Text built from source runs: the text so far and where each run starts in the file."""

    def __init__(self) -> None:
        self.text = ""
        self.segments: list[SqlSegment] = []
        self.interpolated = False
        self._next: tuple[int, int] | None = None  # where a 1:1 copy would continue

    def run(self, text: str, line: int, column: int) -> None:
        """Append text that copies the source starting at (line, column)."""
        if text:
            if self._next != (line, column):
                self.segments.append(SqlSegment(len(self.text), line, column))
            self.text += text
            self._next = _advance(line, column, text)

    def decoded(self, text: str, line: int, column: int) -> None:
        """Append an escape's value: it sits where the escape starts, but the text after it
        no longer copies the source, so the next run starts a new segment."""
        self.run(text, line, column)
        self._next = None

    def stand_in(self, line: int, column: int) -> None:
        """An f-string replacement field: an identifier in the text, a ``{...}`` in the file."""
        self._next = None
        self.run(STAND_IN, line, column)
        self._next = None
        self.interpolated = True


def _advance(line: int, column: int, source: str) -> tuple[int, int]:
    """The position after ``source`` starting at (line, column)."""
    breaks = source.count("\n")
    if breaks:
        return line + breaks, len(source) - source.rfind("\n")
    return line, column + len(source)


def _decode(piece: Piece, raw: str, line: int, column: int, escapes: bool, braces: bool) -> None:
    """Add a literal's source content: each escape (and ``{{``/``}}`` in f-strings) is decoded
    and the text after it starts a new run at its own source position."""
    pattern = ESCAPE.pattern if escapes else r"(?!)"
    if braces:
        pattern = rf"{pattern}|\{{\{{|\}}\}}"
    position = 0
    for match in re.finditer(pattern, raw):
        piece.run(raw[position : match.start()], line, column)
        line, column = _advance(line, column, raw[position : match.start()])
        token = match.group()
        piece.decoded(
            token[0] if token in ("{{", "}}") else ast.literal_eval(f'"{token}"'), line, column
        )
        line, column = _advance(line, column, token)
        position = match.end()
    piece.run(raw[position:], line, column)


class SqlCollector(cst.CSTVisitor):
    """Finds the SQL literals of execute-style calls in one module."""

    def __init__(self, evaluator: Evaluator, locator: Locator) -> None:
        self.ev = evaluator
        self.at = locator
        self.snippets: list[SqlSnippet] = []
        self._seen: set[cst.CSTNode] = set()

    def visit_Call(self, node: cst.Call) -> None:
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else ""
        if method in SQL_METHODS or self.ev.qualified(node.func) in TEXT_CONSTRUCTS:
            argument = self.ev.argument(node, 0, "query")
            for keyword in ("sql", "statement", "operation", "text"):  # text: node-postgres
                argument = argument or self.ev.keyword(node, keyword)
            literal = self._literal(argument)
            if literal is not None and literal not in self._seen:
                self._snippet(literal)

    def _literal(self, node: cst.BaseExpression | None) -> cst.BaseExpression | None:
        """The string literal an argument is, directly or through a name bound to one."""
        if isinstance(node, cst.Name):
            node = self.ev.bound_expression(node)
        if isinstance(node, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString):
            return node
        return None

    def _snippet(self, literal: cst.BaseExpression) -> None:
        piece = Piece()
        if not self._build(piece, literal) or not LOOKS_LIKE_SQL.match(piece.text):
            return
        self._seen.add(literal)
        self.snippets.append(
            SqlSnippet(
                text=piece.text,
                location=self.at.location(literal),
                segments=tuple(piece.segments),
                interpolated=piece.interpolated,
            )
        )

    def _build(self, piece: Piece, node: cst.CSTNode) -> bool:
        """Append a literal's text; False for bytes (not SQL text)."""
        if isinstance(node, cst.ConcatenatedString):
            return self._build(piece, node.left) and self._build(piece, node.right)
        if isinstance(node, cst.SimpleString):
            prefix = node.prefix.lower()
            if "b" in prefix:
                return False
            quote = node.quote
            raw = node.value[len(node.prefix) + len(quote) : len(node.value) - len(quote)]
            line, column = self.at.after_start(node, len(node.prefix) + len(quote))
            _decode(piece, raw, line, column + 1, escapes="r" not in prefix, braces=False)
            return True
        if isinstance(node, cst.FormattedString):
            escapes = "r" not in node.start.lower()
            for part in node.parts:
                where = self.at.positions[part].start
                if isinstance(part, cst.FormattedStringText):
                    _decode(piece, part.value, where.line, where.column + 1, escapes, braces=True)
                else:
                    piece.stand_in(where.line, where.column + 1)
            return True
        return False
