"""A TS/JS module's facts: parsed by tree-sitter, lowered, read by the Python input's collectors.

What the module means is decided once, by the collectors of ``scanner.inputs.python`` reading
the lowering (``lower``); what it looks like stays the source's: every position and every
quoted text is mapped back through the lowering's source map, and suppressions are read from
the source's own comments (``// dsql-scan: ignore[RDS008] reason``, ``/* ... */``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.facts import FileFacts
from scanner.inputs.guards import ParseFailure
from scanner.inputs.python import module as python_module
from scanner.inputs.typescript import gate, parse
from scanner.inputs.typescript.lower import SourceMap, lower
from scanner.model import Location, Suppression

if TYPE_CHECKING:
    from scanner.config import Config

COMMENT_MARKERS = ("//", "/*", "*")
MARKER = python_module.SUPPRESSION_WORD.encode()  # what every suppression says


class MappedPositions(Mapping[Any, Any]):
    """The lowered module's node positions, as positions in the source (computed on demand)."""

    def __init__(self, positions: Mapping[Any, Any], source_map: SourceMap) -> None:
        self.positions = positions
        self.map = source_map
        self._mapped: dict[Any, Any] = {}

    def __getitem__(self, node: Any) -> Any:
        found = self._mapped.get(node)
        if found is None:
            from libcst.metadata import CodePosition, CodeRange

            span = self.positions[node]
            start = self.map.source(span.start.line, span.start.column)
            end = self.map.source(span.end.line, span.end.column, end=True)
            if end < start:
                end = start
            found = self._mapped[node] = CodeRange(CodePosition(*start), CodePosition(*end))
        return found

    def after_start(self, node: Any, columns: int) -> tuple[int, int]:
        """The source position of the lowered character ``columns`` after the node's start (a
        template's content starts after three quotes in the lowering, after one backtick in the
        source)."""
        start = self.positions[node].start
        return self.map.source(start.line, start.column + columns)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.positions)

    def __len__(self) -> int:
        return len(self.positions)


def _view(source_map: SourceMap, lines: list[str]) -> Callable[..., Any]:
    def view(positions: Mapping[Any, Any], code_for: Callable[[Any], str]) -> tuple[Any, Any]:
        mapped = MappedPositions(positions, source_map)

        def source_text(node: Any) -> str:
            span = mapped[node]
            return _slice(lines, span.start.line, span.start.column, span.end.line, span.end.column)

        return mapped, source_text

    return view


def _slice(lines: list[str], line: int, column: int, end_line: int, end_column: int) -> str:
    if not 0 < line <= len(lines):
        return ""
    if end_line == line:
        return lines[line - 1][column:end_column]
    parts = [lines[line - 1][column:]]
    parts += lines[line : end_line - 1]
    if end_line <= len(lines):
        parts.append(lines[end_line - 1][:end_column])
    return "\n".join(parts)


def facts_of(
    text: str, path: str, config: Config | None = None, in_app: bool = False
) -> tuple[FileFacts, tuple[Suppression, ...]]:
    """Facts and suppressions of one TS/JS file; ParseFailure when it cannot be read.

    Every file is parsed (its syntax check); only a module the gate lets through
    (``scanner.inputs.typescript.gate``: its words, then the tree just built) is lowered and
    analysed. ``in_app``: the file lies in a CDK app, where its symbol links are followed."""
    tree = parse.parse(text, path)
    if not gate.matters(text, path, tree, parse.grammar_of(path), gate.scope_of(config, in_app)):
        return FileFacts(kind="app", path=path), ()
    return analysed(tree, text, path)


def analysed(tree: Any, text: str, path: str) -> tuple[FileFacts, tuple[Suppression, ...]]:
    """The full analysis of a parsed module, whatever the gate says (its soundness test)."""
    parse.check_depth(tree.root_node)
    data = text.encode("utf-8", "surrogatepass")
    lines = text.splitlines()
    try:
        facts = _lowered_facts(tree, data, path, lines)
    except ParseFailure:
        raise
    except RecursionError:
        raise ParseFailure("source nested too deeply to analyse") from None
    except Exception as exc:  # a construct the lowering misreads: say so, never guess
        raise ParseFailure(
            f"could not analyse this file ({type(exc).__name__} while reading it as "
            "TypeScript/JavaScript); please report it"
        ) from None
    return facts, tuple(_suppressions(tree, data, path, lines))


def _lowered_facts(tree: Any, data: bytes, path: str, lines: list[str]) -> FileFacts:
    import libcst as cst

    lowered = lower(tree, data)
    module = cst.parse_module(lowered.code)
    view = _view(lowered.map, lines)
    return python_module.extract_lowered(module, path, lowered.code, view)[0]


def _suppressions(tree: Any, data: bytes, path: str, lines: list[str]) -> Iterator[Suppression]:
    """``// dsql-scan: ignore[...]`` comments; a module without the marker has none, and its
    tree is not walked for them (most analysed modules)."""
    if MARKER not in data.lower():
        return
    for node in parse.walk(tree.root_node):
        if node.type != "comment":
            continue
        raw = data[node.start_byte : node.end_byte].decode("utf-8", "replace")
        body = raw[2:-2] if raw.startswith("/*") else raw[2:]
        line, column = parse.position(data, node.start_point)
        location = Location(path=path, line=line, column=column, snippet=raw.strip()[:200])
        yield from python_module.suppressions_of(
            "# " + body.strip().lstrip("*").strip(), location, lines, COMMENT_MARKERS
        )


def parser_free(path: Path) -> bool:
    """A module the gate skips needs no libcst (the expensive half of this input): a hint for
    what a run imports ahead, judged with the default settings outside any CDK app."""
    try:
        with path.open("rb") as handle:
            text = handle.read(parse.MAX_SOURCE_BYTES + 1).decode("utf-8", "replace")
    except OSError:
        return False
    verdict = gate.by_words(text, str(path))
    if verdict is not None:
        return not verdict
    try:
        tree = parse.parse(text, str(path))
    except ParseFailure:
        return True  # refused before any analysis
    return not gate.by_syntax(tree, parse.grammar_of(str(path)), text)
