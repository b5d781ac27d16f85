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
