"""The fast paths hold only on what they were verified against: libcst's pinned versions, its
private hook's signature, and the same facts with the patch as without, on real modules."""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import json
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import libcst as cst
import pytest
from libcst._nodes.base import CSTCodegenError
from packaging.requirements import Requirement
from packaging.version import Version

from scanner import fastpaths
from scanner.inputs.guards import ParseFailure
from scanner.inputs.python import module as python
from tests.conftest import ROOT
from tests.real_code import real_modules


def test_pyproject_requires_exactly_the_libcst_versions_the_walk_was_verified_against():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (libcst,) = [Requirement(d) for d in declared if Requirement(d).name == "libcst"]
    assert str(libcst.specifier) == str(Requirement(f"libcst{fastpaths.VERIFIED_LIBCST}").specifier)


def test_the_installed_libcst_is_one_the_walk_was_verified_against():
    installed = Version(importlib.metadata.version("libcst"))
    assert installed in Requirement(f"libcst{fastpaths.VERIFIED_LIBCST}").specifier


def test_the_private_hook_the_walk_relies_on_has_the_signature_it_calls():
    hook = inspect.signature(cst.CSTNode._visit_and_replace_children)
    assert list(hook.parameters) == ["self", "visitor"]
    assert list(inspect.signature(cst.CSTNode.visit).parameters) == ["self", "visitor"]
    # the hook is what every node's walk runs (libcst's CSTNode.visit calls it)
    source = inspect.getsource(cst.CSTNode.visit)
    calls = {
        c.func.attr for c in ast.walk(ast.parse(textwrap.dedent(source))) if _is_method_call(c)
    }
    assert "_visit_and_replace_children" in calls


def _is_method_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)


def _installed_with_facts() -> list[Path]:
    """Installed libraries' modules the analysis does not skip as inert (a slice of each)."""
    found = []
    for path in real_modules():
        if "site-packages" in path.parts and not python.inert(path.read_text(errors="replace")):
            found.append(path)
    return found[::4]


@pytest.mark.parametrize("path", _installed_with_facts(), ids=lambda p: p.name)
def test_facts_of_installed_libraries_are_the_same_with_and_without_walks_in_place(path):
    """``test_python_walk`` compares every call on every real module, and the facts of this
    project's own code; this compares the facts of other people's code."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        module = python.parse(text)
    except ParseFailure:
        pytest.skip("does not parse")
    with fastpaths.walks_in_place():
        patched = python._extract(module, "m.py", text)
    assert cst.CSTNode.visit is fastpaths._walk_patch()[1], "libcst's walk is back"
    assert patched == python._extract(module, "m.py", text)


# --- 4. dataclasses from remembered code --------------------------------------------------------

DATACLASS_RUN = """
import dataclasses, json, sys
from scanner import fastpaths
fastpaths.remember_dataclass_code(sys.argv[1])
memory = dataclasses.exec.__self__

@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()

@dataclasses.dataclass
class Box:
    items: list[int] = dataclasses.field(default_factory=list)

p = Point(1, tags=("a",))
try:
    p.x = 2
    frozen = False
except dataclasses.FrozenInstanceError:
    frozen = True
