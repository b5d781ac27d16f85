"""The project model: every scanned file's facts, linked by reference.

File rules see one file; the DSQL requirements are about the whole system: is there exactly one
cluster, does each function that talks to it find it through its environment and hold
``dsql:DbConnect`` on it through whatever policy reaches its role. This module links the facts so
that project rules can answer such questions without knowing any syntax.

Linking is by name within a namespace. A template is its own namespace (logical ids are unique
only within a stack), so two templates that both declare ``ApiRole`` never mix; cross-stack links
go through ``Fn::ImportValue`` and the Export that carries the value. CDK and application facts
share one namespace per kind: the Python input qualifies its names so that a role created in one
module and granted in another is the same role.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from fnmatch import fnmatchcase
from functools import cache, cached_property
from typing import TYPE_CHECKING

from scanner.facts import (
    DSQL_CLUSTER,
    IMPORT,
    RDS_PREFIX,
    Compute,
    DsqlCluster,
    FileFacts,
    Grant,
    IamRole,
    IamStatement,
    Sink,
    Target,
    Value,
    namespace_of,
)
from scanner.model import Kind, Location
from scanner.results import FileAnalysis, base_label

if TYPE_CHECKING:
    from scanner.config import Config
    from scanner.project.dynamodb import Comparison

INFRA_KINDS = frozenset({Kind.CFN, Kind.CDK})
# What a file's facts are identified and grouped by, whatever else is kept of them.
IDENTITY_FIELDS = frozenset({"kind", "path", "namespace"})
# The facts a workload is linked from (``_Linker.workload``): the compute resource, its role, the
# statements and grants that name either, the ``env`` sinks it receives and the ``export`` sinks
# an import in them is followed to.
WORKLOAD_FIELDS = ("compute", "roles", "statements", "grants", "sinks")
# The facts ``database_evidence`` reads (a migration is evidenced by the ``sql`` kind itself).
EVIDENCE_FIELDS = (
    "clusters", "engines", "connections", "token_calls", "api_calls", "sinks", "env_reads",
    "statements", "grants",
)  # fmt: skip
# The facts the project model reads whatever rules run: its workloads and clusters, the database
# evidence, the CDK symbols resolved across modules (``scanner.project.resolve``) and the
# construct ids that link template findings to source (``scanner.project.link``).
MODEL_FIELDS = frozenset(
    {*WORKLOAD_FIELDS, "clusters", *EVIDENCE_FIELDS, "symbol_links", "construct_ids",
     "module_calls"}
)  # fmt: skip
TERRAFORM_NAMESPACE = "tf:"


def context_fields(project_reads: Iterable[str]) -> frozenset[str]:
    """The facts a file that is only context for the project keeps: its identity, what the
    project model reads and ``project_reads`` (what the project rules read, their ``reads``).

    When files are named (pre-commit), the rest of the project is context: it is loaded for
    these alone, which keeps a one-file run from unpickling every resource of every template
    in the repository. tests/test_project_context.py checks that project findings and links are
    the same either way, and that each field kept is needed by some case."""
    return IDENTITY_FIELDS | MODEL_FIELDS | frozenset(project_reads)


AWS_MANAGED_POLICY = re.compile(r"(?:^|:iam::aws:policy/(?:.*/)?)([A-Za-z0-9+=,.@_-]+)$")
# What the AWS managed policies that matter here allow (all on Resource "*"). Every other AWS
# managed policy grants nothing in DSQL; a customer policy defined elsewhere is unknowable.
AWS_MANAGED_GRANTS: dict[str, tuple[str, ...]] = {
    "AmazonAuroraDSQLFullAccess": ("dsql:*",),
    "AmazonAuroraDSQLConsoleFullAccess": ("dsql:*",),
    "AmazonAuroraDSQLReadOnlyAccess": ("dsql:Get*", "dsql:List*"),
    "AdministratorAccess": ("*",),
    "PowerUserAccess": ("*",),
}
GRANT_ACTIONS = {
    "grant_connect": ("dsql:DbConnect",),
    "grant_connect_admin": ("dsql:DbConnectAdmin",),
}
# Attributes of AWS::DSQL::Cluster a client can connect with (Ref is the identifier).
LOCATING_ATTRIBUTES = frozenset({"", "Identifier", "Endpoint", "VpcEndpoint"})
# What shows that a project has a relational database at all (see database_evidence).
RELATIONAL_ENGINE = re.compile(r"aurora|postgres|mysql|mariadb|oracle|sqlserver", re.IGNORECASE)
DATABASE_ACTION = re.compile(r"^\s*(?:rds|rds-db|rds-data|dsql):", re.IGNORECASE)
DATABASE_ENV_WORD = re.compile(r"(?:^|_)(?:RDS|AURORA|DSQL)(?:_|$)", re.IGNORECASE)
DATABASE_API_SERVICES = frozenset({"rds", "rds-data", "dsql"})
DSQL_ENDPOINT_LITERAL = re.compile(r"\.dsql(?:-[a-z0-9]+)?\.[a-z0-9-]+\.on\.aws\b")


@dataclass(frozen=True, order=True)
class Key:
    """A name within its namespace: what project-wide links are made of."""

    namespace: str
    name: str


def is_cdk(key: Key) -> bool:
    return key.namespace == "cdk" or key.namespace.startswith("cdk:")


@cache
def action_allows(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, ``*`` and ``?`` wildcards.

    Memoised: a project repeats the same few patterns and actions thousands of times."""
    return fnmatchcase(action.lower(), pattern.strip().lower())


