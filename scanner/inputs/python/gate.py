"""Which Python modules can hold a fact a rule reads, decided before libcst is paid for.

libcst's parse alone costs about ten times CPython's, and its scope and position metadata more
again, while most modules of a real tree (networkx, Django, botocore) hold nothing any rule
reads. So every module is parsed by CPython first (its syntax check), and only the modules with
evidence that they can matter are analysed with libcst. Evidence is decided in two steps:

1. **Words** (a regular expression over the text). A *strong* word makes the module matter at
   once: ``aws_cdk``, an RDS/DSQL/Aurora word (services, hosts, engines, IAM actions, the DSQL
   connectors), an auth-token method, or the suppression marker ``dsql-scan``. Words are bounded
   like identifiers are (``rds`` in ``aws_rds``, ``RDS_HOST`` and ``getRdsClient``, never in
   "words" or "records"). A *weak* word (a database driver's name, an environment read, a
   query-style method, a configuration-type decorator or base, ``engine``, a health-check word)
   leads to a fact only in some syntax, which step 2 decides. A clue whose syntax the text
   cannot hold is dropped here: a query clue when no string starts like SQL (``QUOTED_SQL``), a
   driver clue when no import statement names a driver (``DRIVER_IMPORT``). A module with
   neither is inert.
2. **Syntax** (CPython's tree, which the syntax check built anyway). A weak-word module matters
   when it has: a query-style call whose text argument reaches a string that looks like SQL,
   in itself or through what its names are assigned in the scopes they resolve to and its
   attributes anywhere in the module (a query's text is built from the module's literals, the
   piece that starts it starts with a keyword, and the evaluator finds it only so: ``Flows``);
   a call that resolves through the module's imports to a driver's connect
   (``sa.create_engine(...)``), or to sqlalchemy's ``text()`` of such a literal; an engine
   setting whose value names a relational engine; a function named like a health check; a
   configuration type (a dataclass, attrs class, TypedDict, NamedTuple or pydantic model) that
   models a database (a field named ``db_host``), or any in a CDK app (a ``cdk.json`` above
   it), where its values can cross into a stack (names link across modules within an app only;
   there a package ``__init__`` that imports names matters too, whatever its words). When the
   configuration names environment variables of its own (``required-env``,
   ``legacy-env-patterns``), any environment read and any configuration type matter.

A skipped module still gets its syntax checked, and what it would have contributed is nothing a
rule reads: environment reads of names no rule judges, engine settings of no database, function
summaries that neither connect, nor query, nor are named like a health check (a health check
follows calls into analysed modules only); outside a CDK app, configuration types of no
database and the names a module hands to others (no app links them).
``tests/test_python_prefilter.py`` checks that claim against libcst's full analysis of
thousands of real modules (this project, the installed libraries, and the benchmark's PyPI
corpora).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from scanner.config import DEFAULT_LEGACY_ENV_PATTERNS
from scanner.facts import DATABASE_FIELD_TOKENS, field_tokens
from scanner.inputs import catalog, names
from scanner.inputs.words import Words
from scanner.project.context import RELATIONAL_ENGINE
from scanner.project.health import HEALTH_WORDS, health_named

if TYPE_CHECKING:
    from scanner.config import Config

# The AWS and database words a literal or a name carries (RDS/DSQL/Aurora: services, hosts,
# engines, IAM actions, settings), the CDK's import root, and the auth-token methods (the
# collectors count them on any receiver: app.TOKEN_METHODS, catalog.AUTH_TOKEN_METHOD).
STRONG_WORDS = (
    "aws_cdk", "rds", "dsql", "aurora",
    "generate_db_connect_auth_token", "generate_db_connect_admin_auth_token",
    catalog.AUTH_TOKEN_METHOD,  # RDS's IAM token, an RDS API call on any receiver (facts.py)
)  # fmt: skip
QUERY_METHODS = frozenset(
    {"execute", "executemany", "fetch", "fetchval", "fetchrow", "exec_driver_sql", "scalar"}
)
CONFIG_DECORATORS = frozenset({"dataclass", "s", "attrs", "define", "frozen", "mutable"})
CONFIG_BASES = frozenset({"TypedDict", "NamedTuple", "BaseModel", "BaseSettings"})
ENVIRONMENT_WORDS = ("environ", "getenv")
# The import roots of the database drivers a connection is resolved against (app.DRIVERS, the
# DSQL connectors are strong words): a call resolves to them only through an import, so only an
# import is evidence, not a mention ("pg. 215" in a docstring, a "# sqlalchemy/orm/query.py"
# header in SQLAlchemy's own modules, which import each other relatively).
DRIVER_ROOTS = frozenset(
    {
        "psycopg",
        "psycopg2",
        "psycopg_pool",
        "asyncpg",
        "sqlalchemy",
        "pg",
        "postgres",
        "knex",
        "drizzle_orm",
    }
)
# The modules a configuration decorator comes from (``attr.s``, ``from attrs import define``).
CONFIG_MODULES = ("dataclass", "dataclasses", "attr", "attrs")
SQL_KEYWORDS = (
    "select|insert|update|delete|create|alter|drop|truncate|with|begin|start|commit|rollback|"
    "grant|revoke|set|show|explain|vacuum|analyze|copy|do|call|lock|comment|reindex|refresh|"
    "merge|savepoint|release|prepare|execute|declare|listen|notify|discard|reset|values|table"
)
LOOKS_LIKE_SQL = re.compile(
    rf"^\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*(?:{SQL_KEYWORDS})\b", re.IGNORECASE | re.DOTALL
)

# A Python string literal's escape sequence (a line continuation included), as the source
# writes it: what ``sql`` decodes, and what may stand before a query's first keyword.
ESCAPE = re.compile(
    r"\\(?:\n|[\\'\"abfnrtv]|[0-7]{1,3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]*\})"
)
# Where a string constant that ``LOOKS_LIKE_SQL`` can begin in the source: after its opening
# quote, or after an f-string's replacement field, then any whitespace, written or escaped,
# then a comment or a keyword. ``by_words`` drops the query clue of a module that has none;
# its syntax step then judges the constants themselves.
QUOTED_SQL = re.compile(
    r"[\"'}](?:\s|" + ESCAPE.pattern + rf")*(?:--|/\*|(?:{SQL_KEYWORDS})\b)", re.IGNORECASE
)
# An import statement that names a driver's root (``import psycopg2``, ``import os, asyncpg``,
# ``from sqlalchemy.engine import create_engine``), lines continued by a backslash included.
DRIVER_IMPORT = re.compile(
    r"\b(?:import\b(?:[^\n#]|\\\n)*?|from(?:\s|\\\n)+)\b(?:"
    + "|".join(sorted(DRIVER_ROOTS))
    + r")\b"
)

ENGINE = "engine"
# What a weak word is a clue of: the syntax step looks for that syntax only.
CLUES: dict[str, str] = {
    **dict.fromkeys((w.lower() for w in QUERY_METHODS), "query"),
    **dict.fromkeys((w.lower() for w in (*CONFIG_MODULES, *CONFIG_BASES)), "config"),
    **dict.fromkeys(DRIVER_ROOTS, "driver"),
    **dict.fromkeys(HEALTH_WORDS, "health"),  # what a health check's name is made of
    ENGINE: "engine",
    **dict.fromkeys(ENVIRONMENT_WORDS, "environment"),
}
# The words of a database field (DATABASE_FIELD_TOKENS that are no strong word): without one, no
# configuration type of the module models a database.
FIELD_WORDS = tuple(sorted(DATABASE_FIELD_TOKENS))


STRONG = Words(STRONG_WORDS)
# Words a collector also finds inside a longer identifier (``databaseengine`` is an engine key,
# ``os.environ`` is read under any alias): weak evidence wherever they are.
WEAK = Words((*CLUES, *FIELD_WORDS), inside=("dataclass", "health", "environ", "getenv", ENGINE))


def strong(text: str) -> bool:
    """Does the text hold a word that makes any module matter?"""
    return bool(STRONG.found(text, first=True))


@cache
def _custom_environment(required: tuple[str, ...], patterns: tuple[str, ...]) -> bool:
    return bool(required) or patterns != DEFAULT_LEGACY_ENV_PATTERNS


def environment_judged(config: Config | None) -> bool:
    """Whether the configuration judges environment variables by names of its own, which any
    environment read may produce (the defaults judge RDS/Aurora/DSQL names: strong words)."""
    if config is None:
        return False
    return _custom_environment(config.dsql.required_env, config.legacy_env_patterns)


def by_words(
    text: str, path: str, config: Config | None = None, in_app: bool = True
) -> bool | frozenset[str]:
    """True: the module matters; False: it cannot; else the clues its syntax is searched for
    (``by_syntax``): "query", "config" (any configuration type), "database-config" (one with a
    database field), "engine", "health", "driver".

    ``in_app``: the module lies in a CDK app (a ``cdk.json`` above it), where what it defines
    and re-exports can reach the app's stacks (``scanner.project.resolve.symbols`` links names
    within an app only)."""
    if strong(text):
        return True
    if in_app and names.is_package(path) and IMPORTS_NAMES.search(text):
        return True  # a package's __init__ passes on what it imports
    words = WEAK.found(text)
    clues = {CLUES[w] for w in words if w in CLUES}
    environment = environment_judged(config)
    if "environment" in clues and environment:
        return True
    if "config" in clues and not (in_app or environment):
        clues.discard("config")
        if words.intersection(FIELD_WORDS):
            clues.add("database-config")
    if ENGINE in clues and not RELATIONAL_ENGINE.search(text):
        clues.discard(ENGINE)  # no value could name a relational engine
    if "query" in clues and not QUOTED_SQL.search(text):
        clues.discard("query")  # no string of the module starts like SQL
    if "driver" in clues and not DRIVER_IMPORT.search(text):
        clues.discard("driver")  # no import statement names a driver
    clues.discard("environment")
    return frozenset(clues) or False


IMPORTS_NAMES = re.compile(r"^[ \t]*from[ \t]+\S+[ \t]+import\b", re.MULTILINE)


def by_syntax(tree: ast.Module, clues: frozenset[str]) -> bool:
    """Whether a weak-word module's syntax holds what a collector records, looking only for
    what its words are clues of (see the module's docstring): one pass over CPython's tree
    (which also gathers the driver imports), and when a query or a driver call is the evidence
    left, one more that follows names through scopes."""
    drivers: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            if _config_type(node) and (
                "config" in clues or ("database-config" in clues and _database_fields(node))
            ):
                return True
        elif _evidence(node, clues):
            return True
        elif "driver" in clues and _driver_import(node, drivers):
            return True  # ``from psycopg import *``: any call may be the driver's
    return ("query" in clues or bool(drivers)) and Flows(tree, drivers).reach_sql()


# The keywords a query's text is read from when the call has no positional argument: the one
# an application step reads (``query``) and those the SQL collector tries after it.
QUERY_KEYWORDS = frozenset({"query", "sql", "statement", "operation", "text"})
Source = tuple["_Scope", ast.AST]  # an expression and the scope its names are resolved in


@dataclass(eq=False)
class _Scope:
    """A scope as libcst's analysis sees it (``scanner.fastpaths.scopes_of``): the names bound
    in it, and the expressions assigned to each there."""

    kind: str  # "module", "function", "class" or "comprehension"
    parent: _Scope | None = None
    node: ast.AST | None = None  # a class scope's ``class`` statement
    bound: set[str] = field(default_factory=set)
    declared: set[str] = field(default_factory=set)  # ``global`` and ``nonlocal`` names
    values: dict[str, list[Source]] = field(default_factory=dict)

    def lookup(self, name: str) -> list[Source]:
        """What a use of ``name`` here can be assigned: the values of every scope from here
        out to the first that binds it. A class body is seen from its own statements only (as
        Python and libcst see it); a name declared ``global`` or ``nonlocal`` never stops."""
        found: list[Source] = []
        scope: _Scope | None = self
        while scope is not None:
            if scope is self or scope.kind != "class":
                found.extend(scope.values.get(name, ()))
                if name in scope.bound and name not in scope.declared:
                    break
            scope = scope.parent
        return found


@dataclass
class _Query:
    """A call that passes SQL: its scope, the arguments its text is read from, and whether
    only the SQL collector reads it, as a literal or a name assigned one: sqlalchemy's
    ``text()``, or a method of the caller's own class (``self.execute(...)`` in a method of a
    class that defines ``execute``), which an application step records as a call of it."""

    scope: _Scope
    texts: list[ast.AST]
    literal_only: bool


# A node to visit: its scope, whether the nearest ``def``/``class`` around it is a class (where
# an assignment also sets a class attribute), and in a method's own scope (not a nested one)
# its class and the name of its first parameter.
Visit = tuple[ast.AST, _Scope, bool, tuple[ast.ClassDef, str] | None]


class Flows:
    """Where a query's text can come from, as the evaluator resolves it
    (``scanner.inputs.python.values``), followed on CPython's tree.

    The evaluator reads a query's text from the call's first argument (or, without one, the
    keywords the collectors read), from string literals only: it follows a name to what is
    assigned to it (``=``, an annotated ``=``, ``:=``, ``with ... as``) in the scope libcst's
    analysis resolves the name to, and an attribute of ``self`` to what the class body or a
    method assigns to that attribute. A parameter, a call's return and a loop variable carry
    no text. A call of a method of the caller's own class is a call of that method to the
    application collector: only the SQL collector reads its argument, as a literal or a name
    assigned one.

    This follows at least as much: every scope from a use out to the first that binds the
    name, an attribute to every assignment of that attribute name and every class-body
    assignment of that name, a name inside a nested lambda or comprehension as if it were in
    the enclosing scope, an assignment under ``global``/``nonlocal`` in every scope around it.
    So if no string that looks like SQL can be reached, no query step of the module has SQL
    text and no SQL literal is linted (a docstring, a log message, another function's ``sql``
    are reached by no query).
    """

    def __init__(self, tree: ast.Module, drivers: dict[str, set[str]]) -> None:
        self.module = _Scope("module")
        self.scopes = [self.module]
        self.attributes: dict[str, list[Source]] = {}
        self.queries: list[_Query] = []
        self.drivers = drivers  # what driver imports bind (``_driver_import``)
        self.connects = False  # a call of a driver's connect (judged on its arguments)
        pending: list[Visit] = [(tree, self.module, False, None)]
        while pending:
            pending.extend(self._visit(*pending.pop()))
        for scope in self.scopes:  # ``global x``/``nonlocal x``: assigned out there as well
            for name in scope.declared.intersection(scope.values):
                outer = scope.parent
                while outer is not None:
                    outer.values.setdefault(name, []).extend(scope.values[name])
                    outer = outer.parent

    def _scope(self, kind: str, parent: _Scope, node: ast.AST | None = None) -> _Scope:
        scope = _Scope(kind, parent, node)
        self.scopes.append(scope)
        return scope

    def _visit(
        self, node: ast.AST, scope: _Scope, in_class: bool, method: tuple[ast.ClassDef, str] | None
    ) -> list[Visit]:
        """Note what the node binds or queries; the nodes below it, each with its scope."""
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return self._function(node, scope, in_class, method)
        if isinstance(node, ast.ClassDef):
            scope.bound.add(node.name)
            inner = self._scope("class", scope, node)
            around = [*node.decorator_list, *node.bases, *node.keywords]
            return [(c, scope, in_class, method) for c in around] + [
                (c, inner, True, None) for c in node.body
            ]
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            inner = self._scope("comprehension", scope)
            for generator in node.generators:
                self._bind(generator.target, None, inner, False)
            first = node.generators[0]  # its iterable is evaluated around the comprehension
            inside = [c for c in ast.iter_child_nodes(node) if c is not first]
            inside += [c for c in ast.iter_child_nodes(first) if c is not first.iter]
            return [(first.iter, scope, in_class, method)] + [
                (c, inner, in_class, None) for c in inside
            ]
        self._note(node, scope, in_class, method)
        return [(c, scope, in_class, method) for c in ast.iter_child_nodes(node)]

    def _function(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
        scope: _Scope,
        in_class: bool,
        method: tuple[ast.ClassDef, str] | None,
    ) -> list[Visit]:
        """A ``def`` or a lambda: its defaults, annotations and decorators are evaluated around
        it, its body in a scope of its own where the parameters are bound."""
        arguments = node.args
        params = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        params += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        inner = self._scope("function", scope)
        inner.bound.update(a.arg for a in params)
        around: list[ast.AST] = [d for d in (*arguments.defaults, *arguments.kw_defaults) if d]
        around += [a.annotation for a in params if a.annotation is not None]
        if isinstance(node, ast.Lambda):  # not a ``def``: the class around still owns what it sets
            body: list[Visit] = [(node.body, inner, in_class, None)]
        else:
            scope.bound.add(node.name)
            around += [*node.decorator_list, *([node.returns] if node.returns else [])]
            first = [*arguments.posonlyargs, *arguments.args][:1]
            own = (
                (scope.node, first[0].arg)
                if scope.kind == "class" and first and isinstance(scope.node, ast.ClassDef)
                else None
            )
            body = [(c, inner, False, own) for c in node.body]
        return [(c, scope, in_class, method) for c in around] + body

    def _note(
        self, node: ast.AST, scope: _Scope, in_class: bool, method: tuple[ast.ClassDef, str] | None
    ) -> None:
        """What a statement or expression binds, declares or queries."""
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._bind(target, node.value, scope, in_class)
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr):
            self._bind(node.target, node.value, scope, in_class)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            self._bind(node.optional_vars, node.context_expr, scope, in_class)
        elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor):
            self._bind(node.target, None, scope, in_class)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            scope.bound.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = (a.asname or a.name.split(".")[0] for a in node.names if a.name != "*")
            scope.bound.update(names)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            scope.declared.update(node.names)
        elif isinstance(node, ast.Call):
            called = _called(node.func, self.drivers)
            self.connects = self.connects or not called.isdisjoint(catalog.DRIVERS)
            if not called.isdisjoint(catalog.TEXT_CONSTRUCTS):
                self.queries.append(_Query(scope, _texts(node), literal_only=True))
            if _query_call(node):
                own = _own_method(node.func, method)  # type: ignore[arg-type]
                self.queries.append(_Query(scope, _texts(node), literal_only=own))

    def _bind(self, target: ast.AST, value: ast.AST | None, scope: _Scope, in_class: bool) -> None:
        """Bind the names a target holds (through tuples, lists and starred elements) and note
        what each is assigned; ``value`` None: bound to nothing with text (a loop variable,
        ``x += ...``, an annotation alone)."""
        if isinstance(target, ast.Tuple | ast.List):
            pairs = isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts)
            for index, element in enumerate(target.elts):
                self._bind(element, value.elts[index] if pairs else value, scope, in_class)  # type: ignore[attr-defined]
        elif isinstance(target, ast.Starred):
            self._bind(target.value, value, scope, in_class)
        elif isinstance(target, ast.Name):
            scope.bound.add(target.id)
            if value is not None:
                scope.values.setdefault(target.id, []).append((scope, value))
                if in_class:  # a class attribute, read as ``self.<name>``
                    self.attributes.setdefault(target.id, []).append((scope, value))
        elif isinstance(target, ast.Attribute) and value is not None:
            self.attributes.setdefault(target.attr, []).append((scope, value))

    def reach_sql(self) -> bool:
        """Does a driver connect, or does a string that looks like SQL lie in a query's text
        or in what it names?"""
        if self.connects:
            return True
        pending: list[Source] = []
        for query in self.queries:
            if not query.literal_only:
                pending.extend((query.scope, text) for text in query.texts)
            elif any(_literal_sql(t, query.scope) for t in query.texts):
                return True
        followed: set[tuple[object, str]] = set()
        while pending:
            scope, expression = pending.pop()
            for node in ast.walk(expression):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if LOOKS_LIKE_SQL.match(node.value):
                        return True
                elif isinstance(node, ast.Name) and (scope, node.id) not in followed:
                    followed.add((scope, node.id))
                    pending.extend(scope.lookup(node.id))
                elif isinstance(node, ast.Attribute) and (None, node.attr) not in followed:
                    followed.add((None, node.attr))
                    pending.extend(self.attributes.get(node.attr, ()))
        return False


def _query_call(node: ast.AST) -> bool:
    """``x.execute(...)`` and the like: the collectors read a query by its method's name."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in QUERY_METHODS
    )