print(json.dumps({
    "compiled": memory.compiled,
    "repr": repr(p) + repr(Box()),
    "eq": [p == Point(1, 0, ("a",)), p == Point(2), hash(p) == hash(Point(1, tags=("a",)))],
    "frozen": frozen,
    "code": [getattr(Point, m).__code__.co_code.hex() for m in ("__init__", "__eq__", "__hash__")],
}))
"""


def _dataclass_run(memo: Path, *, write: bool = True) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", DATACLASS_RUN, str(memo)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(proc.stdout)


def test_dataclasses_made_from_remembered_code_are_the_dataclasses_compiled_afresh(tmp_path):
    first = _dataclass_run(tmp_path)
    (memo,) = tmp_path.iterdir()
    assert memo.name == fastpaths.DATACLASS_MEMO and first["compiled"] == 9
    again = _dataclass_run(tmp_path)
    assert again["compiled"] == 0, "every method came from the memo"
    assert {**again, "compiled": 9} == first
    assert first["repr"] == "Point(x=1, y=0, tags=('a',))Box(items=[])"
    assert first["eq"] == [True, False, True] and first["frozen"]


def test_a_memo_that_is_not_whole_or_not_written_is_compiled_afresh(tmp_path):
    _dataclass_run(tmp_path)
    memo = tmp_path / fastpaths.DATACLASS_MEMO
    data = bytearray(memo.read_bytes())
    data[-10] ^= 0xFF
    memo.write_bytes(bytes(data))
    assert _dataclass_run(tmp_path)["compiled"] == 9, "a damaged memo is not read"
    assert _dataclass_run(tmp_path)["compiled"] == 0, "and is written again"
    memo.unlink()
    assert _dataclass_run(tmp_path, write=False)["compiled"] == 9
    assert list(tmp_path.iterdir()) == [], "no memo where no bytecode may be written"


# --- 5. scopes in one walk ----------------------------------------------------------------------

SCOPE_CASES = """
import os, os.path as osp
import a.b.c
import typing
from typing import cast, NewType, Literal, TYPE_CHECKING, TypeVar
from . import sibling
from ..pkg import name as alias
x: "os.PathLike[str]" = cast("str", os.environ["X"])
UserId = NewType("UserId", int)
T = TypeVar("T", bound="Config")
def annotated(value: "List" "[int]", other: "x = 1" = None) -> cast:
    return cast(T, value)
Mode = Literal["a", "b"]
a.b.c.d()
osp.join(x, alias)
total = 0
total += 1
first, (second, *rest) = 1, (2, 3, 4)
items = [y := n for n in range(3) if (z := n)]
pairs = {k: v for k, v in zip("ab", "cd") for _ in (k,)}
gen = (m for m in rest)
del first
for i, (j, k) in enumerate([(1, 2)]):
    pass
with open(x) as handle, open(x) as (h1):
    pass
try:
    pass
except (OSError, ValueError) as error:
    print(error)
lam = lambda p, q=total: p + q

def outer(arg: "Optional[int]" = None, *args, key=x, **kwargs) -> "int":
    value = arg
    def inner():
        nonlocal value
        global total
        value = total = 2
        return value
    class Local:
        value = value
        def method(self, other=value):
            self.attr = other
            return self.attr, __class__
    return inner, Local

@outer
class Config(Base, metaclass=Meta):
    field: int = 1
    other = field
    listed = [field for _ in range(2)]

    def connect(self):
        return self.field

match total:
    case [caught, *others]:
        pass
    case {"key": kept, **remaining}:
        pass
    case Config(field=matched) as whole:
        pass
    case _:
        pass
print(caught, kept, matched, whole, remaining, others)
"""


def _described(scope: object) -> tuple:
    """A scope by what makes it one: its kind, the node that opens it and its name prefix, up
    to the module's (nodes are compared by identity: both analyses read the same tree)."""
    chain = []
    while scope is not None and type(scope).__name__ != "BuiltinScope":
        chain.append((type(scope).__name__, id(getattr(scope, "node", None)), scope._name_prefix))
        scope = scope.parent if type(scope).__name__ != "GlobalScope" else None
    return tuple(chain)


def _assigned(scope, name: str) -> set:
    return {(type(a).__name__, id(getattr(a, "node", None)), a._index) for a in scope[name]}


