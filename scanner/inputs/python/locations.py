"""Where a libcst node is, in the terms every fact uses: a Location with a stable snippet."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst
from libcst.metadata import CodeRange

from scanner.model import Location

SNIPPET_LIMIT = 200


class Locator:
    """Turns nodes of one module into Locations (1-based, end column exclusive)."""

    def __init__(
        self,
        positions: dict[cst.CSTNode, CodeRange],
        code_for: Callable[[cst.CSTNode], str],
        path: str,
    ) -> None:
        self.positions = positions
        self.code_for = code_for
        self.path = path

    def text(self, node: cst.CSTNode | None) -> str:
        """The node's source with whitespace collapsed (what messages and values quote)."""
        return " ".join(self.code_for(node).split())[:SNIPPET_LIMIT] if node is not None else ""

    def snippet(self, node: cst.CSTNode) -> str:
        """Stable text of a node for fingerprints: a call is its callee and literal arguments,
        so editing a keyword argument elsewhere in the call does not change the finding's id."""
        if isinstance(node, cst.Call):
            literals = [
                self.code_for(a.value)
                for a in node.args
                if a.keyword is None and isinstance(a.value, cst.SimpleString)
            ]
            call = f"{self.code_for(node.func)}({','.join(literals)})"
            return " ".join(call.split())[:SNIPPET_LIMIT]
        return self.text(node)

    def location(self, node: cst.CSTNode, qualified_name: str = "") -> Location:
        span = self.positions[node]
        return Location(
            path=self.path,
            line=span.start.line,
            column=span.start.column + 1,
            end_line=span.end.line,
            end_column=span.end.column + 1,
            qualified_name=qualified_name,
            snippet=self.snippet(node),
        )

    def line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def after_start(self, node: cst.CSTNode, columns: int) -> tuple[int, int]:
        """(line, 0-based column) of the character ``columns`` after the node's start as it was
        parsed: where a literal's content starts after its quotes. The parsed text of a lowered
        module spells its quotes its own way (a TypeScript template's one backtick is three
        quotes there), so its positions say where that character came from in the source."""
        shifted = getattr(self.positions, "after_start", None)
        if shifted is not None:
            return shifted(node, columns)  # type: ignore[no-any-return]
        start = self.positions[node].start
        return start.line, start.column + columns
