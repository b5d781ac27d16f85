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
   when it has: a query-style call whose arguments reach a string that looks like SQL, in
   themselves or through what the names and attributes in them are assigned anywhere in the
   module (a query's text is built from the module's literals, the piece that starts it starts
   with a keyword, and the evaluator finds it only so: ``Flows``); an import
   that reaches a driver call (``from sqlalchemy import create_engine``); an engine setting
   whose value names a relational engine; a function named like a health check; a
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
    what its words are clues of (see the module's docstring): one pass over CPython's tree."""
    flows = Flows() if "query" in clues else None
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            if _config_type(node) and (
                "config" in clues or ("database-config" in clues and _database_fields(node))
            ):
                return True
        elif _evidence(node, clues):
            return True
        if flows is not None:
            flows.note(node)
    return flows is not None and flows.reach_sql()


@dataclass
class Flows:
    """Where a query's text can come from, as the evaluator resolves it
    (``scanner.inputs.python.values``): the query call's arguments, and what a name or an
    attribute in them is assigned anywhere in the module.

    The evaluator takes text from string literals only, and follows a name or an attribute
    only to what is assigned to it (``=``, an annotated ``=``, ``:=``, ``with ... as``; a
    ``self.x`` or class attribute by its own name); a parameter, a call's return and a loop
    variable carry no text. So this follows every assignment of the same identifier in any
    scope, which is more than the evaluator does and never less: if no string that looks like
    SQL can be reached from any query call's arguments, no query step of the module has SQL
    text and no SQL literal is linted (a docstring, a log message, a comparison's operand are
    reached by no query)."""

    assigned: dict[str, list[ast.AST]] = field(default_factory=dict)
    arguments: list[ast.AST] = field(default_factory=list)

    def note(self, node: ast.AST) -> None:
        if isinstance(node, ast.Call) and _last(node.func) in QUERY_METHODS:
            self.arguments.extend(node.args)
            self.arguments.extend(k.value for k in node.keywords)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                self._bind(target, node.value)
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
            self._bind(node.target, node.value)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            self._bind(node.optional_vars, node.context_expr)

    def _bind(self, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            pairs = isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts)
            for index, element in enumerate(target.elts):
                self._bind(element, value.elts[index] if pairs else value)  # type: ignore[attr-defined]
        elif isinstance(target, ast.Starred):
            self._bind(target.value, value)
        else:
            name = _last(target)
            if name:
                self.assigned.setdefault(name, []).append(value)

    def reach_sql(self) -> bool:
        """Does a string that looks like SQL lie in a query's arguments or in what they name?"""
        followed: set[str] = set()
        pending = list(self.arguments)
        while pending:
            for node in ast.walk(pending.pop()):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if LOOKS_LIKE_SQL.match(node.value):
                        return True
                elif isinstance(node, ast.Name | ast.Attribute):
                    name = _last(node)
                    if name not in followed:
                        followed.add(name)
                        pending.extend(self.assigned.get(name, ()))
        return False


def _evidence(node: ast.AST, clues: frozenset[str]) -> bool:
    """A node that is evidence on its own (the query-and-SQL pair is judged by ``by_syntax``)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return "health" in clues and health_named(node.name)
    if isinstance(node, ast.Import | ast.ImportFrom):
        return "driver" in clues and _driver_import(node)
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


def _driver_import(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.Import):  # ``import sqlalchemy.orm`` binds all of ``sqlalchemy``
        return any(alias.name.split(".")[0] in DRIVER_ROOTS for alias in node.names)
    if node.level or not node.module:
        return False
    return any(_resolves(f"{node.module}.{alias.name}") for alias in node.names)


# What a driver import must reach for a collector to resolve a call against it: a driver call
# (``from sqlalchemy import create_engine``), a module on its way (``from sqlalchemy import
# sql`` for ``sql.text``), or everything (``from psycopg import *``).
RESOLVED = catalog.DRIVERS | catalog.TEXT_CONSTRUCTS


@cache
def _resolves(imported: str) -> bool:
    module, _, name = imported.rpartition(".")
    if name == "*":
        return module.split(".")[0] in DRIVER_ROOTS
    return any(q == imported or q.startswith(imported + ".") for q in RESOLVED)


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
