"""Fast paths: every place dsql-scan leans on an interpreter's or a library's internals for speed.

Each is here and nowhere else, with why it is safe and what it was measured to gain; a call
site reads ``fastpaths.x(...)``. This module imports only the standard library (libcst when a
walk is first patched), so inputs and the run stage alike import it without a circle.

Gains were measured by switching each one off alone, in interleaved rounds, on a 2-core machine
shared with other work (Python 3.11, libcst 1.9): CPU seconds of the whole process tree, the
fastest of the rounds, because wall time there measured the neighbours. "Warm" is a scan of the
benchmark corpus (300 templates, 300 modules) with the cache full; "one file" is the pre-commit
case (one changed module with facts, cache warm for the rest); "real code" is a cold
``--jobs 1`` scan of click, jinja2 and libcst's own sources (339 files).

| trick (off alone) | one file | warm | cold corpus | real code |
| --- | ---: | ---: | ---: | ---: |
| all on | 1.18 | 0.89 | 17.3 | 53.1 |
| 1. walks in place off | 1.35 | | 20.3 | 75.7 |
| 2. default gc thresholds | 1.40 | 1.07 | 22.5 | 57.9 |
| 3. normal shutdown | 1.52 | 1.39 | | |
| 3. nothing spared | 1.20 | 0.93 | | |

| trick (off alone) | warm, real code |
| --- | ---: |
| all on | 0.21 |
| 4. dataclasses compiled each run | 0.27 |

(CPU seconds, median of 15 interleaved runs; "warm, real code": networkx 3.4.2's 566 modules
with the cache full.)

Outside this module, because it is run machinery rather than a trick: the head start
(``scanner/run/headstart.py``), which forks a worker (``scanner/run/worker.py``, raw ``os.fork``)
from the console script when the arguments name a file whose input imports an expensive parser,
so that the parser loads on the other core while the main process starts up. In CPU seconds it
costs (one module with facts: 0.84 s without it, 1.18 s with it); in wall time, which is what a
pre-commit user waits for, the benchmark (``benchmarks/run.py``, one run each, same machine)
measured the one-template pre-commit run at 1.50 s without it and 1.07 s with it, and the
one-module run at 1.10 s without and 0.97 s with: it stays. ``gc.freeze`` in that worker measured
no gain and was removed.

1. ``walks_in_place()``: libcst rebuilds every node it visits, even for a ``CSTVisitor`` that only
   reads (its walk is the transformers' walk, whose result a visitor throws away), and a
   module's analysis walks its tree three times (libcst's scope visitor, then ours; trick 5
   spares libcst's expression-context walk). Inside the block, ``CSTNode.visit`` is replaced
   process-wide by a walk that makes the same calls to a read-only visitor, in the same order,
   reading each node's children where they are. It learns which fields libcst's walk visits per
   node type by running libcst's private ``_visit_and_replace_children`` once with a recording
   visitor.
   Safe because: transformers keep libcst's walk; node types whose walk depends on values
   (``VISITED_WHEN_SET``, found by a test reading libcst's source) keep it too; leaving the
   outermost block restores libcst's method, also on an error; libcst is pinned to the versions
   this was verified against (``VERIFIED_LIBCST``, tested with the private hook's signature and
   the facts of real modules with and without the patch).
2. ``collect_rarely()``: a scan builds a large heap of small long-lived objects (facts, cached
   analyses) and little cyclic garbage; with CPython's default thresholds the collector walks
   that growing heap again and again. Collecting less often (as mypy does) keeps the time
   linear in the input. Applied once the modules are imported (raised during the imports, the
   thresholds keep the modules' objects in the young generations, which every later collection
   then walks again). Safe because: it changes when cycles are collected, never whether.
3. ``exit_now(status)`` and ``spare(...)``: the console script ends the process without tearing
   its heap down object by object (``os._exit`` once the exit handlers have run and the output is
   flushed, as mypy does); until then ``spare`` keeps the scan's finished structures (the
   project model, every file's facts), which returning them to nobody would free the same way.
   Safe because: exit handlers still run (``atexit._run_exitfuncs``), streams are flushed, and
   only the console script's process opts in (``exit_without_freeing``): tests and library use
   free as usual.
4. ``remember_dataclass_code()``: a ``@dataclass`` writes the source of its ``__init__``,
   ``__eq__``, ``__repr__``, ``__hash__`` and (frozen) ``__setattr__``/``__delattr__`` and
   compiles it, every run: 84 dataclasses, 477 compilations, a quarter of a warm run. The
   console script lets the ``dataclasses`` module find an ``exec`` of its own, which runs the
   code compiled for the same source text by an earlier run (a memo kept in the package's
   ``__pycache__``, like the interpreter's bytecode) and compiles only what it has not seen.
   Safe because: the source text is the memo's key, compiled as ``exec`` compiles it
   (``"<string>"``, no inherited flags), by the same interpreter (the file is named by its cache
   tag and optimisation level, and carries its magic number) and checked whole (a digest) before
   it is read; only ``exec`` called with a source string and two namespaces is served, anything
   else goes to the builtin; the memo is written where the interpreter writes bytecode (never
   under ``-B`` or ``PYTHONDONTWRITEBYTECODE``), so whoever could change it could change the
   bytecode; only the console script's process opts in, and only it writes the memo.
5. ``scopes_of(module)``: libcst's ``ScopeProvider`` depends on ``ExpressionContextProvider``,
   a whole walk of the tree whose only use there is to say which names are stores. The scope
   visitor itself notes the names the targets hold (of assignments, ``for`` loops,
   comprehensions, ``with``/``except ... as``, ``:=``) as its walk reaches them, and makes
   every other call as libcst's does: the same scope for every node, the same assignments
   and accesses. Safe because: libcst is pinned (``VERIFIED_LIBCST``), and a test compares
   every node's scope, and every name's and attribute's assignments and qualified names, with
   libcst's own on every real module the tests read (this project, the installed libraries,
   a quarter of the benchmark's PyPI corpora) and on every kind of binding. Measured in one
   process on the 80 Django and SQLAlchemy modules the Python gate let through (fastest of 3
   rounds): their scope analysis 6.53 -> 3.45 s. Positions are then the one provider left,
   and ``MetadataWrapper.resolve`` follows a provider that is not batchable with a walk of the
   whole tree for the batchable ones, even when there are none: ``positions_of`` runs the
   provider alone (libcst's own ``_gen``, the call the wrapper makes), and the same test
   compares its positions with the wrapper's. Both together: the 80 modules' whole analysis
   16.7 -> 13.5 s. The scope visitor also dispatches as ``walk.Together`` does: libcst's
   ``CSTVisitor`` builds the name of a node's ``visit_X``/``leave_X`` hooks (and of every
   field's ``visit_X_field``) and looks it up for every node, and ``ScopeVisitor.on_leave``
   checks every node against a tuple of abstract classes; here each hook is looked up once per
   node type (libcst's do-nothing defaults dropped) and the assignment-like types are checked
   exactly (they have no subclasses). The same tests compare the scopes. The 80 modules' scope
   analysis 4.53 -> 2.37 s.
"""

