"""Collectors sharing one walk see exactly what they would see walking alone."""

from __future__ import annotations

import libcst as cst

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
    """Records every visit and leave; prunes below the node types it is given."""

    def __init__(self, *prune: type[cst.CSTNode]) -> None:
        self.prune = prune
        self.seen: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.seen.append(f"visit {type(node).__name__}")
        return not isinstance(node, self.prune)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.seen.append(f"leave {type(original_node).__name__}")


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
