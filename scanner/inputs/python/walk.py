"""One walk for several read-only collectors (``Together``).

The collectors that only read the tree share one walk. Each keeps its own pruning: a collector
whose ``visit_X`` returns False sees neither that node's children nor anything else until the
``leave_X`` of that same node, exactly as in a walk of its own. The walk looks up each
collector's ``visit_X``/``leave_X`` once per node type, not once per node as
``CSTVisitor.on_visit`` does, and skips the ones a collector does not declare; so collectors must
not override ``on_visit``/``on_leave``. Attribute-level hooks (``visit_Call_func``) are not
dispatched: no collector defines one, and looking them up costs a walk about a third of its time.

Walks of a module's analysis read the tree in place (``scanner.fastpaths.walks_in_place``).
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

Hook = Callable[[cst.CSTNode], object] | None


def _declared(collector: cst.CSTVisitor, name: str) -> Hook:
    """The collector's own hook, or None where it only has libcst's do-nothing default (which
    ``CSTVisitor`` declares for every node type, so most calls would otherwise do nothing)."""
    hook = getattr(collector, name, None)
    default = getattr(cst.CSTVisitor, name, None)
    if hook is None or getattr(hook, "__func__", None) is default:
        return None
    return hook


class Together(cst.CSTVisitor):
    """Visit with every collector in one walk (see the module docstring)."""

    def __init__(self, *collectors: cst.CSTVisitor) -> None:
        for collector in collectors:
            kind = type(collector)
            if (kind.on_visit, kind.on_leave) != (cst.CSTVisitor.on_visit, cst.CSTVisitor.on_leave):
                raise TypeError(f"{kind.__name__} overrides on_visit/on_leave")
        self.collectors = collectors
        self.paused_at: list[cst.CSTNode | None] = [None] * len(collectors)
        self.hooks: dict[type, tuple[tuple[Hook, Hook], ...]] = {}

    def _hooks(self, kind: type) -> tuple[tuple[Hook, Hook], ...]:
        """Each collector's (visit, leave) methods for nodes of this type (None: no method)."""
        found = self.hooks.get(kind)
        if found is None:
            name = kind.__name__
            found = tuple(
                (_declared(c, f"visit_{name}"), _declared(c, f"leave_{name}"))
                for c in self.collectors
            )
            self.hooks[kind] = found
        return found

    def on_visit(self, node: cst.CSTNode) -> bool:
        paused_at = self.paused_at
        for index, (visit, _) in enumerate(self._hooks(type(node))):
            if paused_at[index] is None and visit is not None and visit(node) is False:
                paused_at[index] = node
        return any(paused is None for paused in paused_at)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        paused_at = self.paused_at
        for index, (_, leave) in enumerate(self._hooks(type(original_node))):
            paused = paused_at[index]
            if paused is None or paused is original_node:
                paused_at[index] = None
                if leave is not None:
                    leave(original_node)

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None