from __future__ import annotations

import atexit
import builtins
import gc
import hashlib
import marshal
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import cache
from types import CodeType
from typing import Any

# libcst versions the in-place walk was verified against (pyproject.toml requires exactly these;
# tests check the installed one, the private hook's signature and the facts with and without).
VERIFIED_LIBCST = ">=1.9,<1.10"
# The node types whose walk visits a field only when it is set (an f-string's format spec), so
# that one node cannot show which fields the type's walk visits: they keep libcst's own walk.
VISITED_WHEN_SET = frozenset({"FormattedStringExpression", "TemplatedStringExpression"})
GC_THRESHOLDS = (200_000, 30, 30)

_spared: list[object] | None = None  # a list once the process will end without freeing


# --- 1. read-only libcst walks in place ------------------------------------------------------


@contextmanager
def walks_in_place() -> Iterator[None]:
    """Within this block, every ``CSTVisitor`` walk reads the tree in place (trick 1).

    Re-entering the block is harmless; leaving the outermost one restores libcst's own walk,
    also when the walk raised (a RecursionError on deep code). The switch is process-wide while
    the block runs, but it changes no visitor's calls, so a walk in another thread only runs
    faster or slower, never differently.
    """
    node_class, libcsts, in_place = _walk_patch()
    if node_class.visit is in_place:
        yield
        return
    node_class.visit = in_place
    try:
        yield
    finally:
        node_class.visit = libcsts


