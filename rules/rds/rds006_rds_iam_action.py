"""RDS006: IAM permissions only Aurora RDS needs: rds, rds-data and rds-db actions, CDK's
grant_data_api_access()/grant_connect() on an RDS database, and reading the RDS credentials
secret (GetSecretValue/DescribeSecret or a wildcard covering them, CDK grant_read()). The migrated
backend needs only dsql:DbConnect on its cluster; the rest widens the role for no purpose.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from scanner.facts import RDS_PREFIX, FileFacts, Grant, IamStatement
from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule
from scanner.rules.rds._common import (
    CDK_APP_FILES,
    SECRET_EXPORT,
    api_stack,
    arrival,
    rds_secret_of,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config


def check_iam_actions(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for statement in facts.statements:
        if statement.effect.lower() != "allow" or statement.not_action:
            continue  # NotAction: the statement's grants are not enumerable actions
        yield from _secret_reads(statement)
        for action in statement.actions:
            service = rds_service(action.text)
            if service:
                yield Hit(
                    action.location,
                    f"IAM action '{action.text}' grants {service} permissions that only Aurora "
                    "RDS needs; grant dsql:DbConnect on the DSQL cluster ARN instead",
                )
    for grant in facts.grants:
        if grant.method in RDS_GRANTS and grant.target_type.startswith(RDS_PREFIX):
            yield Hit(
                grant.location,
                f"{grant.method}() grants Aurora RDS access{granter(grant)}; use "
                "the DSQL cluster's grant_connect() or a dsql:DbConnect policy statement",
            )
        elif grant.rds_secret and grant.method in SECRET_READ_GRANTS:
            secret = f"'{grant.target}', the secret that holds" if grant.target else "the secret of"
            yield Hit(
                grant.location,
                f"{grant.method}() lets {grant.grantee or 'the grantee'} read {secret} the "
                "Aurora RDS credentials; Aurora DSQL needs no password, so the "
                "permission is obsolete: remove the grant (and the secret, once nothing reads it)",
            )


RDS_SERVICES = frozenset({"rds", "rds-data", "rds-db"})

RDS_GRANTS = frozenset({"grant_data_api_access", "grant_connect"})


def rds_service(action: str) -> str | None:
    """The RDS service an IAM action names literally (``rds-data:*`` -> ``rds-data``)."""
    service, sep, _ = action.strip().partition(":")
    service = service.lower()
    if not sep or "*" in service or "?" in service:
        return None
    return service if service in RDS_SERVICES else None


# What reading a secret takes: grant_read() and hand-written policies grant these two.
SECRET_READ_ACTIONS = ("secretsmanager:getsecretvalue", "secretsmanager:describesecret")

SECRET_READ_GRANTS = frozenset({"grant_read"})


def covers(pattern: str, action: str) -> bool:
    """Does an IAM action pattern (``*`` and ``?`` wildcards, any case) allow ``action``?"""
    escaped = pattern.strip().lower().replace("[", "[[]")
    return fnmatchcase(action, escaped)


def _secret_reads(statement: IamStatement) -> Iterator[Hit]:
    """Actions that read an RDS credentials secret the statement's resources name."""
    secret = rds_secret_of(statement.resource_targets)
    if secret is None:
        return
    for action in statement.actions:
        if any(covers(action.text, read) for read in SECRET_READ_ACTIONS):
            yield Hit(
                action.location,
                f"IAM action '{action.text}' reads '{secret.name}'{arrival(secret)}, the secret "
                "that holds the Aurora RDS credentials; Aurora DSQL needs no password, so the permission is "
                "obsolete: remove it (and the secret, once nothing reads it)",
            )


def granter(grant: Grant) -> str:
    """What a grant's granter from another module is, for messages; "" for a local one."""
    return f" on {grant.target} (via {grant.via})" if grant.via else ""