def _texts(call: ast.Call) -> list[ast.AST]:
    """The arguments a query's text is read from: the first positional one, else the keywords
    the collectors try."""
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    if positional:
        return positional[:1]
    return [k.value for k in call.keywords if k.arg in QUERY_KEYWORDS]


def _own_method(func: ast.Attribute, method: tuple[ast.ClassDef, str] | None) -> bool:
    """``self.execute`` in a method's own scope, where the method's class defines ``execute``
    in its body (what the application collector resolves as a call of this module)."""
    if method is None or not isinstance(func.value, ast.Name) or func.value.id != method[1]:
        return False
    return any(
        isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == func.attr
        for s in method[0].body
    )


def _literal_sql(node: ast.AST, scope: _Scope) -> bool:
    """A literal that looks like SQL, or a name assigned one (what the SQL collector reads)."""
    if isinstance(node, ast.Name):
        return any(_sql_literal(value) for _, value in scope.lookup(node.id))
    return _sql_literal(node)


def _sql_literal(node: ast.AST) -> bool:
    """A string or f-string literal with a piece that looks like SQL."""
    if not isinstance(node, ast.Constant | ast.JoinedStr):
        return False
    return any(
        isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and bool(LOOKS_LIKE_SQL.match(n.value))
        for n in ast.walk(node)
    )


