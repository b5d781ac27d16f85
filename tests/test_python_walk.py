"""Read-only walks: in place they make libcst's own calls; collectors sharing one walk see
exactly what they would see walking alone."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from scanner.fastpaths import VISITED_WHEN_SET, walks_in_place
from scanner.inputs.guards import ParseFailure
from scanner.inputs.python import module as python
from scanner.inputs.python.walk import Together
from tests.real_code import real_modules

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


# -- in-place walks: the same calls as libcst's own walk, without rebuilding --------------------

EVERY_SHAPE = """
from . import a
from .b import *
from c import (d as e, f)
x: int = 1
y = f"{x!r:>{width}} {x=} {x:.2f} {x}"
z = lambda q, *r, s=1, **t: (q, r, s, t)
class C(Base, metaclass=Meta):
    @decorated
    async def m(self, /, a, *, b=None) -> None:
        async with ctx() as c, other():
            async for i in c:
                yield [j for j in i if j] or {k: v for k, v in i}
        del a[1:2, ::3]
        global g
        try:
            pass
        except* (E, F) as err:
            raise X from err
        finally:
            return
match point:
    case Point(x=0, y=[1, *rest]) | {"k": _} if rest:
        pass
"""


class Tracer(cst.CSTVisitor):
    """Records every call a walk makes to it. Like libcst's scope visitor, it walks some
    children itself from a hook (a class's body) and prunes there; it also prunes lambdas."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, object]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.calls.append(("visit", type(node).__name__, id(node)))
        if isinstance(node, cst.ClassDef):
            node.body.visit(self)
            return False
        return not isinstance(node, cst.Lambda)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.calls.append(("leave", type(original_node).__name__, id(original_node)))

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.calls.append(("enter", type(node).__name__, attribute))

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        self.calls.append(("exit", type(original_node).__name__, attribute))


def traced(module: cst.Module) -> list[tuple[str, str, object]]:
    tracer = Tracer()
    assert module.visit(tracer) is module
    return tracer.calls


def test_an_in_place_walk_makes_libcsts_calls_in_libcsts_order():
    module = cst.parse_module(EVERY_SHAPE)
    libcsts = traced(module)
    with walks_in_place():
        ours = traced(module)
    assert ours == libcsts
    kinds = {kind for _, kind, _ in libcsts}
    assert {"FormattedStringExpression", "MatchOr", "ImportStar", "Lambda", "ClassDef"} <= kinds
    assert ("enter", "FormattedStringExpression", "format_spec") in libcsts


def test_a_walk_in_place_skips_the_attribute_hooks_of_a_visitor_that_has_none():
    """``visits_attributes = False`` (``Together``): the same node calls, and attribute calls
    only from libcst's own walk of the types that keep it."""

    class Quiet(Tracer):
        visits_attributes = False

    module = cst.parse_module(EVERY_SHAPE)
    libcsts = traced(module)
    quiet = Quiet()
    with walks_in_place():
        module.visit(quiet)
    nodes = [call for call in quiet.calls if call[0] in ("visit", "leave")]
    assert nodes == [call for call in libcsts if call[0] in ("visit", "leave")]
    attributes = {kind for call, kind, _ in quiet.calls if call in ("enter", "exit")}
    assert attributes <= VISITED_WHEN_SET
    assert len(quiet.calls) < len(libcsts) * 0.6
    assert Together.visits_attributes is False


@pytest.mark.parametrize("path", real_modules(), ids=lambda p: p.name)
def test_in_place_walks_of_real_modules_make_the_same_calls(path):
    try:
        module = cst.parse_module(path.read_bytes())
    except cst.ParserSyntaxError:
        pytest.skip("libcst does not parse it")
    libcsts = traced(module)
    with walks_in_place():
        assert traced(module) == libcsts


def test_the_types_that_keep_libcsts_walk_are_all_those_whose_walk_depends_on_values():
    """libcst's source decides: a walk that visits a field under a condition (``x if c else
    None``) cannot be learnt from one node; choosing between two visits of a field can."""
    nodes = Path(cst.__file__).parent / "_nodes"
    conditional = set()
    for source in sorted(nodes.glob("*.py")):
        for cls in ast.walk(ast.parse(source.read_text())):
            if not isinstance(cls, ast.ClassDef):
                continue
            for method in cls.body:
                if getattr(method, "name", "") != "_visit_and_replace_children":
                    continue
                for branch in ast.walk(method):
                    if isinstance(branch, ast.IfExp | ast.If) and _visits(branch.body) != _visits(
                        branch.orelse
                    ):
                        conditional.add(cls.name)
    assert conditional == VISITED_WHEN_SET


def _visits(part: ast.AST | list[ast.stmt]) -> set[str]:
    """The fields a piece of ``_visit_and_replace_children`` hands to libcst's visit_* helpers."""
    parts = part if isinstance(part, list) else [part]
    return {
        call.args[1].value
        for piece in parts
        for call in ast.walk(piece)
        if isinstance(call, ast.Call)
        and getattr(call.func, "id", "").startswith("visit_")
        and isinstance(call.args[1], ast.Constant)
    }


class Renamer(cst.CSTTransformer):
    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return updated_node.with_changes(value=updated_node.value.upper())


def test_transformers_still_rebuild_inside_the_block():
    module = cst.parse_module("a = b(c)\n")
    with walks_in_place():
        assert module.visit(Renamer()).code == "A = B(C)\n"


def test_leaving_the_block_restores_libcsts_walk_even_after_an_error():
    libcsts = cst.CSTNode.visit
    with walks_in_place():
        with walks_in_place():  # re-entered: the inner exit must not restore too early
            pass
        assert cst.CSTNode.visit is not libcsts
    assert cst.CSTNode.visit is libcsts
    with pytest.raises(RecursionError), walks_in_place():
        raise RecursionError
    assert cst.CSTNode.visit is libcsts


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in real_modules()
        if {"site-packages", "tests"}.isdisjoint(p.parts[:-1])
        and not python.inert(p.read_text(errors="replace"))
    ],
    ids=lambda p: p.name,
)
def test_facts_of_real_modules_are_the_same_with_walks_in_place(path):
    """The calls are compared on every module above; the facts on this project's own code
    and examples."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        module = python.parse(text)
    except ParseFailure:
        pytest.skip("does not parse")
    assert python.extract(module, "m.py", text) == python._extract(module, "m.py", text)
