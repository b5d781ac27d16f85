"""RDS001: an Aurora RDS cluster (AWS::RDS::DBCluster or GlobalCluster; CDK DatabaseCluster,
ServerlessCluster...) is still declared. The migration replaces it with exactly one Aurora DSQL
cluster; left in the IaC it keeps running, keeps costing and keeps the old data path alive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule
from scanner.rules.rds._common import CLUSTER_TYPES, RDS_CLUSTER_TEMPLATE, resources_of

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.facts import FileFacts


def check_cluster(facts: FileFacts, config: Config) -> Iterator[Hit]:
    return resources_of(facts, CLUSTER_TYPES)


RULE = rule(
    id="RDS001",
    name="rds-cluster",
    title="Aurora RDS cluster still declared",
    severity=Severity.ERROR,
    reads=("resources",),
    since="0.1.0",
    requirements=("FR-001", "SC-001", "SC-004"),
    rationale="""The migration replaces the Aurora RDS cluster with exactly one Aurora DSQL
        cluster. A cluster left in the IaC keeps running, keeps costing, and keeps the old
        data path alive.""",
    remediation="""Delete the AWS::RDS::DBCluster / GlobalCluster (CDK DatabaseCluster,
        ServerlessCluster...) after the data has moved, and declare an AWS::DSQL::Cluster.""",
    examples=(
        Example(RDS_CLUSTER_TEMPLATE, fires=1, lines=(3,)),
        Example(
            """
            Resources:
              Global:
                Type: AWS::RDS::GlobalCluster
            """,
            fires=1,
            lines=(3,),
        ),
        Example(
            """
            Resources:
              Ledger:
                Type: AWS::DSQL::Cluster
                Properties:
                  DeletionProtectionEnabled: true
            """,
            fires=0,
        ),
        Example(
            """
            from aws_cdk import CfnResource, Stack
            from aws_cdk import aws_rds as rds
            import aws_cdk.aws_rds as relational


            class LedgerStack(Stack):
                def __init__(self, scope, construct_id, vpc):
                    super().__init__(scope, construct_id)
                    rds.DatabaseCluster(
                        self, "Ledger", engine=rds.DatabaseClusterEngine.AURORA_POSTGRESQL, vpc=vpc
                    )
                    relational.ServerlessCluster(
                        self, "Reports", engine=relational.DatabaseClusterEngine.AURORA_MYSQL, vpc=vpc
                    )
                    CfnResource(self, "Raw", type="AWS::RDS::DBCluster")
            """,
            fires=3,
            kind="cdk",
            lines=(9, 12, 15),
        ),
        Example(
            """
            \"\"\"Moves the ledger off rds.DatabaseCluster onto Aurora DSQL.\"\"\"

            from aws_cdk import Stack
            from aws_cdk import aws_dsql as dsql


            class DatabaseCluster:  # a local class that only shares the CDK name
                def __init__(self, scope, name):
                    self.name = name


            class LedgerStack(Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    # rds.DatabaseCluster(self, "Ledger") was removed by the migration
                    dsql.CfnCluster(self, "Ledger", deletion_protection_enabled=True)
                    DatabaseCluster(self, "Labels")
            """,
            fires=0,
            kind="cdk",
        ),
    ),
    check=check_cluster,
)
