"""RDS008: environment variables, Outputs, Exports and SSM parameters that carry the Aurora RDS
database's endpoint, ARN or secret, legacy RDS setting names not wired to the DSQL cluster, and
application code that reads those names. They keep consumers pointed at the old database and stop
the stack from deleting it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scanner.facts import RDS_PREFIX, FileFacts, Sink, Target
from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule
from scanner.rules.rds._common import CDK_APP_FILES, api_stack, arrival

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config


def check_references(facts: FileFacts, config: Config) -> Iterator[Hit]:
    uses_dsql = bool(facts.clusters) or any(sink.wired_to_dsql for sink in facts.sinks)
    for sink in facts.sinks:
        hit = _sink_hit(sink, config, uses_dsql)
        if hit is not None:
            yield hit
    for read in facts.env_reads:
        if _legacy_name(read.name, config):
            yield Hit(
                read.location,
                f"code reads the legacy Aurora RDS setting '{read.name}' from the environment; "
                f"read the DSQL settings ({DSQL_SETTINGS}) instead",
            )


def _sink_hit(sink: Sink, config: Config, uses_dsql: bool = False) -> Hit | None:
    where = {"env": "environment variable", "output": "Output", "export": "exported Output"}.get(
        sink.kind, "SSM parameter"
    )
    rds = sink.rds_targets
    if rds:
        target = rds[0]
        kind = (
            "secret" if target.rds_secret and not target.type.startswith(RDS_PREFIX) else "resource"
        )
        return Hit(
            sink.location,
            f"{where} '{sink.name}' carries {described(target)} of an Aurora RDS {kind}"
            f"{arrival(target)}; point it at the DSQL cluster (endpoint, identifier or ARN) or "
            "remove it",
        )
    if sink.kind == "env" and not _dsql_value(sink, uses_dsql) and _legacy_name(sink.name, config):
        resolved = [described(t) + arrival(t) for t in sink.targets if t.via]
        value = f" (its value is {', '.join(resolved)}, no DSQL value)" if resolved else ""
        return Hit(
            sink.name_location,
            f"environment variable '{sink.name}' is a legacy Aurora RDS setting{value}; replace "
            f"it with the DSQL settings ({DSQL_SETTINGS})",
        )
    return None


def _dsql_value(sink: Sink, uses_dsql: bool) -> bool:
    """Is the value the DSQL cluster's: wired to it, or its one database's name ("postgres")
    in a stack that uses a DSQL cluster?"""
    return sink.wired_to_dsql or (uses_dsql and sink.literal == DSQL_DATABASE)


def _legacy_name(name: str, config: Config) -> bool:
    return any(re.search(p, name) for p in config.legacy_env_patterns)


def described(target: Target) -> str:
    """A target as messages name it: ``Cluster.Endpoint.Address``."""
    return f"{target.name}.{target.attribute}" if target.attribute else target.name


DSQL_SETTINGS = "DSQL_ENDPOINT, DSQL_CLUSTER_ARN, DSQL_DATABASE"

DSQL_DATABASE = "postgres"  # the one database an Aurora DSQL cluster has


RULE = rule(
    id="RDS008",
    name="rds-reference",
    title="Value carries an Aurora RDS reference",
    severity=Severity.ERROR,
    reads=("sinks", "clusters", "env_reads"),
    since="0.1.0",
    requirements=("FR-002", "FR-007", "SC-004"),
    rationale="""Environment variables, Outputs, Exports and SSM parameters that carry the RDS
        cluster's endpoint, ARN or secret keep consumers pointed at the old database and stop
        the stack from deleting it, whatever the name (DB_HOST, DB_PASSWORD, DATABASE_URL
        carrying an RDS attribute, the RDS secret or a field of it). Legacy names (an RDS or
        AURORA word with a connection-setting word: SECRET, CLUSTER, ARN, ENDPOINT, HOST,
        PORT, USER, PASSWORD, DB, DATABASE, NAME, URL...; configurable with
        legacy-env-patterns) are reported whatever their value, unless it is wired to the
        DSQL cluster (or is its database, postgres, in a stack that uses the cluster).""",
    remediation="""Point the value at the DSQL cluster (GetAtt Cluster.Endpoint / Identifier /
        ResourceArn; CDK: cluster.attr_endpoint) under a DSQL name such as DSQL_ENDPOINT, or
        remove it; application code reads the DSQL names instead of the legacy ones.""",
    examples=(
        Example(
            """
            Resources:
              Api:
                Type: AWS::Lambda::Function
                Properties:
                  Environment:
                    Variables:
                      DB_HOST: !GetAtt Cluster.Endpoint.Address
                      AURORA_SECRET_ARN: arn:aws:secretsmanager:us-east-1:111122223333:secret:db
              Cluster:
                Type: AWS::RDS::DBCluster
            Outputs:
              ClusterArn:
                Value: !Sub "arn:aws:rds:${AWS::Region}:${AWS::AccountId}:cluster:${Cluster}"
                Export:
                  Name: ledger-cluster-arn
            """,
            fires=3,
            lines=(7, 8, 13),
        ),
        Example(
            """
            Resources:
              Api:
                Type: AWS::Lambda::Function
                Properties:
                  Environment:
                    Variables:
                      AURORA_DB_CLUSTER_ARN: !GetAtt Ledger.ResourceArn
                      DSQL_ENDPOINT: !GetAtt Ledger.Endpoint
              Ledger:
                Type: AWS::DSQL::Cluster
            """,
            fires=0,
        ),
        Example(
            """
            from aws_cdk import aws_lambda as lambda_
            from aws_cdk import aws_rds as rds


            def api(scope, cluster: rds.DatabaseCluster, code):
                return lambda_.Function(
                    scope,
                    "Api",
                    runtime=lambda_.Runtime.PYTHON_3_12,
                    handler="app.handler",
                    code=code,
                    environment={
                        "DB_HOST": cluster.cluster_endpoint.hostname,
                        "DB_SECRET_ARN": cluster.secret.secret_arn,
                        "AURORA_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:db",
                    },
                )
            """,
            fires=3,
            kind="cdk",
            lines=(13, 14, 15),
        ),
        Example(
            """
            from aws_cdk import aws_dsql as dsql
            from aws_cdk import aws_lambda as lambda_


            def api(scope, code):
                ledger = dsql.CfnCluster(scope, "Ledger")
                return lambda_.Function(
                    scope,
                    "Api",
                    runtime=lambda_.Runtime.PYTHON_3_12,
                    handler="app.handler",
                    code=code,
                    environment={
                        "DSQL_ENDPOINT": ledger.attr_endpoint,
                        "AURORA_DB_CLUSTER_ARN": ledger.attr_resource_arn,
                        "DSQL_DATABASE": "postgres",
                    },
                )
            """,
            fires=0,
            kind="cdk",
        ),
        Example(
            api_stack(
                """
                self.database = data.database
                self.api.add_environment("DB_HOST", self.database.db_instance_endpoint_address)
                self.api.add_environment("DB_SECRET_ARN", data.db_credentials.secret_arn)
                """
            ),
            fires=2,
            kind="cdk",
            filename="stacks/api_stack.py",
            lines=(16, 17),
            extra_files=CDK_APP_FILES,
        ),
        Example(
            api_stack(
                """
                self.api.add_environment("AURORA_DB_ENDPOINT", data.ledger.attr_endpoint)
                self.api.add_environment("AURORA_DB_CLUSTER_ARN", data.ledger.attr_resource_arn)
                self.api.add_environment("DB_HOST", data.documents.cluster_endpoint.hostname)
                """
            ),
            fires=0,
            kind="cdk",
            filename="stacks/api_stack.py",
            extra_files=CDK_APP_FILES,
        ),
        Example(
            """
            import os
            from os import getenv

            CLUSTER_ARN = os.environ["AURORA_CLUSTER_ARN"]
            HOST = getenv("RDS_HOSTNAME", "localhost")
            SECRET = os.environ.get("RDS_SECRET_ARN")
            """,
            fires=3,
            kind="app",
            lines=(4, 5, 6),
        ),
        Example(
            """
            import os

            ENDPOINT = os.environ["DSQL_ENDPOINT"]
            DATABASE = os.environ.get("DSQL_DATABASE", "postgres")
            NOTE = "AURORA_CLUSTER_ARN was replaced by DSQL_CLUSTER_ARN"
            """,
            fires=0,
            kind="app",
        ),
    ),
    check=check_references,
)
