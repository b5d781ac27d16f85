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

    visits_attributes = False  # see on_visit_attribute

    def __init__(self, *collectors: cst.CSTVisitor) -> None:
        for collector in collectors:
            kind = type(collector)
            if (kind.on_visit, kind.on_leave) != (cst.CSTVisitor.on_visit, cst.CSTVisitor.on_leave):
                raise TypeError(f"{kind.__name__} overrides on_visit/on_leave")
        self.collectors = collectors
        self.paused_at: list[cst.CSTNode | None] = [None] * len(collectors)
        self.paused = 0  # how many collectors are paused (each below a node it pruned)
        self.hooks: dict[type, tuple[Hooks, Hooks]] = {}

    def _hooks(self, kind: type) -> tuple[Hooks, Hooks]:
        """(index, hook) of the collectors with a ``visit_``/``leave_`` method for nodes of this
        type, looked up once per type: most types have none, and then a node costs nothing."""
        found = self.hooks.get(kind)
        if found is None:
            name = kind.__name__
            visits = _declared_all(self.collectors, f"visit_{name}")
            leaves = _declared_all(self.collectors, f"leave_{name}")
            found = self.hooks[kind] = (visits, leaves)
        return found

    def on_visit(self, node: cst.CSTNode) -> bool:
        paused_at = self.paused_at
        for index, visit in self._hooks(type(node))[0]:
            if paused_at[index] is None and visit(node) is False:
                paused_at[index] = node
                self.paused += 1
        return self.paused < len(paused_at)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        paused_at = self.paused_at
        if self.paused:  # a collector that pruned this node sees its leave_ and goes on
            for index, paused in enumerate(paused_at):
                if paused is original_node:
                    paused_at[index] = None
                    self.paused -= 1
        for index, leave in self._hooks(type(original_node))[1]:
            if paused_at[index] is None:
                leave(original_node)

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None


Hooks = tuple[tuple[int, Callable[[cst.CSTNode], object]], ...]


def _declared_all(collectors: tuple[cst.CSTVisitor, ...], name: str) -> Hooks:
    found = ((i, _declared(c, name)) for i, c in enumerate(collectors))
    return tuple((i, hook) for i, hook in found if hook is not None)
