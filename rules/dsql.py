"""DSQL: the Aurora DSQL target state (FR-001..FR-005).

The RDS family proves what is gone; this family proves what is there and right: one cluster,
protected against deletion, that every function talking to it can find through its environment
and may connect to with ``dsql:DbConnect`` on that cluster (and nothing broader), with IAM tokens
instead of secrets, the one database ``postgres``, and a template that cfn-lint accepts.

Most checks here judge links between resources (a function, its role, the policies reaching the
role, the cluster its environment names), so they are project checks over ``scanner.project.context``;
their findings are still located at the resource concerned.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scanner.model import Hit, Location, Severity
from scanner.project.context import (
    Evidence,
    Key,
    Permission,
    Project,
    Workload,
    action_allows,
    database_evidence,
)
from scanner.project.health import health_checks, health_named
from scanner.rules.base import Example, rule
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.facts import FileFacts, HealthCheck
    from scanner.config import Config
    from collections.abc import Iterable, Iterator

CONNECT = "dsql:DbConnect"
CONNECT_ADMIN = "dsql:DbConnectAdmin"
# Mutating control-plane actions: an application never needs them (AWS's DSQL action list).
CONTROL_PLANE = (
    "dsql:CreateCluster",
    "dsql:UpdateCluster",
    "dsql:DeleteCluster",
    "dsql:TagResource",
    "dsql:UntagResource",
    "dsql:PutMultiRegionProperties",
    "dsql:PutWitnessRegion",
    "dsql:AddPeerCluster",
    "dsql:RemovePeerCluster",
    "dsql:PutClusterPolicy",
    "dsql:DeleteClusterPolicy",
    "dsql:StartBackupJob",
    "dsql:StopBackupJob",
    "dsql:StartRestoreJob",
    "dsql:StopRestoreJob",
    "dsql:InjectError",
)
# One representative action per service a wildcard service pattern (``*``, ``rds*:*``) may hit.
BROAD_PROBES = (CONNECT_ADMIN, "rds:DeleteDBCluster", "rds-data:ExecuteStatement", "rds-db:connect")
DATABASE_NAME_VARIABLE = re.compile(r"(?:^|_)(?:DB|DATABASE|DBNAME)(?:_?NAME)?$|^PGDATABASE$")
INSECURE_SSLMODES = frozenset({"disable", "allow", "prefer"})
DSQL_DATABASE = "postgres"
COMPUTE_LABEL = {"lambda": "Lambda function", "ecs": "ECS task definition"}


def describe(workload: Workload) -> str:
    """How messages name a compute resource: "Lambda function 'Api'"."""
    return (
        f"{COMPUTE_LABEL.get(workload.compute.kind, 'compute resource')} '{workload.compute.name}'"
    )


def role_of(workload: Workload) -> str:
    return f"role '{workload.compute.role}'" if workload.compute.role else "its role"


def cluster_hint(project: Project, workload: Workload) -> str:
    """The cluster a message should name: the one the workload uses, or the only one there is."""
    keys = workload.clusters or tuple(key for key, _ in project.clusters)
    return keys[0].name if len(set(keys)) == 1 else "<cluster>"


def _service(pattern: str) -> str:
    return pattern.strip().partition(":")[0].lower()


def _full_wildcard(pattern: str) -> bool:
    """``*``, ``dsql:*`` or any pattern whose service part is a wildcard."""
    service, _, action = pattern.strip().partition(":")
    return "*" in service or "?" in service or (service.lower() == "dsql" and action == "*")


# --- DSQL001 / DSQL002: the cluster ----------------------------------------------------------


def _first(evidence: Iterable[Evidence], *kinds: str) -> Evidence | None:
    """The first sign of a database in files of the given kinds (in that order of preference)."""
    found = sorted(
        evidence, key=lambda e: (kinds.index(e.kind) if e.kind in kinds else len(kinds), e)
    )
    return found[0] if found else None


def check_cluster_missing(project: Project, config: Config) -> Iterator[Hit]:
    if not project.has_infrastructure or project.clusters or project.incomplete:
        return  # nothing to judge, or a file in scope could not be read
    # CDK source before templates: with cdk.out in scope, the source is what the user edits
    sign = _first(database_evidence(project, config), "cdk", "cfn", "app", "sql")
    if sign is None:
        return  # no database anywhere: nothing to migrate
    count = len(project.of_kind("cfn", "cdk"))
    yield Hit(
        sign.location,
        f"no Aurora DSQL cluster is declared in the {count} template/CDK file(s) in scope, "
        f"though the project has a database ({sign.what}); declare one AWS::DSQL::Cluster "
        "(CDK: aws_dsql.CfnCluster) with DeletionProtectionEnabled: true to replace the "
        "Aurora RDS cluster",
    )


def check_cluster_count(project: Project, config: Config) -> Iterator[Hit]:
    expected = config.dsql.expected_clusters
    sets = sorted(project.cluster_sets, key=lambda group: min(c.location for _, c in group))
    if len(sets) <= expected:
        return
    names = ", ".join("+".join(f"{c.name} ({c.location.path})" for _, c in group) for group in sets)
    for group in sets[expected:]:
        first = min((c for _, c in group), key=lambda c: c.location)
        yield Hit(
            first.location,
            f"{len(sets)} Aurora DSQL clusters are declared ({names}) but the project expects "
            f"{expected} (expected-clusters): keep the data in one cluster (multi-Region peers "
            "link through MultiRegionProperties), delete this one or raise expected-clusters",
        )


# --- DSQL003 / DSQL004: the environment finds the cluster, the role may connect ----------------


def check_env_missing(project: Project, config: Config) -> Iterator[Hit]:
    required = config.dsql.required_env
    for workload in project.workloads:
        if not workload.connects:
            continue
        where = workload.compute.env_location or workload.location
        names = {var.sink.name for var in workload.env}
        cluster = cluster_hint(project, workload)
        if required:
            missing = [name for name in required if name not in names]
            if missing:
                yield Hit(
                    where,
                    f"{describe(workload)} connects to Aurora DSQL but its environment lacks "
                    f"{', '.join(missing)} (required-env); pass every DSQL setting through the "
                    f"environment: the endpoint (GetAtt {cluster}.Endpoint), the cluster ARN "
                    f"(GetAtt {cluster}.ResourceArn) and the database name postgres",
                )
        elif not any(var.locating or var.opaque for var in workload.env):
            yield Hit(
                where,
                f"{describe(workload)} connects to Aurora DSQL but no environment variable "
                "carries the cluster's endpoint or identifier, so the code cannot find it; add "
                f"DSQL_ENDPOINT: !GetAtt {cluster}.Endpoint",
            )


def _connect_permissions(workload: Workload) -> tuple[Permission, ...]:
    return tuple(p for p in workload.permissions if p.allows(CONNECT) or p.allows(CONNECT_ADMIN))


def check_connect_permission(project: Project, config: Config) -> Iterator[Hit]:
    for workload in project.workloads:
        if not workload.dsql_env or not workload.permissions_known:
            continue  # no DSQL settings, or permissions declared outside the scan
        granted = _connect_permissions(workload)
        if workload.clusters:
            missing = [key for key in workload.clusters if not any(p.covers(key) for p in granted)]
        else:
            missing = [] if granted else [Key("", "<cluster>")]
        for key in missing:
            yield Hit(
                workload.location,
                f"{describe(workload)} has DSQL connection settings for '{key.name}' but "
                f"{role_of(workload)} is granted neither {CONNECT} nor {CONNECT_ADMIN} on it: "
                f"token generation works, the connection is refused; allow {CONNECT} on "
                f"GetAtt {key.name}.ResourceArn and map the IAM role to a database role with "
                "AWS IAM GRANT",
            )


# --- DSQL005 / DSQL006: least privilege -------------------------------------------------------


def _broad_reason(text: str, permission: Permission) -> str:
    """Why an allowed action pattern is too broad for an application role ("" when it is not)."""
    service = _service(text)
    if ("*" in service or "?" in service) and any(action_allows(text, p) for p in BROAD_PROBES):
        return "allows every action of every service it matches, DSQL included"
    if service != "dsql":
        return ""
    if text.strip().partition(":")[2] == "*":
        return "allows every Aurora DSQL action, cluster administration included"
    control = [a for a in CONTROL_PLANE if action_allows(text, a)]
    if control:
        return f"allows control-plane actions ({', '.join(a[5:] for a in control[:3])}...)"
    if permission.any_resource:
        return "applies to every cluster (Resource '*' or a wildcard ARN)"
    return ""


def check_permission_too_broad(project: Project, config: Config) -> Iterator[Hit]:
    for workload in project.workloads:
        for permission in workload.permissions:
            origin = f" (managed policy {permission.label})" if permission.label else ""
            if permission.not_action:
                if permission.allows(CONNECT_ADMIN):
                    yield Hit(
                        permission.location,
                        f"a NotAction statement on {role_of(workload)} of {describe(workload)} "
                        "allows every Aurora DSQL action it does not exclude; list the actions "
                        f"instead: {CONNECT} on the cluster ARN",
                    )
                continue
            for value in permission.actions:
                reason = _broad_reason(value.text, permission)
                if reason:
                    yield Hit(
                        value.location,
                        f"IAM action '{value.text}'{origin} on {role_of(workload)} of "
                        f"{describe(workload)} {reason}; an application needs only {CONNECT} "
                        f"on its cluster's ARN (GetAtt {cluster_hint(project, workload)}"
                        ".ResourceArn)",
                    )


def check_admin_connect(project: Project, config: Config) -> Iterator[Hit]:
    if config.dsql.allow_admin_connect:
        return
    for workload in project.workloads:
        for permission in workload.permissions:
            for value in permission.granting(CONNECT_ADMIN):
                if _full_wildcard(value.text):
                    continue  # reported as too broad (DSQL005)
                yield Hit(
                    value.location,
                    f"'{value.text}' grants {CONNECT_ADMIN} to {role_of(workload)} of "
                    f"{describe(workload)}: the application would connect as the all-powerful "
                    "admin role; create a database role (CREATE ROLE app WITH LOGIN; AWS IAM "
                    f"GRANT app TO '<role ARN>'), grant {CONNECT} instead and connect with "
                    "generate_db_connect_auth_token (or set allow-admin-connect)",
                )


# --- DSQL007: deletion protection --------------------------------------------------------------


def check_deletion_protection(facts: FileFacts, config: Config) -> Iterator[Hit]:
    if not config.dsql.require_deletion_protection:
        return
    for cluster in facts.clusters:
        if cluster.deletion_protection == "disabled" and cluster.protection_location:
            yield Hit(
                cluster.protection_location,
                f"Aurora DSQL cluster '{cluster.name}' has deletion protection turned off; set "
                "DeletionProtectionEnabled: true so the only copy of the data cannot be "
                "deleted by a stack update",
            )
        elif cluster.deletion_protection == "absent":
            yield Hit(
                cluster.location,
                f"Aurora DSQL cluster '{cluster.name}' does not set DeletionProtectionEnabled; "
                "set it to true explicitly so the protection is visible and reviewed",
            )


# --- DSQL008: secrets next to DSQL --------------------------------------------------------------


def check_secret_auth(project: Project, config: Config) -> Iterator[Hit]:
    for workload in project.workloads:
        if not workload.connects:
            continue
        for var in workload.env:
            if var.sink.secret == "db":
                yield Hit(
                    var.sink.location,
                    f"environment variable '{var.sink.name}' hands database credentials from "
                    f"Secrets Manager to {describe(workload)}, which connects to Aurora DSQL; "
                    "DSQL authenticates with short-lived IAM tokens "
                    "(generate_db_connect_auth_token), so remove the variable and, once "
                    "nothing reads it, the secret",
                )
    for facts in project.of_kind("app"):
        for connection in facts.connections:
            if connection.password == "secret" and connection.password_location:
                yield Hit(
                    connection.password_location,
                    "the Aurora DSQL connection reads its password from Secrets Manager; DSQL "
                    "takes an IAM token as the password: use generate_db_connect_auth_token "
                    "(or an aurora-dsql connector) and drop the secret",
                )


# --- DSQL009 / DSQL010: cfn-lint's verdict ------------------------------------------------------


def check_region(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for diagnostic in facts.diagnostics:
        if diagnostic.category == "region":
            regions = ", ".join(diagnostic.regions) or "a configured region"
            name = diagnostic.location.resource
            yield Hit(
                diagnostic.location,
                f"Aurora DSQL cluster '{name}' cannot be deployed to {regions}: "
                "AWS::DSQL::Cluster does not exist there (cfn-lint E3006); deploy the stack to "
                "a region that offers Aurora DSQL, or correct regions/--region",
            )


def check_template_invalid(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for diagnostic in facts.diagnostics:
        if diagnostic.category == "invalid":
            yield Hit(
                diagnostic.location,
                f"cfn-lint {'/'.join(diagnostic.codes)}: {diagnostic.message}; CloudFormation "
                "rejects or misreads this, so the DSQL stack would not deploy as written",
            )


# --- DSQL013: the one database ------------------------------------------------------------------


def _database_in_url(text: str) -> str:
    """The database of a ``postgresql://...dsql...on.aws/NAME`` URL ("" when none)."""
    if "://" not in text or ".on.aws" not in text:
        return ""
    try:
        return urlsplit(text).path.lstrip("/")
    except ValueError:
        return ""


