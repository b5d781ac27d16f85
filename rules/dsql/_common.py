"""What two or more DSQL rules share: the connect actions, how messages name a workload and its
cluster, the first sign of a database, and the builders of their documented examples."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.rules.base import Example

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scanner.project.context import Evidence, Project, Workload

CONNECT = "dsql:DbConnect"
CONNECT_ADMIN = "dsql:DbConnectAdmin"
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


def first_evidence(evidence: Iterable[Evidence], *kinds: str) -> Evidence | None:
    """The first sign of a database in files of the given kinds (in that order of preference)."""
    found = sorted(
        evidence, key=lambda e: (kinds.index(e.kind) if e.kind in kinds else len(kinds), e)
    )
    return found[0] if found else None


# --- Example builders ------------------------------------------------------------------------

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

CLUSTER = """
  Ledger:
    Type: AWS::DSQL::Cluster
    Properties:
      DeletionProtectionEnabled: true
"""


def template(body: str) -> str:
    return "Resources:\n" + body.strip("\n") + "\n"


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
    return template(body)


# Application code that connects to DSQL with a token of the given kind, as the given user.
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

# The examples' CDK app: the cluster and a Lambda function 'Api' of one stack (see ``cdk_api``).
# Laid out as ruff formats it (trailing commas keep the lists open), as the docs show it.
CDK_API = """
import aws_cdk as cdk
from aws_cdk import aws_dsql as dsql
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct


class LedgerStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        ledger = dsql.CfnCluster(self, "Ledger"{cluster})
{before}        api = lambda_.Function(
            self,
            "Api",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.main",
            code=lambda_.Code.from_asset("src"),
{environment}        )
{policy}

app = cdk.App()
LedgerStack(app, "Ledger")
app.synth()
"""


def cdk_api(
    *env: str,
    actions: tuple[str, ...] = (),
    resource: str = "ledger.attr_resource_arn",
    cluster: str = "deletion_protection_enabled=True",
    before: str = "",
) -> str:
    """The CDK twin of ``api_stack``. ``cluster`` is the cluster's keyword arguments (line 11),
    ``before`` constructs declared after it; then the function, from line 12: ``env`` its
    environment (``'"NAME": value'``, one a line from line 19), ``actions`` what
    ``add_to_role_policy`` allows on ``resource`` (the actions on line 24 with an environment
    of one variable, 21 without)."""
    environment = ""
    if env:
        entries = "".join(f"                {entry},\n" for entry in env)
        environment = f"            environment={{\n{entries}            }},\n"
    policy = ""
    if actions:
        listed = ", ".join(f'"{action}"' for action in actions)
        policy = (
            "        api.add_to_role_policy(\n"
            "            iam.PolicyStatement(\n"
            f"                actions=[{listed}],\n"
            f"                resources=[{resource}],\n"
            "            ),\n"
            "        )\n"
        )
    cluster = f", {cluster}" if cluster else ""
    return CDK_API.format(cluster=cluster, environment=environment, policy=policy, before=before)


def beside_infrastructure(
    path: str,
    source: str,
    line: int,
    stack: str = template(CLUSTER),
    app: str = cdk_api(),
) -> tuple[Example, Example]:
    """Two examples of a rule on application code that the infrastructure decides: the
    template ``stack``, then the CDK app ``app``, is the file named, and the application module
    ``source`` at ``path`` beside it has the finding on ``line``."""
    beside = ((path, source),)
    return (
        Example(stack, fires=1, lines=(line,), extra_files=beside),
        Example(app, kind="cdk", fires=1, lines=(line,), extra_files=beside),
    )
