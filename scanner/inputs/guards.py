"""Checks that run before any parser sees a file, so that bad input costs bounded time.

cfn-lint's decoder crashes the interpreter (a segmentation fault, not an exception) on a
50,000-deep document, and walking a YAML alias bomb expands billions of nodes. These guards read
the file once, refuse what no parser should be given, and say why and where (SCAN001).
"""

from __future__ import annotations

import hashlib
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_DEPTH = 200
MAX_ALIAS_EXPANSION = 200_000  # nodes
MAX_ALIAS_BYTES = 4 * 1024 * 1024  # UTF-8 bytes of text
MAX_ALIAS_LOOKUPS = 2_000_000  # steps of cfn-lint's alias path lookup (about 1 s)
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


@dataclass(slots=True)
class _Frame:
    """An open collection of the event stream, with what its aliases cost once resolved."""

    anchor: str | None
    nodes: int = 1  # nodes once aliases are expanded
    size: int = 0  # UTF-8 bytes of its scalars once aliases are expanded
    items: int = 0  # direct entries (keys and values of a mapping)
    aliases: int = 0  # alias events anywhere inside
    first_alias: Any = None  # the mark of the first of them


@dataclass
class _AliasCost:
    """Running totals of what the aliases of one document cost its consumers."""

    nodes: dict[str, int] = field(default_factory=dict)  # per anchor, expanded
    sizes: dict[str, int] = field(default_factory=dict)  # per anchor, expanded bytes
    expanded_nodes: int = 0
    expanded_bytes: int = 0
    lookups: int = 0


def _utf8_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _at(mark: Any, reason: str) -> ParseFailure:
    return ParseFailure(reason, mark.line + 1, mark.column + 1)


def _alias(frame: _Frame, cost: _AliasCost, event: Any) -> None:
    """Charge an alias: the nodes and bytes it stands for, anchored where it is used."""
    nodes = cost.nodes.get(event.anchor, 1)
    size = cost.sizes.get(event.anchor, 0)
    cost.expanded_nodes += nodes
    cost.expanded_bytes += size
    frame.nodes += nodes
    frame.size += size
    frame.items += 1
    frame.aliases += 1
    frame.first_alias = frame.first_alias or event.start_mark
    if cost.expanded_nodes > MAX_ALIAS_EXPANSION:
        raise _at(
            event.start_mark,
            f"YAML aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes (alias bomb)",
        )
    if cost.expanded_bytes > MAX_ALIAS_BYTES:
        raise _at(
            event.start_mark,
            f"YAML aliases expand to more than {MAX_ALIAS_BYTES:,} bytes (alias bomb)",
        )


def _close(frame: _Frame, parent: _Frame, cost: _AliasCost) -> None:
    """A collection ended: record its anchor, hand its totals up, charge its alias lookups.

    cfn-lint locates every alias by walking down from the root through the entries of each
    collection around it, so a collection costs (aliases inside) x (its entries).
    """
    if frame.anchor:
        cost.nodes[frame.anchor] = frame.nodes
        cost.sizes[frame.anchor] = frame.size
    parent.nodes += frame.nodes
    parent.size += frame.size
    parent.items += 1
    parent.aliases += frame.aliases
    parent.first_alias = parent.first_alias or frame.first_alias
    cost.lookups += frame.aliases * frame.items
    if cost.lookups > MAX_ALIAS_LOOKUPS:
        raise _at(
            frame.first_alias,
            f"too many YAML aliases to locate ({frame.aliases:,} aliases in a collection of "
            f"{frame.items:,} entries; at most {MAX_ALIAS_LOOKUPS:,} lookup steps)",
        )


def check_structure(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuse documents nested deeper than ``max_depth`` or whose aliases cost too much.

    Uses PyYAML's event stream (libyaml when available), which builds no tree and does not
    recurse, so it is safe on exactly the inputs the real parser is not. JSON is YAML here.
    Syntax errors are left for the real parser to report with its own message.

    Aliases are bounded three ways, each measured where it hurts: the nodes they expand to
    (walks of the tree), the bytes they expand to (a 1 MB anchored scalar aliased a thousand
    times is a few nodes but gigabytes once copied into facts), and the steps cfn-lint takes
    to locate them (per alias, a walk over the entries of every collection around it, so
    ``[*e, *e, ...]`` costs the square of its length: 60 KB took minutes). The CloudFormation
    service rejects templates with aliases (aws-cli's ``cloudformation package`` and SAM
    unroll them before upload, and cfn-lint warns, W1101), so legitimate templates use a
    handful; none comes near these limits.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    cost = _AliasCost()
    stack = [_Frame(None)]
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.ScalarEvent):  # the most frequent event first
                frame = stack[-1]
                size = _utf8_size(event.value)
                if event.anchor:
                    cost.nodes[event.anchor] = 1
                    cost.sizes[event.anchor] = size
                frame.nodes += 1
                frame.size += size
                frame.items += 1
            elif isinstance(event, yaml.CollectionStartEvent):
                if len(stack) > max_depth:
                    raise _at(event.start_mark, f"document nested deeper than {max_depth} levels")
                stack.append(_Frame(event.anchor))
            elif isinstance(event, yaml.CollectionEndEvent):
                frame = stack.pop()
                _close(frame, stack[-1], cost)
            elif isinstance(event, yaml.AliasEvent):
                _alias(stack[-1], cost, event)
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


def _formatted(string: str) -> bool:
    """An f-string token (its replacement fields nest); any other string's braces are text."""
    prefix = string[: len(string) - len(string.lstrip("rRbBuUfF"))]
    return "{" in string and "f" in prefix.lower()


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
            inner = _fstring_depth(string) if kind == tokenize.STRING and _formatted(string) else 0
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
