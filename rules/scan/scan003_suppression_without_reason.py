"""SCAN003: a suppression without the reason the review shows its reader.

Raised with SCAN002 when suppressions are matched to findings (``scanner.gate.suppress``).
"""

from __future__ import annotations

from scanner.model import Severity
from scanner.rules.base import Example, rule

RULE = rule(
    id="SCAN003",
    name="suppression-without-reason",
    title="Suppression has no reason",
    severity=Severity.WARNING,
    kinds=("cfn", "cdk", "app", "sql"),
    reads=(),
    since="0.1.0",
    requirements=("SC-004",),
    rationale="""The migration review lists every suppression with its reason; a reviewer
        cannot sign off an exception nobody explained.""",
    remediation="Add a reason: `reason: ...` in metadata, or text after `ignore[ID]` in code.",
    examples=(
        Example(
            """
            Resources:
              Legacy:
                Type: AWS::RDS::DBCluster
                Metadata:
                  dsql-scan:
                    ignore:
                      - id: RDS001
            """,
            fires=1,
            lines=(7,),
        ),
        Example(
            """
            Resources:
              Legacy:
                Type: AWS::RDS::DBCluster
                Metadata:
                  dsql-scan:
                    ignore:
                      - id: RDS001
                        reason: deleted in the follow-up change LEDGER-43
            """,
            fires=0,
        ),
        Example(
            """
            import boto3

            client = boto3.client("rds-data")  # dsql-scan: ignore[RDS009]
            """,
            fires=1,
            kind="app",
            lines=(3,),
        ),
        Example(
            """
            from aws_cdk import Stack
            from aws_cdk import aws_rds as rds


            class LedgerStack(Stack):
                def __init__(self, scope, construct_id, vpc):
                    super().__init__(scope, construct_id)
                    rds.DatabaseCluster(  # dsql-scan: ignore[RDS001]
                        self,
                        "Legacy",
                        engine=rds.DatabaseClusterEngine.AURORA_POSTGRESQL,
                        vpc=vpc,
                    )
            """,
            fires=1,
            kind="cdk",
            lines=(8,),
        ),
        Example(
            """
            -- dsql-scan: ignore[SQL001]
            CREATE TABLE accounts (id SERIAL PRIMARY KEY);
            """,
            fires=1,
            kind="sql",
            lines=(1,),
        ),
    ),
)
