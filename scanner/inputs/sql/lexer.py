"""Where the comments and statements of SQL text are: a lexer, not a parser.

dsql-lint judges the SQL; it does not expose comments, and it reports lines only. Two things are
needed that it cannot give: the ``-- dsql-scan: ignore[...]`` comments (which must never be
matched inside a string literal) and the span of each statement (to turn a reported line into a
column and an end). Both only need PostgreSQL's lexical structure: ``'...'`` strings with ``''``
(and ``E'...'`` with backslash escapes), ``"..."`` identifiers, ``$tag$...$tag$`` dollar quotes,
``--`` line comments, nested ``/* */`` block comments and the ``;`` that ends a statement.
Nothing here decides what a statement means.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property

_TOKEN = re.compile(
    r"""
      (?P<line>--[^\n]*)
    | (?P<block>/\*)
    | (?P<escape>(?<![\w$])[eE]')
    | (?P<string>')
    | (?P<ident>")
    | (?P<dollar>(?<![\w$])\$(?:[^\W\d]\w*)?\$)
    | (?P<semi>;)
    """,
    re.VERBOSE,
)
_STRING_END = re.compile(r"(?:[^']|'')*'")
_ESCAPE_STRING_END = re.compile(r"(?:[^'\\]|\\.|'')*'", re.DOTALL)
_IDENT_END = re.compile(r'(?:[^"]|"")*"')
_BLOCK_MARK = re.compile(r"/\*|\*/")
_CODE = re.compile(r"\S")


@dataclass(frozen=True)
class Comment:
    """A ``--`` comment: its text (from ``--`` to the end of the line) and where it is.

    ``own_line`` is true when no code precedes it on its line: such a comment speaks about the
    next line, a trailing one about its own.
    """

    start: int
    end: int
    text: str
    own_line: bool


@dataclass(frozen=True)
class Statement:
    """A statement's span: its first code character up to and including its ``;``."""

    start: int
    end: int


@dataclass(frozen=True)
class Lexed:
    """Comments and statements in text order (statements never overlap)."""

    comments: tuple[Comment, ...]
    statements: tuple[Statement, ...]

    @cached_property
    def _starts(self) -> list[int]:
        return [s.start for s in self.statements]

    def starting(self, low: int, high: int) -> tuple[Statement, ...]:
        """Statements whose first character is at an offset in ``[low, high]``."""
        return self.statements[bisect_left(self._starts, low) : bisect_right(self._starts, high)]

    def containing(self, offset: int) -> Statement | None:
        """The statement that started before ``offset`` and is still open there."""
        index = bisect_left(self._starts, offset) - 1
        if index >= 0 and self.statements[index].end > offset:
            return self.statements[index]
        return None


def _block_end(text: str, start: int) -> int:
    """End of a block comment opened just before ``start`` (PostgreSQL nests them)."""
    depth = 1
    for mark in _BLOCK_MARK.finditer(text, start):
        depth += 1 if mark.group() == "/*" else -1
        if depth == 0:
            return mark.end()
    return len(text)


def _quoted_end(text: str, kind: str, token: re.Match[str]) -> int:
    """End of the string, identifier or dollar-quoted body that ``token`` opens (EOF if open)."""
    if kind == "dollar":
        close = text.find(token.group(), token.end())
        return len(text) if close == -1 else close + len(token.group())
    pattern = {"string": _STRING_END, "escape": _ESCAPE_STRING_END, "ident": _IDENT_END}[kind]
    found = pattern.match(text, token.end())
    return found.end() if found else len(text)


class _Builder:
    """Collects statements while the lexer reports code, comments and terminators."""

    def __init__(self) -> None:
        self.statements: list[Statement] = []
        self.start = -1
        self.last_code_end = 0

    def code(self, start: int, end: int) -> None:
        if self.start < 0:
            self.start = start
        self.last_code_end = end

    def terminate(self, end: int) -> None:
        if self.start >= 0:
            self.statements.append(Statement(self.start, end))
        self.start = -1
        self.last_code_end = end

    def finish(self) -> None:
        if self.start >= 0:
            self.statements.append(Statement(self.start, self.last_code_end))


def _plain_code(text: str, start: int, end: int, builder: _Builder) -> None:
    """Ordinary characters between tokens: code if any of them is not whitespace."""
    first = _CODE.search(text, start, end)
    if first is not None:
        stripped = text[start:end].rstrip()
        builder.code(first.start(), start + len(stripped))


def lex(text: str) -> Lexed:
    """The ``--`` comments and statement spans of ``text`` (offsets into it)."""
    comments: list[Comment] = []
    builder = _Builder()
    position = 0
    while True:
        token = _TOKEN.search(text, position)
        if token is None:
            _plain_code(text, position, len(text), builder)
            break
        _plain_code(text, position, token.start(), builder)
        kind = token.lastgroup or ""
        if kind == "line":
            line_start = text.rfind("\n", 0, token.start()) + 1
            own_line = builder.last_code_end <= line_start
            comments.append(Comment(token.start(), token.end(), token.group(), own_line))
            position = token.end()
        elif kind == "block":
            position = _block_end(text, token.end())
        elif kind == "semi":
            builder.terminate(token.end())
            position = token.end()
        else:
            position = _quoted_end(text, kind, token)
            builder.code(token.start(), position)
    builder.finish()
    return Lexed(tuple(comments), tuple(builder.statements))
