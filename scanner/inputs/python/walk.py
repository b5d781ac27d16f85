"""Read-only walks of a module's tree: in place, and one walk for several collectors.

libcst rebuilds every node it visits, even for a ``CSTVisitor`` that only reads (its walk is
the transformers' walk, whose result a visitor throws away). A module's analysis walks the tree
five times (libcst's scope, expression-context and batched metadata visitors, then ours), so
inside ``in_place`` a read-only visitor's walk reads each node's children where they are: the
same calls to the visitor, in the same order, without the rebuilding (a third of the analysis).

The collectors that only read the tree also share one walk (``Together``). Each keeps its own
pruning: a collector whose ``visit_X`` returns False sees neither that node's children nor
anything else until the ``leave_X`` of that same node, exactly as in a walk of its own.
The walk looks up each collector's ``visit_X``/``leave_X`` once per node type, not once per
node as ``CSTVisitor.on_visit`` does, and skips the ones a collector does not declare; so
collectors must not override ``on_visit``/``on_leave``.
Attribute-level hooks (``visit_Call_func``) are not dispatched: no collector defines one, and
looking them up costs a walk about a third of its time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import cast

import libcst as cst

Hook = Callable[[cst.CSTNode], object] | None

_libcst_visit = cst.CSTNode.visit
# The node types whose walk visits a field only when it is set (an f-string's format spec), so
# that one node cannot show which fields the type's walk visits: they keep libcst's own walk.
# A test reads libcst's source to keep this complete.
VISITED_WHEN_SET = frozenset({"FormattedStringExpression", "TemplatedStringExpression"})
# Per node type, the fields libcst's own walk visits, in its (lexical) order; None for the above.
_FIELDS: dict[type, tuple[str, ...] | None] = {}
_READS_ONLY: dict[type, bool] = {}  # per visitor type: is it a CSTVisitor (an ABC: slow to ask)


@contextmanager
def in_place() -> Iterator[None]:
    """Within this block, every ``CSTVisitor`` walk reads the tree in place (see above).

    Transformers are untouched. Re-entering the block is harmless; leaving the outermost one
    restores libcst's own walk, also when the walk raised (a RecursionError on deep code). The
    switch is process-wide while the block runs, but it changes no visitor's calls, so a walk in
    another thread only runs faster or slower, never differently.
    """
    if cst.CSTNode.visit is _visit_in_place:
        yield
        return
    cst.CSTNode.visit = _visit_in_place  # type: ignore[method-assign]
    try:
        yield
    finally:
        cst.CSTNode.visit = _libcst_visit  # type: ignore[method-assign]


def _visit_in_place(self: cst.CSTNode, visitor: cst.CSTVisitorT) -> cst.CSTNode:
    """``CSTNode.visit``: a read-only visitor's walk reads the tree in place; others rebuild."""
    reads_only = _READS_ONLY.get(type(visitor))
    if reads_only is None:
        reads_only = _READS_ONLY[type(visitor)] = isinstance(visitor, cst.CSTVisitor)
    if not reads_only:
        return _libcst_visit(self, visitor)
    reader = cast(cst.CSTVisitor, visitor)
    _walk(
        self,
        reader,
        reader.on_visit,
        reader.on_visit_attribute,
        reader.on_leave_attribute,
        reader.on_leave,
    )
    return self


def _walk(
    node: cst.CSTNode,
    visitor: cst.CSTVisitor,
    on_visit: Callable[[cst.CSTNode], bool],
    on_visit_attribute: Callable[[cst.CSTNode, str], None],
    on_leave_attribute: Callable[[cst.CSTNode, str], None],
    on_leave: Callable[[cst.CSTNode], None],
) -> None:
    """The calls libcst's walk makes to a visitor, in its order, without rebuilding a node.

    libcst visits a field's nodes between ``on_visit_attribute`` and ``on_leave_attribute``
    (and calls both for an empty optional field too); ``on_visit`` returning False skips the
    children; ``on_leave`` gets the node itself. Hooks for the visitor's methods are taken once
    per walk (a visitor that calls ``node.visit(self)`` from a hook starts a walk of its own).
    Parsed trees hold their children in tuples and lists.
    """
    kind = type(node)
    fields = _FIELDS[kind] if kind in _FIELDS else _fields_of(node)
    if fields is None:  # a type whose own walk must decide; its children come back here
        _libcst_visit(node, visitor)
        return
    if on_visit(node):
        for name in fields:
            on_visit_attribute(node, name)
            value = getattr(node, name)
            if type(value) is tuple or type(value) is list:
                for child in value:
                    _walk(
                        child, visitor, on_visit, on_visit_attribute, on_leave_attribute, on_leave
                    )
            elif value is not None and type(value) is not cst.MaybeSentinel:
                _walk(value, visitor, on_visit, on_visit_attribute, on_leave_attribute, on_leave)
            on_leave_attribute(node, name)
    on_leave(node)


class _FieldRecorder(cst.CSTVisitor):
    """Notes the fields a node's own walk visits, in order, without going below them."""

    def __init__(self) -> None:
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        return None

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.fields.append(attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None


def _fields_of(node: cst.CSTNode) -> tuple[str, ...] | None:
    """The fields libcst's walk of this node's type visits, learnt once from the node itself."""
    kind = type(node)
    if kind.__name__ in VISITED_WHEN_SET:
        fields = None
    else:
        recorder = _FieldRecorder()
        node._visit_and_replace_children(recorder)
        fields = tuple(recorder.fields)
    _FIELDS[kind] = fields
    return fields


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