def _bare(text: str) -> str:
    return re.sub(r"\$\{[^}]*\}", "", text.strip())


def is_dsql_arn(text: str) -> bool:
    """An ARN whose service part is (or matches) ``dsql``."""
    parts = _bare(text).split(":")
    return len(parts) > 2 and parts[0] == "arn" and fnmatchcase("dsql", parts[2].lower() or "-")


def is_wildcard_resource(text: str) -> bool:
    """``*``, or a DSQL ARN with a wildcard outside its ``${...}`` substitutions."""
    bare = _bare(text)
    return bare == "*" or (is_dsql_arn(text) and ("*" in bare or "?" in bare))


@dataclass(frozen=True)
class Permission:
    """What one Allow statement, grant or managed policy lets a role do, and on what.

    ``actions`` keep their places so that rules can point at the offending action. With
    ``not_action`` the statement allows everything its actions do not match. ``clusters`` are
    the DSQL clusters its resources name; ``any_resource`` is ``*`` or a wildcard ARN;
    ``unresolved`` means a resource cannot be tied to a cluster statically (a literal ARN, a
    parameter, an import from outside the scan), which rules give the benefit of the doubt.
    """

    actions: tuple[Value, ...]
    location: Location
    source: str  # "statement", "grant" or "managed-policy"
    not_action: bool = False
    any_resource: bool = False
    clusters: tuple[Key, ...] = ()
    unresolved: bool = False
    label: str = ""  # how messages name it (the managed policy's name)

    def allows(self, action: str) -> bool:
        matched = any(action_allows(value.text, action) for value in self.actions)
        return not matched if self.not_action else matched

    def granting(self, action: str) -> tuple[Value, ...]:
        """The action values that grant ``action`` (empty for NotAction statements)."""
        if self.not_action:
            return ()
        return tuple(v for v in self.actions if action_allows(v.text, action))

    def covers(self, cluster: Key) -> bool:
        return self.any_resource or self.unresolved or cluster in self.clusters


@dataclass(frozen=True)
class EnvVar:
    """An environment variable of a workload and the DSQL clusters its value refers to.

    ``locating`` is true when the value lets a client find a cluster (its identifier, endpoint,
    VPC endpoint, or a literal ``*.dsql.<region>.on.aws`` host); ``opaque`` when the value is a
    parameter, an unresolved import or a condition that might hold such a value.
    """

    sink: Sink
    clusters: tuple[Key, ...] = ()
    locating: bool = False
    opaque: bool = False

    @property
    def dsql(self) -> bool:
        return bool(self.clusters) or self.locating


