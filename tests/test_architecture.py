"""The house rules a reader relies on, checked: imports flow one way, rules stay small and never
see syntax trees.

Imports are read from the source with ``ast`` (every ``import`` statement, at module level or
inside a function: a deferred import is still a dependency; only ``if TYPE_CHECKING:`` blocks are
left out, since they never run). ``scanner.rules`` is the ``rules/`` folder, as installed.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = {"scanner": ROOT / "scanner", "scanner.rules": ROOT / "rules"}
MAX_RULE_MODULE_LINES = 300
# Parsers and their trees belong to inputs: a rule that imported one would judge syntax, and a
# second language would need a second copy of the rule.
SYNTAX_LIBRARIES = ("libcst", "cfnlint", "tree_sitter", "hcl2", "sqlglot")
# Packages that import their modules by walking themselves (the rule catalogue, the input
# registry): ast sees no import statement, but importing the package runs every one of them.
WALKED = {
    "scanner.rules": lambda name: (
        name.rpartition(".")[2] not in ("base", "docs", "example_files", "requirements")
    ),
    "scanner.inputs": lambda name: name.count(".") == 2 and modules()[name].name == "__init__.py",
}


def _module_name(package: str, root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


@cache
def modules() -> dict[str, Path]:
    """Every module of the distribution: dotted name -> file."""
    found = {}
    for package, root in PACKAGES.items():
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" not in path.parts:
                found[_module_name(package, root, path)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(tree: ast.AST):
    """Every import statement that can run (not under ``if TYPE_CHECKING:``)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (s for child in node.orelse for s in _statements_of(child))
            continue
        yield from _statements_of(node)


def _statements_of(node: ast.AST):
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from _statements(node)


def _resolve(name: str, current: str, level: int, is_package: bool) -> str:
    if not level:
        return name
    base = current.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


@cache
def imports_of(module: str) -> frozenset[str]:
    """The modules of the distribution that ``module`` imports."""
    known = modules()
    path = known[module]
    tree = ast.parse(path.read_text(), str(path))
    found = set()
    for statement in _statements(tree):
        if isinstance(statement, ast.Import):
            names = [alias.name for alias in statement.names]
        else:
            is_package = path.name == "__init__.py"
            base = _resolve(statement.module or "", module, statement.level, is_package)
            names = [base] + [f"{base}.{alias.name}" for alias in statement.names]
        for name in names:
            # importing a.b.c runs a, a.b and a.b.c: the deepest module of the distribution
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    if module in WALKED:
        found |= {n for n in known if n.startswith(module + ".") and WALKED[module](n)}
    return frozenset(found)


def cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(imports_of(node)):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(modules()):
        if module not in index:
            visit(module)
    return found


def test_imports_form_no_circle():
    assert cycles() == []


def test_the_import_walk_sees_a_circle(tmp_path, monkeypatch):
    """The walk is not vacuous: two modules importing each other, one of them only inside a
    function, are a circle."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from pkg.b import thing\n")
    (tmp_path / "pkg" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n"
        "def thing():\n    from pkg.a import other\n"
    )
    monkeypatch.setitem(PACKAGES, "pkg", tmp_path / "pkg")
    modules.cache_clear()
    imports_of.cache_clear()
    try:
        assert ["pkg.a", "pkg.b"] in cycles()
    finally:
        modules.cache_clear()
        imports_of.cache_clear()


def _rule_modules() -> list[str]:
    return [name for name in modules() if name.startswith("scanner.rules.")]


@pytest.mark.parametrize("module", _rule_modules())
def test_rule_modules_stay_small(module):
    path = modules()[module]
    lines = len(path.read_text().splitlines())
    # a table-driven family's data module is a table, not code (its docstring says so)
    docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
    table = "This module is data, not code" in docstring
    assert table or lines <= MAX_RULE_MODULE_LINES, f"{path}: {lines} lines"


@pytest.mark.parametrize("module", _rule_modules())
def test_rules_never_import_a_parser(module):
    imported = set()
    for statement in _statements(ast.parse(modules()[module].read_text())):
        if isinstance(statement, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in statement.names}
        elif statement.module and not statement.level:
            imported.add(statement.module.split(".")[0])
    assert not imported & set(SYNTAX_LIBRARIES)


def test_every_package_ships():
    """A package folder missing from pyproject's list would be left out of the wheel, and the
    installed tool would silently lack its rules or its input."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    packages = {name for name, path in modules().items() if path.name == "__init__.py"}
    assert packages - listed == set()
