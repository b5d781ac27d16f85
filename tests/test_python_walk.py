"""Collectors sharing one walk see exactly what they would see walking alone."""

from __future__ import annotations

import libcst as cst
import pytest

from scanner.inputs.python_walk import Together

SOURCE = """
def outer(a):
    def inner(b):
        return call(b)
    return inner(call(a))

class Box:
    value = call(1)
"""


class Recorder(cst.CSTVisitor):
    """Records every visit and leave; prunes below the node types it is given.

    It declares a ``visit_X`` and a ``leave_X`` for every node type X (below), as collectors
    declare theirs.
    """

    def __init__(self, *prune: type[cst.CSTNode]) -> None:
        self.prune = prune
        self.seen: list[str] = []


def _recording(event: str, kind: str):
    def hook(self: Recorder, node: cst.CSTNode) -> bool:
        self.seen.append(f"{event} {kind}")
        return not isinstance(node, self.prune)

    return hook


for _name in dir(cst.CSTVisitor):
    _event, _, _kind = _name.partition("_")
    if _event in ("visit", "leave") and _kind[:1].isupper() and "_" not in _kind:
        setattr(Recorder, _name, _recording(_event, _kind))


def alone(*prune: type[cst.CSTNode]) -> list[str]:
    recorder = Recorder(*prune)
    cst.parse_module(SOURCE).visit(recorder)
    return recorder.seen


def test_each_collector_sees_what_it_would_see_alone():
    collectors = [Recorder(), Recorder(cst.FunctionDef), Recorder(cst.Call), Recorder(cst.Module)]
    cst.parse_module(SOURCE).visit(Together(*collectors))
    for collector in collectors:
        assert collector.seen == alone(*collector.prune)
    everything, pruned = collectors[0].seen, collectors[1].seen
    assert "visit Name" in everything and len(pruned) < len(everything)
    assert pruned.count("visit FunctionDef") == pruned.count("leave FunctionDef") == 1
    assert collectors[3].seen == ["visit Module", "leave Module"]


def test_the_walk_stops_descending_once_every_collector_pruned():
    class Counting(Together):
        nodes = 0

        def on_visit(self, node: cst.CSTNode) -> bool:
            Counting.nodes += 1
            return super().on_visit(node)

    definitions = (cst.FunctionDef, cst.ClassDef)
    cst.parse_module(SOURCE).visit(Counting(Recorder(*definitions), Recorder(*definitions)))
    visited_alone = len(alone(*definitions)) // 2  # one visit and one leave per node
    assert Counting.nodes == visited_alone < len(alone()) // 2


def test_a_collector_that_overrides_on_visit_is_refused():
    class Own(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            return True

    with pytest.raises(TypeError, match="Own overrides"):
        Together(Recorder(), Own())


class Definitions(cst.CSTVisitor):
    """Declares two hooks only: function names, and no look inside classes."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.append(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


def test_a_collector_with_few_hooks_sees_what_it_would_see_alone():
    source = SOURCE + "class Other:\n    def hidden(self):\n        pass\n"
    walked = Definitions()
    cst.parse_module(source).visit(Together(walked, Recorder()))
    solo = Definitions()
    cst.parse_module(source).visit(solo)
    assert walked.names == solo.names == ["outer", "inner"]