@cache
def _walk_patch() -> tuple[Any, Callable[..., Any], Callable[..., Any]]:
    """(``CSTNode``, libcst's ``visit``, the in-place ``visit``), built on first use."""
    import libcst as cst

    libcsts = cst.CSTNode.visit
    fields_of_type: dict[type, tuple[str, ...] | None] = {}
    reads_only: dict[type, bool] = {}  # per visitor type: is it a CSTVisitor (an ABC: slow)

    class FieldRecorder(cst.CSTVisitor):
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

    def fields_of(node: cst.CSTNode) -> tuple[str, ...] | None:
        """The fields libcst's walk of this node's type visits, learnt once from the node."""
        kind = type(node)
        fields = None
        if kind.__name__ not in VISITED_WHEN_SET:
            recorder = FieldRecorder()
            node._visit_and_replace_children(recorder)
            fields = tuple(recorder.fields)
        fields_of_type[kind] = fields
        return fields

    def walk(node: cst.CSTNode, visitor: cst.CSTVisitor, hooks: tuple[Any, ...]) -> None:
        """libcst's calls to a visitor, in its order, without rebuilding a node: a field's nodes
        between ``on_visit_attribute`` and ``on_leave_attribute`` (both also for an empty
        optional field; neither for a visitor whose ``visits_attributes`` is False, whose
        attribute hooks do nothing), no children when ``on_visit`` says False, ``on_leave``
        last."""
        kind = type(node)
        fields = fields_of_type[kind] if kind in fields_of_type else fields_of(node)
        if fields is None:  # a type whose own walk must decide; its children come back here
            libcsts(node, visitor)
            return
        on_visit, on_visit_attribute, on_leave_attribute, on_leave = hooks
        if on_visit(node):
            for name in fields:
                if on_visit_attribute is not None:
                    on_visit_attribute(node, name)
                value = getattr(node, name)
                if type(value) is tuple or type(value) is list:
                    for child in value:
                        walk(child, visitor, hooks)
                elif value is not None and type(value) is not cst.MaybeSentinel:
                    walk(value, visitor, hooks)
                if on_leave_attribute is not None:
                    on_leave_attribute(node, name)
        on_leave(node)

    def visit(self: cst.CSTNode, visitor: Any) -> cst.CSTNode:
        """``CSTNode.visit``: a read-only visitor's walk reads the tree in place; others
        rebuild. Hooks are taken once per walk (a hook calling ``node.visit(self)`` starts a
        walk of its own)."""
        kind = type(visitor)
        if kind not in reads_only:
            reads_only[kind] = isinstance(visitor, cst.CSTVisitor)
        if not reads_only[kind]:
            return libcsts(self, visitor)
        attributes = getattr(visitor, "visits_attributes", True)
        hooks = (
            visitor.on_visit,
            visitor.on_visit_attribute if attributes else None,
            visitor.on_leave_attribute if attributes else None,
            visitor.on_leave,
        )
        walk(self, visitor, hooks)
        return self

    return cst.CSTNode, libcsts, visit


# --- 2. fewer garbage collections -------------------------------------------------------------


def collect_rarely() -> None:
    """Collect cycles rarely from now on (trick 2): call once the modules are imported."""
    gc.set_threshold(*GC_THRESHOLDS)


# --- 3. a quick exit --------------------------------------------------------------------------


def exit_without_freeing() -> None:
    """Called by the console script, which ends the process with ``exit_now``."""
    global _spared
    if _spared is None:
        _spared = []


def spare(*objects: object) -> None:
    """Keep these finished structures until the exit when the process ends without freeing;
    elsewhere (tests, library use) do nothing, so that they are freed as usual."""
    if _spared is not None:
        _spared.extend(objects)


# --- 4. dataclasses from remembered code -------------------------------------------------------

DATACLASS_MEMO = f"dataclasses.{sys.implementation.cache_tag}.opt{sys.flags.optimize}.memo"
MEMO_ENTRIES = 8192  # more sources than any run compiles: the memo then keeps this run's only
_DIGEST = 32


