"""Application code talking to Aurora DSQL: connections, auth tokens, health checks, settings.

A connection counts as a DSQL connection on evidence, not on names alone: an aurora-dsql
connector, a password that is a DSQL auth token, or a host that is a DSQL endpoint (a literal
``*.dsql.<region>.on.aws`` or a value read from a ``DSQL`` environment variable). Its settings
(user, database, sslmode) are read from keyword arguments, a libpq conninfo or URL literal, or
the connector's defaults; each keeps its place so that a rule can point at it.

Health checks are judged at project level (``scanner.project.health``) from a summary of every
function: what it does in source order (connects, queries, logs success or failure, calls a function
of this module or one imported from another module of the project), so that a ``health_check()``
that calls a helper which connects and runs ``SELECT 1`` is judged as a whole.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from urllib.parse import parse_qs, urlsplit

import libcst as cst

from scanner.facts import ConfigType, DsqlConnection, FunctionSummary, Setting, Step, TokenCall
from scanner.inputs import catalog
from scanner.inputs.catalog import DRIVERS
from scanner.inputs.python.locations import Locator
from scanner.inputs.python.values import KNOWN_ROOTS, Client, Evaluator, Opaque, dotted_name
from scanner.project.health import health_named

# Where a call's connection settings may be nested (knex's and drizzle's ``connection``).
NESTED_SETTINGS = "connection"
# A URL or libpq conninfo string, by the name each driver gives it.
CONNINFO_NAMES = ("dsn", "connection_string", NESTED_SETTINGS)
CONNECTORS = frozenset(
    {
        *(
            f"{module}.{function}"
            for module in ("aurora_dsql_psycopg", "aurora_dsql_psycopg2", "aurora_dsql_asyncpg")
            for function in (
                "connect",
                "create_pool",
                "DSQLConnection.connect",
                "create_async_pool",
            )
        ),
        # the Aurora DSQL connectors for node-postgres and postgres.js
        "aws.aurora_dsql_node_postgres_connector.AuroraDSQLClient",
        "aws.aurora_dsql_node_postgres_connector.AuroraDSQLPool",
        "aws.aurora_dsql_postgresjs_connector.aurora_dsql_postgres",
    }
)
TOKEN_METHODS = frozenset(
    {"generate_db_connect_auth_token", "generate_db_connect_admin_auth_token"}
)
QUERY_METHODS = frozenset(
    {"execute", "executemany", "fetch", "fetchval", "fetchrow", "exec_driver_sql", "scalar"}
)
# Log levels by outcome; structlog's ``msg`` and its async ``a``-prefixed methods included.
SUCCESS_LEVELS = frozenset({"debug", "info", "msg"})
FAILURE_LEVELS = frozenset({"warning", "warn", "error", "exception", "critical", "fatal"})
FAILURE_WRITERS = frozenset(
    {"sys.stderr.write", "traceback.print_exc", "traceback.print_exception"}
)
PRINT = "builtins.print"
MAX_STEPS = 256  # per function: bounds the facts of generated or huge functions
TRIVIAL_QUERY = re.compile(r"^\s*select\s+1\s*(?:as\s+\w+\s*)?;?\s*$", re.IGNORECASE)
DSQL_HOST = re.compile(r"\.dsql(?:-[a-z0-9]+)?\.[a-z0-9-]+\.on\.aws\b", re.IGNORECASE)
CONNINFO_PAIR = re.compile(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")
SETTING_KEYS = {"user": "user", "dbname": "database", "database": "database", "sslmode": "sslmode"}
SECRET_READS = frozenset({"get_secret_value", "get_secret"})
CONFIG_BASES = {
    "typing.TypedDict": "typeddict",
    "typing_extensions.TypedDict": "typeddict",
    "typing.NamedTuple": "namedtuple",
    "pydantic_settings.BaseSettings": "pydantic-settings",
    "pydantic.BaseSettings": "pydantic-settings",
    "pydantic.BaseModel": "pydantic",
}
DATACLASS_DECORATORS = frozenset({"dataclasses.dataclass", "attr.s", "attr.define", "attrs.define"})


@dataclass
class FunctionFacts:
    """What one function does, in source order, while the walk is inside it."""

    name: str
    node: cst.FunctionDef
    steps: list[Step] = field(default_factory=list)
    callees: dict[int, cst.FunctionDef] = field(default_factory=dict)  # step index: local callee
    outer_except: int = 0  # the handler depth around the definition, restored on leaving it
    outer_finally: int = 0


class AppCollector(cst.CSTVisitor):
    """Collects DSQL connections, token calls, configuration types and health-check evidence."""

    def __init__(self, evaluator: Evaluator, locator: Locator) -> None:
        self.ev = evaluator
        self.at = locator
        self.connections: list[DsqlConnection] = []
        self.token_calls: list[TokenCall] = []
        self.config_types: list[ConfigType] = []
        self._functions: dict[cst.FunctionDef, FunctionFacts] = {}
        self._stack: list[FunctionFacts] = []
        self._names: list[str] = []
        self._except = 0
        self._finally = 0
        self._dsql_calls: set[cst.Call] = set()  # calls that open a DSQL connection or token
        self._assigned: dict[cst.Call, str] = {}  # calls assigned to a name: the name

    # -- scopes ----------------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._names.append(node.name.value)
        self._config_type(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._names.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._names.append(node.name.value)
        facts = FunctionFacts(
            ".".join(self._names), node, outer_except=self._except, outer_finally=self._finally
        )
        self._functions[node] = facts
        self._stack.append(facts)
        self._except = self._finally = 0  # a body runs when called, not where it is defined

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._names.pop()
        facts = self._stack.pop()
        self._except, self._finally = facts.outer_except, facts.outer_finally

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._except += 1

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self._except -= 1

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._except += 1

    def leave_ExceptStarHandler(self, original_node: cst.ExceptStarHandler) -> None:
        self._except -= 1

    def visit_Finally(self, node: cst.Finally) -> None:
        self._finally += 1

    def leave_Finally(self, original_node: cst.Finally) -> None:
        self._finally -= 1

    @property
    def function(self) -> str:
        return self._stack[-1].name if self._stack else ""

    # -- calls -----------------------------------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        target = node.targets[0].target if len(node.targets) == 1 else None
        if isinstance(node.value, cst.Call) and isinstance(target, cst.Name):
            self._assigned[node.value] = target.value

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.ev.qualified(node.func)
        if qualified in catalog.CONFIG_SCHEMAS:
            self._schema(node, catalog.CONFIG_SCHEMAS[qualified])
        found = len(self.connections) + len(self.token_calls)
        if qualified in CONNECTORS or qualified in DRIVERS:
            self._connection(node, qualified)
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else ""
        if method in TOKEN_METHODS and self._dsql_client(node.func):
            here = self.at.location(node, f"boto3.dsql.{method}")
            self.token_calls.append(TokenCall(method, here, self.function))
        connects = len(self.connections) + len(self.token_calls) > found
        if connects:
            self._dsql_calls.add(node)
        if self._stack:
            if connects or self._opened_elsewhere(node.func):
                self._step(node, "connect")
            if not connects:  # ``engine.connect().execute(...)``: a query as well
                self._record(node, qualified, method)

    def _opened_elsewhere(self, func: cst.BaseExpression) -> bool:
        """A method called on a DSQL connection, pool or engine opened outside the function:
        ``engine.connect()`` on a module's ``engine``, ``self.pool.connection()``."""
        return isinstance(func, cst.Attribute) and self._is_dsql_connection(func.value)

    def _is_dsql_connection(self, node: cst.BaseExpression | None, depth: int = 0) -> bool:
        if node is None or depth > 4:
            return False
        if node in self._dsql_calls:
            return True
        if isinstance(node, cst.Name):
            return self._is_dsql_connection(self.ev.bound_expression(node), depth + 1)
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            owner = self.ev.self_class(node.value)
            values = self.ev.bindings.attributes.get((owner, node.attr.value), ()) if owner else ()
            return any(self._is_dsql_connection(v, depth + 1) for v in values)
        return False

    def _step(self, node: cst.CSTNode, kind: str, text: str = "", module: str = "") -> None:
        steps = self._stack[-1].steps
        if len(steps) < MAX_STEPS:
            steps.append(Step(kind, self.at.line(node), text, module, self._except > 0))

    def _record(self, node: cst.Call, qualified: str, method: str) -> None:
        """The step a call inside a function is, if any: a query, a log, a call of a function."""
        callee = self._local_function(node.func)
        if callee is not None:  # named once the walk has seen it: it may be defined below
            self._stack[-1].callees[len(self._stack[-1].steps)] = callee
            self._step(node, "call")
            return
        if method in QUERY_METHODS:
            query = next(self._strings(self.ev.argument(node, 0, "query")), None)
            if query is not None and not self._except:  # a rollback is no health query
                self._step(node, "query", query)
            return
        if qualified in CONNECTORS or qualified in DRIVERS:  # not to DSQL, or it would connect
            return
        outcome = self._log_outcome(node, qualified, method)
        if outcome and (self._except or not self._finally):
            self._step(node, "failure-log" if self._except else f"{outcome}-log")
            return
        imported = self._imported(node.func, qualified)
        if imported:
            module, _, name = imported.rpartition(".")
            self._step(node, "call", name, module)

    def _log_outcome(self, node: cst.Call, qualified: str, method: str) -> str:
        """ "success" or "failure" for a log call by its level, "" for anything else.

        Loggers are recognised by their methods whatever the receiver (``logging``'s,
        structlog's, a framework's ``app.logger``); ``print`` is a success log unless it writes
        to stderr."""
        if qualified == PRINT:
            target = self.ev.qualified(self.ev.keyword(node, "file") or cst.Name("_"))
            return "failure" if target == "sys.stderr" else "success"
        if qualified in FAILURE_WRITERS:
            return "failure"
        if qualified.startswith("warnings.") or qualified == "logging.getLogger":
            return ""
        level = method[1:] if method[1:] in SUCCESS_LEVELS | FAILURE_LEVELS else method
        if method == "log" and "log" in dotted_name(node.func).lower():
            level = self.at.text(self.ev.argument(node, 0, "level")).lower()
            return "failure" if any(word in level for word in FAILURE_LEVELS) else "success"
        if level in FAILURE_LEVELS:
            return "failure"
        return "success" if level in SUCCESS_LEVELS else ""

    def _imported(self, func: cst.BaseExpression, qualified: str, depth: int = 0) -> str:
        """The absolute dotted name of a function imported from a module that may be part of
        the project (``from .db import ping``, ``from app import db; db.ping()``, a method of
        an imported class's instance: ``Database().ping()``), or ""."""
        if depth > 4:
            return ""
        if isinstance(func, cst.Attribute) and not dotted_name(func):
            receiver = func.value
            if isinstance(receiver, cst.Call):
                owner = self._imported(receiver.func, self.ev.qualified(receiver.func), depth + 1)
                return f"{owner}.{func.attr.value}" if owner else ""
            return ""
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            bound = self.ev.bound_expression(func.value)
            if isinstance(bound, cst.Call) and not self._import_bound(func.value):
                owner = self._imported(bound.func, self.ev.qualified(bound.func), depth + 1)
                return f"{owner}.{func.attr.value}" if owner else ""
        if not self._import_bound(func) or not qualified or qualified.startswith(KNOWN_ROOTS):
            return ""
        if qualified.split(".", 1)[0] in sys.stdlib_module_names:
            return ""
        return _absolute(qualified, self.at.path)

    def _import_bound(self, func: cst.BaseExpression) -> bool:
        """Whether the first name of ``a.b.c`` is bound by an import."""
        root = dotted_name(func).split(".", 1)[0]
        scope = self.ev.scopes.get(func)
        if not root or scope is None:
            return False
        imports = cst.Import | cst.ImportFrom
        return any(isinstance(getattr(a, "node", None), imports) for a in scope[root])

    def _dsql_client(self, func: cst.BaseExpression) -> bool:
        receiver = self.ev.value_of(func.value) if isinstance(func, cst.Attribute) else None
        return receiver is None or (isinstance(receiver, Client) and receiver.service == "dsql")

    def _local_function(self, func: cst.BaseExpression) -> cst.FunctionDef | None:
        """The function of this module a call invokes: ``helper()``, a nested function,
        ``self.helper()`` or a method of an instance of a class of this module."""
        if isinstance(func, cst.Name):
            defined = self._defined(func)
            return defined if isinstance(defined, cst.FunctionDef) else None
        owner = self._class_of(func.value) if isinstance(func, cst.Attribute) else None
        for statement in owner.body.body if owner is not None else ():
            if isinstance(statement, cst.FunctionDef) and statement.name.value == func.attr.value:
                # type: ignore[union-attr]
                return statement
        return None

    def _defined(self, name: cst.Name) -> cst.CSTNode | None:
        """The ``def`` or ``class`` statement a name is bound to in its scope, if any."""
        scope = self.ev.scopes.get(name)
        for assignment in scope[name.value] if scope is not None else ():
            node = getattr(assignment, "node", None)
            if isinstance(node, cst.FunctionDef | cst.ClassDef):
                return node
        return None

    def _class_of(self, receiver: cst.BaseExpression | None, depth: int = 0) -> cst.ClassDef | None:
        """The class of this module a receiver is or is an instance of: ``self``, ``Database``,
        ``Database()``, a name bound to one, or ``self.db`` set to one in a method."""
        if receiver is None or depth > 4:
            return None
        if isinstance(receiver, cst.Name):
            defined = self._defined(receiver)
            if isinstance(defined, cst.ClassDef):
                return defined
            owner = self.ev.self_class(receiver)
            return owner or self._class_of(self.ev.bound_expression(receiver), depth + 1)
        if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name):
            defined = self._defined(receiver.func)
            return defined if isinstance(defined, cst.ClassDef) else None
        if isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name):
            owner = self.ev.self_class(receiver.value)
            values = (
                self.ev.bindings.attributes.get((owner, receiver.attr.value), ()) if owner else ()
            )
            return self._class_of(values[0], depth + 1) if values else None
        return None

    def _strings(self, node: cst.CSTNode | None, depth: int = 0) -> Iterator[str]:
        """String values an expression is or contains (``text("SELECT 1")``, a bound name)."""
        if node is None or depth > 6:
            return
        text = self.ev.str_of(node)
        if text is not None:
            yield text
            return
        if isinstance(node, cst.Name):
            yield from self._strings(self.ev.bound_expression(node), depth + 1)
            return
        for child in node.children:
            yield from self._strings(child, depth + 1)

    # -- connections -----------------------------------------------------------------------------

    def _options(self, node: cst.Call) -> dict[str, cst.BaseExpression]:
        """A connection call's named settings: its keywords, and the entries of a ``connection``
        mapping (``knex({ client: 'pg', connection: { host, database } })``)."""
        options = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        nested = options.get(NESTED_SETTINGS)
        for element in nested.elements if isinstance(nested, cst.Dict) else ():
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                key = element.key.evaluated_value
                if isinstance(key, str) and key.isidentifier():
                    options.setdefault(key, element.value)
        return options

    def _conninfo(self, node: cst.Call) -> cst.BaseExpression | None:
        """The URL or conninfo string a connection call is given, positionally or by name."""
        found = self.ev.argument(node, 0, "conninfo")
        for name in CONNINFO_NAMES:
            if found is None or isinstance(found, cst.Dict):
                found = self.ev.keyword(node, name)
        return None if isinstance(found, cst.Dict) else found

    def _connection(self, node: cst.Call, qualified: str) -> None:
        connector = qualified in CONNECTORS
        options = self._options(node)
        settings = self._settings(node, options)
        password_node = options.get("password")
        password = self._password(password_node)
        host = options.get("host")
        dsql = (
            connector
            or password in ("token", "admin-token")
            or self._dsql_host(host)
            or any(self._dsql_host_text(s) for s in self._strings(self._conninfo(node)))
        )
        if not dsql:
            return
        here = self.at.location(node, qualified)
        user = settings.get("user")
        database = settings.get("database")
        if connector:  # it makes the token itself; the user decides which kind (DSQL015)
            user = user or Setting(here, "admin", defaulted=True)
            database = database or Setting(here, "postgres", defaulted=True)
        self.connections.append(
            DsqlConnection(
                driver=qualified,
                location=here,
                function=self.function,
                user=user,
                database=database,
                sslmode=settings.get("sslmode"),
                password=password,
                password_location=(
                    self.at.location(password_node) if password_node is not None else None
                ),
            )
        )

    def _setting(self, node: cst.BaseExpression) -> Setting:
        """A literal value, or the environment variable it is read from."""
        if isinstance(node, cst.Name) and node.value in ("True", "False"):  # asyncpg ``ssl=``
            return Setting(self.at.location(node), "require" if node.value == "True" else "disable")
        if isinstance(node, cst.Dict):  # node-postgres ``ssl: { ... }``: TLS options, so TLS
            return Setting(self.at.location(node), "require")
        text = self.ev.str_of(node) or ""
        return Setting(self.at.location(node), text, env=self._env_name(node))

    def _env_name(self, node: cst.BaseExpression | None, depth: int = 0) -> str:
        """The environment variable a value is read from (directly or through a name)."""
        if node is None or depth > 6:
            return ""
        if isinstance(node, cst.Name):
            return self._env_name(self.ev.bound_expression(node), depth + 1)
        if isinstance(node, cst.Subscript) and self.ev.qualified(node.value) == catalog.ENVIRON:
            index = node.slice[0].slice if len(node.slice) == 1 else None
            return self.ev.str_of(index.value) or "" if isinstance(index, cst.Index) else ""
        if isinstance(node, cst.Call) and self.ev.qualified(node.func) in catalog.ENV_READERS:
            return self.ev.str_of(self.ev.argument(node, 0, "key")) or ""
        return ""

    def _settings(
        self, node: cst.Call, options: dict[str, cst.BaseExpression]
    ) -> dict[str, Setting]:
        found: dict[str, Setting] = {}
        conninfo = self._conninfo(node)
        text = self.ev.str_of(conninfo)
        if conninfo is not None and text:
            for key, value in _conninfo(text).items():
                found[key] = Setting(self.at.location(conninfo), value)
        for name, value in options.items():
            key = SETTING_KEYS.get(name) or ("sslmode" if name == "ssl" else "")
            if key:
                found[key] = self._setting(value)
        connect_args = self.ev.keyword(node, "connect_args")
        if isinstance(connect_args, cst.Dict):
            for element in connect_args.elements:
                if isinstance(element, cst.DictElement) and isinstance(
                    element.key, cst.SimpleString
                ):
                    key = SETTING_KEYS.get(str(element.key.evaluated_value), "")
                    if key:
                        found[key] = self._setting(element.value)
        return found

    def _password(self, node: cst.BaseExpression | None) -> str:
        """How a password is obtained: a DSQL token, a Secrets Manager read, a literal."""
        if node is None:
            return ""
        if isinstance(node, cst.SimpleString):
            return "literal"
        methods = set(self._methods(node))
        if "generate_db_connect_admin_auth_token" in methods:
            return "admin-token"
        if "generate_db_connect_auth_token" in methods:
            return "token"
        if methods & SECRET_READS:
            return "secret"
        return ""

    def _methods(self, node: cst.CSTNode | None, depth: int = 0) -> Iterator[str]:
        """Names of the calls a value is computed from, following bound names."""
        if node is None or depth > 8:
            return
        if isinstance(node, cst.Name):
            yield from self._methods(self.ev.bound_expression(node), depth + 1)
            return
        if isinstance(node, cst.Call):
            if isinstance(node.func, cst.Attribute):
                yield node.func.attr.value
            elif isinstance(node.func, cst.Name):
                yield node.func.value
        for child in node.children:
            yield from self._methods(child, depth + 1)

    def _dsql_host(self, node: cst.BaseExpression | None) -> bool:
        if node is None:
            return False
        return "DSQL" in self._env_name(node).upper() or any(
            self._dsql_host_text(text) for text in self._strings(node)
        )

    @staticmethod
    def _dsql_host_text(text: str) -> bool:
        return bool(DSQL_HOST.search(text))

    # -- configuration types ---------------------------------------------------------------------

    def _config_type(self, node: cst.ClassDef) -> None:
        kind = self._config_kind(node)
        if not kind:
            return
        fields = []
        for statement in node.body.body:
            for line in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
                if isinstance(line, cst.AnnAssign) and isinstance(line.target, cst.Name):
                    fields.append(line.target.value)
        env_names = set(self._env_reads(node))
        if kind == "pydantic-settings":
            prefix = next(self._strings(self._class_setting(node, "env_prefix")), "")
            env_names |= {(prefix + name).upper() for name in fields}
        self.config_types.append(
            ConfigType(
                name=node.name.value,
                kind=kind,
                location=self.at.location(node.name, ".".join(self._names)),
                fields=tuple(fields),
                env_names=tuple(sorted(env_names)),
            )
        )

    def _schema(self, node: cst.Call, kind: str) -> None:
        """An environment schema (``CONFIG_SCHEMAS``): its keywords are its fields; given
        ``os.environ``, they are the variables it reads."""
        fields = tuple(arg.keyword.value for arg in node.args if arg.keyword is not None)
        reads = self.ev.given_environment(node)
        name = self._assigned.get(node) or self.at.text(node.func)
        self.config_types.append(
            ConfigType(
                name=name,
                kind=kind,
                location=self.at.location(node, ".".join([*self._names, name])),
                fields=fields,
                env_names=tuple(sorted({f.upper() for f in fields})) if reads else (),
            )
        )

    def _config_kind(self, node: cst.ClassDef) -> str:
        for decorator in node.decorators:
            target = decorator.decorator
            target = target.func if isinstance(target, cst.Call) else target
            if self.ev.qualified(target) in DATACLASS_DECORATORS:
                return "dataclass"
        for base in node.bases:
            kind = CONFIG_BASES.get(self.ev.qualified(base.value), "")
            if kind:
                return kind
        return ""

    def _class_setting(self, node: cst.ClassDef, name: str) -> cst.CSTNode | None:
        """``model_config = SettingsConfigDict(env_prefix=...)`` or ``class Config: env_prefix``."""
        for statement in node.body.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for line in statement.body:
                    if isinstance(line, cst.Assign) and isinstance(line.value, cst.Call):
                        value = self.ev.keyword(line.value, name)
                        if value is not None:
                            return value
            elif isinstance(statement, cst.ClassDef) and statement.name.value == "Config":
                for inner in statement.body.body:
                    for line in inner.body if isinstance(inner, cst.SimpleStatementLine) else ():
                        if isinstance(line, cst.Assign) and any(
                            isinstance(t.target, cst.Name) and t.target.value == name
                            for t in line.targets
                        ):
                            return line.value
        return None

    def _env_reads(self, node: cst.CSTNode) -> Iterator[str]:
        """Environment variables read anywhere in a class body (field defaults, aliases)."""
        if isinstance(node, cst.Subscript | cst.Call):
            name = self._env_name(node)  # type: ignore[arg-type]
            if name:
                yield name.upper()
        if isinstance(node, cst.Call) and self._alias_call(node):
            for keyword in ("alias", "validation_alias", "env"):
                alias = self.ev.str_of(self.ev.keyword(node, keyword))
                if alias:
                    yield alias.upper()
        for child in node.children:
            yield from self._env_reads(child)

    def _alias_call(self, node: cst.Call) -> bool:
        value = self.ev.value_of(node.func)
        return isinstance(value, Opaque) and value.qualified_name.startswith("pydantic")

    # -- health checks ---------------------------------------------------------------------------

    def summaries(self) -> tuple[FunctionSummary, ...]:
        """Every function that does something a health check is judged by, or is named like
        one (so that a ``health_check`` that never reaches DSQL can be named)."""
        return tuple(
            FunctionSummary(f.name, self.at.location(f.node.name, f.name), self._named(f))
            for f in self._functions.values()
            if f.steps or health_named(f.name)
        )

    def _named(self, facts: FunctionFacts) -> tuple[Step, ...]:
        """A function's steps with each call of a local function given the callee's name."""
        return tuple(
            replace(step, text=self._functions[facts.callees[i]].name)
            if i in facts.callees
            else step
            for i, step in enumerate(facts.steps)
            if i not in facts.callees or facts.callees[i] in self._functions
        )