def _evidence(node: ast.AST, clues: frozenset[str]) -> bool:
    """A node that is evidence on its own (the query-and-SQL pair is judged by ``by_syntax``)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return "health" in clues and health_named(node.name)
    if ENGINE not in clues:
        return False
    if isinstance(node, ast.keyword):
        return _engine_key(node.arg) and _engine_value(node.value)
    if isinstance(node, ast.Assign):
        return _engine_value(node.value) and any(_engine_key(_last(t)) for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return _engine_value(node.value) and _engine_key(_last(node.target))
    if isinstance(node, ast.Dict):
        pairs = zip(node.keys, node.values, strict=True)
        return any(_engine_key(_text(k)) and _engine_value(v) for k, v in pairs)
    return False


def _driver_import(node: ast.AST, aliases: dict[str, set[str]]) -> bool:
    """Note what each name a driver import binds stands for (``import sqlalchemy as sa``: sa
    is ``sqlalchemy``; ``from psycopg import connect``: connect is ``psycopg.connect``); True
    when it star-imports a driver's names."""
    for name, meaning in _imported_names(node):
        if meaning.split(".")[0] in DRIVER_ROOTS:
            if meaning.endswith(".*"):
                return True
            aliases.setdefault(name, set()).add(meaning)
    return False


def _imported_names(node: ast.AST) -> list[tuple[str, str]]:
    """(name bound, what it stands for) of an absolute import (``import a.b`` binds a)."""
    if isinstance(node, ast.Import):
        roots = [a.name.split(".")[0] for a in node.names]
        return [
            (a.asname, a.name) if a.asname else (root, root)
            for a, root in zip(node.names, roots, strict=True)
        ]
    if isinstance(node, ast.ImportFrom) and not node.level and node.module:
        return [(a.asname or a.name, f"{node.module}.{a.name}") for a in node.names]
    return []