@dataclass(frozen=True)
class Workload:
    """A compute resource with its environment and every permission that reaches its role.

    ``permissions_known`` is false when its role or one of the role's managed policies is
    declared outside the scan: rules then cannot claim a permission is missing.
    """

    compute: Compute
    key: Key
    kind: str
    env: tuple[EnvVar, ...] = ()
    permissions: tuple[Permission, ...] = ()
    permissions_known: bool = False

    @property
    def location(self) -> Location:
        return self.compute.location

    # Derived once per workload (rules ask again and again): cached_property writes the
    # instance dictionary directly, which a frozen dataclass allows, and equality ignores it.
    @cached_property
    def dsql_env(self) -> tuple[EnvVar, ...]:
        return tuple(var for var in self.env if var.dsql)

    @property
    def clusters(self) -> tuple[Key, ...]:
        """The clusters its environment points at."""
        return tuple(sorted({key for var in self.env for key in var.clusters}))

    def allowed(self, action: str) -> tuple[Permission, ...]:
        return tuple(p for p in self.permissions if p.allows(action))

    @cached_property
    def connect_grants(self) -> tuple[Permission, ...]:
        """Permissions that explicitly grant a ``dsql:DbConnect*`` action.

        Only patterns that name the dsql service count (``dsql:DbConnect``, ``dsql:*``): a role
        with ``*`` is broad, not a sign that its code talks to DSQL.
        """
        return tuple(
            p
            for p in self.permissions
            if any(
                action_allows(v.text, a) and v.text.strip().lower().startswith("dsql:")
                for v in p.actions
                for a in ("dsql:DbConnect", "dsql:DbConnectAdmin")
            )
            and not p.not_action
        )

    @cached_property
    def connects(self) -> bool:
        """Does this code talk to DSQL: a DSQL value in its environment or a connect grant."""
        return bool(self.dsql_env) or bool(self.connect_grants)


@dataclass(frozen=True)
class Base:
    """The project's facts at a git base (``--diff-base``, ``review --base``): what the
    working tree is compared with where a rule judges change rather than state (FR-006)."""

    ref: str
    commit: str
    files: tuple[FileFacts, ...] = ()

    @property
    def label(self) -> str:
        """How messages name it: ``main (3f2a1c9d0e12)``."""
        return base_label(self.ref, self.commit)


@dataclass(frozen=True)
class Project:
    """The union of every file's facts in the project scope, with the links rules need."""

    files: tuple[FileFacts, ...]
    root: Location
    incomplete: tuple[str, ...] = ()  # files in scope that could not be parsed
    clusters: tuple[tuple[Key, DsqlCluster], ...] = ()
    workloads: tuple[Workload, ...] = ()
    cluster_sets: tuple[tuple[tuple[Key, DsqlCluster], ...], ...] = field(default=())
    # the same sets per deployment: each Terraform root module (with the local modules it
    # calls) deploys on its own, everything else together ("" names that unit)
    units: tuple[tuple[str, tuple[tuple[tuple[Key, DsqlCluster], ...], ...]], ...] = ()
    base: Base | None = None  # the same scope at a git base, when one is given

    @cached_property
    def comparison(self) -> Comparison | None:
        """The DynamoDB layer compared with the base (None without one): derived once, read by
        the DDB rules and the scan's summary alike (cached like a workload's properties)."""
        if self.base is None:
            return None
        from scanner.project import dynamodb

        return dynamodb.compare(self.base.files, self.files, self.root)

    @cached_property
    def evidence(self) -> dict[tuple[object, ...], tuple[Evidence, ...]]:
        """``database_evidence`` per settings, filled as rules ask for it."""
        return {}

    def of_kind(self, *kinds: str) -> tuple[FileFacts, ...]:
        return tuple(f for f in self.files if f.kind in kinds)

    @property
    def has_infrastructure(self) -> bool:
        return any(f.kind in INFRA_KINDS for f in self.files)

    @property
    def has_application(self) -> bool:
        return any(f.kind == Kind.APP for f in self.files)


@dataclass(frozen=True, order=True)
class Evidence:
    """One sign that the project has an Aurora RDS or Aurora DSQL database, and where it is.

    ``kind`` is the kind of the file it was found in (``cfn``, ``cdk``, ``app``, ``sql``), so a
    rule can point at the side of the system it is about; ``rank`` orders signs by how directly
    they show the database (0: the database itself, 1: code that talks to it, 2: a setting)."""

    rank: int
    location: Location
    kind: str
    what: str