class _DataclassCode:
    """The code of the dataclass methods: remembered (``known``) and compiled this run."""

    def __init__(self, path: str, known: dict[bytes, CodeType]) -> None:
        self.path = path
        self.known = known
        self.used: dict[bytes, CodeType] = {}
        self.compiled = 0
        self.owner = os.getpid()

    def exec(self, source: Any, *args: Any, **kwargs: Any) -> Any:
        """``exec`` as the ``dataclasses`` module sees it: a source string run in two
        namespaces is compiled once across runs; anything else is the builtin's."""
        if type(source) is not str or len(args) != 2 or kwargs:
            return builtins.exec(source, *args, **kwargs)
        key = hashlib.blake2b(source.encode(), digest_size=16).digest()
        code = self.known.get(key)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            self.compiled += 1
        self.used[key] = code
        return builtins.exec(code, *args)

    def save(self) -> None:
        """Write the memo when this run compiled something (never from a forked worker)."""
        if not self.compiled or os.getpid() != self.owner or sys.dont_write_bytecode:
            return
        kept = {**self.known, **self.used}
        if len(kept) > MEMO_ENTRIES:
            kept = self.used
        payload = marshal.dumps(kept)
        data = _memo_header() + hashlib.sha256(payload).digest() + payload
        temporary = f"{self.path}.{os.getpid()}.tmp"
        try:
            with open(temporary, "wb") as handle:
                handle.write(data)
            os.replace(temporary, self.path)
        except OSError:
            with suppress(OSError):
                os.unlink(temporary)


def remember_dataclass_code(directory: str | None = None) -> None:
    """Let the ``dataclasses`` module run remembered code (trick 4): call before any dataclass
    of the run is made. ``directory`` holds the memo (default: this package's ``__pycache__``).
    """
    import dataclasses

    if "exec" in vars(dataclasses):  # already on, or someone else's patch
        return
    if directory is None:
        directory = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__")
    path = os.path.join(directory, DATACLASS_MEMO)
    memory = _DataclassCode(path, _read_memo(path))
    dataclasses.exec = memory.exec  # type: ignore[attr-defined]
    atexit.register(memory.save)


def _memo_header() -> bytes:
    from importlib.util import MAGIC_NUMBER

    return b"dsql-scan dataclass code\n" + MAGIC_NUMBER


