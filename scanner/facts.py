"""Facts: what a scanned file declares, independent of the syntax it was written in.

Inputs (``scanner.inputs.*``) turn a CloudFormation template or a Python module into these
records; rules only ever read them. That is what lets one rule (RDS006, say) serve templates and
CDK code alike, and what keeps libcst and cfn-lint out of the rules.

Every fact carries a :class:`~scanner.model.Location`. CDK constructs are described with the
CloudFormation type they synthesize to (``aws_rds.DatabaseCluster`` -> ``AWS::RDS::DBCluster``),
so type-based rules need no second vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner.model import Location

RDS_PREFIX = "AWS::RDS::"
DSQL_CLUSTER = "AWS::DSQL::Cluster"
DSQL_PREFIX = "AWS::DSQL::"
IMPORT = "Fn::ImportValue"  # Target.type of a cross-stack import; Target.name is the export name
# Target.type of a value that comes from another module of a Python CDK app: Target.name is the
# symbol it is read from (``stacks.data_stack.DataStack(data)``), Target.attribute the path read
# from it (``database.db_instance_endpoint_address``). See ``SymbolLink``.
SYMBOL = "py:symbol"
# How SymbolLink symbols are written (``scanner.inputs.python.symbols`` makes them,
# ``scanner.project.resolve.symbols`` follows them; neither imports the other's parser).
LOCAL = ":"  # a symbol defined in the module itself
BASES = ".<bases>"  # ``:C.<bases>``: instances of C's base classes (for inherited attributes)
# ``:=Name``: the module's ``Name`` is another module's (``from .db import DbStack``, TypeScript's
# ``export { DbStack } from './db'``); ``:=*``: so is every name it does not define itself, where
# the other module defines it (``from .db import *``, ``export * from './db'``: a barrel).
ALIAS = ":="
ALL_NAMES = ALIAS + "*"


@dataclass(frozen=True)
class Target:
    """What a value refers to: a resource (by logical id or construct id) and an attribute.

    ``type`` is the CloudFormation type of the referenced resource when known. ``rds_secret``
    marks a secret that exists for an RDS database (attached to, or read by, an RDS resource).

    A value that comes from another file (a cross-stack import, a construct of another module) is
    resolved after analysis (``scanner.project.resolve``): the target is then the resource it comes
    from, ``namespace`` the namespace its name belongs to (see ``scanner.project.context``) and
    ``via`` how it got here, for messages ("DatabaseStack's export 'Db:ExportsOutputRefLedger'").
    """

    name: str
    type: str = ""
    attribute: str = ""
    rds_secret: bool = False
    namespace: str = ""
    via: str = ""

    @property
    def is_symbol(self) -> bool:
        return self.type == SYMBOL

    @property
    def is_rds(self) -> bool:
        return self.type.startswith(RDS_PREFIX) or self.rds_secret

    @property
    def is_dsql(self) -> bool:
        return self.type == DSQL_CLUSTER


@dataclass(frozen=True)
class Resource:
    """A declared resource or construct. ``detail`` names the construct class or a special role."""

    type: str
    location: Location
    logical_id: str = ""
    detail: str = ""


@dataclass(frozen=True)
class EngineSetting:
    """A database engine named in an ``Engine`` property, an engine argument or an engine helper."""

    value: str
    location: Location


@dataclass(frozen=True)
class Credential:
    """A database credential artefact (secret, attachment, rotation, managed password, helper).

    ``for_rds`` is decided by the input from the wiring (what refers to what), not from names.
    """

    kind: str
    location: Location
    for_rds: bool
    detail: str = ""


@dataclass(frozen=True)
class Value:
    """A literal value at a place (an IAM action, a resource ARN pattern)."""

    text: str
    location: Location


@dataclass(frozen=True)
class IamStatement:
    """One IAM policy statement. ``principals`` are the roles/users/groups it reaches."""

    effect: str
    actions: tuple[Value, ...]
    resources: tuple[Value, ...]
    location: Location
    principals: tuple[str, ...] = ()
    not_action: bool = False
    resource_targets: tuple[Target, ...] = ()
    opaque_resources: bool = False  # a Resource entry is a parameter or other unresolvable value


@dataclass(frozen=True)
class Grant:
    """A CDK ``grant_*`` call; ``target_type`` is the CloudFormation type of the granter."""

    method: str
    target_type: str
    location: Location
    grantee: str = ""
    target: str = ""  # name of the granting resource (the DSQL cluster for grant_connect*)
    actions: tuple[str, ...] = ()  # the actions of a generic ``grant(grantee, *actions)``
    rds_secret: bool = False  # the granter is a secret holding the RDS database's credentials
    symbol: Target | None = None  # a granter from another module, still to be resolved
    via: str = ""  # how the granter reached this module (for messages)


@dataclass(frozen=True)
class Ingress:
    """A security-group ingress rule. ``None`` ports mean "all ports" (protocol -1)."""

    protocol: str
    from_port: int | None
    to_port: int | None
    location: Location
    to_dsql_endpoint: bool = False
    # the database (from another module) whose port ``x.connections.allow_default_port_*``
    # opens: no port is known until it is resolved, so an unresolved one is dropped
    symbol: Target | None = None

    def opens(self, port: int) -> bool:
        """True when the rule admits TCP traffic to ``port`` (protocol -1 admits every port)."""
        protocol = self.protocol.lower()
        if protocol in ("-1", "all"):
            return True
        if protocol not in ("tcp", "6"):
            return False
        if self.from_port is None or self.to_port is None or self.from_port == -1:
            return True
        low, high = sorted((self.from_port, self.to_port))
        return low <= port <= high


@dataclass(frozen=True)
class Sink:
    """A named value that leaves the resource: environment variable, Output, Export, SSM parameter.

    ``location`` is the value node, ``name_location`` the name (key) node; ``targets`` are the
    resources the value refers to (followed through ``Ref``, ``GetAtt``, ``Sub``, ``Join``...).
    """

    kind: str  # "env", "output", "export", "ssm"
    name: str
    location: Location
    name_location: Location
    targets: tuple[Target, ...] = ()
    owner: str = ""
    literal: str = ""
    secret: str = ""  # "db": database credentials from Secrets Manager; "other": another secret
    export_name: str = ""  # the Export Name of an "export" sink (what Fn::ImportValue names)
    # Where the value turns a secret into plain text (``{{resolve:secretsmanager:...}}``, CDK
    # ``unsafe_unwrap()``, ``SecretValue.unsafe_plain_text``): the resource's configuration then
    # shows the credential to anyone who may read it.
    unwrapped: Location | None = None

    @property
    def rds_targets(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.is_rds)

    @property
    def wired_to_dsql(self) -> bool:
        return any(t.is_dsql for t in self.targets)


@dataclass(frozen=True)
class ApiCall:
    """A call to an AWS SDK client method, e.g. ``rds-data``/``execute_statement``."""

    service: str
    method: str
    location: Location


@dataclass(frozen=True)
class HostLiteral:
    """A host name literal used in connection code (e.g. ``*.rds.amazonaws.com``)."""

    host: str
    location: Location


@dataclass(frozen=True)
class SqlSegment:
    """Where a run of a snippet's text sits in the file.

    ``SqlSnippet.text[offset:]`` starts at (``line``, ``column``) and copies the source character
    for character (a newline in the text is a newline in the file) up to the next segment. A
    plain or triple-quoted literal is one segment; concatenated literals, f-string parts and the
    text after an escape sequence each start a new one.
    """

    offset: int
    line: int
    column: int


@dataclass(frozen=True)
class SqlSnippet:
    """SQL text found in a file (a string literal passed to ``execute(...)``), to be linted.

    ``text`` is the SQL as the program sends it; ``location`` is the literal expression;
    ``segments`` map text offsets back to the file (empty: the text starts at ``location``'s
    line and column and copies the source). ``interpolated`` marks text with stand-ins for
    f-string replacement fields: a parse error there may be the stand-in's, not the SQL's.
    """

    text: str
    location: Location
    segments: tuple[SqlSegment, ...] = ()
    interpolated: bool = False


@dataclass(frozen=True)
class SqlDiagnostic:
    """One dsql-lint diagnostic, located in the scanned file.

    ``rule`` is dsql-lint's own rule name (``serial_type``); ``status`` its fix status
    (``fixed``, ``fixed_with_warning``, ``unfixable``), from which dsql-lint derives its level.
    """

    rule: str
    message: str
    location: Location
    suggestion: str = ""
    status: str = ""


@dataclass(frozen=True)
class FileFacts:
    """Everything one file declares. Inputs fill what their syntax can express."""

    kind: str  # Kind value: "cfn", "cdk", "app" or "sql"
    path: str
    resources: tuple[Resource, ...] = ()
    engines: tuple[EngineSetting, ...] = ()
    credentials: tuple[Credential, ...] = ()
    statements: tuple[IamStatement, ...] = ()
    grants: tuple[Grant, ...] = ()
    ingress: tuple[Ingress, ...] = ()
    sinks: tuple[Sink, ...] = ()
    api_calls: tuple[ApiCall, ...] = ()
    hosts: tuple[HostLiteral, ...] = ()
    construct_ids: tuple[tuple[str, int], ...] = ()  # (construct id literal, line) in CDK source
    sql: tuple[SqlSnippet, ...] = ()  # SQL to lint (literals passed to execute-style calls)
    sql_diagnostics: tuple[SqlDiagnostic, ...] = ()  # what dsql-lint reported, located
    clusters: tuple[DsqlCluster, ...] = ()
    compute: tuple[Compute, ...] = ()
    roles: tuple[IamRole, ...] = ()
    diagnostics: tuple[TemplateDiagnostic, ...] = ()
    connections: tuple[DsqlConnection, ...] = ()
    token_calls: tuple[TokenCall, ...] = ()
    functions: tuple[FunctionSummary, ...] = ()  # application functions, for health checks
    config_types: tuple[ConfigType, ...] = ()
    env_reads: tuple[EnvRead, ...] = ()
    symbol_links: tuple[SymbolLink, ...] = ()  # what this CDK module hands to other modules
    tables: tuple[DynamoTable, ...] = ()  # DynamoDB tables, compared with a git base (FR-006)
    # the namespaces of the local modules this Terraform module calls (``tf:modules/db``): a
    # root module and what it calls are one deployment (``scanner.project.context.units``)
    module_calls: tuple[str, ...] = ()
    namespace: str = ""  # where CDK names link: "cdk:<app dir>" (set by the engine), else by kind


def namespace_of(facts: FileFacts) -> str:
    """Where a file's names link (see ``scanner.project.context``). A template's names are its own;
    CDK and application names are shared within their kind (CDK names within their app, when
    the engine knows which app a file belongs to)."""
    if facts.namespace:
        return facts.namespace
    return facts.path if facts.kind == "cfn" else facts.kind


@dataclass(frozen=True)
class SymbolLink:
    """One value a symbol of a Python CDK module may hold, for the app's other modules.

    Symbols name places a value is bound to: ``:DataStack.database`` (an attribute of the class
    defined here; ``:`` is this module), ``:make_cluster()`` (what the factory returns),
    ``:ApiStack(data)`` (a constructor or function parameter; ``(#2)`` by position),
    ``stacks.data_stack.DataStack(data)`` (an argument passed here to a callee imported from
    another module). ``value`` is a construct (a concrete Target) or another symbol (``SYMBOL``).
    ``scanner.project.resolve.symbols`` follows them within one CDK app.
    """

    symbol: str
    value: Target
    port: int = 0  # the database port of a construct value (what connections rules open)


# --- The DSQL target state -------------------------------------------------------------------
#
# Names in these facts link them: a Compute's ``role`` is an IamRole's ``name``, an IamStatement's
# ``principals`` and a Grant's ``grantee`` name roles or compute resources, a Target's ``name`` is
# a DsqlCluster's ``name``. Templates use logical ids, linked within their own file (a stack is a
# namespace); CDK and application facts use names that are unique across their kind (the Python
# input qualifies them), linked across files. See ``scanner.project.context``.


@dataclass(frozen=True)
class DsqlCluster:
    """An Aurora DSQL cluster: ``AWS::DSQL::Cluster``, CDK ``CfnCluster`` or the alpha ``Cluster``.

    ``deletion_protection`` is "enabled", "disabled", "absent" or "unknown" (a value that cannot
    be resolved statically, such as ``Fn::If``); ``protection_location`` is the value's place.
    ``peers`` are the clusters named in ``MultiRegionProperties.Clusters`` that resolve to
    clusters in scope; ``witness_region`` is its witness Region, when literal.
    """

    name: str
    location: Location
    deletion_protection: str = "absent"
    protection_location: Location | None = None
    multi_region: bool = False
    witness_region: str = ""
    peers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Compute:
    """Code that runs and may connect to the database: a Lambda function or an ECS task.

    ``role`` names the IamRole it executes as (Lambda ``Role``, ECS ``TaskRoleArn``, the implicit
    role of a SAM function); "" when the role is declared elsewhere and cannot be judged.
    ``env_owners`` are the Sink owners whose ``env`` sinks it receives (its own name, plus SAM
    ``Globals`` for serverless functions). ``env_location`` is where variables are declared.
    """

    name: str
    kind: str  # "lambda" or "ecs"
    location: Location
    role: str = ""
    env_owners: tuple[str, ...] = ()
    env_location: Location | None = None
    containers: tuple[str, ...] = ()


@dataclass(frozen=True)
class IamRole:
    """An IAM role whose permissions are visible. Its statements are the IamStatements naming it.

    ``managed_policies`` are attached managed policies not declared in the same file: AWS managed
    ones (by ARN or SAM name) are known; any other (a customer policy ARN, a parameter, an import;
    ``text`` "" when computed) makes the role's permissions unknowable.
    """

    name: str
    location: Location
    managed_policies: tuple[Value, ...] = ()


@dataclass(frozen=True)
class TemplateDiagnostic:
    """What cfn-lint says about one node of a template (see
    ``scanner.inputs.cloudformation.validate``).

    ``category`` is "region" (a DSQL resource type does not exist in a deployment region,
    E3006), "invalid" (an error on a DSQL resource or a value referring to one: unknown
    property, wrong type, unknown attribute...), "deploy" (any other error, when the whole
    template is linted) or "deprecated" (a deprecated RDS engine version). ``codes`` are
    cfn-lint's rule ids; ``regions`` the regions a "region" diagnostic applies to.
    """

    category: str
    codes: tuple[str, ...]
    message: str
    location: Location
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Setting:
    """A connection argument: a literal ``value``, or read from the environment variable ``env``."""

    location: Location
    value: str = ""
    env: str = ""
    defaulted: bool = False  # not passed: the library's default applies (``value`` holds it)


@dataclass(frozen=True)
class DsqlConnection:
    """Application code opening a connection to Aurora DSQL.

    Through psycopg/psycopg2/asyncpg, the aurora-dsql connectors or SQLAlchemy. ``password`` says
    how the password is obtained: "admin-token", "token" (a custom database role), "secret" (read
    from Secrets Manager), "literal" or "" (unknown); ``password_location`` is where.
    """

    driver: str  # qualified name of the connect function
    location: Location
    function: str = ""  # qualified name of the enclosing function
    user: Setting | None = None
    database: Setting | None = None
    sslmode: Setting | None = None
    password: str = ""
    password_location: Location | None = None


@dataclass(frozen=True)
class TokenCall:
    """A DSQL auth-token call: ``generate_db_connect_auth_token`` or its ``_admin_`` variant."""

    method: str
    location: Location
    function: str = ""

    @property
    def admin(self) -> bool:
        return "admin" in self.method


@dataclass(frozen=True)
class Step:
    """One thing an application function does that a health check is judged by.

    ``kind`` is "connect" (a DSQL connection or auth-token call), "query" (``text`` is the SQL),
    "success-log" (an info/debug log or a print to stdout outside any ``except``),
    "failure-log" (any log inside an ``except``, or an error-level log, a print to stderr) or
    "call" (a function of the application: ``text`` is its qualified name within ``module``,
    "" for the same module; ``module`` is absolute and dotted, relative imports resolved).
    ``in_except``: the step runs only when something failed, so what a called function logs
    there is a failure log.
    """

    kind: str
    line: int
    text: str = ""
    module: str = ""
    in_except: bool = False


@dataclass(frozen=True)
class FunctionSummary:
    """What one application function does, in source order: per module, cached with it.

    Health checks are judged at project level over these summaries, following calls within the
    module and into other modules of the project (``scanner.project.health``); a module's summary
    never depends on another module, so an unchanged module comes from the cache.
    """

    name: str  # qualified within its module: "Database.ping", "check.probe"
    location: Location
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True)
class HealthCheck:
    """A function that (through whatever it calls) connects to DSQL and runs a query, or one
    named like a health check (``connects`` and ``query`` say whether it reaches DSQL at all).

    ``query`` is the first query it runs and ``query_in`` the function that runs it, when that
    is a helper ("db.ping() at app/db.py:12"); ``trivial_query`` is true when a ``SELECT 1``-style
    query is among those it runs; ``logs_success`` when a success log follows the query on the
    success path, ``logs_failure`` when a failure is logged (in an ``except``, at error level, or
    by a caller of a helper that raises).
    """

    function: str
    location: Location
    connects: bool = False
    trivial_query: bool = False
    logs_success: bool = False
    logs_failure: bool = False
    query: str = ""
    query_in: str = ""

    @property
    def complete(self) -> bool:
        return self.connects and self.trivial_query and self.logs_success and self.logs_failure

    @property
    def satisfied(self) -> int:
        """How many of the requirements it meets: the most nearly complete check is reported."""
        return sum(
            (
                self.connects,
                bool(self.query),
                self.trivial_query,
                self.logs_success,
                self.logs_failure,
            )
        )


@dataclass(frozen=True)
class ConfigType:
    """A configuration type (dataclass, TypedDict, pydantic settings, NamedTuple) and its fields.

    ``fields`` are the declared names; ``env_names`` the environment variables they are read
    from where the type says so (pydantic ``env_prefix``/``alias``, or the field name itself).
    """

    name: str
    kind: str
    location: Location
    fields: tuple[str, ...] = ()
    env_names: tuple[str, ...] = ()


# A configuration field whose name holds one of these tokens models a database setting.
DATABASE_FIELD_TOKENS = frozenset(
    {"db", "database", "dsql", "postgres", "pg", "rds", "aurora", "dsn"}
)


def field_tokens(name: str) -> set[str]:
    """``db_host`` -> {"db", "host"}: the words of a field's name."""
    return set(re.split(r"[_\W]+", name.lower())) - {""}


@dataclass(frozen=True)
class EnvRead:
    """``os.environ[...]``, ``os.environ.get(...)`` or ``os.getenv(...)`` of a literal name."""

    name: str
    location: Location


# --- The DynamoDB layer the migration must leave alone (FR-006) -------------------------------


@dataclass(frozen=True)
class TableSetting:
    """One setting of a DynamoDB table as canonical text, so that two trees compare as text.

    ``replaces``: changing it makes CloudFormation (or Terraform) replace the table, and a
    replaced table starts empty (its name, its key schema, a local secondary index).
    """

    name: str  # "key schema", "table name", "global index ByEmail", "stream", ...
    value: str
    location: Location
    replaces: bool = False


@dataclass(frozen=True)
class DynamoTable:
    """A DynamoDB table: ``AWS::DynamoDB::Table``/``GlobalTable``, CDK ``Table``/``TableV2``,
    ``aws_dynamodb_table``.

    ``name`` is what the deployment tool identifies it by (a logical id, a construct id, a
    Terraform address): a new name is a new table. ``construct_path`` is its CDK construct path
    when known (CDK derives the logical id from it).
    """

    name: str
    location: Location
    settings: tuple[TableSetting, ...] = ()
    construct_path: str = ""

    def setting(self, name: str) -> TableSetting | None:
        return next((s for s in self.settings if s.name == name), None)