def _database_env(name: str, config: Config) -> bool:
    return (
        bool(DATABASE_ENV_WORD.search(name))
        or name in config.dsql.required_env
        or any(pattern.search(name) for pattern in _compiled(config.legacy_env_patterns))
    )


@cache
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in patterns)


def _file_evidence(facts: FileFacts, config: Config) -> Iterator[Evidence]:
    """Every sign of a DSQL or RDS database in one file's facts (context facts suffice)."""

    def sign(rank: int, location: Location, what: str) -> Evidence:
        return Evidence(rank, location, facts.kind, what)

    if facts.kind == Kind.SQL:
        yield sign(0, Location(path=facts.path), "a SQL migration")
    yield from (sign(0, c.location, f"the Aurora DSQL cluster {c.name}") for c in facts.clusters)
    for engine in facts.engines:
        if RELATIONAL_ENGINE.search(engine.value):
            yield sign(0, engine.location, f"the database engine {engine.value}")
    yield from (sign(1, c.location, "an Aurora DSQL connection") for c in facts.connections)
    yield from (sign(1, t.location, f"{t.method}()") for t in facts.token_calls)
    for call in facts.api_calls:
        if call.service in DATABASE_API_SERVICES:
            yield sign(1, call.location, f"the {call.service} API ({call.method})")
    for sink in facts.sinks:
        if any(t.is_rds or t.type == DSQL_CLUSTER for t in sink.targets) or (
            sink.kind == "env" and _database_env(sink.name, config)
        ):
            yield sign(2, sink.location, f"the setting {sink.name}")
    yield from (
        sign(2, read.location, f"the setting {read.name}")
        for read in facts.env_reads
        if _database_env(read.name, config)
    )
    for statement in facts.statements:
        for action in statement.actions:
            if DATABASE_ACTION.match(action.text):
                yield sign(2, action.location, f"the IAM action {action.text.strip()}")
    for grant in facts.grants:
        if grant.rds_secret or grant.target_type.startswith((RDS_PREFIX, DSQL_CLUSTER)):
            yield sign(2, grant.location, f"{grant.method}()")


def database_evidence(project: Project, config: Config) -> tuple[Evidence, ...]:
    """What shows that the project has an Aurora RDS or DSQL database, most direct first.

    The project rules about the DSQL target state (a cluster must exist, the application needs
    a health check, its configuration must model DSQL) judge only projects that show one: a
    tree without any (a template library, a Redis service) has nothing to migrate. Only facts
    that a context view keeps are read, so a pre-commit run judges like a full scan.

    Derived once per project and settings: three rules ask for it."""
    settings = (config.dsql.required_env, config.legacy_env_patterns)
    memo = project.evidence
    if settings not in memo:
        found = (e for facts in project.files for e in _file_evidence(facts, config))
        memo[settings] = tuple(sorted(found))
    return memo[settings]


class _Namespace:
    """Indexes of one namespace's facts, for linking."""

    def __init__(self, files: list[FileFacts]) -> None:
        self.files = files
        self.roles: dict[str, IamRole] = {r.name: r for f in files for r in f.roles}
        self.clusters = {c.name for f in files for c in f.clusters}
        self.env: dict[str, list[Sink]] = defaultdict(list)
        self.statements: dict[str, list[IamStatement]] = defaultdict(list)
        self.grants: dict[str, list[Grant]] = defaultdict(list)
        for facts in files:
            for sink in facts.sinks:
                if sink.kind == "env":
                    self.env[sink.owner].append(sink)
            for statement in facts.statements:
                for principal in statement.principals:
                    self.statements[principal].append(statement)
            for grant in facts.grants:
                self.grants[grant.grantee].append(grant)


def _exports(files: Iterable[FileFacts]) -> dict[str, tuple[str, Sink]]:
    """Export name -> (namespace, sink) of every ``Export`` in scope (the first one wins)."""
    exports: dict[str, tuple[str, Sink]] = {}
    for facts in files:
        for sink in facts.sinks:
            if sink.kind == "export" and sink.export_name:
                exports.setdefault(sink.export_name, (namespace_of(facts), sink))
    return exports


