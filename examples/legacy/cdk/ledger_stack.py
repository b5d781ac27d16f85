"""The ledger service: a Lambda API and an ECS worker in front of Aurora PostgreSQL.

This docstring talks about rds.DatabaseCluster, aurora-postgresql, rds-data:ExecuteStatement
and port 5432 on purpose: words in docstrings and comments are never findings.
"""

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from constructs import Construct

HANDLER = """
def main(event, context):
    return {"statusCode": 200}
"""


class DatabaseCluster:
    """A local class that only shares its name with the CDK construct: never reported."""

    def __init__(self, name: str) -> None:
        self.name = name


class LedgerStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # The rds.DatabaseCluster below is what the migration removes (a comment: no finding).
        labels = DatabaseCluster("ledger")
        vpc = ec2.Vpc(self, "LedgerVpc", max_azs=2, nat_gateways=0)
        db_security_group = ec2.SecurityGroup(self, "DatabaseSecurityGroup", vpc=vpc)
        db_security_group.add_ingress_rule(
            ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(5432), "PostgreSQL from the VPC"
        )
        subnet_group = rds.SubnetGroup(
            self,
            "LedgerSubnets",
            description=f"Subnets of the {labels.name} database",
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        )
        cluster = rds.DatabaseCluster(
            self,
            "OrbitAurora",
            engine=rds.DatabaseClusterEngine.aurora_postgres(
                version=rds.AuroraPostgresEngineVersion.VER_16_4
            ),
            credentials=rds.Credentials.from_generated_secret("ledger_admin"),
            writer=rds.ClusterInstance.provisioned("writer"),
            readers=[rds.ClusterInstance.serverless_v2("reader")],
            serverless_v2_min_capacity=0.5,
            serverless_v2_max_capacity=4,
            vpc=vpc,
            subnet_group=subnet_group,
            security_groups=[db_security_group],
            default_database_name="ledger",
            enable_data_api=True,
        )
        cluster.add_rotation_single_user()
        proxy = cluster.add_proxy("LedgerProxy", secrets=[cluster.secret], vpc=vpc)

        api = lambda_.Function(
            self,
            "LedgerApi",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.main",
            code=lambda_.Code.from_inline(HANDLER),
            vpc=vpc,
            environment={
                "DB_HOST": cluster.cluster_endpoint.hostname,
                "DB_SECRET_ARN": cluster.secret.secret_arn,
                "AURORA_CLUSTER_ARN": cluster.cluster_arn,
                "RDS_PROXY_ENDPOINT": proxy.endpoint,
                "LOG_LEVEL": "INFO",
            },
        )
        cluster.grant_data_api_access(api)
        proxy.grant_connect(api, "ledger_app")
        api.add_to_role_policy(
            iam.PolicyStatement(
                actions=["rds-data:ExecuteStatement", "rds-data:BatchExecuteStatement"],
                resources=[cluster.cluster_arn],
            )
        )
        cluster.connections.allow_default_port_from(api, "Lambda to PostgreSQL")

        worker = ecs.FargateTaskDefinition(self, "LedgerWorker", cpu=256, memory_limit_mib=512)
        worker.add_container(
            "worker",
            image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/python:3.12"),
            environment={"RDS_HOSTNAME": "orbit-aurora.cluster-c1x2y3z4.us-east-1.rds.amazonaws.com"},
            secrets={"DB_PASSWORD": ecs.Secret.from_secrets_manager(cluster.secret, "password")},
        )

        CfnOutput(self, "LedgerDatabaseEndpoint", value=cluster.cluster_endpoint.hostname)
