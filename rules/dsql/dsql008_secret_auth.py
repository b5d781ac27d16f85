"""DSQL008: database credentials from Secrets Manager handed to code that connects to DSQL.

Aurora DSQL authenticates with short-lived IAM tokens: a database secret in the environment of
compute that connects, or as the password of an application's DSQL connection, is dead weight
and a leak risk. A secret is a database credential by its structure, never by its name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.project.context import WORKLOAD_FIELDS, Project
from scanner.rules.base import Example, rule
from scanner.rules.dsql._common import CLUSTER, cdk_api, describe, template

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config


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


# A username/password secret of a CDK stack: a database credential by its structure.
LOGIN_SECRET = """\
        login = cdk.aws_secretsmanager.Secret(
            self,
            "Login",
            generate_secret_string=cdk.aws_secretsmanager.SecretStringGenerator(
                secret_string_template='{"username": "ledger_app"}', generate_string_key="password"
            ),
        )
"""


RULE = rule(
    id="DSQL008",
    name="dsql-secret-auth",
    title="Secrets Manager credentials next to DSQL",
    severity=Severity.WARNING,
    reads=(*WORKLOAD_FIELDS, "connections"),
    since="0.1.0",
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
            template(
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
            template(
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
        Example(
            cdk_api(
                '"DSQL_ENDPOINT": ledger.attr_endpoint',
                '"LOGIN_SECRET_ARN": login.secret_arn',
                before=LOGIN_SECRET,
            ),
            kind="cdk",
            fires=1,
            lines=(27,),
        ),
        Example(
            """
            import json

            import boto3
            import psycopg


            def connect():
                secret = boto3.client("secretsmanager").get_secret_value(SecretId="prod/ledger")
                password = json.loads(secret["SecretString"])["password"]
                return psycopg.connect(host="abc.dsql.us-east-1.on.aws", user="app", password=password)
            """,
            kind="app",
            fires=1,
            lines=(10,),
        ),
    ),
    project_check=check_secret_auth,
)