def _read_memo(path: str) -> dict[bytes, CodeType]:
    """The memo's code by source digest; empty when it is missing, of another interpreter, or
    not whole."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return {}
    header = _memo_header()
    digest, payload = data[len(header) : len(header) + _DIGEST], data[len(header) + _DIGEST :]
    if not data.startswith(header) or hashlib.sha256(payload).digest() != digest:
        return {}
    try:
        memo = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(memo, dict) or not all(
        type(k) is bytes and type(v) is CodeType for k, v in memo.items()
    ):
        return {}
    return memo


def exit_now(status: int) -> None:
    """Exit with ``status`` once exit handlers have run and output is flushed, without
    tearing the heap down (trick 3)."""
    atexit._run_exitfuncs()
    # click has already pacified the streams if the reader went away (``dsql-scan | head``)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


# --- 5. scopes in one walk ----------------------------------------------------------------------


def scopes_of(module: Any) -> dict[Any, Any]:
    """libcst's ``ScopeProvider`` answer for a parsed module (every visited node: its
    ``Scope``), from one walk instead of two (trick 5)."""
    visitor = _lean_scope_visitor()()
    module.visit(visitor)
    visitor.infer_accesses()
    return visitor.scopes  # type: ignore[no-any-return]


def positions_of(module: Any) -> Any:
    """libcst's ``PositionProvider`` answer for a parsed module, without the walk
    ``MetadataWrapper`` makes after it for the (here empty) batch of other providers (trick 5)."""
    from libcst.metadata import MetadataWrapper, PositionProvider

    return PositionProvider()._gen(MetadataWrapper(module, unsafe_skip_copy=True))


def _stored_names(node: Any, into: set[Any]) -> None:
    """The names a target binds, as ``ExpressionContextProvider`` marks them STORE: through
    tuples, lists and starred elements, never inside an attribute or a subscript."""
    from libcst import Attribute, Name, Subscript

    if type(node) is Name:
        into.add(node)
    elif not isinstance(node, Attribute | Subscript):
        for child in node.children:
            _stored_names(child, into)


@cache
def _lean_scope_visitor() -> type:
    """libcst's ``ScopeVisitor``, told which names are stores by the targets it walks through,
    built on first use."""
    from libcst import CSTVisitor
    from libcst.metadata.scope_provider import _ASSIGNMENT_LIKE_NODES, ScopeVisitor

    assignment_like = frozenset(_ASSIGNMENT_LIKE_NODES)  # concrete node types: no subclasses
    hooks: dict[tuple[type, str, str], Any] = {}

    def hook(kind: type, verb: str, attribute: str = "") -> Any:
        """The visitor class's ``visit_X``/``leave_X``/``visit_X_field`` function (or None),
        looked up once per node type, not by its name for every node as libcst does."""
        key = (kind, verb, attribute)
        found = hooks.get(key, hooks)
        if found is hooks:
            name = f"{verb}_{kind.__name__}" + (f"_{attribute}" if attribute else "")
            found = getattr(LeanScopeVisitor, name, None)
            if found is getattr(CSTVisitor, name, None):  # libcst's do-nothing default
                found = None
            hooks[key] = found
        return found

    class LeanScopeVisitor(ScopeVisitor):
        """libcst's scope visitor, which asks ``ExpressionContextProvider`` whether a name is
        a store (an assignment) or a load (an access): that provider walks the whole tree once
        more, to mark the names the targets of assignments, ``for`` loops, comprehensions,
        ``with``/``except ... as`` and ``:=`` hold. Here the visitor notes those names itself
        when it reaches the statement or expression, before its walk goes down to them; every
        other call it makes is libcst's own. A string annotation's names (parsed from its
        value, as libcst does) have no context there, so they are accesses here too.
        """

        def __init__(self) -> None:
            self.scopes: dict[Any, Any] = {}
            self.stores: set[Any] = set()
            super().__init__(self)  # type: ignore[arg-type]  # its own metadata sink

        def set_metadata(self, node: Any, value: Any) -> None:
            self.scopes[node] = value

        def get_metadata(self, key: Any, node: Any, default: Any = None) -> Any:
            return default  # a name's expression context: not a store (see visit_Name)

        def visit_Assign(self, node: Any) -> None:
            for target in node.targets:
                _stored_names(target.target, self.stores)

        def visit_AnnAssign(self, node: Any) -> None:
            _stored_names(node.target, self.stores)

        def visit_AugAssign(self, node: Any) -> None:
            _stored_names(node.target, self.stores)

        def visit_NamedExpr(self, node: Any) -> None:
            _stored_names(node.target, self.stores)

        def visit_AsName(self, node: Any) -> None:
            _stored_names(node.name, self.stores)

        def visit_CompFor(self, node: Any) -> None:
            _stored_names(node.target, self.stores)

        def visit_For(self, node: Any) -> bool | None:
            _stored_names(node.target, self.stores)
            return super().visit_For(node)  # type: ignore[no-any-return]

        def _visit_comp_alike(self, node: Any) -> bool:
            _stored_names(node.for_in.target, self.stores)  # the first target is visited bare
            return super()._visit_comp_alike(node)  # type: ignore[no-any-return]

        def visit_Name(self, node: Any) -> bool | None:
            if node in self.stores and self._ScopeVisitor__last_string_annotation is None:
                self.scope.record_assignment(node.value, node)
                return None
            return super().visit_Name(node)  # type: ignore[no-any-return]

        # libcst's dispatch, each hook looked up once per node type (``hook``); ``on_leave``
        # is ScopeVisitor's, with the type of an assignment-like node checked exactly.

        def on_visit(self, node: Any) -> bool:
            kind = type(node)
            visit = hook(kind, "visit")
            return visit is None or visit(self, node) is not False

        def on_leave(self, original_node: Any) -> None:
            kind = type(original_node)
            self.scopes[original_node] = self.scope
            if kind in assignment_like:
                self.scope._assignment_count += 1
            leave = hook(kind, "leave")
            if leave is not None:
                leave(self, original_node)

        def on_visit_attribute(self, node: Any, attribute: str) -> None:
            visit = hook(type(node), "visit", attribute)
            if visit is not None:
                visit(self, node)

        def on_leave_attribute(self, original_node: Any, attribute: str) -> None:
            leave = hook(type(original_node), "leave", attribute)
            if leave is not None:
                leave(self, original_node)

    return LeanScopeVisitor