def _database_hit(name: str, value: str, location: Location, owner: str) -> Hit:
    return Hit(
        location,
        f"database name '{value}' is configured for Aurora DSQL ({name}{owner}); a DSQL "
        f"cluster has exactly one database, {DSQL_DATABASE}: connect to {DSQL_DATABASE} and "
        f"keep the tables apart with a schema (CREATE SCHEMA {value})",
    )


def check_database_name(project: Project, config: Config) -> Iterator[Hit]:
    for workload in project.workloads:
        if not workload.connects:
            continue
        for var in workload.env:
            literal = var.sink.literal.strip()
            database = (
                literal if DATABASE_NAME_VARIABLE.search(var.sink.name.upper()) else ""
            ) or _database_in_url(literal)
            if database and database != DSQL_DATABASE and "${" not in database:
                owner = f" of {describe(workload)}"
                yield _database_hit(f"'{var.sink.name}'", database, var.sink.location, owner)
    for facts in project.of_kind("app"):
        for connection in facts.connections:
            database = connection.database
            if database and database.value and database.value != DSQL_DATABASE:
                yield _database_hit("the connection", database.value, database.location, "")


# --- Application-side rules (DSQL011, DSQL012, DSQL014, DSQL015) ----------------------------------


def check_health_check(project: Project, config: Config) -> Iterator[Hit]:
    if not project.has_application:
        return
    sign = _first(database_evidence(project, config), "app", "cdk", "cfn", "sql")
    if sign is None:
        return  # an application without any database (a library, a Redis service)
    candidates = list(health_checks(project.of_kind("app")))
    if any(h.complete for h in candidates):
        return
    if not candidates:
        yield Hit(
            sign.location,
            f"no health check in the application code for its database ({sign.what}): add a "
            "function that connects to Aurora DSQL with an IAM token, runs SELECT 1 and logs "
            "both success and failure",
        )
        return
    # the function the application calls its health check, then any health-like name, then
    # the candidate closest to complete
    best = min(
        candidates,
        key=lambda h: (
            "health" not in h.function.lower(),
            not health_named(h.function),
            -h.satisfied,
            h.location,
        ),
    )
    yield Hit(best.location, f"{_health_verdict(best)}; {HEALTH_REQUIREMENT}")


