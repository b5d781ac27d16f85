"""Checks that run before any parser sees a file, so that bad input costs bounded time.

cfn-lint's decoder crashes the interpreter (a segmentation fault, not an exception) on a
50,000-deep document, and walking a YAML alias bomb expands billions of nodes. These guards read
the file once, refuse what no parser should be given, and say why and where (SCAN001).
"""

from __future__ import annotations

import hashlib
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
