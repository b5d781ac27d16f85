"""SCAN001: a file in scope that cannot be parsed, so nobody has checked it.

Raised where a file is analysed (its input could not read it), not by a check over facts.
"""

from __future__ import annotations

from scanner.model import Severity
from scanner.rules.base import Example, rule

RULE = rule(
    id="SCAN001",
    name="parse-error",
    title="File cannot be parsed",
    severity=Severity.ERROR,
    kinds=("cfn", "cdk", "app", "sql"),
    reads=(),
    since="0.1.0",
    requirements=("SC-004",),
    rationale="""A file that cannot be read is a file whose Aurora RDS references nobody has
        checked. The review cannot claim "no RDS reference remains" over it, so the scan
        reports it (with the parser's reason and position) and fails.""",
    remediation="""Fix the syntax at the reported position, or exclude the file in the
        configuration if it is not part of the application or its infrastructure.""",
    examples=(
        Example(
            """
            AWSTemplateFormatVersion: "2010-09-09"
            Resources:
              Cluster:
                Type: AWS::RDS::DBCluster
                Properties: [unclosed
            """,
            fires=1,
        ),
        Example(
            """
            AWSTemplateFormatVersion: "2010-09-09"
            Resources:
              Ledger:
                Type: AWS::DSQL::Cluster
            """,
            fires=0,
        ),
        Example(
            """
            import boto3


            def handler(event:
                return boto3.client("dsql")
            """,
            fires=1,
            kind="app",
            lines=(4,),
        ),
        Example(
            """
            from aws_cdk import Stack
            from aws_cdk import aws_dsql as dsql


            class LedgerStack(Stack):
                def __init__(self, scope, construct_id:
                    super().__init__(scope, construct_id)
                    dsql.CfnCluster(self, "Ledger", deletion_protection_enabled=True)
            """,
            fires=1,
            kind="cdk",
            lines=(6,),
        ),
    ),
)
