"""RDS004: an RDS supporting resource (subnet group, parameter group, proxy, endpoint, any
other AWS::RDS::* type but the cluster and instance, or the SecretsManagerRDS*Rotation serverless
application) is still declared. It has no purpose without the Aurora RDS cluster and blocks its
clean deletion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.facts import RDS_PREFIX, FileFacts
from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule
from scanner.rules.rds._common import CLUSTER_TYPES, INSTANCE_TYPES, subject

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config


def check_supporting(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for resource in facts.resources:
        supporting = (
            resource.type.startswith(RDS_PREFIX)
            and resource.type not in CLUSTER_TYPES | INSTANCE_TYPES
        )
        if supporting or resource.detail == "rds-rotation-application":
            what = resource.detail or resource.type
            yield Hit(
                resource.location,
                f"RDS supporting resource {subject(resource.location)}({what}) only serves the "
                "Aurora RDS cluster; delete it with the cluster",
            )


RULE = rule(
    id="RDS004",
    name="rds-supporting-resource",
    title="RDS supporting resource still declared",
    severity=Severity.ERROR,
    reads=("resources",),
    since="0.1.0",
    requirements=("FR-001", "FR-007", "SC-004"),
    rationale="""Subnet groups, parameter groups, proxies, endpoints and RDS rotation
        applications have no purpose without the Aurora RDS cluster and block its clean
        deletion.""",
    remediation="""Delete every other AWS::RDS::* resource and the SecretsManagerRDS*Rotation
        serverless application with the cluster.""",
    examples=(
        Example(
            """
            Resources:
              Subnets:
                Type: AWS::RDS::DBSubnetGroup
              Params:
                Type: AWS::RDS::DBClusterParameterGroup
              Rotator:
                Type: AWS::Serverless::Application
                Properties:
                  Location:
                    ApplicationId: arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser
                    SemanticVersion: 1.1.367
            """,
            fires=3,
            lines=(3, 5, 7),
        ),
        Example(
            """
            Mappings:
              RotationSARMapping:
                aws:
                  applicationId: arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser
            Resources:
              Rotator:
                Type: AWS::Serverless::Application
                Properties:
                  Location:
                    ApplicationId: !FindInMap [RotationSARMapping, !Ref AWS::Partition, applicationId]
                    SemanticVersion: 1.1.367
            """,
            fires=1,
            lines=(7,),
        ),
        Example(
            """
            Resources:
              Cluster:
                Type: AWS::RDS::DBCluster
              Api:
                Type: AWS::Serverless::Application
                Properties:
                  Location: ./nested/api.yaml
            """,
            fires=0,
        ),
        Example(
            """
            from aws_cdk import aws_rds as rds
            from aws_cdk.aws_rds import DatabaseProxy as Proxy


            def database(scope, vpc, cluster: rds.DatabaseCluster):
                rds.SubnetGroup(scope, "Subnets", vpc=vpc, description="ledger")
                rds.ParameterGroup(scope, "Params", engine=cluster.engine)
                Proxy(scope, "Proxy", proxy_target=rds.ProxyTarget.from_cluster(cluster), vpc=vpc)
                cluster.add_proxy("AppProxy", vpc=vpc)
            """,
            fires=4,
            kind="cdk",
            lines=(6, 7, 8, 9),
        ),
        Example(
            """
            from aws_cdk import aws_ec2 as ec2


            def network(scope):
                vpc = ec2.Vpc(scope, "Vpc", max_azs=2)
                ec2.SecurityGroup(scope, "Api", vpc=vpc)
            """,
            fires=0,
            kind="cdk",
        ),
    ),
    check=check_supporting,
)