def _absolute(qualified: str, path: str) -> str:
    """A relative import's qualified name (``..db.ping``) made absolute from the importing
    file's place (``app/api/health.py`` -> ``app.db.ping``); "" when it leaves the tree."""
    dots = len(qualified) - len(qualified.lstrip("."))
    if not dots:
        return qualified
    package = [p for p in PurePosixPath(path.replace("\\", "/")).parent.parts if p not in ("", ".")]
    if dots - 1 > len(package) or any(p == ".." or p.startswith("/") for p in package):
        return ""
    return ".".join([*package[: len(package) - (dots - 1)], qualified[dots:]])


def _conninfo(text: str) -> dict[str, str]:
    """user/database/sslmode of a libpq conninfo string or a postgresql:// URL."""
    found: dict[str, str] = {}
    if "://" in text:
        parts = urlsplit(text)
        if parts.username:
            found["user"] = parts.username
        if parts.path.strip("/"):
            found["database"] = parts.path.strip("/")
        for key, values in parse_qs(parts.query).items():
            if key in SETTING_KEYS and values:
                found[SETTING_KEYS[key]] = values[0]
        return found
    for key, value in CONNINFO_PAIR.findall(text):
        if key in SETTING_KEYS:
            found[SETTING_KEYS[key]] = value.strip("'")
    return found
