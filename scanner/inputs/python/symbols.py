"""Values that cross the modules of a Python CDK app, recorded symbolically per module.

A database stack creates ``self.database = rds.DatabaseInstance(...)``; ``app.py`` passes the
stack to ``ApiStack(app, "Api", data=data_stack)``; ``api_stack.py`` wires
``data.database.db_instance_endpoint_address`` into a function's environment. No single module
knows what that value is, so each module records, from its own syntax alone (and so cached with
its analysis), what it hands out and what it takes in:

- the values its symbols may hold (:class:`~scanner.facts.SymbolLink`): class and instance
  attributes, module-level names, what functions return, what it passes to a callee's parameters
  at each call, and which parameter a position stands for;
- where a value comes from elsewhere, a Target of type ``SYMBOL`` naming the symbol and the
  attribute path read from it (``:ApiStack(data)`` + ``database.db_instance_endpoint_address``).

``scanner.project.resolve.symbols`` then follows the symbols within the app. Only what the evaluator
could not resolve in the module becomes a symbol, so single-module facts are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst
import libcst.helpers
from libcst.metadata import ClassScope, GlobalScope

from scanner.facts import ALIAS, ALL_NAMES, BASES, LOCAL, SYMBOL, SymbolLink, Target
from scanner.inputs.python.values import (
    KNOWN_ROOTS,
    Construct,
    Evaluator,
    Opaque,
    Reference,
    memoised,
)

NOT_SYMBOLS = (*KNOWN_ROOTS, "builtins.", "typing.", "dataclasses.")
MAX_LINKS = 4096  # per module; a generated module with more hands out nothing further


def join(*parts: str) -> str:
    """An attribute path from its parts (empty parts dropped)."""
    return ".".join(p for p in parts if p)


def _known(qualified: str) -> bool:
    """A name from a catalogued library, builtins or typing: never one of the app's symbols."""
    return (qualified + ".").startswith(NOT_SYMBOLS)


def _symbolic(name: str, attribute: str = "") -> Target:
    return Target(name, SYMBOL, attribute)


