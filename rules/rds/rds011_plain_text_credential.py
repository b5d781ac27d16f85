"""RDS011: a secret's value written in plain text into a Lambda or ECS environment (a
{{resolve:secretsmanager:...}} dynamic reference, CDK unsafe_unwrap(), unsafe_plain_text(),
to_string()), where every reader of the configuration sees it. For the Aurora RDS password it is
also residue, since DSQL authenticates with IAM tokens; the finding says whether it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule
from scanner.rules.rds._common import SECRET_EXPORT, arrival, rds_secret_of

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.facts import FileFacts, Sink


def check_plain_credentials(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for sink in facts.sinks:
        if sink.kind != "env" or sink.unwrapped is None:
            continue
        yield Hit(
            sink.unwrapped,
            f"environment variable '{sink.name}' holds {_unwrapped_secret(sink)} in plain "
            "text: anyone who may read the function's or task's configuration reads it; "
            "Aurora DSQL needs no password (connect with generate_db_connect_auth_token), and "
            "other secrets belong in ECS Secrets or are read at run time",
        )


def _unwrapped_secret(sink: Sink) -> str:
    """What a plain-text value reveals: the RDS database's credentials, a database
    credential, or some secret (decided from the wiring and the secret's shape, never names)."""
    secret = rds_secret_of(sink.targets)
    if secret is not None:
        return f"the Aurora RDS database's credentials from '{secret.name}'{arrival(secret)}"
    if any(t.is_rds for t in sink.targets):
        return "the Aurora RDS database's credentials"
    if sink.secret == "db":
        return "a database credential (not the Aurora RDS database's, as far as the scan sees)"
    return "a secret (not the Aurora RDS database's credentials)"


RULE = rule(
    id="RDS011",
    name="plain-text-credential",
    title="Credential in plain configuration",
    severity=Severity.ERROR,
    reads=("sinks",),
    since="0.1.0",
    requirements=("FR-003", "SC-004"),
    rationale="""A {{resolve:secretsmanager:...}} dynamic reference, or CDK's
        secret_value_from_json(...).unsafe_unwrap(), SecretValue.unsafe_plain_text(...) or
        SecretValue.to_string(), in a Lambda or ECS environment writes the secret's value
        into the function's configuration, where every reader of the configuration (and
        every deployment log) sees it. For the Aurora RDS password it is also residue: DSQL
        authenticates with IAM tokens. The finding says whether the secret is the RDS
        database's credentials. ECS Secrets (ValueFrom, ecs.Secret.from_secrets_manager) are
        resolved by the container agent and are not reported.""",
    remediation="""Remove the RDS password and user from the environment and connect to DSQL
        with generate_db_connect_auth_token; pass any other secret by reference (its ARN,
        ECS Secrets) and read it at run time.""",
    examples=(
        Example(
            """
            Resources:
              DbCredentials:
                Type: AWS::SecretsManager::Secret
                Properties:
                  GenerateSecretString:
                    SecretStringTemplate: '{"username": "ledger_admin"}'
                    GenerateStringKey: password
              Api:
                Type: AWS::Lambda::Function
                Properties:
                  Environment:
                    Variables:
                      DB_PASSWORD: !Sub "{{resolve:secretsmanager:${DbCredentials}:SecretString:password}}"
                      PARTNER_KEY: "{{resolve:secretsmanager:partner/api-key}}"
                      DB_SECRET_ARN: !Ref DbCredentials
            """,
            fires=2,
            lines=(13, 14),
        ),
        Example(
            """
            Resources:
              Worker:
                Type: AWS::ECS::TaskDefinition
                Properties:
                  ContainerDefinitions:
                    - Name: worker
                      Image: public.ecr.aws/docker/library/python:3.12
                      Environment:
                        - Name: DSQL_ENDPOINT
                          Value: abc.dsql.us-east-1.on.aws
                      Secrets:
                        - Name: PARTNER_KEY
                          ValueFrom: arn:aws:secretsmanager:us-east-1:111122223333:secret:partner
            """,
            fires=0,
        ),
        Example(
            """
            Resources:
              Api:
                Type: AWS::Lambda::Function
                Properties:
                  Environment:
                    Variables:
                      DB_PASSWORD: !Join
                        - ""
                        - - "{{resolve:secretsmanager:"
                          - !ImportValue Data:ExportsOutputRefAuroraCredentials
                          - ":SecretString:password}}"
            """,
            fires=1,
            lines=(9,),
            extra_files=(("data.yaml", SECRET_EXPORT),),
        ),
        Example(
            """
            import json

            from aws_cdk import SecretValue
            from aws_cdk import aws_ecs as ecs
            from aws_cdk import aws_lambda as lambda_
            from aws_cdk import aws_secretsmanager as secretsmanager


            def api(scope, code, task: ecs.FargateTaskDefinition):
                credentials = secretsmanager.Secret(
                    scope,
                    "AuroraCredentials",
                    generate_secret_string=secretsmanager.SecretStringGenerator(
                        secret_string_template=json.dumps({"username": "ledger_admin"}),
                        generate_string_key="password",
                    ),
                )
                user = credentials.secret_value_from_json("username")
                lambda_.Function(
                    scope,
                    "Api",
                    runtime=lambda_.Runtime.PYTHON_3_12,
                    handler="app.handler",
                    code=code,
                    environment={
                        "DB_PASSWORD": credentials.secret_value_from_json("password").unsafe_unwrap(),
                        "DB_USER": user.to_string(),
                        "PARTNER_KEY": SecretValue.unsafe_plain_text("not-a-real-key").unsafe_unwrap(),
                        "DB_SECRET_ARN": credentials.secret_arn,
                    },
                )
                task.add_container(
                    "Worker",
                    image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/python:3.12"),
                    secrets={"DB_PASSWORD": ecs.Secret.from_secrets_manager(credentials, "password")},
                )
            """,
            fires=3,
            kind="cdk",
            lines=(26, 27, 28),
        ),
        Example(
            """
            from aws_cdk import aws_ecs as ecs
            from aws_cdk import aws_secretsmanager as secretsmanager


            def worker(scope, task: ecs.FargateTaskDefinition):
                partner = secretsmanager.Secret(scope, "PartnerApiKey")
                task.add_container(
                    "Worker",
                    image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/python:3.12"),
                    environment={"PARTNER_KEY_ARN": partner.secret_arn},
                    secrets={"PARTNER_KEY": ecs.Secret.from_secrets_manager(partner)},
                )
            """,
            fires=0,
            kind="cdk",
        ),
    ),
    check=check_plain_credentials,
)