RULE = rule(
    id="RDS006",
    name="rds-iam-action",
    title="IAM grants Aurora RDS actions",
    severity=Severity.ERROR,
    reads=("statements", "grants"),
    since="0.1.0",
    requirements=("FR-003", "SC-004"),
    rationale="""The migrated backend needs only dsql:DbConnect on its cluster. rds-data:*,
        rds-db:connect and rds:* permissions left on a role widen it for no purpose, and so
        does reading the RDS credentials secret (secretsmanager:GetSecretValue or
        DescribeSecret, or a wildcard covering them, on that secret; CDK
        secret.grant_read()). Wildcard services (rds*:*, *) are reported by DSQL005;
        NotAction statements are not enumerable and are not judged here.""",
    remediation="""Remove the rds, rds-data and rds-db actions and the permission to read the
        RDS secret; grant dsql:DbConnect on the DSQL cluster ARN (CDK:
        cluster.grant_connect(role)).""",
    examples=(
        Example(
            """
            Resources:
              ApiRole:
                Type: AWS::IAM::Role
                Properties:
                  Policies:
                    - PolicyName: data
                      PolicyDocument:
                        Statement:
                          - Effect: Allow
                            Action: [rds-data:ExecuteStatement, "rds-db:connect"]
                            Resource: "*"
              Extra:
                Type: AWS::IAM::ManagedPolicy
                Properties:
                  PolicyDocument:
                    Statement:
                      Effect: Allow
                      Action: rds:DescribeDBClusters
                      Resource: "*"
            """,
            fires=3,
            lines=(10, 10, 18),
        ),
        Example(
            """
            Resources:
              ApiRole:
                Type: AWS::IAM::Role
                Properties:
                  Policies:
                    - PolicyName: data
                      PolicyDocument:
                        Statement:
                          - Effect: Allow
                            Action: dsql:DbConnect
                            Resource: !GetAtt Ledger.ResourceArn
                          - Effect: Deny
                            Action: rds:*
                            Resource: "*"
            """,
            fires=0,
        ),
        Example(
            """
            from aws_cdk import aws_iam as iam
            from aws_cdk import aws_rds as rds


            def permissions(api, cluster: rds.DatabaseCluster):
                api.add_to_role_policy(
                    iam.PolicyStatement(
                        actions=["rds-data:ExecuteStatement", "rds-db:connect"], resources=["*"]
                    )
                )
                cluster.grant_data_api_access(api)
            """,
            fires=3,
            kind="cdk",
            lines=(8, 8, 11),
        ),
        Example(
            """
            from aws_cdk import aws_dsql as dsql
            from aws_cdk import aws_iam as iam


            def permissions(scope, api):
                ledger = dsql.CfnCluster(scope, "Ledger")
                # "rds-data:ExecuteStatement" left with the Aurora cluster
                api.add_to_role_policy(
                    iam.PolicyStatement(actions=["dsql:DbConnect"], resources=[ledger.attr_resource_arn])
                )
                api.add_to_role_policy(
                    iam.PolicyStatement(effect=iam.Effect.DENY, actions=["rds:*"], resources=["*"])
                )
            """,
            fires=0,
            kind="cdk",
        ),
        Example(
            """
            import json

            from aws_cdk import aws_iam as iam
            from aws_cdk import aws_rds as rds
            from aws_cdk import aws_secretsmanager as secretsmanager


            def permissions(scope, api, cluster: rds.DatabaseCluster):
                credentials = secretsmanager.Secret(
                    scope,
                    "AuroraCredentials",
                    generate_secret_string=secretsmanager.SecretStringGenerator(
                        secret_string_template=json.dumps({"username": "ledger_admin"}),
                        generate_string_key="password",
                    ),
                )
                credentials.grant_read(api)
                cluster.secret.grant_read(api)
                api.add_to_role_policy(
                    iam.PolicyStatement(actions=["secretsmanager:*"], resources=[credentials.secret_arn])
                )
            """,
            fires=3,
            kind="cdk",
            lines=(17, 18, 20),
        ),
        Example(
            """
            from aws_cdk import aws_iam as iam
            from aws_cdk import aws_secretsmanager as secretsmanager


            def permissions(scope, api):
                partner = secretsmanager.Secret(scope, "PartnerApiKey")
                partner.grant_read(api)
                api.add_to_role_policy(
                    iam.PolicyStatement(
                        actions=["secretsmanager:GetSecretValue"], resources=[partner.secret_arn]
                    )
                )
            """,
            fires=0,
            kind="cdk",
        ),
        Example(
            """
            Resources:
              ApiPolicy:
                Type: AWS::IAM::ManagedPolicy
                Properties:
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: [secretsmanager:DescribeSecret, secretsmanager:GetSecretValue]
                        Resource: !ImportValue Data:ExportsOutputRefAuroraCredentials
            """,
            fires=2,
            lines=(8, 8),  # the secret is in data.yaml, the permission here
            extra_files=(("data.yaml", SECRET_EXPORT),),
        ),
        Example(
            api_stack(
                """
                data.database.grant_connect(self.api, "ledger_app")
                """
            ),
            fires=1,
            kind="cdk",
            filename="stacks/api_stack.py",
            lines=(15,),
            extra_files=CDK_APP_FILES,
        ),
        Example(
            api_stack(
                """
                data.documents.grant_connect(self.api)
                """
            ),
            fires=0,
            kind="cdk",
            filename="stacks/api_stack.py",
            extra_files=CDK_APP_FILES,
        ),
    ),
    check=check_iam_actions,
)