class _Linker:
    """Builds workloads: resolves targets (including imports) and collects permissions."""

    def __init__(
        self, files: tuple[FileFacts, ...], exports: dict[str, tuple[str, Sink]] | None = None
    ) -> None:
        grouped: dict[str, list[FileFacts]] = defaultdict(list)
        for facts in files:
            grouped[namespace_of(facts)].append(facts)
        self.namespaces = {name: _Namespace(group) for name, group in grouped.items()}
        self.exports = _exports(files) if exports is None else exports

    def resolve(self, targets: Iterable[Target], namespace: str) -> tuple[list[Key], bool]:
        """DSQL clusters the targets name (imports followed to their Export), and whether an
        import could not be followed (its Export is outside the scan)."""
        found: list[Key] = []
        unknown = False
        for target in targets:
            if target.type != IMPORT:
                owner = target.namespace or namespace  # resolved from another file: its own
                found.extend([Key(owner, target.name)] if target.is_dsql else [])
                continue
            export = self.exports.get(target.name)
            if export is None:
                unknown = True
                continue
            origin, sink = export
            found.extend(Key(origin, t.name) for t in sink.targets if t.is_dsql)
        return found, unknown

    def env_var(self, sink: Sink, namespace: str) -> EnvVar:
        clusters, unknown = self.resolve(sink.targets, namespace)
        locating = _locating(sink, self.exports) or bool(DSQL_ENDPOINT_LITERAL.search(sink.literal))
        return EnvVar(
            sink=sink,
            clusters=tuple(sorted(set(clusters))),
            locating=locating,
            opaque=unknown or (not sink.literal and not sink.targets),
        )

    def statement_permission(self, statement: IamStatement, namespace: str) -> Permission | None:
        if statement.effect.strip().lower() != "allow":
            return None
        clusters, unknown = self.resolve(statement.resource_targets, namespace)
        texts = [value.text for value in statement.resources]
        literal_arn = any(is_dsql_arn(text) for text in texts) and not clusters
        return Permission(
            actions=statement.actions,
            location=statement.location,
            source="statement",
            not_action=statement.not_action,
            any_resource=any(is_wildcard_resource(text) for text in texts),
            clusters=tuple(sorted(set(clusters))),
            unresolved=unknown or statement.opaque_resources or literal_arn,
        )

    def grant_permission(self, grant: Grant, namespace: str) -> Permission | None:
        actions = GRANT_ACTIONS.get(grant.method, grant.actions if grant.method == "grant" else ())
        if grant.target_type != DSQL_CLUSTER or not actions:
            return None
        return Permission(
            actions=tuple(Value(a, grant.location) for a in actions),
            location=grant.location,
            source="grant",
            clusters=(Key(namespace, grant.target),) if grant.target else (),
            unresolved=not grant.target,
        )

    def managed_permissions(self, role: IamRole) -> tuple[list[Permission], bool]:
        """Permissions of the role's external managed policies; False when one is unknowable."""
        found: list[Permission] = []
        known = True
        for policy in role.managed_policies:
            name = _aws_managed_name(policy.text)
            if name is None:
                known = False
                continue
            actions = AWS_MANAGED_GRANTS.get(name, ())
            if actions:
                found.append(
                    Permission(
                        actions=tuple(Value(a, policy.location) for a in actions),
                        location=policy.location,
                        source="managed-policy",
                        any_resource=True,
                        label=name,
                    )
                )
        return found, known

    def workload(self, compute: Compute, facts: FileFacts) -> Workload:
        namespace = namespace_of(facts)
        space = self.namespaces[namespace]
        env = tuple(
            self.env_var(sink, namespace)
            for owner in compute.env_owners
            for sink in space.env.get(owner, ())
        )
        role = space.roles.get(compute.role) if compute.role else None
        permissions: list[Permission] = []
        known = role is not None
        if role is not None:
            managed, known = self.managed_permissions(role)
            permissions.extend(managed)
        for principal in sorted({compute.role, compute.name} - {""}):
            for statement in space.statements.get(principal, ()):
                permission = self.statement_permission(statement, namespace)
                if permission is not None:
                    permissions.append(permission)
            for grant in space.grants.get(principal, ()):
                granted = self.grant_permission(grant, namespace)
                if granted is not None:
                    permissions.append(granted)
        return Workload(
            compute=compute,
            key=Key(namespace, compute.name),
            kind=facts.kind,
            env=env,
            permissions=tuple(permissions),
            permissions_known=known,
        )


