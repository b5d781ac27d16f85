"""DSQL005: the role of compute is allowed more of Aurora DSQL than connecting to its cluster.

``dsql:*``, ``*``, any DSQL action on every cluster, NotAction statements and control-plane
actions on the role a function or task runs as let a bug or a compromised dependency delete the
cluster. Roles no compute resource uses (deployment roles) are not judged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.project.context import WORKLOAD_FIELDS, Permission, Project, action_allows
from scanner.rules.base import Example, rule
from scanner.rules.dsql._common import (
    CONNECT,
    CONNECT_ADMIN,
    allow,
    api_stack,
    cdk_api,
    cluster_hint,
    describe,
    role_of,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config


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


def _service(pattern: str) -> str:
    return pattern.strip().partition(":")[0].lower()


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


RULE = rule(
    id="DSQL005",
    name="dsql-permission-too-broad",
    title="Application role has broad DSQL permissions",
    severity=Severity.ERROR,
    reads=(*WORKLOAD_FIELDS, "clusters"),
    since="0.1.0",
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
        Example(
            cdk_api('"DSQL_ENDPOINT": ledger.attr_endpoint', actions=("dsql:*",), resource='"*"'),
            kind="cdk",
            fires=1,
            lines=(24,),
        ),
    ),
    project_check=check_permission_too_broad,
)