def _called(func: ast.AST, aliases: dict[str, set[str]]) -> set[str]:
    """The driver names a call's callee can be, through the imports (a libcst qualified name:
    the callee's full name with its first part replaced by what the import binds)."""
    root, _, rest = _full_name(func).partition(".")
    return {f"{base}.{rest}" if rest else base for base in aliases.get(root, ())}


def _full_name(node: ast.AST) -> str:
    """``a.b.c`` as libcst's ``get_full_name_for_node`` spells an expression: a call or a
    subscript by what is called or subscripted (``a().b`` is ``a.b``), anything else "None".
    A loop, not a recursion: CPython builds attribute chains thousands of links long."""
    parts = []
    while not isinstance(node, ast.Name):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call | ast.Subscript):
            node = node.func if isinstance(node, ast.Call) else node.value
        else:
            parts.append("None")
            break
    else:
        parts.append(node.id)
    return ".".join(reversed(parts))


def _last(node: ast.AST | None) -> str:
    """The last name of a dotted expression (``attr.s`` -> "s"), "" for anything else."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _text(node: ast.AST | None) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def _config_type(node: ast.ClassDef) -> bool:
    return any(_last(d) in CONFIG_DECORATORS for d in node.decorator_list) or any(
        _last(b) in CONFIG_BASES for b in node.bases
    )


def _database_fields(node: ast.ClassDef) -> bool:
    """A field of the type (an annotated name in its body, as the collector reads fields) or
    any name in it that holds a database token (``db_host``)."""
    return any(
        isinstance(n, ast.Name | ast.arg) and field_tokens(_name(n)) & DATABASE_FIELD_TOKENS
        for n in ast.walk(node)
    )


def _name(node: ast.AST) -> str:
    return node.arg if isinstance(node, ast.arg) else node.id  # type: ignore[attr-defined]


def _engine_key(name: str | None) -> bool:
    """``engine``, ``DB_ENGINE``, ``database-engine`` (as the collectors judge keys)."""
    return bool(name) and name.lower().replace("-", "_").endswith("engine")  # type: ignore[union-attr]


def _engine_value(node: ast.AST | None) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and RELATIONAL_ENGINE.search(node.value) is not None
    )
