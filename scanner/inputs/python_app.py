"""Application code talking to Aurora DSQL: connections, auth tokens, health checks, settings.

A connection counts as a DSQL connection on evidence, not on names alone: an aurora-dsql
connector, a password that is a DSQL auth token, or a host that is a DSQL endpoint (a literal
``*.dsql.<region>.on.aws`` or a value read from a ``DSQL`` environment variable). Its settings
(user, database, sslmode) are read from keyword arguments, a libpq conninfo or URL literal, or
the connector's defaults; each keeps its place so that a rule can point at it.

A health check is a function that connects to DSQL (itself, or through a function of the same
module it calls), runs a query, and logs: the rules judge whether the query is trivial and both
outcomes are logged (the failure inside an ``except``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import libcst as cst

from scanner.facts import ConfigType, DsqlConnection, HealthCheck, Setting, TokenCall
from scanner.inputs import python_catalog as catalog
from scanner.inputs.python_locations import Locator
from scanner.inputs.python_values import Client, Evaluator, Opaque

DRIVERS = frozenset(
    {
        "psycopg.connect",
        "psycopg.Connection.connect",
        "psycopg.AsyncConnection.connect",
        "psycopg2.connect",
        "asyncpg.connect",
        "asyncpg.create_pool",
        "psycopg_pool.ConnectionPool",
        "psycopg_pool.AsyncConnectionPool",
        "sqlalchemy.create_engine",
        "sqlalchemy.ext.asyncio.create_async_engine",
    }
)
CONNECTORS = frozenset(
    f"{module}.{function}"
    for module in ("aurora_dsql_psycopg", "aurora_dsql_psycopg2", "aurora_dsql_asyncpg")
    for function in ("connect", "create_pool", "DSQLConnection.connect", "create_async_pool")
)
TOKEN_METHODS = frozenset(
    {"generate_db_connect_auth_token", "generate_db_connect_admin_auth_token"}
)
QUERY_METHODS = frozenset(
    {"execute", "executemany", "fetch", "fetchval", "fetchrow", "exec_driver_sql", "scalar"}
)
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical"})
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
    """What one function does, for the health-check judgement after the walk."""

    name: str
    node: cst.FunctionDef
    connects: bool = False
    callees: set[cst.FunctionDef] = field(default_factory=set)
    queries: list[str] = field(default_factory=list)
    logs_success: bool = False
    logs_failure: bool = False


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

    # -- scopes ----------------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._names.append(node.name.value)
        self._config_type(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._names.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._names.append(node.name.value)
        facts = FunctionFacts(".".join(self._names), node)
        self._functions[node] = facts
        self._stack.append(facts)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._names.pop()
        self._stack.pop()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._except += 1

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self._except -= 1

    @property
    def function(self) -> str:
        return self._stack[-1].name if self._stack else ""

    # -- calls -----------------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.ev.qualified(node.func)
        if qualified in CONNECTORS or qualified in DRIVERS:
            self._connection(node, qualified)
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else ""
        if method in TOKEN_METHODS and self._dsql_client(node.func):
            here = self.at.location(node, f"boto3.dsql.{method}")
            self.token_calls.append(TokenCall(method, here, self.function))
        if not self._stack:
            return
        current = self._stack[-1]
        callee = self._local_function(node.func)
        if callee is not None:
            current.callees.add(callee)
        if method in QUERY_METHODS:
            query = next(self._strings(self.ev.argument(node, 0, "query")), None)
            if query is not None:
                current.queries.append(query)
        if method in LOG_METHODS or qualified.startswith("logging."):
            if self._except:
                current.logs_failure = True
            else:
                current.logs_success = True

    def _dsql_client(self, func: cst.BaseExpression) -> bool:
        receiver = self.ev.value_of(func.value) if isinstance(func, cst.Attribute) else None
        return receiver is None or (isinstance(receiver, Client) and receiver.service == "dsql")

    def _local_function(self, func: cst.BaseExpression) -> cst.FunctionDef | None:
        """The function of this module a call invokes: ``helper()`` or ``self.helper()``."""
        if isinstance(func, cst.Name):
            scope = self.ev.scopes.get(func)
            for assignment in scope[func.value] if scope is not None else ():
                if isinstance(getattr(assignment, "node", None), cst.FunctionDef):
                    return assignment.node  # type: ignore[return-value]
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            owner = self.ev.self_class(func.value)
            body = owner.body.body if owner is not None else ()
            for statement in body:
                if (
                    isinstance(statement, cst.FunctionDef)
                    and statement.name.value == func.attr.value
                ):
                    return statement
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

    def _connection(self, node: cst.Call, qualified: str) -> None:
        connector = qualified in CONNECTORS
        settings = self._settings(node)
        password_node = self.ev.keyword(node, "password")
        password = self._password(password_node)
        host = self.ev.keyword(node, "host")
        dsql = (
            connector
            or password in ("token", "admin-token")
            or self._dsql_host(host)
            or any(self._dsql_host_text(s) for s in self._strings(self.ev.argument(node, 0, "dsn")))
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

    def _settings(self, node: cst.Call) -> dict[str, Setting]:
        found: dict[str, Setting] = {}
        conninfo = self.ev.argument(node, 0, "conninfo") or self.ev.keyword(node, "dsn")
        text = self.ev.str_of(conninfo)
        if conninfo is not None and text:
            for key, value in _conninfo(text).items():
                found[key] = Setting(self.at.location(conninfo), value)
        for arg in node.args:
            name = arg.keyword.value if arg.keyword is not None else ""
            key = SETTING_KEYS.get(name) or ("sslmode" if name == "ssl" else "")
            if key:
                found[key] = self._setting(arg.value)
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

    def health_checks(self) -> tuple[HealthCheck, ...]:
        """Functions that connect to DSQL (directly or through local helpers) and query."""
        connecting = {c.function for c in self.connections} | {t.function for t in self.token_calls}
        out = []
        for facts in self._functions.values():
            if not facts.queries or not self._connects(facts, connecting, set()):
                continue
            out.append(
                HealthCheck(
                    function=facts.name,
                    location=self.at.location(facts.node.name, facts.name),
                    trivial_query=any(TRIVIAL_QUERY.match(q) for q in facts.queries),
                    logs_success=facts.logs_success,
                    logs_failure=facts.logs_failure,
                )
            )
        return tuple(out)

    def _connects(self, facts: FunctionFacts, connecting: set[str], seen: set[str]) -> bool:
        if facts.name in connecting:
            return True
        seen.add(facts.name)
        for callee in facts.callees:
            inner = self._functions.get(callee)
            if (
                inner is not None
                and inner.name not in seen
                and self._connects(inner, connecting, seen)
            ):
                return True
        return False


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