def _locating(sink: Sink, exports: dict[str, tuple[str, Sink]]) -> bool:
    """Does the value carry something a client can connect with (identifier, endpoint)?"""
    for target in sink.targets:
        if target.type == IMPORT and target.name in exports:
            if _locating(exports[target.name][1], {}):
                return True
        elif target.is_dsql and target.attribute in LOCATING_ATTRIBUTES:
            return True
    return False


def _aws_managed_name(text: str) -> str | None:
    """The policy name of an AWS managed policy ARN (or a bare SAM policy name), else None."""
    text = text.strip()
    if not text:
        return None
    if not text.startswith("arn:"):
        return text if "${" not in text and ":" not in text else None
    if ":iam::aws:policy/" not in text:
        return None
    match = AWS_MANAGED_POLICY.search(text)
    return match.group(1) if match else None


def _same_cluster(source: tuple[Key, DsqlCluster], synthesized: tuple[Key, DsqlCluster]) -> bool:
    """A CDK-source cluster and its synthesized template resource: construct id in the path."""
    construct_path = synthesized[1].location.construct_path
    return bool(construct_path) and source[1].name in construct_path.split("/")


def _cluster_sets(
    clusters: list[tuple[Key, DsqlCluster]],
) -> tuple[tuple[tuple[Key, DsqlCluster], ...], ...]:
    """Group clusters that are one logical cluster set.

    Linked multi-Region peers (``MultiRegionProperties.Clusters`` naming a cluster in scope, or
    clusters in different stacks that declare the same witness Region) are one set; a cluster
    in CDK source and the same construct in its synthesized template are one cluster.
    """
    parent = list(range(len(clusters)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    index = {key: i for i, (key, _) in enumerate(clusters)}
    witnesses: dict[str, int] = {}
    for i, (key, cluster) in enumerate(clusters):
        for peer in cluster.peers:
            j = index.get(Key(key.namespace, peer))
            if j is not None:
                union(i, j)
        if cluster.multi_region and cluster.witness_region:
            union(i, witnesses.setdefault(cluster.witness_region, i))
    for i, item in enumerate(clusters):
        if is_cdk(item[0]):
            for j, other in enumerate(clusters):
                if not is_cdk(other[0]) and _same_cluster(item, other):
                    union(i, j)
    groups: dict[int, list[tuple[Key, DsqlCluster]]] = defaultdict(list)
    for i, item in enumerate(clusters):
        groups[find(i)].append(item)
    return tuple(tuple(group) for _, group in sorted(groups.items()))


@dataclass(frozen=True)
class Prepared:
    """The workloads of the context files, linked while the named files are still being
    analysed in another process (a one-file pre-commit run): ``build`` takes them as they are
    for every file whose namespace the named files do not join, when the exports are the same.
    A workload depends only on its namespace's facts and on the exports, so that is exact."""

    workloads: dict[str, tuple[FileFacts, tuple[Workload, ...]]]  # path -> (facts, workloads)
    exports: dict[str, tuple[str, Sink]]


# The properties rules derive from a workload, cached on it (see Workload).
DERIVED = tuple(name for name, kind in vars(Workload).items() if isinstance(kind, cached_property))


def prepare(files: Iterable[FileFacts]) -> Prepared:
    ordered = tuple(sorted(files, key=lambda f: f.path))
    linker = _Linker(ordered)
    workloads = {f.path: (f, tuple(linker.workload(c, f) for c in f.compute)) for f in ordered}
    for _, linked in workloads.values():
        for workload in linked:  # derived now, while the named files are still being analysed
            for name in DERIVED:
                getattr(workload, name)
    return Prepared(workloads=workloads, exports=linker.exports)


def _reusable(
    ordered: tuple[FileFacts, ...], exports: dict[str, tuple[str, Sink]], prepared: Prepared | None
) -> set[str]:
    """Paths whose prepared workloads are exactly what linking everything would give."""
    if prepared is None or exports != prepared.exports:
        return set()
    known = prepared.workloads
    joined = {namespace_of(f) for f in ordered if known.get(f.path, (None,))[0] is not f}
    return {f.path for f in ordered if f.path in known and namespace_of(f) not in joined}


def build(
    files: Iterable[FileFacts],
    root: Location,
    incomplete: Iterable[str] = (),
    prepared: Prepared | None = None,
) -> Project:
    """Link the facts of every file in the project scope (reusing ``prepared`` where exact)."""
    ordered = tuple(sorted(files, key=lambda f: f.path))
    exports = _exports(ordered)
    reusable = _reusable(ordered, exports, prepared)
    # a namespace is reused whole or linked whole, so the linker needs only the rest
    rest = tuple(f for f in ordered if f.path not in reusable)
    linker = _Linker(rest, exports) if rest else None
    clusters = [(Key(namespace_of(f), c.name), c) for f in ordered for c in f.clusters]
    workloads: list[Workload] = []
    for facts in ordered:
        if prepared is not None and facts.path in reusable:
            workloads.extend(prepared.workloads[facts.path][1])
        elif linker is not None:
            workloads.extend(linker.workload(c, facts) for c in facts.compute)
    return Project(
        files=ordered,
        root=root,
        incomplete=tuple(sorted(incomplete)),
        clusters=tuple(clusters),
        workloads=tuple(workloads),
        cluster_sets=_cluster_sets(clusters),
        units=tuple(
            (
                label,
                _in_order(_cluster_sets([c for c in clusters if c[0].namespace in spaces]), label),
            )
            for label, spaces in units(ordered, {key.namespace for key, _ in clusters})
        ),
    )


def _in_order(
    sets: tuple[tuple[tuple[Key, DsqlCluster], ...], ...], label: str
) -> tuple[tuple[tuple[Key, DsqlCluster], ...], ...]:
    """A unit's cluster sets, the ones it calls before its own (a root module's own cluster
    beside the one its shared module declares is the extra one), then by location."""
    own = TERRAFORM_NAMESPACE + ("" if label == "." else label) if label else None

    def order(group: tuple[tuple[Key, DsqlCluster], ...]) -> tuple[bool, Location]:
        return (any(key.namespace == own for key, _ in group), min(c.location for _, c in group))

    return tuple(sorted(sets, key=order))


def units(files: Iterable[FileFacts], namespaces: set[str]) -> list[tuple[str, frozenset[str]]]:
    """What deploys together: each Terraform root module (a module no other scanned module
    calls) with the local modules it calls, by namespace, labelled by its directory; every
    other namespace in ``namespaces`` in one unit labelled "". A module two roots call is in
    both (each deploys its own copy)."""
    calls: dict[str, set[str]] = defaultdict(set)
    for facts in files:
        if facts.namespace.startswith(TERRAFORM_NAMESPACE):
            calls[facts.namespace].update(facts.module_calls)
    modules = set(calls) | {n for n in namespaces if n.startswith(TERRAFORM_NAMESPACE)}
    called = {c for callees in calls.values() for c in callees}
    roots = sorted(modules - called) or sorted(modules)  # modules that only call each other
    found = []
    for root in roots:
        closure, pending = {root}, [root]
        while pending:
            for callee in calls.get(pending.pop(), ()):
                if callee not in closure:
                    closure.add(callee)
                    pending.append(callee)
        found.append((root.removeprefix(TERRAFORM_NAMESPACE) or ".", frozenset(closure)))
    rest = frozenset(n for n in namespaces if not n.startswith(TERRAFORM_NAMESPACE))
    return [("", rest), *found] if rest else found


def context_view(analysis: FileAnalysis, keep: frozenset[str]) -> FileAnalysis:
    """What a file that is only context for the project contributes: its ``keep`` facts (see
    ``context_fields``), and whether it could be read (SCAN001). Its own findings are not
    reported, so they go."""
    facts = analysis.facts
    if facts is not None:
        facts = replace(facts, **{f.name: () for f in fields(facts) if f.name not in keep})
    return FileAnalysis(
        path=analysis.path,
        input=analysis.input,
        facts=facts,
        raw=tuple(r for r in analysis.raw if r.rule == "SCAN001"),
        note=analysis.note,
        sha256=analysis.sha256,
    )
