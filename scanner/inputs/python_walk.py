"""One walk of a module's tree for several read-only collectors.

libcst rebuilds every node it visits (its visitors are also transformers), so a walk costs about
the same whatever the visitor does: some 20 ms for a 200-line module. The collectors that only
read the tree therefore share one walk. Each keeps its own pruning: a collector whose
``visit_X`` returns False sees neither that node's children nor anything else until the
``leave_X`` of that same node, exactly as in a walk of its own.

Attribute-level hooks (``visit_Call_func``) are not dispatched: no collector defines one, and
looking them up costs a walk about a third of its time.
"""

from __future__ import annotations

import libcst as cst


class Together(cst.CSTVisitor):
    """Visit with every collector in one walk (see the module docstring)."""

    def __init__(self, *collectors: cst.CSTVisitor) -> None:
        self.collectors = collectors
        self.paused_at: list[cst.CSTNode | None] = [None] * len(collectors)

    def on_visit(self, node: cst.CSTNode) -> bool:
        for index, collector in enumerate(self.collectors):
            if self.paused_at[index] is None and not collector.on_visit(node):
                self.paused_at[index] = node
        return any(paused is None for paused in self.paused_at)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        for index, collector in enumerate(self.collectors):
            paused = self.paused_at[index]
            if paused is None or paused is original_node:
                self.paused_at[index] = None
                collector.on_leave(original_node)

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None
