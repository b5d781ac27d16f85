"""DSQL004: compute with DSQL settings whose role may not connect to that cluster.

A function with DSQL settings in its environment needs ``dsql:DbConnect`` (or
``dsql:DbConnectAdmin``) on that cluster through some policy reaching its role: without it the
token is generated and the connection refused. Roles not fully in scope are not judged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.project.context import WORKLOAD_FIELDS, Key, Permission, Project, Workload
from scanner.rules.base import Example, rule
from scanner.rules.dsql._common import (
    CONNECT,
    CONNECT_ADMIN,
    api_stack,
    cdk_api,
    describe,
    role_of,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config


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


def _connect_permissions(workload: Workload) -> tuple[Permission, ...]:
    return tuple(p for p in workload.permissions if p.allows(CONNECT) or p.allows(CONNECT_ADMIN))


RULE = rule(
    id="DSQL004",
    name="dsql-connect-permission-missing",
    title="Compute may not connect to the DSQL cluster",
    severity=Severity.ERROR,
    reads=WORKLOAD_FIELDS,
    since="0.1.0",
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
        Example(
            cdk_api('"DSQL_ENDPOINT": ledger.attr_endpoint'),
            kind="cdk",
            fires=1,
            lines=(12,),
        ),
        Example(
            cdk_api('"DSQL_ENDPOINT": ledger.attr_endpoint', actions=("dsql:DbConnect",)),
            kind="cdk",
            fires=0,
        ),
    ),
    project_check=check_connect_permission,
)