def _scope_differences(module: cst.Module) -> list[str]:
    """Where ``fastpaths.scopes_of`` and libcst's ``ScopeProvider`` disagree on any node of the
    tree: its scope, and for a name or an attribute its qualified names and assignments."""
    from libcst.metadata import MetadataWrapper, ScopeProvider

    with fastpaths.walks_in_place():
        expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
        lean = fastpaths.scopes_of(module)
    differences = []
    for node in _all_nodes(module):
        want, got = expected.get(node), lean.get(node)
        if (want is None) != (got is None) or (want and _described(want) != _described(got)):
            differences.append(f"scope of {_where(module, node)}")
        elif isinstance(node, cst.Name | cst.Attribute) and want is not None:
            names = [{q.name for q in s.get_qualified_names_for(node)} for s in (want, got)]
            if names[0] != names[1]:
                differences.append(f"qualified names of {_where(module, node)}: {names}")
            if isinstance(node, cst.Name) and _assigned(want, node.value) != _assigned(
                got, node.value
            ):
                differences.append(f"assignments of {_where(module, node)}")
    return differences


def _where(module: cst.Module, node: cst.CSTNode) -> str:
    try:
        return f"{type(node).__name__} {module.code_for_node(node)[:40]!r}"
    except CSTCodegenError:  # a node whose code depends on its parent's (a bare ``=``)
        return type(node).__name__


def _same_positions(module: cst.Module) -> bool:
    """``fastpaths.positions_of`` gives every node the position ``MetadataWrapper`` does."""
    from libcst.metadata import MetadataWrapper, PositionProvider

    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return dict(fastpaths.positions_of(module)) == dict(expected)


def test_scopes_in_one_walk_are_libcsts_on_every_kind_of_binding():
    module = cst.parse_module(SCOPE_CASES)
    assert _scope_differences(module) == []
    assert _same_positions(module)
    scopes = fastpaths.scopes_of(module)
    # the cases hold what the comparison must see: a store inside a comprehension, a
    # nonlocal, a class scope, a dotted import read as an attribute
    names = {n.value: n for n in _all_nodes(module) if isinstance(n, cst.Name)}
    assert {q.name for q in scopes[names["y"]].get_qualified_names_for(names["y"])}
    dotted = next(
        n
        for n in _all_nodes(module)
        if isinstance(n, cst.Attribute) and module.code_for_node(n) == "a.b.c.d"
    )
    assert {q.name for q in scopes[dotted].get_qualified_names_for(dotted)} == {"a.b.c.d"}


def _all_nodes(module: cst.Module) -> list[cst.CSTNode]:
    """Every node of the tree (libcst's nodes have no parent links: a walk down, as a list)."""
    found, pending = [], [module]
    while pending:
        node = pending.pop()
        found.append(node)
        pending.extend(node.children)
    return found


def _scope_sample() -> list[Path]:
    """Every real module of this project and the installed libraries' slice, and every fourth
    module of the benchmark's PyPI corpora."""
    from tests.real_code import pypi_modules

    return [*real_modules(), *pypi_modules()[::4]]


@pytest.mark.parametrize("path", _scope_sample(), ids=str)
def test_scopes_and_positions_are_libcsts_on_real_modules(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        module = python.parse(text)
    except ParseFailure:
        pytest.skip("does not parse")
    assert _scope_differences(module) == []
    assert _same_positions(module)


@pytest.mark.parametrize("path", _installed_with_facts(), ids=lambda p: p.name)
def test_facts_of_installed_libraries_are_the_same_with_libcsts_scope_analysis(path, monkeypatch):
    from libcst.metadata import MetadataWrapper, ScopeProvider

    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        module = python.parse(text)
    except ParseFailure:
        pytest.skip("does not parse")
    lean = python._extract(module, "m.py", text)
    monkeypatch.setattr(
        fastpaths,
        "scopes_of",
        lambda tree: MetadataWrapper(tree, unsafe_skip_copy=True).resolve(ScopeProvider),
    )
    assert lean == python._extract(module, "m.py", text)


def test_the_scope_visitor_checks_exact_types_only_where_no_subclass_exists():
    """``scopes_of`` checks a node's type against libcst's assignment-like types exactly, which
    is libcst's ``isinstance`` only while none of them has a subclass."""
    from libcst.metadata.scope_provider import _ASSIGNMENT_LIKE_NODES

    assert [kind for kind in _ASSIGNMENT_LIKE_NODES if kind.__subclasses__()] == []
