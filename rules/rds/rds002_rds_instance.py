"""RDS002: an Aurora RDS instance (AWS::RDS::DBInstance; CDK ClusterInstance,
DatabaseInstance) is still declared. Instances exist only to serve the Aurora RDS cluster; Aurora
DSQL is serverless and has none to size or patch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule
from scanner.rules.rds._common import INSTANCE_TYPES, resources_of

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.facts import FileFacts


def check_instance(facts: FileFacts, config: Config) -> Iterator[Hit]:
    return resources_of(facts, INSTANCE_TYPES)


RULE = rule(
    id="RDS002",
    name="rds-instance",
    title="Aurora RDS instance still declared",
    severity=Severity.ERROR,
    reads=("resources",),
    since="0.1.0",
    requirements=("FR-001", "FR-007", "SC-004"),
    rationale="""Cluster instances (writer and readers) exist only to serve the Aurora RDS
        cluster. Aurora DSQL is serverless and has no instances to size or patch.""",
    remediation="""Delete the AWS::RDS::DBInstance resources (CDK ClusterInstance.provisioned /
        serverless_v2, DatabaseInstance) together with the cluster.""",
    examples=(
        Example(
            """
            Resources:
              Writer:
                Type: AWS::RDS::DBInstance
                Properties:
                  DBInstanceClass: db.r6g.large
            """,
            fires=1,
            lines=(3,),
        ),
        Example(
            """
            Resources:
              Table:
                Type: AWS::DynamoDB::Table
            """,
            fires=0,
        ),
        Example(
            """
            from aws_cdk import aws_ec2 as ec2
            from aws_cdk import aws_rds as rds

            writer = rds.ClusterInstance.provisioned("writer", instance_type=ec2.InstanceType("r6g.large"))
            reader = rds.ClusterInstance.serverless_v2("reader")


            def reporting_replica(scope, vpc):
                return rds.DatabaseInstance(
                    scope, "Reporting", engine=rds.DatabaseInstanceEngine.POSTGRES, vpc=vpc
                )
            """,
            fires=3,
            kind="cdk",
            lines=(4, 5, 9),
        ),
        Example(
            """
            from aws_cdk import aws_ec2 as ec2


            def bastion(scope, vpc):
                return ec2.Instance(
                    scope,
                    "Bastion",
                    vpc=vpc,
                    instance_type=ec2.InstanceType("t3.micro"),
                    machine_image=ec2.MachineImage.latest_amazon_linux2023(),
                )
            """,
            fires=0,
            kind="cdk",
        ),
    ),
    check=check_instance,
)
