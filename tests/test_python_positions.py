"""Statements placed where CPython's tree says they start give libcst's positions exactly.

``scanner.inputs.python.positions`` generates only the statements a module's facts point into;
these tests ask for nodes in random order and compare every answer with libcst's pass over the
whole module, on every kind of statement and on real code, and check that the facts of real
modules are the same either way.
"""

from __future__ import annotations

import random

import libcst as cst
import pytest

from scanner import fastpaths
from scanner.inputs.guards import ParseFailure
from scanner.inputs.python import module as python
from scanner.inputs.python.positions import Noting, StatementPositions, places_of
from scanner.inputs.python.values import BindingCollector, Bindings
from tests.real_code import pypi_modules, real_modules

# The kinds of node facts point at (calls, names, literals, definitions, arguments).
LOCATED = (
    cst.Call,
    cst.Name,
    cst.Attribute,
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.FormattedString,
    cst.FunctionDef,
    cst.ClassDef,
    cst.Param,
    cst.Arg,
    cst.If,
    cst.ExceptHandler,
)

EVERY_STATEMENT = '''\
import os  # a comment
@decorator(  arg = 1)
@ other . thing
async  def f(a, b=g(x), *args, c: int = h(), **kw) -> r(s):
    """doc"""
    x = call(1,
             2); y = other(3) ;
    if x: z = q(u)
    elif  y and w(v):
        pass
    else:
        try:
            risky(\u00e9, "\u00fcn\u00ef", f"{a}{b!r}")
        except (E, F) as e:
            log.error("x %s", e)
        finally:
            done()
    try:
        pass
    except* G as g:
        handle(g)
    with open(p) as fh, ctx() as c2:
        data = fh.read()
    for i in range(10): total += i
    else: end(total)
    while cond(): step()
    del a[0], b
    global G2
    assert check(x), "message"
    raise Error(x) from cause
    return (yield from gen())
class C(Base, metaclass=M):
\tattr: int = make()
\tdef m(self): return self.attr.call()
lambda q: q(1)
if a:
    if b:
        deep(
            1,
        )
# a comment at the end
'''

MATCH = """\
match command.split():
    case [action, obj] if known(action):
        act(action, obj)
    case _:
        other()
"""


def _placed(text: str) -> tuple[cst.Module, Noting, StatementPositions, list[int]]:
    """A module, the walk that noted its statements, its placed positions, and how many times
    they fell back to libcst's pass over the whole module."""
    module = cst.parse_module(text)
    with fastpaths.walks_in_place():
        walk = Noting(BindingCollector(Bindings()))
        module.visit(walk)
    tree = python.cpython_tree(text)
    assert tree is not None
    wholes: list[int] = []

    def whole():
        wholes.append(1)
        return fastpaths.positions_of(module)

    places = places_of(tree)
    return module, walk, StatementPositions(module, places, text, walk.owners, whole), wholes


def _asked_in_random_order(text: str, seed: int = 0) -> tuple[list, list[int], int]:
    """(nodes whose placed position differs from libcst's, fallbacks, nodes asked)."""
    module, walk, positions, wholes = _placed(text)
    expected = fastpaths.positions_of(module)
    nodes = [node for node in walk.owners if isinstance(node, LOCATED)]
    random.Random(seed).shuffle(nodes)
    wrong = [node for node in nodes if positions[node] != expected[node]]
    return wrong, wholes, len(nodes)


def test_every_kind_of_statement_is_placed_exactly_without_the_whole_pass():
    for seed in range(5):
        wrong, wholes, asked = _asked_in_random_order(EVERY_STATEMENT, seed)
        assert asked > 150
        assert wrong == []
        assert wholes == []  # every node was placed by generating its statement alone


def test_a_statement_is_generated_only_up_to_the_node_asked_about():
    text = "names = [" + ", ".join(f"item{i}" for i in range(500)) + "]\nother = 1\n"
    module, _, positions, wholes = _placed(text)
    expected = fastpaths.positions_of(module)
    target = module.body[0].body[0].targets[0].target
    assert positions[target] == expected[target]
    assert len(positions.spans) < 10  # not the 500 names of the list
    last = module.body[0].body[0].value.elements[-1].value
    assert positions[last] == expected[last]
    assert wholes == []


def test_a_case_pattern_is_located_by_libcsts_pass_and_is_right():
    wrong, wholes, _ = _asked_in_random_order(MATCH)
    assert wrong == []
    assert wholes == [1]  # a pattern's clause has no position in CPython's tree: once


def test_trees_that_disagree_fall_back_to_libcsts_pass():
    text = "a = f(1)\nb = g(2)\n"
    module = cst.parse_module(text)
    with fastpaths.walks_in_place():
        walk = Noting(BindingCollector(Bindings()))
        module.visit(walk)
    other = python.cpython_tree("a = f(1)\n")  # one statement fewer
    assert other is not None
    expected = fastpaths.positions_of(module)
    positions = StatementPositions(module, places_of(other), text, walk.owners, lambda: expected)
    call = next(node for node in walk.owners if isinstance(node, cst.Call))
    assert positions[call] == expected[call]
    assert positions.everything is expected


def test_a_statement_whose_code_is_not_the_text_there_is_not_placed():
    """Were CPython's tree of another text (the same statements, elsewhere), the check of the
    generated code against the source text refuses the placement."""
    text = "x = 1\ny = call(2)\n"
    shifted = "\n\nx = 1\ny = call(2)\n"
    module = cst.parse_module(text)
    with fastpaths.walks_in_place():
        walk = Noting(BindingCollector(Bindings()))
        module.visit(walk)
    expected = fastpaths.positions_of(module)
    tree = python.cpython_tree(shifted)
    positions = StatementPositions(module, places_of(tree), text, walk.owners, lambda: expected)
    call = next(node for node in walk.owners if isinstance(node, cst.Call))
    assert positions[call] == expected[call]
    assert positions.everything is expected


def _sample() -> list:
    """This project's modules and the installed libraries' slice, and every eighth module of
    the benchmark's PyPI corpora (whose analysed modules are compared whole below)."""
    return [*real_modules(), *pypi_modules()[1::8]]


@pytest.mark.parametrize("path", _sample(), ids=str)
def test_placed_positions_are_libcsts_on_real_modules(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    if python.cpython_tree(text) is None:
        pytest.skip("CPython refuses it: libcst's pass places it")
    try:
        python.parse(text)
    except ParseFailure:
        pytest.skip("does not parse")
    wrong, _, _ = _asked_in_random_order(text)
    assert wrong == []


def _analysed_sample() -> list:
    """Real modules the gate lets through (every one of the PyPI corpora's, a slice of the
    others'), so that their facts are worth comparing."""
    found = []
    for path in [*real_modules()[::3], *pypi_modules()]:
        text = path.read_text(encoding="utf-8", errors="replace")
        if not python.inert(text, str(path)):
            found.append(path)
    return found


@pytest.mark.parametrize("path", _analysed_sample(), ids=str)
def test_facts_of_real_modules_are_the_same_with_statements_placed(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    tree = python.cpython_tree(text)
    if tree is None:
        pytest.skip("CPython refuses it: libcst's pass places it")
    try:
        placed = python.extract(python.parse(text), "m.py", text, places_of(tree))
        whole = python.extract(python.parse(text), "m.py", text)
    except ParseFailure:
        pytest.skip("does not parse")
    assert placed == whole