class SymbolCollector(cst.CSTVisitor):
    """One pass over the module: call sites, signatures and returns; ``links()`` adds the
    attributes and module-level names the binding pass recorded."""

    def __init__(self, evaluator: Evaluator) -> None:
        self.ev = evaluator
        self._links: dict[SymbolLink, None] = {}
        self._functions: list[cst.FunctionDef] = []
        self._owners: dict[cst.Param, str] = {}
        self._memo: dict[cst.CSTNode, Target | None] = {}
        self._readers: dict[type, Callable[[Any], Target | None]] = {
            cst.Name: self._name,
            cst.Attribute: self._attribute,
            cst.Call: self._call,
            cst.Subscript: self._item,
        }
        self._active: set[cst.CSTNode] = set()

    # -- names of the module's own symbols ---------------------------------------------------

    def _top_class(self, node: cst.CSTNode) -> cst.ClassDef | None:
        """The module-level class whose body holds ``node`` directly, else None."""
        scope = self.ev.scopes.get(node)
        if isinstance(scope, ClassScope) and isinstance(
            self.ev.scopes.get(scope.node), GlobalScope
        ):
            return scope.node  # type: ignore[return-value]
        return None

    def function_symbol(self, function: cst.FunctionDef) -> str:
        """``:f`` for a module-level function, ``:C`` for ``C.__init__``, ``:C.m`` for another
        method of a module-level class; "" for nested functions (not reachable from elsewhere)."""
        name = function.name.value
        if isinstance(self.ev.scopes.get(function), GlobalScope):
            return LOCAL + name
        owner = self._top_class(function)
        if owner is None:
            return ""
        return LOCAL + owner.name.value + ("" if name == "__init__" else "." + name)

    def _callee(self, func: cst.BaseExpression) -> str:
        """The symbol of a called class or function: local, imported, or a method of ``self``."""
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            owner = self.ev.self_class(func.value)
            if owner is not None:
                top = isinstance(self.ev.scopes.get(owner), GlobalScope)
                return f"{LOCAL}{owner.name.value}.{func.attr.value}" if top else ""
        root = func
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return ""
        qualified = self.ev.qualified(func)
        if not qualified or _known(qualified) or "<locals>" in qualified:
            return ""
        scope = self.ev.scopes.get(root)
        for assignment in scope[root.value] if scope is not None else ():
            definition = getattr(assignment, "node", None)
            if isinstance(definition, cst.Import | cst.ImportFrom):
                return qualified
            defined_at = getattr(assignment, "scope", None)
            if isinstance(definition, cst.ClassDef | cst.FunctionDef) and isinstance(
                defined_at, GlobalScope
            ):
                return LOCAL + qualified
        return ""

    # -- what an expression is, symbolically ---------------------------------------------------

    def target(self, node: cst.CSTNode | None) -> Target | None:
        """The construct a value is (concrete), else the symbol it comes from, else None."""
        if node is None:
            return None
        value = self.ev.value(node)
        if isinstance(value, Construct | Reference):
            return value.target()
        if value is None or isinstance(value, Opaque):
            return self.symbol(node)
        return None

    def symbol(self, node: cst.CSTNode) -> Target | None:
        """The symbol (and attribute path) a value the evaluator could not resolve comes from."""
        return memoised(node, self._memo, self._active, self._symbol)

    def _symbol(self, node: cst.CSTNode) -> Target | None:
        if isinstance(node, cst.Await):
            return self.symbol(node.expression)
        reader = self._readers.get(type(node))
        return reader(node) if reader is not None else None

    def _name(self, node: cst.Name) -> Target | None:
        qualified = self.ev.qualified(node)
        if _known(qualified):
            return None
        chosen = self.ev.binding(node)
        if chosen is not None and not isinstance(chosen[0], cst.Param):
            return self.target(chosen[1])
        scope = self.ev.scopes.get(node)
        for assignment in scope[node.value] if scope is not None else ():
            definition = getattr(assignment, "node", None)
            if isinstance(definition, cst.Param):
                owner = self._owners.get(definition, "")
                return _symbolic(f"{owner}({definition.name.value})") if owner else None
            if isinstance(definition, cst.Import | cst.ImportFrom) and qualified:
                return _symbolic(qualified)
        return None

    def _attribute(self, node: cst.Attribute) -> Target | None:
        attr = node.attr.value
        if isinstance(node.value, cst.Name):
            owner = self.ev.self_class(node.value)
            if owner is not None:
                bound = self.ev.bindings.attributes.get((owner, attr), [])
                found = [t for t in (self.target(e) for e in bound) if t is not None]
                if found or bound or not isinstance(self.ev.scopes.get(owner), GlobalScope):
                    return found[0] if found else None
                # set by a base class (in another module): what instances of this class hold
                return _symbolic(f"{LOCAL}{owner.name.value}()", attr)
            imported = self._callee(node)  # ``module.NAME`` of an imported module
            if imported and not imported.startswith(LOCAL):
                return _symbolic(imported)
        base = self.symbol(node.value)
        if base is None:
            return None
        return _symbolic(base.name, join(base.attribute, attr))

    def _call(self, node: cst.Call) -> Target | None:
        callee = self._callee(node.func)
        if callee:
            return _symbolic(callee + "()")
        if isinstance(node.func, cst.Attribute):
            base = self.symbol(node.func.value)
            if base is not None:
                return _symbolic(base.name, join(base.attribute, node.func.attr.value + "()"))
        return None

    def _item(self, node: cst.Subscript) -> Target | None:
        """``props["cluster"]`` of a TypedDict (or mapping) from elsewhere."""
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return None
        key = self.ev.str_of(node.slice[0].slice.value)
        base = self.symbol(node.value) if key else None
        return _symbolic(base.name, join(base.attribute, key)) if base and key else None

    # -- what the module hands out ----------------------------------------------------------

    def _link(self, symbol: str, value: Target | None, port: int = 0) -> None:
        if value is not None and len(self._links) < MAX_LINKS:
            self._links.setdefault(SymbolLink(symbol, value, port), None)

    def _bind(self, symbol: str, node: cst.CSTNode) -> None:
        """``symbol`` may hold what ``node`` is (with a database construct's port)."""
        value = self.ev.value(node)
        port = value.port if isinstance(value, Construct) and value.port else 0
        self._link(symbol, self.target(node), port)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node)
        owner = self.function_symbol(node)
        if not owner:
            return
        params = [*node.params.posonly_params, *node.params.params]
        method = self._top_class(node) is not None and not any(
            self.ev.qualified(d.decorator) in ("builtins.staticmethod",) for d in node.decorators
        )
        if method and params:
            params = params[1:]
        for index, param in enumerate(params):
            self._param(owner, param, index)
        for param in node.params.kwonly_params:
            self._param(owner, param, None)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions.pop()

    def _param(self, owner: str, param: cst.Param, index: int | None) -> None:
        self._owners[param] = owner
        symbol = f"{owner}({param.name.value})"
        if index is not None:
            self._link(symbol, _symbolic(f"{owner}(#{index})"))
        if param.annotation is not None:
            self._link(symbol, self._instance(param.annotation.annotation))

    def _instance(self, annotation: cst.BaseExpression) -> Target | None:
        """An instance of the annotated class when it is one of the app's (``data: DataStack``,
        ``DataStack | None``); catalogued CDK types are the evaluator's."""
        if isinstance(annotation, cst.BinaryOperation):
            return self._instance(annotation.left) or self._instance(annotation.right)
        if isinstance(annotation, cst.SimpleString):
            return None
        callee = (
            self._callee(annotation) if isinstance(annotation, cst.Name | cst.Attribute) else ""
        )
        return _symbolic(callee + "()") if callee else None

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Annotated class-level fields (dataclass, NamedTuple, TypedDict, attrs) are, in order,
        the constructor's parameters; an attribute read of one is what was passed for it."""
        if not isinstance(self.ev.scopes.get(node), GlobalScope):
            return
        name = LOCAL + node.name.value
        for base in node.bases:
            if base.keyword is None and isinstance(base.value, cst.Name | cst.Attribute):
                self._link(name + BASES, self._instance(base.value))
        constructor = any(
            isinstance(s, cst.FunctionDef) and s.name.value == "__init__" for s in node.body.body
        )
        index = 0
        for statement in node.body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    field = small.target.value
                    if not constructor:
                        self._link(f"{name}({field})", _symbolic(f"{name}(#{index})"))
                    self._link(f"{name}.{field}", _symbolic(f"{name}({field})"))
                    self._link(f"{name}.{field}", self._instance(small.annotation.annotation))
                    index += 1

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """A module-level import from another module of the app names that module's symbol."""
        if self._functions or (node.module is None and not node.relative):
            return
        name_of = libcst.helpers.get_full_name_for_node
        module = "." * len(node.relative) + ((name_of(node.module) or "") if node.module else "")
        if not node.relative and _known(module):
            return
        prefix = module if module.endswith(".") else module + "."
        if isinstance(node.names, cst.ImportStar):
            self._link(ALL_NAMES, _symbolic(module))
            return
        for alias in node.names:
            name = name_of(alias.name) or ""
            local = alias.evaluated_alias or name
            if name and "." not in local:
                self._link(ALIAS + local, _symbolic(prefix + name))

    def visit_Return(self, node: cst.Return) -> None:
        if not self._functions or node.value is None:
            return
        owner = self.function_symbol(self._functions[-1])
        if owner:
            self._bind(owner + "()", node.value)

    def visit_Call(self, node: cst.Call) -> None:
        callee = self._callee(node.func)
        if not callee:
            return
        position = 0
        for arg in node.args:
            if arg.star:
                break  # later positions are unknown
            if arg.keyword is not None:
                parameter = f"{callee}({arg.keyword.value})"
            else:
                parameter = f"{callee}(#{position})"
                position += 1
            self._bind(parameter, arg.value)
            if isinstance(arg.value, cst.Dict):  # a props mapping: each key is an attribute
                self._bind_items(parameter, arg.value)

    def _bind_items(self, parameter: str, mapping: cst.Dict) -> None:
        """``ApiStack(app, "Api", {"cluster": db.cluster})``: what the parameter's ``cluster``
        (an attribute or an item of the props it receives) holds."""
        for element in mapping.elements:
            if isinstance(element, cst.DictElement):
                key = self.ev.str_of(element.key)
                if key and key.isidentifier():
                    self._bind(f"{parameter}.{key}", element.value)

    def links(self) -> tuple[SymbolLink, ...]:
        """Everything linked, with class/instance attributes and module-level names."""
        for (owner, attr), values in self.ev.bindings.attributes.items():
            if isinstance(self.ev.scopes.get(owner), GlobalScope):
                for value in values:
                    self._bind(f"{LOCAL}{owner.name.value}.{attr}", value)
        for name, value in self.ev.bindings.targets.items():
            if isinstance(name, cst.Name) and isinstance(self.ev.scopes.get(name), GlobalScope):
                self._bind(LOCAL + name.value, value)
        return tuple(self._links)
