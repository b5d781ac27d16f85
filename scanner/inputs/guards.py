"""Checks that run before any parser sees a file, so that bad input costs bounded time.

cfn-lint's decoder crashes the interpreter (a segmentation fault, not an exception) on a
50,000-deep document, and walking a YAML alias bomb expands billions of nodes. These guards read
the file once, refuse what no parser should be given, and say why and where (SCAN001).
"""

from __future__ import annotations

import hashlib
import tokenize
from pathlib import Path

MAX_DEPTH = 200
MAX_ALIAS_EXPANSION = 200_000
BINARY_SNIFF = 8192


class ParseFailure(Exception):
    """A file that should be scanned cannot be: reported as SCAN001 at (line, column)."""

    def __init__(self, reason: str, line: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = max(1, line)
        self.column = max(1, column)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def read_text(path: Path, max_size: int) -> tuple[str, str]:
    """Read a file as UTF-8 text, refusing huge, binary and mis-encoded files.

    Returns the text and the SHA-256 of the bytes read (the review's scope digest uses it).
    """
    try:
        size = path.stat().st_size
        if size > max_size:
            raise ParseFailure(
                f"file is {size:,} bytes, over the {max_size:,}-byte limit (max-file-size)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ParseFailure(f"cannot read file: {exc.strerror or exc}") from None
    nul = data.find(b"\x00", 0, BINARY_SNIFF)
    if nul != -1:
        raise ParseFailure("binary file (contains NUL bytes)", *_position(data, nul))
    try:
        return data.decode("utf-8-sig"), hashlib.sha256(data).hexdigest()
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise ParseFailure(f"invalid UTF-8 (byte 0x{data[exc.start]:02x})", line, column) from None


def check_structure(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuse documents nested deeper than ``max_depth`` or whose aliases expand too far.

    Uses PyYAML's event stream (libyaml when available), which builds no tree and does not
    recurse, so it is safe on exactly the inputs the real parser is not. JSON is YAML here.
    Syntax errors are left for the real parser to report with its own message.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    sizes: dict[str, int] = {}
    stack: list[list] = [[None, 0]]  # [anchor, expanded node count]
    expanded = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionStartEvent):
                if len(stack) > max_depth:
                    mark = event.start_mark
                    raise ParseFailure(
                        f"document nested deeper than {max_depth} levels",
                        mark.line + 1,
                        mark.column + 1,
                    )
                stack.append([event.anchor, 1])
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, count = stack.pop()
                if anchor:
                    sizes[anchor] = count
                stack[-1][1] += count
            elif isinstance(event, yaml.ScalarEvent):
                if event.anchor:
                    sizes[event.anchor] = 1
                stack[-1][1] += 1
            elif isinstance(event, yaml.AliasEvent):
                size = sizes.get(event.anchor, 1)
                expanded += size
                stack[-1][1] += size
                if expanded > MAX_ALIAS_EXPANSION:
                    mark = event.start_mark
                    raise ParseFailure(
                        f"YAML aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes "
                        "(alias bomb)",
                        mark.line + 1,
                        mark.column + 1,
                    )
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", "") or ""
        if "nesting depth" in problem:
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            message = f"document nested deeper than {max_depth} levels"
            raise ParseFailure(message, line, column) from None
        _check_json_depth(text, max_depth)


def _check_json_depth(text: str, max_depth: int) -> None:
    """cfn-lint retries YAML failures (tabs) as JSON: bound that path's nesting too."""
    import json
    import sys

    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(max_depth + 50, 100))
        json.loads(text)
    except RecursionError:
        raise ParseFailure(f"document nested deeper than {max_depth} levels") from None
    except ValueError:
        return
    finally:
        sys.setrecursionlimit(limit)


MAX_PYTHON_DEPTH = 100
_CHAIN_WORDS = frozenset({"not", "and", "or", "if", "else", "lambda", "await", "in", "is"})
_RESETS = frozenset({",", ";", "=", ":="})
_OPENERS, _CLOSERS = frozenset("([{"), frozenset(")]}")
_TRAILER_AFTER = frozenset({")", "]"})


_FIELD_OPERATORS = frozenset("+-*/%&|^~<>.=!@:")


def _fstring_depth(text: str) -> int:
    """Depth estimate of the replacement fields of an f-string token (one token before 3.12):
    brackets plus operator characters inside each ``{...}``, the worst field."""
    worst = depth = operators = 0
    index = 0
    while index < len(text):
        char = text[index]
        if depth == 0:
            if char == "{" and text[index + 1 : index + 2] == "{":
                index += 1
            elif char == "{":
                depth, operators = 1, 0
        elif char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth -= 1
        elif char in _FIELD_OPERATORS:
            operators += 1
        worst = max(worst, depth + operators)
        index += 1
    return worst


def _chains(token: tokenize.TokenInfo, previous: tokenize.TokenInfo | None) -> bool:
    """A word operator, or a string right after a string (implicit concatenation nests)."""
    if token.type == tokenize.NAME:
        return token.string in _CHAIN_WORDS
    return token.type == tokenize.STRING and previous is not None and previous.type == token.type


def check_python_structure(text: str, max_depth: int = MAX_PYTHON_DEPTH) -> None:
    """Refuse Python source whose syntax tree would be deeper than ``max_depth``.

    libcst's native parser overflows its stack (a crash, not an exception) on a few thousand
    chained operators (``not not not ...``, ``1+1+...``) or adjacent string literals, and its
    tree walks hit Python's recursion limit far earlier. The tokenizer is flat and linear, so
    it can estimate the tree depth first: open brackets plus, per bracket, the operators,
    attribute dots, call/subscript trailers and implicit string concatenations chained since
    the last comma. Tokenizer errors are left for the real parser to report.
    """
    import io

    frames = [0]
    chained = 0
    previous: tokenize.TokenInfo | None = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind, string = token.type, token.string
            step = 0
            if kind == tokenize.OP:
                if string in _OPENERS:
                    trailer = previous is not None and (
                        previous.type in (tokenize.NAME, tokenize.STRING)
                        or previous.string in _TRAILER_AFTER
                    )
                    frames[-1] += trailer
                    chained += trailer
                    frames.append(0)
                elif string in _CLOSERS:
                    if len(frames) > 1:
                        chained -= frames.pop()
                elif string in _RESETS:
                    chained -= frames[-1]
                    frames[-1] = 0
                else:
                    step = 1
            elif _chains(token, previous):
                step = 1
            elif kind == tokenize.NEWLINE:
                frames, chained = [0], 0
            frames[-1] += step
            chained += step
            inner = _fstring_depth(string) if kind == tokenize.STRING and "{" in string else 0
            if len(frames) + chained + inner > max_depth:
                raise ParseFailure(
                    f"expression nested too deeply to analyse (over {max_depth} levels)",
                    token.start[0],
                    token.start[1] + 1,
                )
            if kind not in (tokenize.NL, tokenize.COMMENT):
                previous = token
    except (tokenize.TokenError, SyntaxError):
        return
