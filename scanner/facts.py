"""Facts: what a scanned file declares, independent of the syntax it was written in.

Inputs (``scanner.inputs.*``) turn a CloudFormation template or a Python module into these
records; rules only ever read them. That is what lets one rule (RDS006, say) serve templates and
CDK code alike, and what keeps libcst and cfn-lint out of the rules.

Every fact carries a :class:`~scanner.model.Location`. CDK constructs are described with the
CloudFormation type they synthesize to (``aws_rds.DatabaseCluster`` -> ``AWS::RDS::DBCluster``),
so type-based rules need no second vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.model import Location

RDS_PREFIX = "AWS::RDS::"
DSQL_CLUSTER = "AWS::DSQL::Cluster"


@dataclass(frozen=True)
class Target:
    """What a value refers to: a resource (by logical id or construct id) and an attribute.

    ``type`` is the CloudFormation type of the referenced resource when known. ``rds_secret``
    marks a secret that exists for an RDS database (attached to, or read by, an RDS resource).
    """

    name: str
    type: str = ""
    attribute: str = ""
    rds_secret: bool = False

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


@dataclass(frozen=True)
class Grant:
    """A CDK ``grant_*`` call; ``target_type`` is the CloudFormation type of the granter."""

    method: str
    target_type: str
    location: Location
    grantee: str = ""


@dataclass(frozen=True)
class Ingress:
    """A security-group ingress rule. ``None`` ports mean "all ports" (protocol -1)."""

    protocol: str
    from_port: int | None
    to_port: int | None
    location: Location
    to_dsql_endpoint: bool = False

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
class EnvRead:
    """Code reading an environment variable (``os.environ["X"]``, ``os.getenv("X")``)."""

    name: str
    location: Location


@dataclass(frozen=True)
class FileFacts:
    """Everything one file declares. Inputs fill what their syntax can express."""

    kind: str  # Kind value: "cfn", "cdk" or "app"
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
    env_reads: tuple[EnvRead, ...] = ()