HEALTH_REQUIREMENT = (
    "a health check must connect with an IAM token, run SELECT 1 and log both outcomes"
)


def _health_verdict(check: HealthCheck) -> str:
    """What a health check does and what it misses, in that order: "health_check() at
    app/db.py:29 runs SELECT 1 (in probe() at app/db.py:12) and logs failures but never logs
    success"."""
    does, misses = [], []
    if not check.connects:
        misses.append("never connects to Aurora DSQL")
    if check.query:
        query = " ".join(check.query.split())
        query = query if len(query) <= 60 else query[:57] + "..."
        does.append(f"runs {query}" + (f" (in {check.query_in})" if check.query_in else ""))
        if not check.trivial_query:
            misses.append("never runs a trivial query (SELECT 1)")
    else:
        misses.append("never runs a query")
    for ok, done, missing in (
        (check.logs_failure, "logs failures", "never logs a failure (in an except block)"),
        (check.logs_success, "logs success", "never logs success after the query"),
    ):
        (does if ok else misses).append(done if ok else missing)
    where = f"{check.function}() at {check.location.path}:{check.location.line}"
    return (
        f"{where} {_listing(does)} but {_listing(misses)}"
        if does
        else f"{where} {_listing(misses)}"
    )


def _listing(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(filter(None, (", ".join(items[:-1]), items[-1])))


ENDPOINT_TOKENS = frozenset({"endpoint", "host", "hostname", "identifier", "cluster"})
DATABASE_TOKENS = frozenset({"database", "dbname"})
DB_TOKENS = frozenset({"db", "database", "dsql", "postgres", "pg", "rds", "aurora", "dsn"})


def _tokens(name: str) -> set[str]:
    return set(re.split(r"[_\W]+", name.lower())) - {""}


def check_config_unmodelled(project: Project, config: Config) -> Iterator[Hit]:
    hits = list(_unmodelled(project, config))
    if hits and database_evidence(project, config):  # else not ours: no DSQL or RDS at all
        yield from hits


def _unmodelled(project: Project, config: Config) -> Iterator[Hit]:
    types = [t for f in project.of_kind("app") for t in f.config_types]
    for config_type in types:
        tokens = [_tokens(field) for field in config_type.fields]
        if not any(t & DB_TOKENS for t in tokens):
            continue  # not a database configuration
        lacks = []
        if not any(t & ENDPOINT_TOKENS for t in tokens):
            lacks.append("the DSQL endpoint or identifier")
        if not any(t & DATABASE_TOKENS or {"db", "name"} <= t for t in tokens):
            lacks.append("the database name")
        if lacks:
            yield Hit(
                config_type.location,
                f"configuration type '{config_type.name}' models database settings but lacks "
                f"{' and '.join(lacks)}; declare every DSQL setting the environment provides",
            )
    declared = {name.upper() for t in types for name in (*t.env_names, *t.fields)}
    for facts in project.of_kind("app"):
        for read in facts.env_reads:
            if read.name in config.dsql.required_env and read.name.upper() not in declared:
                yield Hit(
                    read.location,
                    f"'{read.name}' is read from the environment directly but no configuration "
                    "type declares it; model the DSQL settings in one typed configuration",
                )


def check_tls(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for connection in facts.connections:
        sslmode = connection.sslmode
        if sslmode and sslmode.value.lower() in INSECURE_SSLMODES:
            yield Hit(
                sslmode.location,
                f"sslmode '{sslmode.value}' allows an unencrypted connection; Aurora DSQL "
                "accepts only TLS: use sslmode=verify-full (or require)",
            )


def check_auth_role(project: Project, config: Config) -> Iterator[Hit]:
    workloads = [w for w in project.workloads if w.connects]
    if not workloads or not all(w.permissions_known for w in workloads):
        return  # what the roles may do is not (fully) in scope
    admin = any(w.allowed(CONNECT_ADMIN) for w in workloads)
    custom = any(w.allowed(CONNECT) for w in workloads)
    for facts in project.of_kind("app"):
        uses: list[tuple[bool, Location, str]] = [
            (call.admin, call.location, f"{call.method}()") for call in facts.token_calls
        ]
        uses += [
            (c.user.value == "admin", c.location, f"{c.driver}(user='{c.user.value}')")
            for c in facts.connections
            if c.user is not None and c.user.value and c.password == ""
        ]
        for is_admin, location, what in uses:
            if is_admin and not admin:
                yield Hit(
                    location,
                    f"{what} connects as the admin role but no compute role is granted "
                    f"{CONNECT_ADMIN}: the connection will be refused; connect as a custom "
                    f"database role (generate_db_connect_auth_token, {CONNECT}, AWS IAM GRANT)",
                )
            elif not is_admin and not custom and admin:
                yield Hit(
                    location,
                    f"{what} connects as a custom database role but the compute roles hold only "
                    f"{CONNECT_ADMIN}: the connection will be refused; grant {CONNECT} on the "
                    "cluster ARN and map the role with AWS IAM GRANT",
                )


# --- Declarations ------------------------------------------------------------------------------

ROLE = """
  ApiRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
"""


def _template(body: str) -> str:
    return "Resources:\n" + body.strip("\n") + "\n"


CLUSTER = """
  Ledger:
    Type: AWS::DSQL::Cluster
    Properties:
      DeletionProtectionEnabled: true
"""


# A cluster one construct below its stack, and its cdk.out synthesized without path metadata
# (--path-metadata false): CDK's logical id of Data/Store/Ledger is StoreLedger522D78CA.
NESTED_CLUSTER_APP = """
import aws_cdk as cdk
from aws_cdk import aws_dsql as dsql
from constructs import Construct


class LedgerStore(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        dsql.CfnCluster(self, "Ledger", deletion_protection_enabled=True)


class DataStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        LedgerStore(self, "Store")


app = cdk.App()
DataStack(app, "Data")
app.synth()
"""


def _synthesized(logical_id: str) -> str:
    """A synthesized template without aws:cdk:path: only the logical id links it to source."""
    return f"""{{
  "Resources": {{
    "{logical_id}": {{
      "Type": "AWS::DSQL::Cluster",
      "Properties": {{"DeletionProtectionEnabled": true}}
    }}
  }}
}}
"""


def allow(action: str, resource: str = "!GetAtt Ledger.ResourceArn") -> str:
    """One Allow statement of the example role's inline policy."""
    return (
        f"              - Effect: Allow\n                Action: {action}\n"
        f"                Resource: {resource}\n"
    )


def api_stack(*statements: str, env: str = "", role: str = "", extra: str = "") -> str:
    """The examples' stack: the cluster, a Lambda function 'Api' and its role 'ApiRole'.

    ``statements`` form the role's inline policy, ``role`` adds role properties, ``env`` is
    the function's environment (one ``NAME: value`` per line), ``extra`` more resources.
    """
    body = CLUSTER + ROLE + role
    if statements:
        body += (
            "      Policies:\n        - PolicyName: dsql\n          PolicyDocument:\n"
            "            Statement:\n" + "".join(statements)
        )
    body += extra
    body += "  Api:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: !GetAtt ApiRole.Arn\n"
    if env:
        body += "      Environment:\n        Variables:\n"
        body += "".join(f"          {line.strip()}\n" for line in env.strip().splitlines())
    return _template(body)


RULES = (
    rule(
        id="DSQL001",
        name="dsql-cluster-missing",
        title="No Aurora DSQL cluster declared",
        severity=Severity.ERROR,
        kinds=("project",),
        requirements=("FR-001", "SC-001"),
        rationale="""The migration's target is one Aurora DSQL cluster. If no template and no CDK
            app in the project declares one, the data has nowhere to go. Judged over the whole
            project scope (the configured roots), so naming one changed file never makes it
            fire; not judged when no infrastructure file is in scope or one cannot be read, nor
            in a project without any sign of an Aurora RDS or DSQL database (an engine, an RDS
            or DSQL setting, IAM action, API call or migration): such a project has nothing to
            migrate. The finding points at that sign, preferably in CDK source, else a template
            (the Aurora engine that the DSQL cluster replaces).""",
        remediation="""Declare an AWS::DSQL::Cluster (CDK: aws_dsql.CfnCluster, or the alpha
            aws_dsql_alpha.Cluster) with DeletionProtectionEnabled: true.""",
        examples=(
            Example(
                """
                Resources:
                  Legacy:
                    Type: AWS::RDS::DBCluster
                    Properties:
                      Engine: aurora-postgresql
                """,
                fires=1,
                lines=(5,),
            ),
            Example(
                """
                Resources:
                  Table:
                    Type: AWS::DynamoDB::Table
                """,
                fires=0,
            ),
            Example(
                """
                Resources:
                  Table:
                    Type: AWS::DynamoDB::Table
                """,
                fires=0,
                extra_files=(("data.yaml", _template(CLUSTER)),),
            ),
        ),
        project_check=check_cluster_missing,
    ),
    rule(
        id="DSQL002",
        name="dsql-cluster-count",
        title="More Aurora DSQL clusters than expected",
        severity=Severity.ERROR,
        kinds=("project",),
        requirements=("FR-001", "SC-001"),
        rationale="""The migrated system keeps its relational data in one cluster
            (expected-clusters, default 1). A second cluster is usually a copy left from an
            experiment or a stack deployed twice. Multi-Region peers are one linked cluster set
            when they are linked: MultiRegionProperties.Clusters naming a cluster in scope, or
            stacks declaring the same WitnessRegion. A cluster in CDK source and its synthesized
            template count once, also when the template carries no aws:cdk:path (synthesized
            with --path-metadata false): the cloud assembly's manifest.json or tree.json, else
            CDK's logical-id algorithm (the id's hash checked, never the name alone), links
            them.""",
        remediation="""Delete the extra cluster, link peers through MultiRegionProperties, or
            raise expected-clusters in [tool.dsql-scan.dsql] if several are intended.""",
        examples=(
            Example(
                _template(
                    CLUSTER
                    + """
  Reports:
    Type: AWS::DSQL::Cluster
    Properties:
      DeletionProtectionEnabled: true
"""
                ),
                fires=1,
                lines=(8,),
            ),
            Example(
                """
                Resources:
                  LedgerUsEast1:
                    Type: AWS::DSQL::Cluster
                    Properties:
                      DeletionProtectionEnabled: true
                      MultiRegionProperties:
                        WitnessRegion: us-west-2
                """,
                fires=0,
                extra_files=(
                    (
                        "peer-us-east-2.yaml",
                        _template("""
  LedgerUsEast2:
    Type: AWS::DSQL::Cluster
    Properties:
      DeletionProtectionEnabled: true
      MultiRegionProperties:
        WitnessRegion: us-west-2
        Clusters:
          - arn:aws:dsql:us-east-1:111122223333:cluster/abcdefghijklmnopqrstuvwxyz
"""),
                    ),
                ),
            ),
            Example(
                NESTED_CLUSTER_APP,
                kind="cdk",
                fires=0,
                extra_files=(("cdk.out/Data.template.json", _synthesized("StoreLedger522D78CA")),),
            ),
            Example(
                NESTED_CLUSTER_APP,
                kind="cdk",
                fires=1,
                lines=(4,),  # the template's cluster: its id's hash is no path of the source
                extra_files=(("cdk.out/Data.template.json", _synthesized("StoreLedger0BADCAFE")),),
            ),
        ),
        project_check=check_cluster_count,
    ),
    rule(
        id="DSQL003",
        name="dsql-env-missing",
        title="Compute cannot locate the DSQL cluster",
        severity=Severity.ERROR,
        kinds=("cfn", "cdk"),
        requirements=("FR-002",),
        rationale="""The backend gets every DSQL setting through its environment (FR-002). A
            function or container that is allowed to connect, or already has a DSQL value,
            but lacks a required-env name (or, without required-env, any variable holding the
            cluster's endpoint or identifier) fails at run time. Values from parameters or
            imports outside the scan are given the benefit of the doubt.""",
        remediation="""Pass the endpoint (GetAtt Cluster.Endpoint), the cluster ARN
            (GetAtt Cluster.ResourceArn) and the database name postgres as environment
            variables, under the names listed in required-env.""",
        examples=(
            Example(
                api_stack(
                    allow("dsql:DbConnect"), env="DSQL_CLUSTER_ARN: !GetAtt Ledger.ResourceArn"
                ),
                fires=1,
                lines=(28,),
            ),
            Example(
                api_stack(
                    allow("dsql:DbConnect"),
                    env="""
                    AURORA_DB_CLUSTER_ARN: !GetAtt Ledger.ResourceArn
                    DSQL_ENDPOINT: !GetAtt Ledger.Endpoint
                    """,
                ),
                fires=0,
            ),
        ),
        project_check=check_env_missing,
    ),
    rule(
        id="DSQL004",
        name="dsql-connect-permission-missing",
        title="Compute may not connect to the DSQL cluster",
        severity=Severity.ERROR,
        kinds=("cfn", "cdk"),
        requirements=("FR-003",),
        rationale="""A function with DSQL settings in its environment needs dsql:DbConnect (or
            dsql:DbConnectAdmin) on that cluster, through any policy that reaches its role.
            Without it, generating the token works and the connection is refused. Roles
            declared outside the scan, or with customer managed policies the scan cannot see,
            are not judged.""",
        remediation="""Allow dsql:DbConnect on GetAtt Cluster.ResourceArn in the function's role
            (CDK: cluster.grant_connect(fn)), and map the IAM role to a database role with
            AWS IAM GRANT.""",
        examples=(
            Example(
                api_stack(
                    role="      ManagedPolicyArns:\n"
                    "        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\n",
                    env="DSQL_ENDPOINT: !GetAtt Ledger.Endpoint",
                ),
                fires=1,
                lines=(18,),
            ),
            Example(
                api_stack(
                    env="DSQL_ENDPOINT: !GetAtt Ledger.Endpoint",
                    extra="""  Connect:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: connect
      Roles: [!Ref ApiRole]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: dsql:DbConnect
            Resource: !GetAtt Ledger.ResourceArn
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::111122223333:role/platform-managed
      Environment:
        Variables:
          DSQL_ENDPOINT: !GetAtt Ledger.Endpoint
""",
                ),
                fires=0,
            ),
        ),
        project_check=check_connect_permission,
    ),
    rule(
        id="DSQL005",
        name="dsql-permission-too-broad",
        title="Application role has broad DSQL permissions",
        severity=Severity.ERROR,
        kinds=("cfn", "cdk"),
        requirements=("FR-003",),
        rationale="""An application needs dsql:DbConnect on its cluster and nothing else.
            dsql:*, *, any dsql action on Resource "*" or a wildcard cluster ARN, and
            control-plane actions (CreateCluster, UpdateCluster, DeleteCluster...) on the role
            a function or task runs as let a bug or a compromised dependency delete the cluster.
            Roles no compute resource uses (deployment roles) are not judged.""",
        remediation="""Replace the statement with Action: dsql:DbConnect and Resource:
            GetAtt Cluster.ResourceArn; keep cluster administration in a separate deployment
            role.""",
        examples=(
            Example(
                api_stack(allow("dsql:*", '"*"'), allow("[dsql:DbConnect, dsql:DeleteCluster]")),
                fires=2,
                lines=(20, 23),
            ),
            Example(
                api_stack(
                    allow("dsql:DbConnect"),
                    extra="""  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: cloudformation.amazonaws.com }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: manage
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: dsql:*
                Resource: "*"
""",
                ),
                fires=0,
            ),
        ),
        project_check=check_permission_too_broad,
    ),
    rule(
        id="DSQL006",
        name="dsql-admin-connect",
        title="Application connects as the DSQL admin role",
        severity=Severity.WARNING,
        kinds=("cfn", "cdk"),
        requirements=("FR-003",),
        rationale="""dsql:DbConnectAdmin logs in as the admin database role, which owns
            everything. An application should connect as a custom database role with only the
            privileges it needs, authorised by dsql:DbConnect and an AWS IAM GRANT. Set
            allow-admin-connect = true to accept admin connections deliberately.""",
        remediation="""CREATE ROLE app WITH LOGIN; AWS IAM GRANT app TO '<role ARN>'; grant the
            role's privileges; allow dsql:DbConnect instead of dsql:DbConnectAdmin; connect with
            generate_db_connect_auth_token as user app.""",
        examples=(
            Example(api_stack(allow("dsql:DbConnectAdmin")), fires=1, lines=(20,)),
            Example(api_stack(allow("dsql:DbConnect")), fires=0),
        ),
        project_check=check_admin_connect,
    ),
    rule(
        id="DSQL007",
        name="dsql-deletion-protection",
        title="DSQL cluster without deletion protection",
        severity=Severity.WARNING,
        kinds=("cfn", "cdk"),
        requirements=("FR-001", "FR-005"),
        rationale="""After the migration the DSQL cluster holds the only copy of the data.
            Deletion protection stops a stack update or teardown from deleting it by accident;
            declaring it explicitly makes the protection visible in review. Turned off with
            require-deletion-protection = false (e.g. for ephemeral test stacks).""",
        remediation="Set DeletionProtectionEnabled: true (CDK: deletion_protection_enabled=True).",
        examples=(
            Example(
                """
                Resources:
                  Ledger:
                    Type: AWS::DSQL::Cluster
                    Properties:
                      DeletionProtectionEnabled: false
                  Scratch:
                    Type: AWS::DSQL::Cluster
                """,
                fires=2,
                lines=(5, 7),
            ),
            Example(_template(CLUSTER), fires=0),
        ),
        check=check_deletion_protection,
    ),
    rule(
        id="DSQL008",
        name="dsql-secret-auth",
        title="Secrets Manager credentials next to DSQL",
        severity=Severity.WARNING,
        kinds=("cfn", "cdk", "app"),
        requirements=("FR-003", "FR-007"),
        rationale="""Aurora DSQL authenticates with short-lived IAM tokens. A database
            credential from Secrets Manager handed to code that connects to DSQL is dead weight
            and a leak risk. A secret counts as a database credential by its structure
            (username/password keys, an RDS-managed rds! secret, a password JSON key), never by
            its name: an OAuth client secret next to DSQL is fine.""",
        remediation="""Remove the variable (and the secret once nothing reads it); connect with
            generate_db_connect_auth_token or an aurora-dsql connector.""",
        examples=(
            Example(
                _template(
                    CLUSTER
                    + """
  AppConfig:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString:
        SecretStringTemplate: '{"username": "ledger_app"}'
        GenerateStringKey: password
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          DSQL_ENDPOINT: !GetAtt Ledger.Endpoint
          APP_CONFIG_ARN: !Ref AppConfig
          PGPASSWORD: "{{resolve:secretsmanager:prod/ledger:SecretString:password}}"
"""
                ),
                fires=2,
                lines=(19, 20),
            ),
            Example(
                _template(
                    CLUSTER
                    + """
  OAuthClient:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString:
        SecretStringTemplate: '{"client_id": "ledger"}'
        GenerateStringKey: client_secret
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          DSQL_ENDPOINT: !GetAtt Ledger.Endpoint
          DB_SECRET_ARN: !Ref OAuthClient
"""
                ),
                fires=0,
            ),
        ),
        project_check=check_secret_auth,
    ),
    rule(
        id="DSQL009",
        name="dsql-region-unsupported",
        title="DSQL cluster deployed to a region without DSQL",
        severity=Severity.ERROR,
        kinds=("cfn",),
        requirements=("FR-005", "SC-001"),
        rationale="""AWS::DSQL::Cluster exists only in some regions. A stack deployed to a
            region without it fails at deploy time. Decided by cfn-lint's region data (E3006)
            for the regions given with --region or regions; without regions nothing is
            judged.""",
        remediation="""Deploy the stack to a region that offers Aurora DSQL, or correct the
            regions setting.""",
        examples=(
            Example(
                _template(CLUSTER),
                fires=1,
                lines=(3,),
                extra_files=(
                    ("pyproject.toml", '[tool.dsql-scan]\nregions = ["us-east-1", "cn-north-1"]\n'),
                ),
            ),
            Example(
                _template(CLUSTER),
                fires=0,
                extra_files=(("pyproject.toml", '[tool.dsql-scan]\nregions = ["us-east-1"]\n'),),
            ),
        ),
        check=check_region,
    ),
    rule(
        id="DSQL010",
        name="dsql-template-invalid",
        title="cfn-lint rejects the DSQL resource",
        severity=Severity.ERROR,
        kinds=("cfn",),
        requirements=("FR-005",),
        rationale="""The IaC must deploy without manual steps. cfn-lint validates the DSQL
            cluster against CloudFormation's resource schema: unknown properties, wrong types,
            missing required values and GetAtt attributes the cluster does not have (in other
            resources and Outputs too). Only errors on DSQL resources and values referring to
            them are reported; the rest of the template is cfn-lint's business.""",
        remediation="""Fix the property or attribute as cfn-lint says (the cluster's attributes
            are ResourceArn, Identifier, Endpoint, VpcEndpoint, VpcEndpointServiceName...).""",
        examples=(
            Example(
                """
                Resources:
                  Ledger:
                    Type: AWS::DSQL::Cluster
                    Properties:
                      DeletionProtectionEnabled: "maybe"
                      Engine: aurora-postgresql
                Outputs:
                  Endpoint:
                    Value: !GetAtt Ledger.ClusterEndpoint
                """,
                fires=3,
                lines=(5, 6, 9),
            ),
            Example(
                _template(CLUSTER)
                + """Outputs:
  Endpoint:
    Value: !GetAtt Ledger.Endpoint
  Unrelated:
    Value: !GetAtt Queue.NoSuchAttribute
""",
                fires=0,
            ),
        ),
        check=check_template_invalid,
    ),
    rule(
        id="DSQL013",
        name="dsql-database-name",
        title="Database name other than postgres",
        severity=Severity.WARNING,
        kinds=("cfn", "cdk", "app"),
        requirements=("FR-002",),
        rationale="""A DSQL cluster has exactly one database, postgres. A database name carried
            over from Aurora (DB_NAME: ledger) makes every connection fail. Judged on code that
            connects to DSQL: a database-name variable (DB_NAME, DATABASE, DSQL_DATABASE,
            PGDATABASE...) or a DSQL connection URL, and connection arguments in application
            code.""",
        remediation="""Use the database postgres and separate the application's tables with a
            schema (CREATE SCHEMA ledger; SET search_path).""",
        examples=(
            Example(
                _template(
                    CLUSTER
                    + """
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          DSQL_ENDPOINT: !GetAtt Ledger.Endpoint
          DB_NAME: ledger
"""
                ),
                fires=1,
                lines=(13,),
            ),
            Example(
                _template(
                    CLUSTER
                    + """
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          DSQL_ENDPOINT: !GetAtt Ledger.Endpoint
          DSQL_DATABASE: postgres
  Reports:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          DB_NAME: reports
"""
                ),
                fires=0,
            ),
        ),
        project_check=check_database_name,
    ),
)

# Application-code rules: their checks read facts only the Python input produces (health checks,
# connections, token calls, configuration types), so their documented examples, which are also
# their tests, are Python files.
CONNECTION_CODE = """
import os

import boto3
import psycopg


def connect():
    host = os.environ["DSQL_ENDPOINT"]
    token = boto3.client("dsql").{method}(host, "us-east-1")
    return psycopg.connect(
        host=host, user="{user}", password=token, dbname="postgres", sslmode="require"
    )
"""

# A health check that reaches DSQL through helpers: it logs only the failure.
HEALTH_THROUGH_HELPERS = """
import logging

import boto3
import psycopg

logger = logging.getLogger(__name__)


def _connect(host: str) -> psycopg.Connection:
    token = boto3.client("dsql").generate_db_connect_auth_token(host, "us-east-1")
    return psycopg.connect(host=host, user="app", password=token, dbname="postgres")


def _probe(host: str):
    with _connect(host) as connection, connection.cursor() as cursor:
        return cursor.execute("SELECT 1").fetchone()


def health_check(host: str) -> bool:
    try:
        _probe(host)
    except psycopg.Error:
        logger.exception("DSQL health check failed")
        return False
    return True
"""
# The other module of the same package: a class whose method probes, raising on failure.
HEALTH_DATABASE_MODULE = """
import boto3
import psycopg


class Database:
    def __init__(self, host: str) -> None:
        self.host = host

    def connect(self) -> psycopg.Connection:
        client = boto3.client("dsql")
        token = client.generate_db_connect_auth_token(self.host, "us-east-1")
        return psycopg.connect(host=self.host, user="app", password=token)

    def ping(self) -> None:
        with self.connect() as connection:
            if connection.execute("SELECT 1").fetchone() != (1,):
                raise RuntimeError("unexpected answer")
"""
HEALTH_ACROSS_MODULES = """
import structlog

from .db import Database

log = structlog.get_logger()


def health_check(host: str) -> bool:
    try:
        Database(host).ping()
    except Exception:
        log.exception("dsql.health.failed")
        raise
    log.info("dsql.health.ok")
    return True
"""

APP_RULES = (
    rule(
        id="DSQL011",
        name="dsql-health-check-missing",
        title="No DSQL health check in the application",
        severity=Severity.WARNING,
        kinds=("project",),
        requirements=("FR-004", "SC-002"),
        rationale="""The spec requires a health check that runs a trivial query and logs
            success or failure. A health check is judged with everything it calls: helpers of
            its module (functions, nested functions, methods through self or an instance) and
            functions imported from other modules of the application, up to 12 calls deep. The
            success log must follow the query on the success path; a failure counts as logged
            in an except block (any level, print to stderr), at error level, or by a caller
            around a helper that raises. The finding names the health check (or, without one,
            the function closest to one) and what it misses. Judged only when application code
            (Python that is not CDK) is in scope and the project shows an Aurora DSQL or RDS
            database (a cluster, a connection, a token call, a migration, a DSQL or RDS setting):
            a library or a DynamoDB service has nothing to check. Without any health check the
            finding points at the application's first sign of the database (a connection, a
            token or API call, a setting), else at the infrastructure's.""",
        remediation="""Add a function that connects with an IAM token, runs SELECT 1, logs
            success, and logs the exception in an except block. Where the application has its
            health check elsewhere (another service, a load balancer probe), suppress the
            finding with a reason: in the configuration, `ignore = [{ id = "DSQL011", reason =
            "probed by the ALB health check (OPS-12)" }]`, or in the source at the line the
            finding points at, `# dsql-scan: ignore[DSQL011] probed by the ALB (OPS-12)` (in a
            template, the resource's `Metadata` `dsql-scan: ignore` entry with a reason).""",
        examples=(
            Example(
                """
                import boto3
                import psycopg


                def handler(event, context):
                    token = boto3.client("dsql").generate_db_connect_auth_token(event["host"], "us-east-1")
                    with psycopg.connect(host=event["host"], user="app", password=token) as connection:
                        return connection.execute("SELECT id FROM accounts").fetchall()
                """,
                fires=1,
                kind="app",
                lines=(5,),
            ),
            Example(
                CONNECTION_CODE.format(method="generate_db_connect_auth_token", user="app")
                + """

import logging

logger = logging.getLogger(__name__)


def health_check() -> bool:
    try:
        with connect() as connection:
            connection.execute("SELECT 1")
    except psycopg.Error:
        logger.exception("DSQL health check failed")
        return False
    logger.info("DSQL health check succeeded")
    return True
""",
                fires=0,
                kind="app",
            ),
            Example(HEALTH_THROUGH_HELPERS, fires=1, kind="app", lines=(19,)),
            Example(
                HEALTH_THROUGH_HELPERS.replace(
                    "        return False\n",
                    '        return False\n    logger.info("DSQL health check succeeded")\n',
                ),
                fires=0,
                kind="app",
            ),
            Example(
                HEALTH_THROUGH_HELPERS.replace("SELECT 1", "SELECT count(*) FROM accounts"),
                fires=1,
                kind="app",
                lines=(19,),
            ),
            Example(
                HEALTH_ACROSS_MODULES,
                fires=0,
                kind="app",
                filename="app/health.py",
                extra_files=(("app/__init__.py", ""), ("app/db.py", HEALTH_DATABASE_MODULE)),
            ),
            Example(
                HEALTH_ACROSS_MODULES.replace('        log.exception("dsql.health.failed")\n', ""),
                fires=1,
                kind="app",
                filename="app/health.py",
                lines=(8,),
                extra_files=(("app/__init__.py", ""), ("app/db.py", HEALTH_DATABASE_MODULE)),
            ),
            Example(
                """
                import logging

                import boto3
                from sqlalchemy import create_engine, event, text

                log = logging.getLogger(__name__)
                engine = create_engine("postgresql+psycopg://admin@abc.dsql.us-east-1.on.aws/postgres")


                @event.listens_for(engine, "do_connect")
                def _token(dialect, record, cargs, cparams):
                    client = boto3.client("dsql")
                    cparams["password"] = client.generate_db_connect_admin_auth_token("h", "us-east-1")


                class Repository:
                    def __init__(self) -> None:
                        self.engine = engine

                    def readiness(self) -> bool:
                        try:
                            with self.engine.connect() as connection:
                                connection.execute(text("SELECT 1"))
                        except Exception:
                            log.exception("database not ready")
                            return False
                        log.info("database ready")
                        return True
                """,
                fires=0,
                kind="app",
            ),
            Example(
                """
                import logging

                logger = logging.getLogger(__name__)


                def health_check() -> dict:
                    logger.info("service is up")
                    return {"status": "ok"}
                """,
                fires=1,
                kind="app",
                lines=(6,),
                extra_files=(
                    (
                        "db.py",
                        CONNECTION_CODE.format(method="generate_db_connect_auth_token", user="app"),
                    ),
                ),
            ),
        ),
        project_check=check_health_check,
    ),
    rule(
        id="DSQL012",
        name="dsql-config-unmodelled",
        title="DSQL settings not modelled in a configuration type",
        severity=Severity.WARNING,
        kinds=("app",),
        requirements=("FR-002",),
        rationale="""Every DSQL setting should arrive through one typed configuration (FR-002):
            a database configuration type without the endpoint or database name, or a
            required-env name read ad hoc from os.environ, drifts from the infrastructure.
            Judged only in a project that shows an Aurora DSQL or RDS database.""",
        remediation="""Declare the DSQL endpoint, cluster ARN and database name in the
            configuration type and read the environment there.""",
        examples=(
            Example(
                """
                import os
                from dataclasses import dataclass


                @dataclass(frozen=True)
                class DatabaseSettings:
                    db_user: str
                    db_password: str


                SETTINGS = DatabaseSettings(os.environ["RDS_DB_USER"], os.environ["RDS_DB_PASSWORD"])
                """,
                fires=1,
                kind="app",
                lines=(6,),
            ),
            Example(
                """
                from dataclasses import dataclass


                @dataclass(frozen=True)
                class DatabaseSettings:  # a project without DSQL or RDS: not judged
                    db_user: str
                    db_password: str
                """,
                fires=0,
                kind="app",
            ),
            Example(
                """
                import os

                ENDPOINT = os.environ["DSQL_ENDPOINT"]
                """,
                fires=1,
                kind="app",
                lines=(3,),
                extra_files=(
                    ("pyproject.toml", '[tool.dsql-scan.dsql]\nrequired-env = ["DSQL_ENDPOINT"]\n'),
                ),
            ),
            Example(
                """
                import os
                from dataclasses import dataclass, field


                @dataclass(frozen=True)
                class DsqlSettings:
                    endpoint: str = field(default_factory=lambda: os.environ["DSQL_ENDPOINT"])
                    cluster_arn: str = field(default_factory=lambda: os.environ["DSQL_CLUSTER_ARN"])
                    database: str = field(default_factory=lambda: os.environ["DSQL_DATABASE"])
                """,
                fires=0,
                kind="app",
                extra_files=(
                    ("pyproject.toml", '[tool.dsql-scan.dsql]\nrequired-env = ["DSQL_ENDPOINT"]\n'),
                ),
            ),
        ),
        project_check=check_config_unmodelled,
    ),
    rule(
        id="DSQL014",
        name="dsql-tls-disabled",
        title="DSQL connection without TLS",
        severity=Severity.ERROR,
        kinds=("app",),
        requirements=("FR-003",),
        rationale="""Aurora DSQL accepts only TLS connections; sslmode disable, allow or prefer
            either fails or silently depends on the server.""",
        remediation="Use sslmode=verify-full (or require).",
        examples=(
            Example(
                CONNECTION_CODE.format(method="generate_db_connect_auth_token", user="app").replace(
                    'sslmode="require"', 'sslmode="prefer"'
                ),
                fires=1,
                kind="app",
                lines=(11,),
            ),
            Example(
                CONNECTION_CODE.format(method="generate_db_connect_auth_token", user="app")
                + """

def local_test_database():
    return psycopg.connect("host=localhost dbname=test sslmode=disable")
""",
                fires=0,
                kind="app",
            ),
        ),
        check=check_tls,
    ),
    rule(
        id="DSQL015",
        name="dsql-auth-role-mismatch",
        title="Token kind does not match the granted permission",
        severity=Severity.ERROR,
        kinds=("project",),
        requirements=("FR-003",),
        rationale="""An admin token needs dsql:DbConnectAdmin, a custom-role token needs
            dsql:DbConnect; the wrong pairing is refused at connection time. Judged only when
            the roles of every compute resource that connects are fully in scope.""",
        remediation="""Connect as a custom role with generate_db_connect_auth_token and grant
            dsql:DbConnect, or grant DbConnectAdmin for admin connections.""",
        examples=(
            Example(
                CONNECTION_CODE.format(method="generate_db_connect_admin_auth_token", user="admin"),
                fires=1,
                kind="app",
                lines=(9,),
                extra_files=(
                    (
                        "stack.yaml",
                        api_stack(
                            allow("dsql:DbConnect"), env="DSQL_ENDPOINT: !GetAtt Ledger.Endpoint"
                        ),
                    ),
                ),
            ),
            Example(
                CONNECTION_CODE.format(method="generate_db_connect_auth_token", user="ledger_app"),
                fires=0,
                kind="app",
                extra_files=(
                    (
                        "stack.yaml",
                        api_stack(
                            allow("dsql:DbConnect"), env="DSQL_ENDPOINT: !GetAtt Ledger.Endpoint"
                        ),
                    ),
                ),
            ),
        ),
        project_check=check_auth_role,
    ),
)
