"""TypeScript and JavaScript parsed with tree-sitter, behind the same guards as every input.

tree-sitter never refuses a file: it recovers from errors and marks them (``ERROR`` and missing
nodes). A file with such a mark is reported as SCAN001 at the first one, because facts read
from a half-understood file could be wrong in either direction. The grammar is chosen by suffix:
TypeScript for ``.ts``/``.mts``/``.cts``, TSX for ``.tsx``, JavaScript (with JSX) for the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from scanner.inputs.guards import ParseFailure

MAX_SOURCE_BYTES = 1_048_576
MAX_NESTING = 400  # tree depth; generated code nested deeper is refused, not walked
TYPESCRIPT = (".ts", ".mts", ".cts")
TSX = (".tsx",)


@cache
def language(grammar: str) -> Any:
    """tree-sitter's language of a grammar ("typescript", "tsx" or "javascript")."""
    import tree_sitter

    if grammar == "javascript":
        import tree_sitter_javascript as language_module

        return tree_sitter.Language(language_module.language())
    import tree_sitter_typescript as language_module

    native = (
        language_module.language_tsx()
        if grammar == "tsx"
        else language_module.language_typescript()
    )
    return tree_sitter.Language(native)


@cache
def _parser(grammar: str) -> Any:
    import tree_sitter

    return tree_sitter.Parser(language(grammar))


def grammar_of(path: str) -> str:
    lowered = path.lower()
    if lowered.endswith(TYPESCRIPT):
        return "typescript"
    if lowered.endswith(TSX):
        return "tsx"
    return "javascript"


def parse(text: str, path: str) -> Any:
    """The syntax tree of a source file; ParseFailure (with a position) when it cannot be read.
    Its depth is checked before it is lowered (``check_depth``)."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > MAX_SOURCE_BYTES:
        raise ParseFailure(
            f"source file is {len(data):,} bytes, over the {MAX_SOURCE_BYTES:,}-byte limit for "
            "TypeScript/JavaScript analysis (exclude generated files in the configuration)"
        )
    tree = _parser(grammar_of(path)).parse(data)
    root = tree.root_node
    if root.has_error:
        raise _error(root, data)
    return tree


def _error(root: Any, data: bytes) -> ParseFailure:
    """The first error or missing node, with what the parser expected there when it knows."""
    for node in walk(root, errors_only=True):
        if node.is_missing:
            what = f"missing '{node.type}'"
        elif node.type == "ERROR":
            token = data[node.start_byte : node.end_byte].decode("utf-8", "replace")
            token = " ".join(token.split())[:40]
            what = f"unexpected '{token}'" if token else "unexpected input"
        else:
            continue
        line, column = position(data, node.start_point)
        return ParseFailure(f"syntax error: {what}", line, column)
    return ParseFailure("syntax error")


def walk(node: Any, errors_only: bool = False) -> Iterator[Any]:
    """Every node below ``node`` in source order (iteratively: no recursion limit)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        children = current.children
        if errors_only:
            children = [c for c in children if c.has_error or c.is_missing]
        stack.extend(reversed(children))


def check_depth(root: Any) -> None:
    """ParseFailure (with a position) for a tree deeper than ``MAX_NESTING``: what the lowering
    walks recursively. tree-sitter itself and the gate's queries read any depth, so only a
    module that is analysed is measured (a fifth of the parse's time on real code)."""
    cursor = root.walk()
    depth = 0
    while True:
        if depth > MAX_NESTING:
            row, column = cursor.node.start_point
            raise ParseFailure(
                f"source nested over {MAX_NESTING} levels deep: not analysed", row + 1, column + 1
            )
        if cursor.goto_first_child():
            depth += 1
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return
            depth -= 1


def position(data: bytes, point: Any) -> tuple[int, int]:
    """1-based line and character column of a tree-sitter point (whose column counts bytes)."""
    row, byte_column = point
    start = 0
    for _ in range(row):
        start = data.index(b"\n", start) + 1
    column = len(data[start : start + byte_column].decode("utf-8", "replace"))
    return row + 1, column + 1
